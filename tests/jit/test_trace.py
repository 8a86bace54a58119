"""jit.trace: replayed traces equal eager on new inputs; broken assumptions raise or retrace, never replay."""
import numpy as np
import pytest

import flambeau as torch
import flambeau.nn as nn
from flambeau import _dispatch, jit
from flambeau.jit.ir import Value, VerifyError, verify


def small_cnn():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                         nn.Conv2d(8, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))


def encoder_layer():
    return nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)


# resnet18, mobilenet_v2 and whole encoders: tests/jit/test_trace_models.py
@pytest.mark.parametrize("build, shape", [(small_cnn, (2, 3, 8, 8)), (encoder_layer, (2, 5, 16))],
                         ids=["cnn", "encoder_layer"])
def test_trace_equals_eager_on_new_inputs(build, shape):
    torch.manual_seed(0)
    model = build().eval()
    traced = jit.trace(model, torch.randn(*shape))
    verify(traced.graph)
    for _ in range(3):
        x = torch.randn(*shape)
        with torch.no_grad():
            expected = model(x)
        np.testing.assert_array_equal(traced(x).numpy(), expected.numpy())


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4, bias=False)  # so that -x takes the other branch

    def forward(self, x):
        y = self.lin(x)
        if y.sum() > 0:  # the data-dependent read
            return y * 2
        return -y


def test_data_dependent_branch_strict_names_the_line():
    torch.manual_seed(0)
    model = Branchy()
    x = torch.randn(3, 4)
    traced = jit.trace(model, x)
    flip = -x
    with pytest.raises(RuntimeError, match=r"test_trace\.py:\d+: if y\.sum\(\) > 0"):
        traced(flip)
    np.testing.assert_array_equal(traced(x).numpy(), model(x).detach().numpy())  # the traced branch still runs


def test_data_dependent_branch_retraces_when_not_strict():
    torch.manual_seed(0)
    model = Branchy()
    x = torch.randn(3, 4)
    traced = jit.trace(model, x, strict=False)
    for inp in (-x, x, -x):
        np.testing.assert_array_equal(traced(inp).numpy(), model(inp).detach().numpy())
    assert len(next(iter(traced._traces.values()))) == 2  # one trace per branch, kept


def test_other_image_size_breaks_the_shape_guard():
    torch.manual_seed(0)
    model = small_cnn().eval()
    traced = jit.trace(model, torch.randn(2, 3, 8, 8))  # the batch is dynamic (s0), the image size is not
    with pytest.raises(RuntimeError, match=r"specialised to inputs float32\[s0, 3, 8, 8\] .*got float32\[5, 3, 9, 9\]"):
        traced(torch.randn(5, 3, 9, 9))
    loose = jit.trace(model, torch.randn(2, 3, 8, 8), strict=False)
    x = torch.randn(5, 3, 9, 9)
    with torch.no_grad():
        np.testing.assert_array_equal(loose(x).numpy(), model(x).numpy())


def test_value_reads_become_guards():
    def scale(x):
        return x * float(x.max()) + x.sign().tolist()[0]
    traced = jit.trace(scale, torch.tensor([1.0, 2.0]))
    assert [g.what for g in traced.graph.guards] == ["item", "tolist"]
    np.testing.assert_array_equal(traced(torch.tensor([0.5, 2.0])).numpy(), [2.0, 5.0])  # the same reads
    with pytest.raises(RuntimeError, match=r"float\(x.max\(\)\)"):
        traced(torch.tensor([1.0, 3.0]))
    first = jit.trace(lambda x: x + x.tolist()[0], torch.tensor([1.0, 2.0]))  # a read of an input itself
    with pytest.raises(RuntimeError, match=r"tolist gave \[1.0, 2.0\]\); these inputs give \[1.0, 3.0\]"):
        first(torch.tensor([1.0, 3.0]))


def test_nested_inputs_and_outputs():
    def f(pair, d):
        a, b = pair
        return {"sum": a + d["c"], "rest": [b * 2, None]}
    args = ((torch.ones(2), torch.ones(3)), {"c": torch.full((2,), 3.0)})
    traced = jit.trace(f, args)
    out = traced((torch.zeros(2), torch.ones(3)), {"c": torch.ones(2)})
    assert out["rest"][1] is None
    np.testing.assert_array_equal(out["sum"].numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(out["rest"][0].numpy(), [2.0, 2.0, 2.0])


def test_unserializable_argument_names_the_primitive():
    class Odd(_dispatch.Primitive):
        @staticmethod
        def forward(x, fn):
            return fn(x)

    def f(x):
        return _dispatch.apply(Odd, (x,), np.negative)
    with pytest.raises(RuntimeError, match="Odd has an argument that cannot be saved"):
        jit.trace(f, torch.ones(2))
    assert _dispatch.observer is None  # the failed trace leaves no observer behind


def test_write_behind_the_tracer_is_refused():
    def f(x):
        y = x.view(2, 2)
        x.add_(1)  # y now holds other values than the graph's
        return y * 1
    with pytest.raises(RuntimeError, match="written in place"):
        jit.trace(f, torch.zeros(4))


def test_printer_code_and_state_dict():
    model = small_cnn().eval()
    traced = jit.trace(model, torch.randn(1, 3, 8, 8))
    text = str(traced.graph)
    assert text.startswith("graph(%input0 : float32[s0, 3, 8, 8], %0.weight : float32[8, 3, 3, 3]")
    assert "flambeau.ops.conv.Conv(%input0, %0.weight)" in text and "return (%" in text
    assert "def forward(self, input0):" in traced.code and "self['0.weight']" in traced.code
    assert list(traced.state_dict()) == list(model.state_dict())
    assert traced.eval() is traced and not traced.training
    with pytest.raises(RuntimeError, match=r"float32\[s0, 3, 8, 8\] \(training=False\); got .*\(training=True\)"):
        traced.train()(torch.randn(1, 3, 8, 8))  # batch norm would use the batch's statistics


def test_check_trace_catches_what_the_trace_cannot_see():
    calls = [0]

    def counting(x):
        calls[0] += 1  # Python state the trace freezes: replaying gives another answer than eager
        return x + calls[0]
    with pytest.raises(jit.TracingCheckError, match="output 0 of the replayed trace differs"):
        jit.trace(counting, torch.zeros(2))
    calls[0] = 0
    jit.trace(counting, torch.zeros(2), check_trace=False)  # the check is what refused it


def test_verifier_rejects_use_before_definition():
    traced = jit.trace(lambda x: x + 1, torch.ones(2))
    graph = traced.graph
    graph.nodes[0].inputs[0] = Value("nowhere", graph.inputs[0].type)
    with pytest.raises(VerifyError, match="%nowhere is used before it is defined"):
        verify(graph)


def test_random_draws_are_refused():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))  # training mode: dropout draws
    with pytest.raises(RuntimeError, match="random draw at .*would be replayed with the same numbers"):
        jit.trace(model, torch.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"random draw at .*test_trace\.py:\d+: .*torch\.rand_like"):
        jit.trace(lambda x: x + torch.rand_like(x), torch.randn(2))
    traced = jit.trace(model.eval(), torch.randn(2, 4))  # eval mode draws nothing
    x = torch.randn(2, 4)
    np.testing.assert_array_equal(traced(x).numpy(), model(x).detach().numpy())


EMBEDDING = nn.Embedding(5, 3)


@pytest.mark.parametrize("fn", [lambda x, i: x[x > 0] * 2, lambda x, i: x[i] + 1,
                                lambda x, i: torch.topk(x, 2).indices, lambda x, i: EMBEDDING(i) * x[0]],
                         ids=["mask", "index", "topk", "embedding"])
def test_array_arguments_are_graph_values(fn):
    x, i = torch.tensor([1.0, -2.0, 3.0, 0.5]), torch.tensor([2, 0])
    traced = jit.trace(fn, (x, i))
    x2, i2 = torch.tensor([-1.0, 2.0, -3.0, 4.0]), torch.tensor([1, 3])
    np.testing.assert_array_equal(traced(x2, i2).numpy(), fn(x2, i2).detach().numpy())


def test_replay_runs_no_op_through_the_dispatch():
    model = small_cnn().eval()
    traced = jit.trace(model, torch.randn(1, 3, 8, 8))

    class Count(_dispatch.Observer):
        ops = 0

        def on_op(self, prim, inputs, args):
            Count.ops += 1
            return _dispatch.run_observed(self, prim, inputs, args)
    counter = Count()
    _dispatch.add_observer(counter)
    try:
        traced(torch.randn(1, 3, 8, 8))
        assert Count.ops == 0  # the interpreter calls the forwards on arrays
        model(torch.randn(1, 3, 8, 8))
        assert Count.ops > 10  # while eager execution goes through the dispatch
    finally:
        _dispatch.remove_observer(counter)


def test_writes_into_module_state_or_inputs_are_refused():
    with pytest.raises(RuntimeError, match="wrote into parameter or buffer '0.running_mean' in place"):
        jit.trace(nn.Sequential(nn.BatchNorm1d(3)), torch.randn(4, 3))  # training mode updates the statistics
    with pytest.raises(RuntimeError, match="wrote into input 0 in place"):
        jit.trace(lambda x: x.mul_(2), torch.ones(2))


def test_generated_names_never_clash_with_state_dict_keys():
    class Numbered(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("v0", torch.ones(2))  # the name the first op's result would get
            self.register_buffer("input0", torch.full((2,), 2.0))

        def forward(self, x):
            return x * self.v0 + self.input0
    traced = jit.trace(Numbered(), torch.ones(2))
    names = [v.name for v in [*traced.graph.inputs, *traced.graph.params.values(), *traced.graph.constants]]
    names += [v.name for n in traced.graph.nodes for v in n.outputs]
    assert len(names) == len(set(names)) and "v0" in names and "input0" in names
    np.testing.assert_array_equal(traced(torch.full((2,), 3.0)).numpy(), [5.0, 5.0])


@pytest.mark.parametrize("cell", ["LSTMCell", "GRUCell", "RNNCell"])
def test_trace_of_recurrent_cells_replays_eager(cell):
    """A cell's step passes its transposed recurrent weight as an array argument: the trace must know it."""
    torch.manual_seed(0)
    module = getattr(nn, cell)(4, 6).eval()
    traced = jit.trace(module, torch.randn(2, 4))
    x = torch.randn(2, 4)
    got, expected = traced(x), module(x)
    for g, e in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple) else (expected,)):
        np.testing.assert_array_equal(g.numpy(), e.detach().numpy())


def test_trace_of_upsampling_and_element_tests():
    """interpolate checks its scale with isfinite, an element test the graph must be able to name and save."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Upsample(scale_factor=2, mode="bilinear")).eval()
    traced = jit.trace(model, torch.randn(1, 3, 8, 8))
    x = torch.randn(1, 3, 8, 8)
    np.testing.assert_array_equal(traced(x).numpy(), model(x).detach().numpy())
    tests = jit.trace(lambda t: torch.stack([torch.isfinite(t), torch.isnan(t), torch.signbit(t)]), torch.randn(3))
    probe = torch.tensor([1.0, float("nan"), -float("inf")])
    np.testing.assert_array_equal(tests(probe).numpy(), [[True, False, False], [False, True, False],
                                                         [False, False, True]])
