"""The compiled depthwise convolution (flambeau/ops/_conv_depthwise.py, _kernels/depthwise.py) against
PyTorch, values and gradients: MobileNet's 3x3 and 5x5 layers at stride 1 and 2, dilation, asymmetric
and 'same' padding, stride larger than the kernel, 1-d and 3-d, non-contiguous inputs, float64 and the
half types, the transposed convolution that reuses the kernel for its input gradient, inline and on two
threads; gradcheck in float64."""
import numpy as np
import pytest

import flambeau
from oracle import check, gradcheck, randn

F32 = np.float32


@pytest.fixture(params=[False, True], ids=["inline", "threads"])
def threads(request, monkeypatch):
    if request.param:
        monkeypatch.setattr("flambeau.ops._parallel.GRAIN", 64)
        flambeau.set_num_threads(2)
    yield request.param


def _depthwise(**kwargs):
    return lambda t, x, w: t.nn.functional.conv2d(x, w, groups=x.shape[1], **kwargs)


@pytest.mark.parametrize("k,kwargs", [
    (3, {"padding": 1}), (3, {"stride": 2, "padding": 1}), (5, {"padding": 2}), (5, {"stride": 2, "padding": 2}),
    (5, {"padding": 4, "dilation": 2}), (3, {"padding": 12, "dilation": 12}),  # every tap but the centre in padding
    (3, {}), (3, {"stride": (2, 3), "padding": (0, 2), "dilation": (1, 2)}), (2, {"stride": 3}),
    (3, {"padding": "same", "dilation": 2}), (4, {"padding": "same"}),
])
def test_float32_geometries(threads, k, kwargs):
    check(_depthwise(**kwargs), randn(2, 6, 11, 9, dtype=F32), randn(6, 1, k, k, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("noncontig", [True, "strided"])
def test_noncontiguous(noncontig):
    check(_depthwise(stride=2, padding=1), randn(1, 5, 8, 10, dtype=F32), randn(5, 1, 3, 3, dtype=F32),
          atol=1e-5, rtol=1e-4, noncontig=noncontig)


def test_bias_and_channels_last_module():
    def fn(t, x, w, b):
        return t.nn.functional.conv2d(x.contiguous(memory_format=t.channels_last), w, b, padding=2, groups=4)
    check(fn, randn(2, 4, 7, 7, dtype=F32), randn(4, 1, 5, 5, dtype=F32), randn(4, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("dtype_name,tol", [("float64", 1e-10), ("float16", 2e-2), ("bfloat16", 1e-1)])
def test_other_dtypes(dtype_name, tol):
    def fn(t, x, w):
        dtype = getattr(t, dtype_name)
        return t.nn.functional.conv2d(x.to(dtype), w.to(dtype), stride=2, padding=1, groups=3).to(t.float32)
    check(fn, randn(2, 3, 9, 8, dtype=F32), randn(3, 1, 3, 3, dtype=F32), atol=tol, rtol=tol)


@pytest.mark.parametrize("name,xs,ws,kwargs", [
    ("conv1d", (2, 4, 13), (4, 1, 5), {"stride": 2, "padding": 2}),
    ("conv1d", (1, 3, 10), (3, 1, 3), {"dilation": 3, "padding": 3}),
    ("conv3d", (1, 3, 5, 6, 7), (3, 1, 3, 2, 3), {"stride": (2, 1, 2), "padding": (1, 0, 1)}),
])
def test_other_ranks(threads, name, xs, ws, kwargs):
    check(lambda t, x, w: getattr(t.nn.functional, name)(x, w, groups=xs[1], **kwargs), randn(*xs, dtype=F32),
          randn(*ws, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("kwargs", [{"padding": 1}, {"padding": 2, "output_padding": 1, "stride": 2},
                                    {"padding": 0, "dilation": 2}])
def test_transposed(kwargs):
    # unit stride: the input gradient of the transposed convolution is a depthwise convolution
    check(lambda t, x, w: t.nn.functional.conv_transpose2d(x, w, groups=4, **kwargs), randn(2, 4, 6, 5, dtype=F32),
          randn(4, 1, 3, 3, dtype=F32), atol=1e-5, rtol=1e-4)


def test_empty_batch_and_one_pixel():
    check(_depthwise(padding=1), randn(0, 3, 5, 5, dtype=F32), randn(3, 1, 3, 3, dtype=F32))
    check(_depthwise(padding=1, stride=2), randn(1, 3, 1, 1, dtype=F32), randn(3, 1, 3, 3, dtype=F32), atol=1e-6)


def test_gradcheck():
    gradcheck(_depthwise(stride=2, padding=(1, 2), dilation=(2, 1)), randn(1, 2, 6, 5), randn(2, 1, 3, 3))
