"""jit.script: control flow on tensors becomes prim.If / prim.Loop; scripted models equal eager on inputs that take
other branches, other trip counts and other lengths; unsupported constructs are refused naming file and line."""
import io
import os
import subprocess
import sys
import warnings
from typing import Dict, List, Optional, Tuple

import numpy as np
import pytest

import flambeau as torch
import flambeau.nn as nn
from flambeau import Tensor, jit
from flambeau.jit._script import UnsupportedNodeError
from flambeau.jit.ir import verify

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def assert_same(got, expected):
    if isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
    else:
        np.testing.assert_array_equal(got.detach().numpy(), expected.detach().numpy())


def eager(model, *inputs):
    with torch.no_grad():
        return model(*inputs)


def programs(scripted):
    return [p for ps in scripted._traces.values() for p in ps]


def ops(graph):
    found = []
    for n in graph.nodes:
        found.append(n.op)
        for b in n.blocks:
            found += ops(b)
    return found


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4, bias=False)  # no bias: -x takes the other branch

    def forward(self, x):
        y = self.lin(x)
        if y.sum() > 0:
            z = y * 2
            scale = 3
        else:
            z = -y
            scale = 3
        if not (z.mean() < 0):   # early return on a tensor condition
            return z * scale
        return torch.tanh(z)


def test_data_dependent_if_is_one_graph_serving_both_branches():
    torch.manual_seed(0)
    model = Branchy()
    scripted = jit.script(model)
    x = torch.randn(3, 4)
    for inp in (x, -x, x * 0.5, -2 * x):
        assert_same(scripted(inp), eager(model, inp))
    assert len(programs(scripted)) == 1
    graph = scripted.graph
    verify(graph)
    assert ops(graph).count("prim.If") == 2 and not graph.guards
    assert "if bool(" in scripted.code and "test_script.py" in scripted.code


def halvings(x, limit: float):
    n = torch.zeros((), dtype=torch.int64)
    while x.abs().max() > limit:
        x = x / 2
        n += 1
    return x, n


def test_while_loop_trip_count_depends_on_tensor_values():
    scripted = jit.script(halvings)
    for scale in (0.5, 3.0, 100.0, 5000.0):   # 0, 2, 7 and 13 iterations
        x = torch.full((2, 3), scale) * torch.arange(6.).reshape(2, 3) / 5
        assert_same(scripted(x, 1.0), halvings(x, 1.0))
    assert len(programs(scripted)) == 1
    assert ops(scripted.graph).count("prim.Loop") == 1
    verify(scripted.graph)


def test_loop_carried_types_are_checked_at_run_time():
    def grow(x):
        while x.sum() < 10:
            x = torch.cat([x, x])
        return x
    scripted = jit.script(grow)
    for start in (torch.ones(1), torch.ones(3), torch.full((2,), 20.0)):  # 4, 1 and 0 doublings
        assert_same(scripted(start), grow(start))
    assert "prim.Loop" not in ops(programs(scripted)[0].graph)   # the shape changes: unrolled, guarded


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.ModuleList([nn.Sequential(nn.Conv2d(c, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU())
                                     for c in (3, 6)])
        self.head = nn.Linear(6, 3)

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        x = x.mean((2, 3))
        if self.training:
            x = x * 0.5
        return self.head(x)


@pytest.mark.parametrize("build, shape", [
    (SmallCNN, (2, 3, 8, 8)),
    (lambda: _vision("resnet18"), (1, 3, 32, 32)),
    (lambda: _vision("mobilenet_v2"), (1, 3, 32, 32))], ids=["cnn", "resnet18", "mobilenet_v2"])
def test_vision_models_equal_eager(build, shape):
    torch.manual_seed(0)
    model = build().eval()
    scripted = jit.script(model)
    for _ in range(2):
        x = torch.randn(*shape)
        assert_same(scripted(x), eager(model, x))
    assert set(scripted.state_dict()) == set(model.state_dict())


def _vision(name):
    from flambeau.vision import models
    return getattr(models, name)(num_classes=5)


class LanguageModel(nn.Module):
    def __init__(self, vocab=11, hidden=8):
        super().__init__()
        self.hidden = hidden
        self.embed = nn.Embedding(vocab, hidden)
        self.cell = nn.LSTMCell(hidden, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens, state: Optional[Tuple[Tensor, Tensor]] = None):
        emb = self.embed(tokens)
        if state is None:
            h = torch.zeros(tokens.size(1), self.hidden)
            c = torch.zeros(tokens.size(1), self.hidden)
        else:
            h, c = state
        logits = []
        for t in range(tokens.size(0)):
            h, c = self.cell(emb[t], (h, c))
            logits.append(self.out(h))
        return torch.stack(logits), (h, c)


def test_lstm_language_model_other_lengths_and_states():
    torch.manual_seed(0)
    model = LanguageModel().eval()
    scripted = jit.script(model)
    for length in (3, 5):
        tokens = torch.randint(0, 11, (length, 2))
        out, state = scripted(tokens)
        assert_same((out, state), eager(model, tokens))
        assert_same(scripted(tokens, state), eager(model, tokens, state))
    with pytest.raises(RuntimeError, match="Expected a value of type 'Optional\\[Tuple\\[Tensor, Tensor\\]\\]'"):
        scripted(tokens, [state[0], state[1]])


class LayerLanguageModel(nn.Module):
    def __init__(self, vocab=11, hidden=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.rnn = nn.LSTM(hidden, hidden, num_layers=2)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens, state: Optional[Tuple[Tensor, Tensor]] = None):
        out, state = self.rnn(self.embed(tokens), state)
        return self.out(out), state


def test_lstm_layer_language_model_other_lengths_and_states():
    torch.manual_seed(0)
    model = LayerLanguageModel().eval()
    scripted = jit.script(model)
    for length, batch in ((3, 2), (6, 3)):
        tokens = torch.randint(0, 11, (length, batch))
        out, state = scripted(tokens)
        assert_same((out, state), eager(model, tokens))
        assert_same(scripted(tokens, state), eager(model, tokens, state))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(13, 16)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), 2)

    def forward(self, tokens, padding: Optional[Tensor] = None):
        positions = torch.arange(tokens.size(1)).unsqueeze(1).float() / 10
        return self.encoder(self.embed(tokens) + positions, src_key_padding_mask=padding)


def test_transformer_encoder_other_lengths_and_masks():
    torch.manual_seed(0)
    model = Encoder().eval()
    scripted = jit.script(model)
    for length in (5, 7):
        tokens = torch.randint(0, 13, (2, length))
        padding = torch.zeros(2, length, dtype=torch.bool)
        padding[1, -2:] = True
        assert_same(scripted(tokens), eager(model, tokens))
        assert_same(scripted(tokens, padding), eager(model, tokens, padding))


class GreedyDecoder(nn.Module):
    """Predicts token + 1 (its weights are set so), up to EOS: the trip count depends on the start token."""
    EOS = 7

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(8, 8)
        self.out = nn.Linear(8, 8)
        with torch.no_grad():
            self.embed.weight.copy_(torch.eye(8))
            self.out.weight.copy_(torch.roll(torch.eye(8), 1, 0) * 5 + torch.rand(8, 8))
            self.out.bias.zero_()

    def forward(self, start, max_len: int):
        tokens = start.unsqueeze(1)
        token = start
        while tokens.size(1) < max_len and (token != self.EOS).any():
            token = self.out(self.embed(token)).argmax(-1)
            tokens = torch.cat([tokens, token.unsqueeze(1)], 1)
        return tokens


def test_greedy_decoding_loop_other_lengths():
    torch.manual_seed(0)
    model = GreedyDecoder().eval()
    scripted = jit.script(model)
    for start, max_len in ((2, 9), (5, 9), (6, 9), (1, 4), (2, 9), (7, 9)):
        x = torch.tensor([start])
        out = scripted(x, max_len)
        expected = eager(model, x, max_len)
        assert_same(out, expected)
        assert out.shape[1] == min(max_len, 1 + max(0, 7 - start))


class Controlled(nn.Module):
    """A data-dependent if and a while loop whose trip count depends on the input's values."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4, bias=False)

    def forward(self, x):
        y = self.lin(x)
        if y.sum() > 0:
            y = torch.relu(y)
        else:
            y = torch.sigmoid(y) - 1
        steps = torch.zeros(())
        while y.abs().sum() > 1:
            if steps < 2:   # an if inside the loop's body
                y = y * 0.5
            else:
                y = y * 0.25
            steps = steps + 1
        return y, steps


def test_saved_control_flow_runs_where_the_class_is_not_importable(tmp_path):
    torch.manual_seed(0)
    model = Controlled().eval()
    scripted = jit.script(model)
    x = torch.randn(3, 4)
    scripted(x)
    path = tmp_path / "model.pt"
    jit.save(scripted, path)
    inputs = [x, -x, x * 40, -x * 40]
    np.savez(tmp_path / "inputs.npz", *[t.numpy() for t in inputs])
    code = ("import sys, numpy as np, flambeau.jit as jit, flambeau as torch\n"
            "m = jit.load('model.pt')\n"
            "arrays = np.load('inputs.npz')\n"
            "outs = [m(torch.from_numpy(arrays[f'arr_{i}'])) for i in range(len(arrays.files))]\n"
            "np.savez('outputs.npz', *[t.numpy() for out in outs for t in out])\n"
            "assert not any('test_script' in name for name in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    got = np.load(tmp_path / "outputs.npz")
    expected = [t for inp in inputs for t in eager(model, inp)]
    assert len(got.files) == len(expected)
    for i, e in enumerate(expected):
        np.testing.assert_array_equal(got[f"arr_{i}"], e.numpy())
    loaded = jit.load(io.BytesIO(_saved_bytes(scripted)))
    assert ops(loaded.graph) == ops(scripted.graph)
    loop = next(n for n in loaded.graph.nodes if n.op == "prim.Loop")
    assert "prim.If" in ops(loop.blocks[0])


def _saved_bytes(m) -> bytes:
    buffer = io.BytesIO()
    jit.save(m, buffer)
    return buffer.getvalue()


def test_a_loaded_model_refuses_a_path_it_did_not_record():
    model = GreedyDecoder().eval()
    scripted = jit.script(model)
    scripted(torch.tensor([5]), 9)
    loaded = jit.load(io.BytesIO(_saved_bytes(scripted)))
    assert_same(loaded(torch.tensor([5]), 9), eager(model, torch.tensor([5]), 9))
    with pytest.raises(RuntimeError, match="test_script.py:\\d+"):
        loaded(torch.tensor([3]), 9)   # another trip count: the unrolled trace's guard names the loop


class WithExtras(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.calls = 0

    def forward(self, x):
        if x.sum() > 100:
            return self.never(x)
        return self.helper(self.lin(x))

    def helper(self, y):
        if y.mean() > 0:
            return y * 2
        return y

    @jit.export
    def encode(self, x, k: int):
        return self.lin(x) * k

    @jit.unused
    def never(self, x):
        return x.numpy()   # outside the subset, never compiled

    @jit.ignore
    def log(self, x):
        self.calls += 1
        return x


class Logged(WithExtras):
    def forward(self, x):
        return self.log(self.lin(x))


def test_export_unused_and_ignore():
    torch.manual_seed(0)
    model = WithExtras().eval()
    scripted = jit.script(model)
    x = torch.randn(2, 3)
    for inp in (x, -x):
        assert_same(scripted(inp), eager(model, inp))
    assert_same(scripted.encode(x, 3), eager(model.encode, x, 3))
    assert scripted.lin is model.lin and scripted.calls == 0   # attributes and submodules read through
    with pytest.raises(RuntimeError, match="never was marked @jit.unused"):
        scripted(x + 200)
    loaded = jit.load(io.BytesIO(_saved_bytes(scripted)))   # forward and the exported method
    assert_same(loaded(-x), eager(model, -x))
    assert_same(loaded.encode(-x, 3), eager(model.encode, -x, 3))
    logged = jit.script(Logged().eval())
    logged(x)
    assert logged.calls >= 1   # called as Python (each trace runs it: jit.trace tries other sizes too)
    with pytest.raises(RuntimeError, match="WithExtras.log .*@jit.ignore"):
        jit.save(logged, io.BytesIO())


def test_eval_train_and_graph_before_a_call():
    model = SmallCNN().train()
    scripted = jit.script(model)
    with pytest.raises(RuntimeError, match="first call"):
        scripted.graph
    with_examples = jit.script(model.eval(), example_inputs=[(torch.randn(1, 3, 8, 8),)])
    traced = len(programs(with_examples))
    assert traced and ops(with_examples.graph)
    with_examples(torch.randn(1, 3, 8, 8))
    assert len(programs(with_examples)) == traced   # the example's signature was traced already
    model.train()
    scripted.eval()
    assert not model.training and not scripted.training
    x = torch.randn(1, 3, 8, 8)
    assert_same(scripted(x), eager(model, x))


def scale_by(x, n: int, shift: Optional[float] = None):
    if shift is not None:
        x = x + shift
    return x * n


@pytest.mark.parametrize("args", [(1.5,), ("a",), (2, "b")], ids=["float-for-int", "str-for-int", "str-for-float"])
def test_annotations_are_checked_as_torchscript_does(args):
    import torch as real
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = real.jit.script(scale_by)
    with pytest.raises(Exception) as expected:
        reference(real.ones(2), *args)
    with pytest.raises(type(expected.value), match="Expected a value of type"):
        jit.script(scale_by)(torch.ones(2), *args)
    assert_same(jit.script(scale_by)(torch.ones(2), 2, 0.5), scale_by(torch.ones(2), 2, 0.5))
    with pytest.raises(RuntimeError, match="Tensor \\(inferred\\)"):
        jit.script(scale_by)(1, 2)


def uses_try(x):
    try:
        return x + 1
    except ValueError:
        return x


def uses_with(x):
    with open("f"):
        return x


def uses_generator(x):
    return sum(v for v in [x, x])


def uses_lambda(x):
    f = lambda v: v + x  # noqa: E731
    return f(x)


def uses_global(x):
    global COUNTER
    COUNTER = 1
    return x


@pytest.mark.parametrize("fn, construct", [(uses_try, "try blocks"), (uses_with, "with statements"),
                                           (uses_generator, "generator expressions"),
                                           (uses_lambda, "lambda expressions"), (uses_global, "global declarations")])
def test_unsupported_constructs_name_file_line_and_construct(fn, construct):
    line = fn.__code__.co_firstlineno + 1
    with pytest.raises(UnsupportedNodeError, match=f"{construct}.*test_script.py:{line}:"):
        jit.script(fn)


def test_unsupported_construct_in_a_submodule_is_reported_by_script():
    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = BadInner()

        def forward(self, x):
            return self.inner(x)
    with pytest.raises(UnsupportedNodeError, match="try blocks"):
        jit.script(Outer())


class BadInner(nn.Module):
    def forward(self, x):
        return self.step(x)

    def step(self, x):
        try:
            return x
        finally:
            pass


@jit.script
def clipped(x):
    if x.max() > 1:
        x = x / x.max()
    return x


def uses_scripted(x):
    return clipped(x) * 2


def test_scripted_code_called_inside_a_trace_is_recorded_there():
    for outer in (jit.script(uses_scripted), jit.trace(uses_scripted, torch.ones(3) * 5, strict=False)):
        for x in (torch.ones(3) * 5, torch.ones(3) * 0.5, torch.arange(3.) * 2):
            assert_same(outer(x), uses_scripted(x))


def flatten_and_shrink(x):
    if x.sum() > 0:
        y = x.reshape(x.shape[0], -1) * 2
    else:
        y = x.reshape(x.shape[0], -1)
    steps = torch.zeros(())
    while y.abs().max() > 1:
        y = y.reshape(y.shape[0], -1) / 2
        steps = steps + 1
    return y, steps


def test_one_graph_serves_other_sizes_branches_and_trip_counts():
    scripted = jit.script(flatten_and_shrink)
    rng = np.random.default_rng(0)
    for batch, sign, scale in ((2, 1, 3), (5, -1, 40), (7, 1, 0.1), (3, -1, 9)):
        x = torch.from_numpy((rng.standard_normal((batch, 3, 4)) * sign * scale).astype(np.float32))
        assert_same(scripted(x), flatten_and_shrink(x))
    assert len(programs(scripted)) == 1   # symbolic dims inside the blocks (flambeau/jit/_symbolic.py)
    assert scripted.graph.inputs[0].type.shape[0] == "s0"


def counts_up(x):
    n = torch.zeros(1)
    seen = x
    while n.sum() < x.sum():
        n += 1   # in place on a carried tensor, in a loop that unrolls (seen grows)
        seen = torch.cat([seen, n])
    return n * 2, seen


def test_in_place_writes_in_an_unrolled_loop():
    scripted = jit.script(counts_up)
    for v in (2.5, 4.0, 0.5, 2.5):
        x = torch.tensor([v])
        assert_same(scripted(x), counts_up(x))


def test_saved_blocks_are_validated_before_running():
    import json
    import zipfile
    from flambeau.serialization.errors import CorruptFileError
    torch.manual_seed(0)
    scripted = jit.script(Controlled().eval())
    scripted(torch.randn(3, 4))
    data = _saved_bytes(scripted)

    def changed(edit) -> io.BytesIO:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
            for name in src.namelist():
                member = src.read(name)
                if name.endswith("model.json"):
                    model = json.loads(member)
                    edit(next(n for n in model["graphs"][0]["graph"]["nodes"] if n["op"] == "prim.If"),
                         model["graphs"][0]["graph"])
                    member = json.dumps(model).encode()
                dst.writestr(name, member)
        out.seek(0)
        return out

    def leak(node, graph):   # a value defined inside a branch used after the if
        graph["outputs"][0] = node["blocks"][0]["outputs"][0]

    def one_block(node, graph):
        node["blocks"].pop()

    def bad_block(node, graph):
        node["blocks"][0]["extra"] = []

    for edit, message in ((leak, "used before it is defined"), (one_block, "wrong number of inputs, blocks"),
                          (bad_block, "expected a block")):
        with pytest.raises(CorruptFileError, match=message):
            jit.load(changed(edit))


class Parent(nn.Module):
    def __init__(self):
        super().__init__()
        self.branchy = Branchy()
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.branchy(x))


def test_a_script_module_is_a_module_inside_other_modules():
    torch.manual_seed(0)
    model = Parent().eval()
    keys = list(model.state_dict())
    model.branchy = jit.script(model.branchy)
    assert isinstance(model.branchy, nn.Module) and isinstance(model.branchy, jit.ScriptModule)
    assert list(model.state_dict()) == keys
    assert {id(p) for p in model.parameters()} == {id(p) for p in Parent.parameters(model)}
    x = torch.randn(3, 4)
    outer = jit.script(model)
    for inp in (x, -x):
        expected = model.head(eager(model.branchy._module, inp))
        assert_same(model(inp), expected)
        assert_same(outer(inp), expected)
    model.double()   # the traces were made for float32 weights: they are dropped
    assert_same(model(x.double()), model.head(eager(model.branchy._module, x.double())))


def shrink(x):
    while x.sum() > 4:
        x = x[x > 1] - 1   # keeps its shape until an element drops out
    return x


def test_a_loop_body_is_never_replayed_for_other_carried_shapes():
    scripted = jit.script(shrink)
    stable = torch.tensor([5., 5., 5.])
    assert_same(scripted(stable), shrink(stable))
    assert "prim.Loop" in ops(scripted.graph)
    loaded = jit.load(io.BytesIO(_saved_bytes(scripted)))
    dropping = torch.tensor([5., 1.5, 5.])   # the second iteration drops an element
    with pytest.raises(RuntimeError, match="test_script.py:\\d+: while x.sum.*float32\\[3\\].*float32\\[2\\]"):
        loaded(dropping)
    assert_same(scripted(dropping), shrink(dropping))   # in memory: traced again, unrolled
    assert_same(scripted(stable), shrink(stable))


def weighted(x, xs: Dict[str, float], weights: List[float]):
    return x * xs["a"] * weights[0]


@pytest.mark.parametrize("xs, weights", [({"a": 2.0}, [1.0]), ({"a": 1}, [1.0]), ({1: 2.0}, [1.0]),
                                         ({"a": "s"}, [1.0]), ({"a": 2.0}, [1]), ({"a": 2.0}, (1.0,)),
                                         ({"a": 2.0}, [None]), ({"a": 2.0}, 1.0)])
def test_container_annotations_accept_what_torchscript_accepts(xs, weights):
    import torch as real
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = real.jit.script(weighted)

    def error(fn, lib):
        try:
            fn(lib.ones(2), xs, weights)
        except Exception as e:
            return type(e)
        return None
    assert error(jit.script(weighted), torch) is error(reference, real)


class CallsLoggedHelper(nn.Module):
    def forward(self, x):
        return logged_twice(x)


@jit.ignore
def note(x):
    return x


@jit.script
def logged_twice(x):
    return note(x) * 2


def test_an_ignored_call_inside_a_scripted_function_makes_the_module_unsaveable():
    scripted = jit.script(CallsLoggedHelper())
    x = torch.randn(2)
    assert_same(scripted(x), x * 2)
    with pytest.raises(RuntimeError, match="note .*@jit.ignore"):
        jit.save(scripted, io.BytesIO())
