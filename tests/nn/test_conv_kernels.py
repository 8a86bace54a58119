"""The GEMM convolution's copies (im2col, padding, layout changes; flambeau/ops/_conv_gemm.py) split over
the intra-op threads, against PyTorch: every element width they copy (half types, float32/64,
complex64/128), both column layouts (per sample and wide), strides and dilations, other ranks and the
transposed convolution, inline and on two threads (the grain lowered so small problems take them)."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, randn

F32 = np.float32


@pytest.fixture(params=[False, True], ids=["inline", "threads"])
def threads(request, monkeypatch):
    if request.param:
        monkeypatch.setattr("flambeau.ops._parallel.GRAIN", 64)
        flambeau.set_num_threads(2)
    yield request.param


def _conv(dtype_name, name="conv2d", **kwargs):
    def fn(t, x, w):
        dtype = getattr(t, dtype_name)
        return getattr(t.nn.functional, name)(x.to(dtype), w.to(dtype), **kwargs).to(t.float32)
    return fn


@pytest.mark.parametrize("kwargs", [{}, {"padding": 1}, {"stride": 2, "dilation": (2, 1)}, {"stride": (1, 3)}])
@pytest.mark.parametrize("channels", [2, 16], ids=["per-sample", "wide"])  # C * K below / above _WIDE_MIN_DEPTH
def test_float32_layouts(threads, channels, kwargs):
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, **kwargs), randn(3, channels, 9, 11, dtype=F32),
          randn(5, channels, 3, 3, dtype=F32), atol=1e-4, rtol=1e-4, noncontig=True)


@pytest.mark.parametrize("dtype_name,tol", [("float16", 2e-2), ("bfloat16", 1e-1), ("float64", 1e-6)])
def test_other_widths(threads, dtype_name, tol):
    check(_conv(dtype_name, padding=1), randn(2, 8, 7, 6, dtype=F32), randn(4, 8, 3, 3, dtype=F32),
          atol=tol, rtol=tol)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex(threads, dtype):
    x = (randn(2, 8, 6, 7) + 1j * randn(2, 8, 6, 7)).astype(dtype)
    w = (randn(3, 8, 3, 3) + 1j * randn(3, 8, 3, 3)).astype(dtype)
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1, stride=(2, 1)), x, w, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("name,xs,ws,kwargs", [
    ("conv1d", (2, 12, 17), (6, 12, 5), {"stride": 2, "dilation": 2}),
    ("conv3d", (2, 4, 5, 6, 7), (3, 4, 3, 2, 3), {"padding": (1, 0, 1), "stride": (1, 2, 1)}),
    ("conv_transpose2d", (2, 12, 5, 4), (12, 6, 3, 3), {"stride": 2, "output_padding": 1}),
])
def test_other_ranks_and_transposes(threads, name, xs, ws, kwargs):
    check(lambda t, x, w: getattr(t.nn.functional, name)(x, w, **kwargs), randn(*xs, dtype=F32),
          randn(*ws, dtype=F32), atol=1e-4, rtol=1e-4)


def test_batch_one_and_one_by_one_image(threads):
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1), randn(1, 10, 1, 1, dtype=F32),
          randn(7, 10, 3, 3, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,xs,ws,groups", [
    ("conv2d", (2, 8, 5, 7), (6, 8, 1, 1), 1), ("conv2d", (3, 8, 4, 4), (6, 4, 1, 1), 2),
    ("conv1d", (2, 6, 9), (4, 6, 1), 1), ("conv3d", (1, 4, 2, 3, 4), (5, 4, 1, 1, 1), 1),
])
def test_pointwise_is_one_matmul(name, xs, ws, groups):
    # 1x1, unit stride, no padding: the matmul on x's (C, positions) view, no columns (also non-contiguous x)
    check(lambda t, x, w: getattr(t.nn.functional, name)(x, w, groups=groups, dilation=2), randn(*xs, dtype=F32),
          randn(*ws, dtype=F32), atol=1e-5, rtol=1e-4, noncontig=True)


def test_pointwise_half_and_empty_batch():
    check(_conv("float16"), randn(2, 8, 3, 5, dtype=F32), randn(4, 8, 1, 1, dtype=F32), atol=2e-2, rtol=2e-2)
    check(lambda t, x, w: t.nn.functional.conv2d(x, w), randn(0, 8, 3, 5, dtype=F32), randn(4, 8, 1, 1, dtype=F32))
