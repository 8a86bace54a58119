"""The compiled activation kernels (flambeau._kernels.activation) against PyTorch: values and gradients in
every float dtype, on the one-thread and the multi-thread paths, non-contiguous inputs, extreme values,
softmax / log_softmax along any dim, and second derivatives through the formulas."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import flambeau
from flambeau.ops._parallel import GRAIN

# torch.testing's default tolerances per dtype, with the half types' atol raised to 1e-3, as in PyTorch's
# own overrides for these ops: its vectorised half kernels are off by up to 2 ulp where flambeau rounds
# once, and gradients that cancel (g - sum(g y)) differ by more than 1e-5 near 0
TOLERANCES = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7), "float16": (1e-3, 1e-3), "bfloat16": (1.6e-2, 1e-3)}
DTYPES = list(TOLERANCES)
ELEMENTWISE = {
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta": lambda F, x: F.softplus(x, beta=2.0, threshold=5.0),
    "elu": lambda F, x: F.elu(x),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, alpha=0.5),
}
LARGE = 3 * GRAIN  # enough elements for two threads
EXTREMES = [np.inf, -np.inf, np.nan, 1e4, -1e4, 88.0, -88.0, 89.0, -104.0, -110.0, 0.0, -0.0, 1e-30, -1e-30,
            0.3, -0.3, 5.0, -5.0, 20.0, -20.0, 30.0, -40.0, 3e38, -3e38]


@pytest.fixture(autouse=True)
def two_threads():
    before = flambeau.get_num_threads()
    flambeau.set_num_threads(2)
    yield
    flambeau.set_num_threads(before)


def _run(lib, fn, x, grad_out, dtype, view=None):
    """fn on x (a float64 array) converted to dtype, optionally through a view: (output, input grad),
    both as float64 arrays."""
    leaf = lib.tensor(x).to(getattr(lib, dtype)).requires_grad_()
    y = fn(lib.nn.functional, leaf if view is None else view(leaf))
    y.backward(lib.tensor(grad_out).to(getattr(lib, dtype)))
    return (y.detach().to(lib.float64).numpy(), leaf.grad.to(lib.float64).numpy())


def check(fn, x, dtype="float64", grad_out=None, view=None, reference="same", compare=("value", "gradient"),
          rtol_scale=1.0):
    """fn's values and input gradients (those named in `compare`) on x, or the same view of it, from
    PyTorch and flambeau; reference="float64": PyTorch computes in float64 (on the same inputs)."""
    grad_out = np.random.default_rng(1).standard_normal(x.shape) if grad_out is None else grad_out
    if view is not None:
        grad_out = np.ascontiguousarray(view(np.asarray(grad_out)))
    rtol, atol = TOLERANCES[dtype]
    rtol *= rtol_scale
    exact = lambda a: torch.tensor(a).to(getattr(torch, dtype)).double().numpy()  # values dtype holds
    x, grad_out = exact(x), exact(grad_out)
    expected = _run(torch, fn, x, grad_out, dtype if reference == "same" else reference, view)
    got = _run(flambeau, fn, x, grad_out, dtype, view)
    for name, e, g in zip(("value", "gradient"), expected, got):
        if name in compare:
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [7, LARGE])
@pytest.mark.parametrize("op", list(ELEMENTWISE))
def test_elementwise(op, size, dtype):
    x = np.random.default_rng(0).standard_normal(size) * 4
    check(ELEMENTWISE[op], x, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", list(ELEMENTWISE))
def test_elementwise_extremes(op, dtype):
    x = np.array(EXTREMES)
    if dtype == "float32":
        x = x[np.abs(x) < 1e38]  # beyond float32's range
    check(ELEMENTWISE[op], x, dtype, grad_out=np.full(x.shape, 0.7))


@pytest.mark.parametrize("view", [lambda a: a.transpose(1, 0), lambda a: a[:, ::2]], ids=["transposed", "strided"])
@pytest.mark.parametrize("op", ["gelu", "silu", "mish", "elu"])
def test_elementwise_noncontiguous(op, view):
    check(ELEMENTWISE[op], np.random.default_rng(2).standard_normal((600, 500)) * 3, "float32", view=view)


@pytest.mark.parametrize("op", list(ELEMENTWISE))
def test_elementwise_0d_and_empty(op):
    check(ELEMENTWISE[op], np.array(-0.7))
    check(ELEMENTWISE[op], np.zeros((0, 3)))


@pytest.mark.parametrize("op", list(ELEMENTWISE) + ["softmax", "log_softmax"])
def test_thread_count_changes_nothing(op):
    fn = ELEMENTWISE.get(op) or (lambda F, x: getattr(F, op)(x.reshape(-1, 1000), dim=1).reshape(-1))
    x = np.random.default_rng(3).standard_normal(LARGE - LARGE % 1000) * 4
    flambeau.set_num_threads(1)
    one = _run(flambeau, fn, x, x[::-1].copy(), "float32")
    flambeau.set_num_threads(2)
    two = _run(flambeau, fn, x, x[::-1].copy(), "float32")
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def _softmax(op, dim):
    return lambda F, x: getattr(F, op)(x, dim=dim)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_dims(op, dim, dtype):
    x = np.random.default_rng(4).standard_normal((4, 5, 6)) * 3
    if dtype in ("float16", "bfloat16"):
        # NOTE: values against float64: PyTorch rounds log_softmax's intermediates to bfloat16 (off by
        # 0.003 near 0, where flambeau rounds once); gradients, read from the rounded outputs that differ
        # by that much, against PyTorch's within two ulp
        check(_softmax(op, dim), x, dtype, reference="float64", compare=("value",))
        check(_softmax(op, dim), x, dtype, compare=("gradient",), rtol_scale=2.0)
    else:
        check(_softmax(op, dim), x, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_large_rows(op, dtype):
    x = np.random.default_rng(5).standard_normal((LARGE // 1000, 1000)) * 5
    x[3] += 1e3  # far beyond exp's range: only the max shift keeps it finite
    x[4] -= 1e3
    # NOTE: against float64: PyTorch's own float32 row sums carry errors up to 3e-5 on these rows, which
    # the log_softmax gradient g - exp(y) sum(g) shows; flambeau's sum in float64
    check(_softmax(op, 1), x, dtype, reference="float64")
    check(_softmax(op, 0), x, dtype, reference="float64")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_nonfinite_rows(op, dtype):
    x = np.random.default_rng(6).standard_normal((6, 9))
    x[0] = -np.inf  # nan throughout, as in PyTorch
    x[1, 3] = -np.inf  # one element 0 (softmax) or -inf (log_softmax)
    x[2, 4] = np.inf
    x[3, 5] = np.nan
    x[4, :4] = -np.inf
    with np.errstate(invalid="ignore"):
        check(_softmax(op, 1), x, dtype)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_noncontiguous_and_0d(op):
    x = np.random.default_rng(7).standard_normal((300, 400))
    check(_softmax(op, 1), x, "float32", view=lambda a: a.transpose(1, 0))
    check(_softmax(op, 0), np.array(1.5))


@pytest.mark.parametrize("op", list(ELEMENTWISE) + ["softmax", "log_softmax"])
def test_double_backward(op):
    """create_graph=True goes through the derivative formulas: compare d(sum(grad * v))/dx with PyTorch."""
    fn = ELEMENTWISE.get(op) or _softmax(op, 1)
    x = np.random.default_rng(8).standard_normal((5, 7)) * 3
    g, v = np.random.default_rng(9).standard_normal((2, 5, 7))
    results = []
    for lib in (torch, flambeau):
        leaf = lib.tensor(x, requires_grad=True)
        (dx,) = lib.autograd.grad(fn(lib.nn.functional, leaf), leaf, lib.tensor(g), create_graph=True)
        (ddx,) = lib.autograd.grad((dx * lib.tensor(v)).sum(), leaf)
        results.append((dx.detach().numpy(), ddx.numpy()))
    for e, got in zip(*results):
        np.testing.assert_allclose(got, e, rtol=1e-7, atol=1e-7)


def test_import_does_not_load_numba():
    code = "import flambeau, sys; assert 'numba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
