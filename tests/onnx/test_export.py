"""flambeau.onnx.export: models pass onnx.checker, and onnxruntime running them gives flambeau's eager outputs,
at the example's sizes and at other sizes of the dynamic axes."""
import io
import sys
import warnings

import numpy as np
import pytest

import flambeau as torch
import flambeau.nn as nn
import flambeau.onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def exported(model, args, **kwargs) -> bytes:
    f = io.BytesIO()
    assert flambeau.onnx.export(model, args, f, **kwargs) is None
    proto = onnx.load_from_string(f.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    return f.getvalue()


def assert_runs_like_eager(data: bytes, model, feeds: dict):
    """onnxruntime's outputs for `feeds` equal the model's eager outputs (inputs in feeds' order)."""
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = torch.utils._pytree.tree_flatten(model(*[torch.from_numpy(a) for a in feeds.values()]))[0]
    got = session.run(None, feeds)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-4, atol=1e-5)


def op_types(data: bytes) -> set:
    return {n.op_type for n in onnx.load_from_string(data).graph.node}


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def vision(name):
    from flambeau.vision import models
    torch.manual_seed(0)
    return getattr(models, name)(num_classes=5).eval()


@pytest.fixture(scope="module")
def resnet18():
    model = vision("resnet18")
    data = exported(model, (torch.from_numpy(randn(1, 3, 32, 32)),), input_names=["image"],
                    output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    return model, data


@pytest.mark.parametrize("batch", [1, 3])
def test_resnet18_runs_like_eager_at_any_batch_size(resnet18, batch):
    model, data = resnet18
    assert_runs_like_eager(data, model, {"image": randn(batch, 3, 32, 32, seed=batch)})


def test_resnet18_names_follow_torch_onnx(resnet18):
    model, data = resnet18
    graph = onnx.load_from_string(data).graph
    assert [i.name for i in graph.input] == ["image"] and [o.name for o in graph.output] == ["logits"]
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in (graph.input[0],
                                                                                         graph.output[0])]
    assert dims == [["batch", 3, 32, 32], ["batch", 5]]
    names = {t.name for t in graph.initializer}
    # batch norm folds into the convolutions' new weights; the linear layer keeps its parameters (Gemm, transB)
    assert {"fc.weight", "fc.bias"} <= names
    assert not names & (set(model.state_dict()) - {"fc.weight", "fc.bias"})


def test_resnet18_op_types_match_torch_onnx(resnet18):
    torch_ = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation
        torch_.onnx.export(torchvision.models.resnet18(num_classes=5).eval(), (torch_.randn(1, 3, 32, 32),), f,
                           dynamo=False, input_names=["image"], dynamic_axes={"image": {0: "batch"}})
    theirs, ours = op_types(f.getvalue()), op_types(resnet18[1])
    # documented differences (docs/differences.md): flambeau's adaptive average pooling to the input's own size
    # (1x1 here) is a copy, not GlobalAveragePool; torch.onnx leaves an Identity behind
    assert ours == theirs - {"GlobalAveragePool", "Identity"}


def test_mobilenet_v2_runs_like_eager_at_any_batch_size():
    model = vision("mobilenet_v2")
    data = exported(model, torch.from_numpy(randn(2, 3, 32, 32)), input_names=["x"], dynamic_axes={"x": [0]})
    assert op_types(data) == {"Conv", "Clip", "Add", "Flatten", "Gemm"}
    for batch in (2, 1):
        assert_runs_like_eager(data, model, {"x": randn(batch, 3, 32, 32, seed=batch)})


class WordLM(nn.Module):
    """The word language model's shape: embedding, a 2-layer LSTM, a decoder; sequence-first."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(30, 8)
        self.rnn = nn.LSTM(8, 12, num_layers=2)
        self.decoder = nn.Linear(12, 30)

    def forward(self, tokens):
        out, (h, c) = self.rnn(self.encoder(tokens))
        return self.decoder(out), h, c


def tokens(seq, batch, seed=0):
    return np.random.default_rng(seed).integers(0, 30, (seq, batch))


def test_lstm_model_with_dynamic_sequence_and_batch():
    torch.manual_seed(0)
    model = WordLM().eval()
    data = exported(model, torch.from_numpy(tokens(5, 2)), input_names=["tokens"],
                    output_names=["logits", "h", "c"], dynamic_axes={"tokens": {0: "seq", 1: "batch"}})
    assert "Scan" in op_types(data)  # the time loop, carrying [h | c]
    for seq, batch in ((5, 2), (7, 3), (1, 1)):
        assert_runs_like_eager(data, model, {"tokens": tokens(seq, batch, seed=seq)})


def test_bidirectional_gru_and_relu_rnn():
    torch.manual_seed(0)
    model = nn.Sequential(nn.GRU(4, 6, bidirectional=True, batch_first=True)).eval()
    gru = lambda x: model[0](x)[0]  # noqa: E731
    data = exported(gru, torch.from_numpy(randn(2, 3, 4)), input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    for batch in (2, 4):
        assert_runs_like_eager(data, gru, {"x": randn(batch, 3, 4, seed=batch)})
    rnn = nn.RNN(4, 5, nonlinearity="relu").eval()
    data = exported(rnn, torch.from_numpy(randn(3, 2, 4)))
    assert_runs_like_eager(data, rnn, {"input0": randn(3, 2, 4, seed=1)})


def test_transformer_encoder_with_dynamic_batch_and_sequence():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()
    data = exported(model, torch.from_numpy(randn(2, 5, 16)), input_names=["src"],
                    dynamic_axes={"src": {0: "batch", 1: "seq"}})
    assert {"LayerNormalization", "Softmax", "MatMul"} <= op_types(data)
    for batch, seq in ((2, 5), (3, 7), (1, 2)):
        assert_runs_like_eager(data, model, {"src": randn(batch, seq, 16, seed=seq)})


class Mixed(nn.Module):
    """A few layers with opset-dependent translations: GELU (an op from opset 20), ReduceMean's axes."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.norm = nn.GroupNorm(2, 4)
        self.pool = nn.AvgPool2d(3, stride=2, ceil_mode=True)
        self.ln = nn.LayerNorm(4)

    def forward(self, x):
        y = self.pool(nn.functional.gelu(self.norm(self.conv(x))))
        y = nn.functional.silu(self.ln(y.permute(0, 2, 3, 1)))
        return torch.softmax(y.flatten(1), dim=-1), y.mean((1, 2)), y[:, 1:, ::2].amax(-1)


@pytest.mark.parametrize("opset", [17, 21])
def test_opsets(opset):
    torch.manual_seed(0)
    model = Mixed().eval()
    data = exported(model, torch.from_numpy(randn(2, 3, 7, 7)), opset_version=opset, input_names=["x"],
                    dynamic_axes={"x": {0: "n"}})
    assert onnx.load_from_string(data).opset_import[0].version == opset
    assert ("Gelu" in op_types(data)) == (opset >= 20)
    for batch in (2, 3):
        assert_runs_like_eager(data, model, {"x": randn(batch, 3, 7, 7, seed=batch)})


@pytest.mark.parametrize("opset", [16, 22])
def test_unsupported_opset_raises_value_error(opset):
    with pytest.raises(ValueError, match=f"opset version: {opset}"):
        flambeau.onnx.export(nn.Linear(2, 2), torch.randn(1, 2), io.BytesIO(), opset_version=opset)


def test_without_constant_folding_parameters_keep_their_names(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(16, 2)).eval()
    model.train()  # export switches to eval mode and back, as torch.onnx does
    path = tmp_path / "model.onnx"
    flambeau.onnx.export(model, torch.from_numpy(randn(1, 3, 4, 4)), str(path), do_constant_folding=False)
    assert model.training
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    names = {t.name for t in proto.graph.initializer}
    assert {"0.weight", "0.bias", "1.running_mean", "1.running_var", "4.weight"} <= names
    assert_runs_like_eager(proto.SerializeToString(), model.eval(), {"input0": randn(1, 3, 4, 4, seed=1)})


def test_dynamo_true_is_the_same_export():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh()).eval()
    x = torch.from_numpy(randn(2, 3))
    assert exported(model, x, dynamo=True) == exported(model, x, dynamo=False)


def test_embedding_and_attention_mask_inputs():
    torch.manual_seed(0)
    emb, attn = nn.Embedding(10, 8), nn.MultiheadAttention(8, 2, batch_first=True)

    def f(ids, mask):
        x = emb(ids)
        return attn(x, x, x, key_padding_mask=mask, need_weights=False)[0]
    ids = np.random.default_rng(0).integers(0, 10, (2, 4))
    mask = np.array([[False, False, True, True], [False, False, False, False]])
    data = exported(f, (torch.from_numpy(ids), torch.from_numpy(mask)), input_names=["ids", "mask"])
    assert_runs_like_eager(data, f, {"ids": ids, "mask": mask})


def test_unsupported_primitive_names_it():
    with pytest.raises(flambeau.onnx.errors.UnsupportedOperatorError, match=r"FftR2C.*opset version 20"):
        flambeau.onnx.export(lambda x: torch.fft.rfft(x).abs(), torch.ones(2, 8), io.BytesIO())
    assert issubclass(flambeau.onnx.UnsupportedOperatorError, RuntimeError)


def test_sizes_found_by_moving_one_axis():
    """A plain trace's sizes against the traces with one dynamic axis moved (axis 0: 2 -> 3 and 4, axis 1: 5 -> 6
    and 7), and the nodes that compute them from an input's shape at other sizes."""
    from flambeau.onnx._builder import GraphBuilder
    from flambeau.onnx._sizes import solve
    sizes = [(0, 2, 3), (0, 2, 4), (1, 5, 6), (1, 5, 7)]
    assert solve(7, [7, 7, 7, 7], sizes) == 7
    found = {"4 * s0 * s1": solve(40, [60, 80, 48, 56], sizes), "s1 - 1": solve(4, [4, 4, 5, 6], sizes),
             "s0": solve(2, [3, 4, 2, 2], sizes)}
    b = GraphBuilder(onnx, 20, {"x"}, {0: ("x", 0), 1: ("x", 1)})
    outputs = [b.value_info(b.size(sym), "int64", [1]) for sym in found.values()]
    graph = onnx.helper.make_graph(b.nodes, "sizes", [b.value_info("x", "float32", ["a", "b"])], outputs,
                                   b.initializers)
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)], ir_version=9)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for s0, s1 in ((2, 5), (7, 3), (1, 1)):
        got = session.run(None, {"x": np.zeros((s0, s1), np.float32)})
        assert [g.tolist() for g in got] == [[eval(text, {"s0": s0, "s1": s1})] for text in found]
    unsolved = solve(4, [9, 16, 4, 4], sizes)  # n * n of axis 0
    assert unsolved.expr is None
    assert solve(3, [3, 4, 3, 3], sizes).expr is None  # still at one other size: (n - 1) // 2 + 1
    with pytest.raises(flambeau.onnx.OnnxExporterError, match="cannot express"):
        b.size(unsolved)


def test_size_arithmetic_outside_the_formulas_is_refused():
    # n * n of a dynamic size n is neither a multiple of it nor it plus a constant: refused, not exported with the
    # example's size
    with pytest.raises(flambeau.onnx.OnnxExporterError, match="cannot express"):
        flambeau.onnx.export(lambda x: x.new_ones(x.shape[0] * x.shape[0]) * x.sum(), torch.from_numpy(randn(3, 2)),
                             io.BytesIO(), dynamic_axes={"input0": [0]})


def test_export_without_onnx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install flambeau\[onnx\]"):
        flambeau.onnx.export(nn.Linear(2, 2), torch.randn(1, 2), io.BytesIO())


class Branches(nn.Module):
    """Control flow on tensor values, which jit.script records as prim.If and prim.Loop."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        y = self.lin(x)
        if y.sum() > 0:
            y = y * 2
        else:
            y = -y
        y = y.abs() + 0.1
        while y.sum() < 100:
            y = y * 2
        return y


def test_script_control_flow_as_if_and_loop():
    from flambeau import jit
    torch.manual_seed(0)
    scripted = jit.script(Branches().eval())
    x = randn(2, 4)
    scripted(torch.from_numpy(x))
    data = exported(scripted, torch.from_numpy(x), input_names=["x"], dynamic_axes={"x": {0: "n"}})
    assert {"If", "Loop"} <= op_types(data)
    # the other branch, more or fewer loop trips, another batch size
    for feed in (x, -x, x * 0.01, randn(5, 4, seed=5)):
        assert_runs_like_eager(data, scripted, {"x": feed})


def word_language_model():
    """examples/word_language_model/model.py, whose main.py starts with `import torch.onnx`."""
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).parents[2] / "examples" / "word_language_model" / "model.py"
    spec = importlib.util.spec_from_file_location("word_language_model_for_onnx", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["LSTM", "Transformer"])
def test_word_language_model_with_its_hidden_state(kind):
    models = word_language_model()
    torch.manual_seed(0)
    if kind == "LSTM":  # (tokens, (h, c)) -> (log-probabilities, (h, c))
        model = models.RNNModel("LSTM", 40, 8, 8, 2).eval()
        args = lambda seq, batch: (torch.from_numpy(tokens(seq, batch) % 40), model.init_hidden(batch))  # noqa: E731
        axes = {"input0": {0: "seq", 1: "batch"}, "input1": {1: "batch"}, "input2": {1: "batch"}}
    else:  # a causal mask from torch.tril over the sequence
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its encoder layer is not batch_first (the nested tensor note)
            model = models.TransformerModel(40, 8, 2, 16, 2).eval()
        args = lambda seq, batch: (torch.from_numpy(tokens(seq, batch) % 40),)  # noqa: E731
        axes = {"input0": {0: "seq", 1: "batch"}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = exported(model, args(5, 2), dynamic_axes=axes)
    # nn.Transformer compares the mask with a causal one in Python: the export says the path is fixed
    assert any("read tensor values into Python" in str(w.message) for w in caught) == (kind == "Transformer")
    call = (lambda x, h, c: model(x, (h, c))) if kind == "LSTM" else model  # the inputs flattened, as in ONNX
    for seq, batch in ((5, 2), (3, 4)):
        inputs = [t.numpy() for t in torch.utils._pytree.tree_flatten(args(seq, batch))[0]]
        assert_runs_like_eager(data, call, {f"input{i}": a for i, a in enumerate(inputs)})


ASSORTED = {  # shape, indexing, joining and reduction primitives, each on an input x (3, 4, 5) and indices i (2,)
    "index_tensor": lambda x, i: x[:, i] * 2,
    "slices_flip": lambda x, i: x[..., 1:4:2].flip(-1) + x[1:, None, 0, -2:].sum(),
    "cat_stack_repeat": lambda x, i: torch.cat([torch.stack([x, -x], 1).flatten(1, 2), x.repeat(1, 2, 1)], 1),
    "expand_where": lambda x, i: torch.where(x > 0, x, x[:, :1].expand(3, 4, 5) * 0.5),
    "argmax_amax_cast": lambda x, i: (x.argmax(1), x.amax((0, 2)), x.int().sum(-1), x.cumsum(2).prod(2)),
    "softmax_gelu_pad": lambda x, i: nn.functional.pad(torch.log_softmax(nn.functional.gelu(x, approximate="tanh"),
                                                                          -1), (1, 2), value=0.5),
}


@pytest.mark.parametrize("name", list(ASSORTED))
def test_assorted_primitives(name):
    fn = ASSORTED[name]
    x, i = randn(3, 4, 5), np.array([3, 1])
    data = exported(fn, (torch.from_numpy(x), torch.from_numpy(i)))
    assert_runs_like_eager(data, fn, {"input0": randn(3, 4, 5, seed=1), "input1": np.array([0, 2])})


def test_boolean_mask_indexing_is_refused():
    with pytest.raises(flambeau.onnx.OnnxExporterError, match="boolean masks"):
        flambeau.onnx.export(lambda x: x[x > 0], torch.from_numpy(randn(4)), io.BytesIO())


LAYERS = {  # layers on an input (N, 3, 8, 8), exported with a dynamic batch
    "conv_transpose": lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
    "adaptive_max_pool": lambda: nn.AdaptiveMaxPool2d(2),
    "adaptive_avg_pool": lambda: nn.AdaptiveAvgPool2d(3),
    "max_pool_1d": lambda: nn.Sequential(nn.Flatten(2), nn.MaxPool1d(3, 2, 1)),
    "batch_statistics": lambda: nn.BatchNorm2d(3, track_running_stats=False),
    "instance_norm": lambda: nn.InstanceNorm2d(3, affine=True),
    "local_response_norm": lambda: nn.LocalResponseNorm(2),
    "activations": lambda: nn.Sequential(nn.LeakyReLU(0.1), nn.PReLU(3), nn.Hardswish(), nn.SELU(), nn.CELU(),
                                         nn.Softplus(), nn.Mish(), nn.LogSigmoid(), nn.Hardtanh()),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layers(name):
    torch.manual_seed(0)
    model = LAYERS[name]().eval()
    data = exported(model, torch.from_numpy(randn(2, 3, 8, 8)), dynamic_axes={"input0": [0]})
    assert_runs_like_eager(data, model, {"input0": randn(3, 3, 8, 8, seed=1)})


def test_dynamic_height_and_width():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(3, 2, ceil_mode=True), nn.ConvTranspose2d(4, 2, 2, stride=2)).eval()
    # (the ceil-mode pool's output size is no formula of the input's: its translation needs none)
    data = exported(model, torch.from_numpy(randn(1, 3, 12, 10)), dynamic_axes={"input0": {2: "h", 3: "w"}})
    for h, w in ((12, 10), (17, 9)):
        assert_runs_like_eager(data, model, {"input0": randn(1, 3, h, w, seed=h)})


@pytest.mark.parametrize("fn", [nn.AdaptiveAvgPool2d((1, 2)), lambda x: x * torch.tensor(float(x.shape[2]))],
                         ids=["adaptive_pool_weights", "size_as_value"])
def test_constants_computed_from_a_dynamic_size_are_refused(fn):
    # adaptive average pooling's weights are 1/n over a dynamic n; a size made a tensor is a constant of the trace:
    # the example's values would be wrong at other sizes
    with pytest.raises(flambeau.onnx.OnnxExporterError, match="at other sizes|the same at every size"):
        flambeau.onnx.export(fn, torch.from_numpy(randn(1, 2, 4, 4)), io.BytesIO(), dynamic_axes={"input0": {2: "h"}})


def test_a_jit_trace_result_exports_its_module(tmp_path):
    from flambeau import jit
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU()).eval()
    traced = jit.trace(model, torch.from_numpy(randn(2, 3)))
    data = exported(traced, torch.from_numpy(randn(2, 3)))
    assert {"Gemm", "Relu"} <= op_types(data)
    assert_runs_like_eager(data, model, {"input0": randn(2, 3, seed=1)})
    jit.save(traced, str(tmp_path / "m.pt"))
    with pytest.raises(flambeau.onnx.OnnxExporterError, match="jit.load"):
        flambeau.onnx.export(jit.load(str(tmp_path / "m.pt")), torch.from_numpy(randn(2, 3)), io.BytesIO())
