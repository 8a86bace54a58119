"""The fused steps around linear layers in a compiled step (flambeau/_compile/_fused.py): bit-equal to the
NumPy operations they replace, put in only where their rewrites are safe, and trajectories equal eager."""
import copy

import numpy as np
import pytest

import flambeau
import flambeau.nn as nn
from flambeau._compile import compile
from flambeau._compile._fused import BiasRelu, ReluBackwardSum
from flambeau.ops.elementwise_math import ReluBackward


def _edges(a):
    a.reshape(-1)[:6] = [np.nan, -0.0, 0.0, np.inf, -np.inf, -1e-30]
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_relu_equals_add_then_maximum(dtype):
    rng = np.random.default_rng(0)
    z, b = _edges(rng.standard_normal((37, 50)).astype(dtype)), rng.standard_normal(50).astype(dtype)
    b[:2] = [0.0, -0.0]
    expected = np.maximum(np.add(z, b), 0)
    out = BiasRelu.forward(z, b)
    assert out is z  # into z's own buffer
    np.testing.assert_array_equal(out, expected)
    assert np.array_equal(np.signbit(out), np.signbit(expected))
    transposed = _edges(rng.standard_normal((50, 37)).astype(dtype)).T  # F-contiguous: its own kernel, in place
    expected = np.maximum(np.add(transposed, b), 0)
    assert BiasRelu.forward(transposed, b) is transposed
    np.testing.assert_array_equal(transposed, expected)
    assert np.array_equal(np.signbit(transposed), np.signbit(expected))
    strided = rng.standard_normal((37, 100)).astype(dtype)[:, ::2]  # neither: NumPy's operations
    expected = np.maximum(np.add(strided, b), 0)
    np.testing.assert_array_equal(BiasRelu.forward(strided, b), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(37, 50), (300, 1000), (0, 5)])
def test_relu_backward_sum_equals_relu_backward_then_sum(dtype, shape):
    rng = np.random.default_rng(1)
    g, y = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    if g.size:
        _edges(y)
        g.reshape(-1)[6] = np.nan
    previous = flambeau.get_num_threads()
    flambeau.set_num_threads(2)  # (300, 1000) splits its columns over two threads
    try:
        out, total = ReluBackwardSum.forward(g, y)
    finally:
        flambeau.set_num_threads(previous)
    expected = ReluBackward.forward(g, y)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(total, expected.sum(axis=(0,), keepdims=True))  # the same order of sums
    assert total.shape == (1, shape[1]) and total.dtype == dtype


def _ops(compiled) -> list:
    """Per capture the compiled function keeps, the primitives its replays run, by class name."""
    entries = [e for v in compiled._cache.values() if v != "eager" for e in v if type(e).__name__ == "_Entry"]
    assert entries
    return [[step[0].__qualname__.split(".")[0] for seg in e.program.segments for step in seg] for e in entries]


def _relu_mlp(seed=0):
    flambeau.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 9), nn.ReLU(), nn.Linear(9, 4))


def _adam_step(model, return_hidden=False):
    """A training step on (x, y) with Adam; with return_hidden, it also returns the first layer's activations."""
    opt = flambeau.optim.Adam(model.parameters(), lr=0.01)

    def step(x, y):
        opt.zero_grad()
        hidden = model[1](model[0](x))
        loss = nn.functional.cross_entropy(model[2:](hidden), y)
        loss.backward()
        opt.step()
        return (loss, hidden) if return_hidden else loss
    return step


def test_relu_mlp_step_is_fused_and_equals_eager():
    model = _relu_mlp()
    ref = copy.deepcopy(model)
    compiled, eager = compile(_adam_step(model)), _adam_step(ref)
    rng = np.random.default_rng(2)
    for _ in range(5):
        x = flambeau.tensor(rng.standard_normal((8, 6)).astype(np.float32))
        y = flambeau.tensor(rng.integers(0, 4, 8))
        np.testing.assert_allclose(compiled(x, y).item(), eager(x, y).item(), rtol=1e-5)
    for ops in _ops(compiled):
        assert ops.count("BiasRelu") == 2 and ops.count("ReluBackwardSum") == 2
        assert "Relu" not in ops and "ReluBackward" not in ops
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_values_others_read_are_not_fused_away():
    """The pre-activation is returned, and the first matmul's result is read twice: neither may be overwritten
    in place, so the relu after them stays as it was; values still equal eager's."""
    flambeau.manual_seed(0)
    lin, lin2 = nn.Linear(6, 8), nn.Linear(6, 8)

    def fn(x):
        pre = lin(x)
        z = x @ lin2.weight.T
        both = flambeau.relu(z + lin2.bias) + z.sum()
        return flambeau.relu(pre), pre, both
    compiled = compile(fn)
    x = flambeau.tensor(np.random.default_rng(3).standard_normal((5, 6)).astype(np.float32))
    with flambeau.no_grad():
        eager = fn(x)
        compiled(x)
        for a, b in zip(compiled(x), eager):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert all("BiasRelu" not in ops and ops.count("Relu") == 2 for ops in _ops(compiled))


def test_fusion_stays_between_optimizer_steps():
    """Two optimizer steps in one call, a relu layer on each side of the first: each pair fuses within its own
    stretch (the second reads the updated weights), and the values equal eager's."""
    def make(a, b):
        opt_a = flambeau.optim.SGD(a.parameters(), lr=0.1)
        opt_b = flambeau.optim.SGD(b.parameters(), lr=0.1)

        def step(x):
            opt_a.zero_grad()
            a(x).sum().backward()
            opt_a.step()
            opt_b.zero_grad()
            loss = b(a(x)).sum()
            loss.backward()
            opt_b.step()
            return loss
        return step
    flambeau.manual_seed(0)
    a, b = nn.Sequential(nn.Linear(6, 7), nn.ReLU()), nn.Sequential(nn.Linear(7, 5), nn.ReLU())
    copies = copy.deepcopy((a, b))
    compiled, eager = compile(make(a, b)), make(*copies)
    rng = np.random.default_rng(4)
    for _ in range(4):
        x = flambeau.tensor(rng.standard_normal((5, 6)).astype(np.float32))
        np.testing.assert_allclose(compiled(x).item(), eager(x).item(), rtol=1e-5)
    for ops in _ops(compiled):  # a's layer twice (before and after its step), b's once; both backward through a
        assert ops.count("BiasRelu") == 3 and ops.count("ReluBackwardSum") == 3
    for m, ref in zip((a, b), copies):
        for p, q in zip(m.parameters(), ref.parameters()):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_on_transposed_arrays(dtype):
    rng = np.random.default_rng(5)
    g, y = (_edges(rng.standard_normal((90, 70)).astype(dtype)).T for _ in range(2))
    out = ReluBackward.forward(g, y)
    assert out.flags.f_contiguous
    np.testing.assert_array_equal(out, np.where(y <= 0, 0, g))
    total = ReluBackwardSum.forward(g, y)[1]
    np.testing.assert_allclose(total, np.where(y <= 0, 0, g).sum(0, keepdims=True), rtol=1e-5)


def _wide_mlp():
    flambeau.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 40), nn.ReLU(), nn.Linear(40, 36), nn.ReLU(), nn.Linear(36, 4))


@pytest.mark.parametrize("return_hidden", [False, True])
def test_wide_relu_layers_keep_activations_transposed(monkeypatch, return_hidden):
    """Layers of 32 outputs or more compute their products transposed: the fused steps see F-contiguous
    arrays, the step still equals eager; an activation the step returns keeps eager's layout."""
    layouts = []
    forward = BiasRelu.forward

    def recording(z, b):
        layouts.append(z.flags.f_contiguous)
        return forward(z, b)
    monkeypatch.setattr(BiasRelu, "forward", staticmethod(recording))
    model = _wide_mlp()
    ref = copy.deepcopy(model)
    compiled, eager = compile(_adam_step(model, return_hidden)), _adam_step(ref, return_hidden)
    rng = np.random.default_rng(6)
    for _ in range(4):
        x = flambeau.tensor(rng.standard_normal((8, 6)).astype(np.float32))
        y = flambeau.tensor(rng.integers(0, 4, 8))
        ours, theirs = compiled(x, y), eager(x, y)
        if return_hidden:
            assert ours[1].is_contiguous()
            np.testing.assert_array_equal(ours[1].detach().numpy(), theirs[1].detach().numpy())
            ours, theirs = ours[0], theirs[0]
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)
    replayed = layouts[-4:]  # the last two calls replay two layers each
    assert replayed == ([False, True] * 2 if return_hidden else [True, True] * 2)
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_compiled_forward_of_wide_relu_layers_is_bit_equal():
    """A compiled forward (its backward replayed from one graph) and a no-grad call keep eager's layout: their
    outputs and the input's gradient are eager's bits (transposed activations are for training steps only)."""
    model = _wide_mlp()
    ref = copy.deepcopy(model)
    compiled = compile(model)
    rng = np.random.default_rng(7)
    weights = flambeau.arange(4.0)
    for _ in range(3):
        xa = rng.standard_normal((8, 6)).astype(np.float32)
        x, xr = flambeau.tensor(xa, requires_grad=True), flambeau.tensor(xa, requires_grad=True)
        out, expected = compiled(x), ref(xr)
        np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
        (out * weights).sum().backward()
        (expected * weights).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), xr.grad.numpy())
        with flambeau.no_grad():
            np.testing.assert_array_equal(compiled(x).numpy(), ref(x).numpy())
