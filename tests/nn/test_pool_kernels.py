"""The compiled max pooling kernels (flambeau/_kernels/pool.py) against PyTorch: every float dtype, NaN and
-inf windows, the window geometries, odd and tiny planes, non-contiguous inputs and inputs split over threads."""
import numpy as np
import pytest
import torch

import flambeau
from flambeau.ops._parallel import GRAIN

DTYPES = ["float32", "float64", "float16", "bfloat16"]


def _both(x: np.ndarray, dtype: str, requires_grad=True):
    """The same values as a PyTorch and a flambeau tensor of `dtype` (rounded from float64 alike)."""
    t = torch.tensor(x).to(getattr(torch, dtype)).requires_grad_(requires_grad)
    f = flambeau.tensor(x).to(getattr(flambeau, dtype)).requires_grad_(requires_grad)
    return t, f


def _np(t) -> np.ndarray:
    t = t.detach()
    if t.dtype in (torch.float16, torch.bfloat16, flambeau.float16, flambeau.bfloat16):
        t = t.float()
    return np.array(t.numpy())


def _compare(nsp, x, dtype, grad_exact=True, **kwargs):
    """Values, indices and the input gradient of max_pool{nsp}d with return_indices, for both libraries."""
    (t, f) = _both(x, dtype)
    name = f"max_pool{nsp}d"
    t_out, t_idx = getattr(torch.nn.functional, name)(t, return_indices=True, **kwargs)
    f_out, f_idx = getattr(flambeau.nn.functional, name)(f, return_indices=True, **kwargs)
    assert str(f_out.dtype) == str(t_out.dtype) and f_idx.dtype == flambeau.int64
    np.testing.assert_array_equal(_np(f_idx), _np(t_idx))
    np.testing.assert_array_equal(_np(f_out), _np(t_out))  # NaN positions included
    upstream = np.random.default_rng(7).standard_normal(tuple(t_out.shape))
    t_out.backward(torch.tensor(upstream).to(t_out.dtype))
    f_out.backward(flambeau.tensor(upstream).to(f_out.dtype))
    if grad_exact:
        np.testing.assert_array_equal(_np(f.grad), _np(t.grad))
    else:  # overlapping half windows: PyTorch rounds after every add, we once after summing in float32
        np.testing.assert_allclose(_np(f.grad), _np(t.grad), rtol=1e-2, atol=1e-2)
    return f_out, f_idx, f.grad


def _data(shape, seed=0):
    """Rounded values, so windows hold ties, with a few NaNs and -infs."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.standard_normal(shape), 1)
    x[rng.random(shape) < 0.03] = np.nan
    x[rng.random(shape) < 0.03] = -np.inf
    return x


GEOMETRIES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=1, padding=1, dilation=2),
    dict(kernel_size=2, stride=3, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True),
    dict(kernel_size=(1, 3), stride=(2, 1), padding=(0, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_max_pool2d_dtypes_and_geometries(dtype, geometry):
    overlapping = geometry.get("stride", geometry["kernel_size"]) != geometry["kernel_size"]
    _compare(2, _data((2, 3, 9, 7)), dtype, grad_exact=dtype in ("float32", "float64") or not overlapping,
             **geometry)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 2, 1, 5), (1, 1, 5, 1), (3, 1, 3, 3), (1, 4, 13, 11)])
def test_max_pool2d_small_and_odd_planes(shape):
    x = _data(shape, seed=1)
    _compare(2, x, "float32", kernel_size=1)
    _compare(2, x, "float32", kernel_size=2, padding=1, ceil_mode=True)
    _compare(2, x, "float64", kernel_size=(3, 2), stride=1, padding=1, ceil_mode=True)


def test_windows_all_in_the_padding():
    """Dilation can put a whole window in the padding: PyTorch's index then points past the window (at the next
    row, or past the plane) and its value is -inf; values, indices and gradients (sent to that index) agree.
    (An index past the plane drops its gradient here; PyTorch's backward writes it past the plane, into the next
    plane or out of its buffer, so those cases are not compared.)"""
    for shape, kernel, padding, dilation in [((1, 1, 1, 1), (3, 2), 1, (1, 2)), ((1, 1, 5, 1), (3, 2), 1, (1, 2)),
                                             ((2, 1, 3, 1), (3, 2), 1, (1, 2))]:
        t, f = _both(_data(shape, seed=2), "float64")
        t_out, t_idx = torch.nn.functional.max_pool2d(t, kernel, 1, padding, dilation, True, True)
        f_out, f_idx = flambeau.nn.functional.max_pool2d(f, kernel, 1, padding, dilation, True, True)
        assert np.isneginf(_np(t_out)).any()
        np.testing.assert_array_equal(_np(f_out), _np(t_out))
        np.testing.assert_array_equal(_np(f_idx), _np(t_idx))
        t_out.backward(torch.ones_like(t_out))
        f_out.backward(flambeau.ones_like(f_out))
        np.testing.assert_array_equal(_np(f.grad), _np(t.grad))


def test_max_pool_unbatched():
    _compare(2, _data((3, 8, 5)), "float32", kernel_size=3, stride=2, padding=1)
    _compare(1, _data((3, 8)), "float32", kernel_size=2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool1d_and_3d(dtype):
    _compare(1, _data((2, 3, 11)), dtype, kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True,
             grad_exact=dtype in ("float32", "float64"))
    _compare(3, _data((2, 2, 5, 6, 7)), dtype, kernel_size=2)
    _compare(3, _data((1, 2, 5, 6, 7)), dtype, kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 1),
             dilation=(1, 2, 1), ceil_mode=True, grad_exact=dtype in ("float32", "float64"))


def test_nan_wins_last_nan_and_all_minus_inf_windows():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan  # two NaNs in the first window: PyTorch points at the last
    x[0, 0, 2:, 2:] = -np.inf  # a window of -inf points at its first sample
    x[0, 0, 2, 0] = 5.0
    out, idx, _ = _compare(2, x, "float32", kernel_size=2)
    assert np.isnan(_np(out)[0, 0, 0, 0]) and _np(idx)[0, 0, 0, 0] == 4
    assert _np(idx)[0, 0, 1, 1] == 10 and _np(idx)[0, 0, 1, 0] == 8
    _compare(2, np.full((1, 2, 3, 3), np.nan), "float16", kernel_size=2, stride=1, grad_exact=False)


def test_integer_input():
    x = np.random.default_rng(3).integers(-100, 100, (2, 3, 7, 6))
    t_out, t_idx = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    f_out, f_idx = flambeau.nn.functional.max_pool2d(flambeau.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(f_out.numpy(), t_out.numpy())
    np.testing.assert_array_equal(f_idx.numpy(), t_idx.numpy())


def test_non_contiguous_input():
    base = _data((3, 10, 9, 2), seed=4)
    for make in (lambda lib, a: a.permute(0, 3, 2, 1), lambda lib, a: a[:, ::2, 1:, :]):
        t = make(torch, torch.tensor(base)).requires_grad_()  # a non-leaf view: gradient through the view
        f = make(flambeau, flambeau.tensor(base)).requires_grad_()
        assert not f.is_contiguous()
        t_out, t_idx = torch.nn.functional.max_pool2d(t, 3, 2, 1, return_indices=True)
        f_out, f_idx = flambeau.nn.functional.max_pool2d(f, 3, 2, 1, return_indices=True)
        np.testing.assert_array_equal(_np(f_idx), _np(t_idx))
        np.testing.assert_array_equal(_np(f_out), _np(t_out))
        g = np.random.default_rng(5).standard_normal(tuple(t_out.shape))
        t_out.backward(torch.tensor(g))
        f_out.backward(flambeau.tensor(g))
        np.testing.assert_array_equal(_np(f.grad), _np(t.grad))


@pytest.fixture
def two_threads():
    before = flambeau.get_num_threads()
    flambeau.set_num_threads(2)
    yield
    flambeau.set_num_threads(before)


def test_planes_split_over_threads(two_threads):
    shape = (2, 33, 70, 70)
    assert np.prod(shape) // GRAIN >= 2  # big enough for parallel_rows to hand rows to a second thread
    out, idx, grad = _compare(2, _data(shape, seed=6), "float32", kernel_size=3, stride=2, padding=1)
    flambeau.set_num_threads(1)  # one thread: the same results
    f = flambeau.tensor(_data(shape, seed=6)).float()
    out1, idx1 = flambeau.nn.functional.max_pool2d(f, 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx1.numpy(), idx.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_adaptive_max_pool_and_unpool_through_the_scatter(dtype):
    # adaptive windows overlap, so their gradient adds at repeated indices; max_unpool writes at indices
    t, f = _both(_data((2, 3, 7, 9), seed=8), dtype)
    t_out, t_idx = torch.nn.functional.adaptive_max_pool2d(t, (4, 5), return_indices=True)
    f_out, f_idx = flambeau.nn.functional.adaptive_max_pool2d(f, (4, 5), return_indices=True)
    np.testing.assert_array_equal(_np(f_idx), _np(t_idx))
    g = np.random.default_rng(9).standard_normal(tuple(t_out.shape))
    t_out.backward(torch.tensor(g).to(t_out.dtype))
    f_out.backward(flambeau.tensor(g).to(f_out.dtype))
    np.testing.assert_allclose(_np(f.grad), _np(t.grad), rtol=1e-2 if dtype in ("float16", "bfloat16") else 1e-6)
    t_pooled, t_i = torch.nn.functional.max_pool2d(t.detach(), 2, return_indices=True)
    f_pooled, f_i = flambeau.nn.functional.max_pool2d(f.detach(), 2, return_indices=True)
    np.testing.assert_array_equal(_np(flambeau.nn.functional.max_unpool2d(f_pooled, f_i, 2, output_size=(7, 9))),
                                  _np(torch.nn.functional.max_unpool2d(t_pooled, t_i, 2, output_size=(7, 9))))
