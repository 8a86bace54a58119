"""Dilated convolutions that mostly read padding, computed one matmul per kernel tap over the outputs that
tap reads x for (flambeau/ops/_conv_taps.py), against PyTorch: values and gradients, strides, asymmetric
reach, ranks, batches, non-contiguous inputs, float64 and float16; the geometries are checked to take
that path."""
import numpy as np
import pytest

from flambeau.ops import _conv_taps
from oracle import check, randn

F32 = np.float32


def _takes_taps_path(xs, ws, padding, stride, dilation) -> bool:
    n = len(xs) - 2
    expand = lambda v: (v,) * n if isinstance(v, int) else v  # noqa: E731
    pads = tuple((p, p) for p in expand(padding))
    return _conv_taps.applies(np.empty(xs), np.empty(ws), pads, expand(stride), expand(dilation), 1)


@pytest.mark.parametrize("name,xs,ws,kwargs", [
    ("conv2d", (1, 6, 7, 7), (4, 6, 3, 3), {"padding": 5, "dilation": 5}),  # ASPP-like: rate near the map size
    ("conv2d", (2, 3, 8, 6), (5, 3, 3, 3), {"padding": (6, 4), "dilation": (6, 4), "stride": (2, 1)}),
    ("conv2d", (1, 4, 5, 9), (2, 4, 2, 3), {"padding": 4, "dilation": (4, 5)}),  # some taps read no sample at all
    ("conv1d", (2, 3, 6), (4, 3, 3), {"padding": 5, "dilation": 5}),
    ("conv3d", (1, 2, 4, 5, 4), (3, 2, 3, 3, 3), {"padding": 4, "dilation": 4}),
])
def test_against_torch(name, xs, ws, kwargs):
    assert _takes_taps_path(xs, ws, kwargs["padding"], kwargs.get("stride", 1), kwargs["dilation"])
    check(lambda t, x, w: getattr(t.nn.functional, name)(x, w, **kwargs), randn(*xs, dtype=F32), randn(*ws, dtype=F32),
          atol=1e-5, rtol=1e-4, noncontig=True)


@pytest.mark.parametrize("dtype_name,tol", [("float64", 1e-10), ("float16", 2e-2)])
def test_other_dtypes(dtype_name, tol):
    def fn(t, x, w, b):
        dtype = getattr(t, dtype_name)
        return t.nn.functional.conv2d(x.to(dtype), w.to(dtype), b.to(dtype), padding=6, dilation=6).to(t.float32)
    check(fn, randn(2, 4, 6, 6, dtype=F32), randn(3, 4, 3, 3, dtype=F32), randn(3, dtype=F32), atol=tol, rtol=tol)
