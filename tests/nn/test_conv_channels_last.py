"""Ungrouped convolutions with 16 channels or more, computed channels-last (flambeau/ops/_conv_channels_last.py),
against PyTorch: values and gradients (the input gradient of a unit-stride layer is such a convolution too, and
its weight gradient contracts the same channels-last columns),
strides, dilations, padding modes, ranks, batch 1 with a sample split into row chunks, an empty batch,
non-contiguous inputs, float64 and float16; every geometry is checked to take that path."""
import numpy as np
import pytest

from flambeau.ops import _conv_channels_last
from oracle import check, randn

F32 = np.float32


def _takes_this_path(xs, ws, padding, stride, dilation) -> bool:
    n = len(xs) - 2
    expand = lambda v: (v,) * n if isinstance(v, int) else v  # noqa: E731
    pads = tuple((p, p) for p in expand(padding))
    return _conv_channels_last.applies(np.empty(xs, F32), np.empty(ws, F32), pads, expand(stride), expand(dilation), 1)


GEOMETRIES = [
    ("conv2d", (2, 16, 6, 6), (8, 16, 3, 3), {"padding": 1}),
    ("conv2d", (3, 20, 9, 7), (6, 20, 3, 3), {"padding": (1, 2), "stride": (2, 1)}),
    ("conv2d", (2, 16, 8, 8), (4, 16, 3, 3), {"padding": 2, "dilation": 2}),
    ("conv2d", (2, 16, 7, 7), (5, 16, 1, 1), {"stride": 2}),                  # 1x1 at stride 2: strided windows
    ("conv2d", (1, 24, 5, 6), (7, 24, 2, 3), {}),                              # no padding, even kernel
    ("conv1d", (2, 16, 11), (5, 16, 3), {"padding": 1, "stride": 2}),
    ("conv3d", (1, 16, 4, 5, 4), (3, 16, 3, 3, 3), {"padding": 1}),
]


@pytest.mark.parametrize("name,xs,ws,kwargs", GEOMETRIES)
def test_against_torch(name, xs, ws, kwargs):
    """Values and both gradients; the weight gradient is channels-last too at unit stride."""
    assert _takes_this_path(xs, ws, kwargs.get("padding", 0), kwargs.get("stride", 1), kwargs.get("dilation", 1))
    stride = kwargs.get("stride", 1)
    unit = all(s == 1 for s in ((stride,) if isinstance(stride, int) else stride))
    assert _conv_channels_last.weight_grad_applies(np.empty(xs, F32), (stride,) * (len(xs) - 2)
                                                   if isinstance(stride, int) else stride, 1) == unit
    check(lambda t, x, w, b: getattr(t.nn.functional, name)(x, w, b, **kwargs), randn(*xs, dtype=F32),
          randn(*ws, dtype=F32), randn(ws[0], dtype=F32), atol=1e-5, rtol=1e-4, noncontig="strided")


def test_padding_modes_and_same_padding():
    for mode in ("reflect", "circular", "replicate"):
        x = randn(2, 16, 6, 7, dtype=F32)
        check(lambda t, x, w: t.nn.functional.conv2d(
            t.nn.functional.pad(x, (1, 1, 1, 1), mode=mode), w), x, randn(4, 16, 3, 3, dtype=F32), atol=1e-5, rtol=1e-4)
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, padding="same", dilation=2),
          randn(2, 16, 6, 7, dtype=F32), randn(4, 16, 3, 2, dtype=F32), atol=1e-5, rtol=1e-4)


def test_one_sample_split_into_row_chunks(monkeypatch):
    # a 4 KB chunk holds 2 of the 8 output rows' columns here: one sample runs as several matmuls
    monkeypatch.setattr(_conv_channels_last, "_CHUNK_BYTES", 4096)
    xs, ws = (1, 16, 8, 8), (4, 16, 3, 3)
    assert _takes_this_path(xs, ws, 1, 1, 1)
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1), randn(*xs, dtype=F32), randn(*ws, dtype=F32),
          atol=1e-5, rtol=1e-4)
    # and several whole samples per chunk
    monkeypatch.setattr(_conv_channels_last, "_CHUNK_BYTES", 3 * 16 * 9 * 64 * 4)
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1), randn(7, 16, 8, 8, dtype=F32),
          randn(*ws, dtype=F32), atol=1e-5, rtol=1e-4)


def test_empty_batch():
    import flambeau
    x = flambeau.zeros(0, 16, 5, 5)
    y = flambeau.nn.functional.conv2d(x, flambeau.randn(4, 16, 3, 3), padding=1)
    assert tuple(y.shape) == (0, 4, 5, 5)


@pytest.mark.parametrize("dtype_name,tol", [("float64", 1e-10), ("float16", 2e-2)])
def test_other_dtypes(dtype_name, tol):
    def fn(t, x, w, b):
        dtype = getattr(t, dtype_name)
        return t.nn.functional.conv2d(x.to(dtype), w.to(dtype), b.to(dtype), padding=1).to(t.float32)
    check(fn, randn(2, 16, 6, 6, dtype=F32), randn(3, 16, 3, 3, dtype=F32), randn(3, dtype=F32), atol=tol, rtol=tol)


def test_small_layers_keep_the_other_path():
    assert not _takes_this_path((2, 8, 6, 6), (4, 8, 3, 3), 1, 1, 1)        # too few channels for runs
    assert not _takes_this_path((2, 16, 6, 6), (4, 16, 1, 1), 0, 1, 1)      # 1x1 unit stride: already a matmul
    assert not _takes_this_path((1, 512, 2, 2), (512, 512, 3, 3), 1, 1, 1)  # packing the weight would not pay


DEPTHWISE = [((2, 24, 8, 8), (3, 3), {"padding": 1}), ((3, 16, 7, 9), (3, 3), {"padding": 1, "stride": 2}),
             ((2, 16, 6, 6), (5, 5), {"padding": 4, "dilation": 2}), ((1, 32, 4, 5), (3, 1), {"padding": (1, 0)}),
             ((2, 16, 5, 5), (3, 3), {})]


@pytest.mark.parametrize("xs,ks,kwargs", DEPTHWISE)
def test_depthwise_on_small_maps_against_torch(xs, ks, kwargs):
    c = xs[1]
    expand = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    pads = tuple((p, p) for p in expand(kwargs.get("padding", 0)))
    w = randn(c, 1, *ks, dtype=F32)
    assert _conv_channels_last.depthwise_applies(np.empty(xs, F32), w, pads, expand(kwargs.get("stride", 1)),
                                                  expand(kwargs.get("dilation", 1)), c)
    check(lambda t, x, w: t.nn.functional.conv2d(x, w, groups=c, **kwargs), randn(*xs, dtype=F32), w,
          atol=1e-5, rtol=1e-4, noncontig="strided")
    check(lambda t, x, w: t.nn.functional.conv2d(x.double(), w.double(), groups=c, **kwargs),
          randn(*xs, dtype=F32), w, atol=1e-10, rtol=1e-10)


def test_depthwise_on_large_maps_keeps_the_plane_kernel():
    x, w = np.empty((2, 16, 16, 16), F32), np.empty((16, 1, 3, 3), F32)
    assert not _conv_channels_last.depthwise_applies(x, w, ((1, 1), (1, 1)), (1, 1), (1, 1), 16)
    assert not _conv_channels_last.depthwise_applies(x[:, :, :8, :8].astype(np.float16), w, ((1, 1), (1, 1)),
                                                      (1, 1), (1, 1), 16)
