"""jit.trace's dynamic dims: sizes stay symbolic through the trace, one trace serves other sizes, and a size used as
a Python number (seen, or caught by tracing at other sizes) is exact: another size raises or retraces, never replays."""
import io
import zipfile

import numpy as np
import pytest

import flambeau as torch
import flambeau.nn as nn
from flambeau import jit
from flambeau.jit._attrs import decode, encode
from flambeau.jit._symbolic import SizeExpr, SymInt, evaluate, text


def same(traced, fn, *inputs):
    with torch.no_grad():
        expected = fn(*inputs)
    np.testing.assert_array_equal(traced(*inputs).numpy(), expected.numpy())


def test_symint_arithmetic_stays_symbolic():
    batch, seq = SymInt(2, "s0"), SymInt(5, "s1")
    size = (batch * seq + 1) // 2 - seq % 3
    assert int.__int__(size) == (2 * 5 + 1) // 2 - 5 % 3
    assert text(size.expr) == "(s0*s1 + 1)//2 - s1%3"
    assert evaluate(size.expr, {"s0": 7, "s1": 4}) == (7 * 4 + 1) // 2 - 4 % 3
    assert batch * 1 is batch and 0 + batch is batch
    assert isinstance(-batch, SymInt) and evaluate((-batch).expr, {"s0": 3}) == -3


def test_size_arguments_are_encoded_as_expressions():
    size = (SymInt(2, "s0") * 4, -1)
    data = encode(size, lambda a: "unused")
    assert data == {"tuple": [{"sym": ["*", "s0", 4]}, -1]}
    decoded = decode(data, lambda name, as_tensor: name)
    assert isinstance(decoded[0], SizeExpr) and repr(decoded[0]) == "s0*4" and decoded[1] == -1
    with pytest.raises(ValueError, match="malformed size expression"):
        decode({"sym": ["**", "s0", 2]}, lambda name, as_tensor: name)


def test_view_of_a_computed_size_serves_other_sizes():
    def f(x):
        return x.reshape(x.shape[0] * x.shape[1], -1) * 2
    traced = jit.trace(f, torch.randn(2, 3, 4))
    text_ = str(traced.graph)
    assert "%input0 : float32[s0, s1, s2]" in text_ and "args=((s0*s1, -1))" in text_
    assert "float32[s0*s1, s2] = flambeau.ops.shape" in text_
    assert "    s1 = input0.size(1)\n" in traced.code and "View(input0, (s0*s1, -1))" in traced.code
    for shape in [(5, 7, 6), (2, 2, 2), (3, 3, 4)]:
        same(traced, f, torch.randn(*shape))


def test_comparisons_that_hold_for_every_size_specialise_nothing():
    def f(x, y):
        assert x.shape[0] == y.shape[0] and x.numel() and x.shape[1] >= 2 and x.shape[0] != 0  # no size is read
        return x * y.sum()
    traced = jit.trace(f, (torch.randn(3, 4), torch.randn(3)))
    assert str(traced.graph).startswith("graph(%input0 : float32[s0, s1], %input1 : float32[s0])")
    same(traced, f, torch.randn(6, 2), torch.randn(6))
    with pytest.raises(RuntimeError, match=r"specialised to inputs float32\[s0, s1\], float32\[s0\]"):
        traced(torch.randn(6, 2), torch.randn(5))  # one symbol: its dims must agree


class Branches(nn.Module):
    def forward(self, x):
        if x.shape[0] > 2:  # the batch size as a Python number
            return x * 2
        return x * 3


def test_a_size_used_as_a_python_number_is_exact():
    model = Branches()
    traced = jit.trace(model, torch.randn(3, 4))
    assert str(traced.graph).startswith("graph(%input0 : float32[3, s0])")
    same(traced, model, torch.randn(3, 9))
    with pytest.raises(RuntimeError, match=r"got float32\[2, 4\] .*size 3 \(dim 0 of input 0\) is exact: used as a "
                                           r"Python number at .*test_trace_dynamic\.py:\d+: if x\.shape\[0\] > 2"):
        traced(torch.randn(2, 4))
    loose = jit.trace(model, torch.randn(3, 4), strict=False)
    for shape in [(2, 4), (3, 5), (7, 4), (1, 4)]:
        same(loose, model, torch.randn(*shape))


def test_a_hard_reshape_to_the_example_size_is_exact():
    def f(x):
        return x.view(2, 12) + 1
    traced = jit.trace(f, torch.randn(2, 3, 4))
    assert str(traced.graph).startswith("graph(%input0 : float32[2, 3, 4])")
    same(traced, f, torch.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"inputs float32\[2, 3, 4\] \(training=False\); got float32\[2, 4, 3\]"):
        traced(torch.randn(2, 4, 3))


def test_a_size_the_trace_cannot_see_is_caught_at_other_sizes():
    def f(x):
        n = len(x)  # a plain int: the tracer never sees it, so the slice below records the example's 3
        return x[: n - 1] + 1
    traced = jit.trace(f, torch.randn(3, 2))
    assert str(traced.graph).startswith("graph(%input0 : float32[3, s0])")
    same(traced, f, torch.randn(3, 5))
    with pytest.raises(RuntimeError, match=r"size 3 \(dim 0 of input 0\) is exact: at another size, tracing fails"):
        traced(torch.randn(4, 2))
    loose = jit.trace(f, torch.randn(3, 2), strict=False)
    same(loose, f, torch.randn(6, 2))


def test_a_size_one_example_keeps_its_own_trace():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    traced = jit.trace(model, torch.randn(1, 4))
    assert [str(p.graph.inputs[0].type) for ps in traced._traces.values() for p in ps] == ["float32[s0, 4]",
                                                                                          "float32[1, 4]"]
    for batch in (1, 2, 5):
        same(traced, model, torch.randn(batch, 4))
    bigger = jit.trace(model, torch.randn(3, 4))
    with pytest.raises(RuntimeError, match="takes any size from 2 up"):
        bigger(torch.randn(1, 4))  # size 1 broadcasts: never assumed


@pytest.mark.parametrize("fn", [lambda x: torch.zeros(x.shape[0], 2) + x.sum(1, keepdim=True),
                                lambda x: torch.full_like(x, 2.5) * x.cumsum(0)], ids=["zeros", "full_like"])
def test_filled_tensors_of_a_dynamic_size_become_full_nodes(fn):
    traced = jit.trace(fn, torch.randn(3, 5))
    assert str(traced.graph).startswith("graph(%input0 : float32[s0, s1])")
    assert any(n.op.endswith("_symbolic.Full") for n in traced.graph.nodes) and not traced.graph.constants
    same(traced, fn, torch.randn(7, 4))


def test_reading_a_computed_shape_is_checked_at_run_time():
    def f(x):
        y = x.t()
        return y.reshape(y.shape[0] * y.shape[1]) + 1
    traced = jit.trace(f, torch.randn(4, 6))
    guard, = traced.graph.guards
    assert guard.what == "shape" and guard.expected == ["s1", "s0"]
    same(traced, f, torch.randn(8, 10))
    guard.expected = ["s0", "s1"]  # a wrong expectation (the tracer's guesses are checked like this) is refused
    traced = jit.load(_saved(traced))
    with pytest.raises(RuntimeError, match=r"read the shape \[s0, s1\] of a tensor into Python at .*y\.shape\[0\]"):
        traced(torch.randn(8, 10))


def _saved(traced) -> io.BytesIO:
    buffer = io.BytesIO()
    jit.save(traced, buffer)
    return io.BytesIO(buffer.getvalue())


def test_save_and_load_keep_dynamic_dims():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2)).eval()
    traced = jit.trace(model, torch.randn(2, 3, 6, 6))
    loaded = jit.load(_saved(traced))
    assert str(loaded.graph) == str(traced.graph) and "float32[s0, 3, 6, 6]" in str(loaded.graph)
    for batch in (2, 3, 8):
        same(loaded, model, torch.randn(batch, 3, 6, 6))
    with pytest.raises(RuntimeError, match=r"specialised to inputs float32\[s0, 3, 6, 6\]"):
        loaded(torch.randn(2, 3, 7, 7))


def test_a_file_whose_size_names_no_input_dim_is_refused():
    from flambeau.serialization.errors import CorruptFileError
    traced = jit.trace(lambda x: x.reshape(x.shape[0] * 2, -1), torch.randn(4, 6))
    data = _saved(traced).getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    model = members["flambeau_jit/model.json"].decode()
    assert '{"sym": ["*", "s0", 2]}' in model
    members["flambeau_jit/model.json"] = model.replace('["*", "s0", 2]', '["*", "s7", 2]').encode()
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, member in members.items():
            zf.writestr(name, member)
    with pytest.raises(CorruptFileError, match="size s7\\*2 uses s7, which no input's dim is"):
        jit.load(io.BytesIO(tampered.getvalue()))
