"""Convolutions against PyTorch: the functional forms (outputs, input/weight/bias gradients, errors),
gradcheck and gradgradcheck of the primitives in float64, and the layers (forward, input and parameter
gradients, padding modes, output_size, unbatched inputs, Lazy forms, init statistics, repr, input errors)."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, copy_state, gradcheck, randn, to_numpy
from test_linear import check_default_init

F32 = np.float32
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels

# ------------------------------------------------------------------------------- functional

# (name, input shape, weight shape, keyword arguments)
CONV_CASES = [
    ("conv1d", (2, 3, 10), (4, 3, 3), {}),
    ("conv1d", (2, 4, 11), (6, 2, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}),
    ("conv1d", (3, 9), (4, 3, 4), {"padding": "same"}),
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 2), {}),
    ("conv2d", (2, 3, 9, 8), (4, 3, 3, 2), {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1)}),
    ("conv2d", (2, 4, 7, 7), (6, 2, 3, 3), {"stride": 2, "groups": 2}),
    ("conv2d", (2, 4, 6, 5), (4, 1, 3, 3), {"padding": 1, "groups": 4}),
    ("conv2d", (2, 4, 9, 8), (6, 4, 4, 2), {"padding": "same", "dilation": (1, 3)}),
    ("conv2d", (3, 6, 5), (2, 3, 3, 3), {"padding": "valid"}),
    ("conv2d", (2, 3, 5, 5), (4, 3, 1, 1), {}),
    ("conv3d", (2, 2, 5, 4, 6), (3, 2, 3, 2, 3), {"padding": 1, "stride": 2}),
    ("conv3d", (2, 4, 4, 5, 4), (4, 2, 2, 3, 2), {"groups": 2, "dilation": (1, 2, 1)}),
]

TRANSPOSE_CASES = [
    ("conv_transpose1d", (2, 3, 5), (3, 2, 3), {"stride": 3, "output_padding": 2}),
    ("conv_transpose1d", (3, 6), (3, 4, 2), {"padding": 1}),
    ("conv_transpose2d", (2, 3, 5, 4), (3, 4, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("conv_transpose2d", (2, 6, 5, 4), (6, 2, 3, 3), {"stride": (2, 3), "padding": (0, 1), "output_padding": (1, 2),
                                                      "groups": 3, "dilation": (2, 1)}),
    ("conv_transpose2d", (2, 4, 3, 3), (4, 3, 2, 2), {}),
    ("conv_transpose3d", (2, 3, 3, 4, 3), (3, 2, 2, 3, 3), {"stride": 2, "output_padding": 1, "padding": 1}),
]


def _fn(name, kwargs):
    return lambda t, x, w, b: getattr(t.nn.functional, name)(x, w, b, **kwargs)


@pytest.mark.parametrize("name,xs,ws,kwargs", CONV_CASES + TRANSPOSE_CASES)
def test_functional(name, xs, ws, kwargs):
    out_channels = ws[1] * kwargs.get("groups", 1) if "transpose" in name else ws[0]
    check(_fn(name, kwargs), randn(*xs), randn(*ws), randn(out_channels))


@pytest.mark.parametrize("name,xs,ws,kwargs", CONV_CASES[:4] + TRANSPOSE_CASES[:1])
def test_float32_no_bias_noncontiguous(name, xs, ws, kwargs):
    check(lambda t, x, w: getattr(t.nn.functional, name)(x, w, **kwargs), randn(*xs, dtype=F32),
          randn(*ws, dtype=F32), atol=1e-5, rtol=1e-4, noncontig=True)


def test_top_level_names():
    check(lambda t, x, w: t.conv2d(x, w, padding=1), randn(1, 2, 4, 4), randn(3, 2, 3, 3))
    check(lambda t, x, w: t.conv_transpose1d(x, w, stride=2), randn(1, 2, 4), randn(2, 3, 3))
    check(lambda t, x, w, b: t.convolution(x, w, b, [2, 1], [1, 0], [1, 1], True, [1, 0], 1),
          randn(1, 2, 4, 4), randn(2, 3, 3, 3), randn(3))


@pytest.mark.parametrize("name,xs,ws,kwargs", [
    ("conv1d", (2, 2, 6), (3, 2, 4), {"padding": "same", "dilation": 2}),
    ("conv2d", (1, 2, 5, 4), (4, 1, 3, 2), {"stride": 2, "padding": 1, "groups": 2}),
    ("conv2d", (1, 2, 4, 4), (2, 2, 2, 2), {"padding": (2, 1)}),  # more padding than kernel reach
    ("conv_transpose1d", (1, 2, 4), (2, 2, 3), {"stride": 3, "output_padding": 2, "padding": 1}),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 2, 2, 3), {"stride": 2, "output_padding": 1}),
    ("conv3d", (1, 1, 3, 4, 3), (2, 1, 2, 2, 2), {"stride": (1, 2, 1)}),
])
def test_gradcheck(name, xs, ws, kwargs):
    out_channels = ws[1] * kwargs.get("groups", 1) if "transpose" in name else ws[0]
    gradcheck(_fn(name, kwargs), randn(*xs), randn(*ws), randn(out_channels))


# depthwise (one channel per group, unit stride) runs its own kernels (ops/_conv_depthwise.py)
DEPTHWISE_CASES = [
    ("conv1d", (2, 3, 9), (3, 1, 4), {"padding": 2, "dilation": 2, "groups": 3}),
    ("conv2d", (2, 4, 6, 5), (4, 1, 3, 2), {"padding": (1, 3), "groups": 4}),  # more padding than kernel reach
    ("conv2d", (3, 7, 6), (3, 1, 3, 3), {"padding": "same", "dilation": (2, 1), "groups": 3}),
    ("conv3d", (2, 2, 4, 5, 4), (2, 1, 2, 3, 2), {"padding": 1, "groups": 2}),
    ("conv_transpose2d", (2, 3, 4, 5), (3, 1, 3, 3), {"padding": 1, "groups": 3}),
    ("conv_transpose1d", (2, 2, 5), (2, 1, 3), {"padding": 1, "output_padding": 1, "dilation": 2, "groups": 2}),
]


@pytest.mark.parametrize("name,xs,ws,kwargs", DEPTHWISE_CASES)
def test_depthwise(name, xs, ws, kwargs):
    out_channels = ws[1] * kwargs["groups"] if "transpose" in name else ws[0]
    check(_fn(name, kwargs), randn(*xs), randn(*ws), randn(out_channels))
    check(lambda t, x, w: getattr(t.nn.functional, name)(x, w, **kwargs), randn(*xs, dtype=F32),
          randn(*ws, dtype=F32), atol=1e-5, rtol=1e-4, noncontig=True)
    gradcheck(_fn(name, kwargs), randn(*xs), randn(*ws), randn(out_channels))


@pytest.mark.parametrize("chunk_bytes", [1, 3000])
@pytest.mark.parametrize("min_depth", [0, 1 << 30])
@pytest.mark.parametrize("name,xs,ws,kwargs", CONV_CASES[1:6] + CONV_CASES[10:11] + TRANSPOSE_CASES[2:4])
def test_batch_chunks(name, xs, ws, kwargs, monkeypatch, min_depth, chunk_bytes):
    """im2col runs a few samples at a time (ops/_conv_gemm.py), laid out per sample or wide (samples side by
    side): one sample per chunk, or several with a shorter last chunk, in either layout gives the same results."""
    monkeypatch.setattr("flambeau.ops._conv_gemm._CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr("flambeau.ops._conv_gemm._WIDE_MIN_DEPTH", min_depth)
    xs = (3,) + xs[1:] if len(xs) == len(ws) else xs
    out_channels = ws[1] * kwargs.get("groups", 1) if "transpose" in name else ws[0]
    check(_fn(name, kwargs), randn(*xs), randn(*ws), randn(out_channels))
    gradcheck(_fn(name, kwargs), randn(*xs), randn(*ws), randn(out_channels))


ERRORS = [
    lambda t, x, w: t.nn.functional.conv2d(x[:, :2], w),                       # channels
    lambda t, x, w: t.nn.functional.conv2d(x[0, 0], w),                        # dims
    lambda t, x, w: t.nn.functional.conv2d(x[..., :2, :2], w),                 # kernel too large
    lambda t, x, w: t.nn.functional.conv2d(x, w, stride=0),
    lambda t, x, w: t.nn.functional.conv2d(x, w, padding=-1),
    lambda t, x, w: t.nn.functional.conv2d(x, w, dilation=0),
    lambda t, x, w: t.nn.functional.conv2d(x, w, groups=0),
    lambda t, x, w: t.nn.functional.conv2d(x, w, groups=2),                    # weight not divisible
    lambda t, x, w: t.nn.functional.conv2d(x, w, padding="same", stride=2),
    lambda t, x, w: t.nn.functional.conv2d(x, w, padding="foo"),
    lambda t, x, w: t.nn.functional.conv2d(x, w, stride=(1, 1, 1)),
    lambda t, x, w: t.nn.functional.conv2d(x.double(), w),                     # dtypes
    lambda t, x, w: t.nn.functional.conv2d(x, w, w[:, 0, 0, 0].double()),     # bias dtype
    lambda t, x, w: t.nn.functional.conv2d(x, w, w[:2, 0, 0, 0]),              # bias size
    lambda t, x, w: t.nn.functional.conv2d(x, w[0]),                           # weight dims
    lambda t, x, w: t.nn.functional.conv_transpose2d(x, w.transpose(0, 1), output_padding=1),
    lambda t, x, w: t.nn.functional.conv_transpose2d(x, w, padding="same"),
    lambda t, x, w: t.nn.functional.conv_transpose2d(x[:, :2], w.transpose(0, 1)),
    lambda t, x, w: t.nn.functional.conv_transpose2d(x, w.transpose(0, 1), padding=5),  # output too small
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_raises(ERRORS[i], randn(2, 3, 5, 5, dtype=F32), randn(5, 3, 3, 3, dtype=F32))


# ------------------------------------------------------------------------------- layers

LAYERS = [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 10)),
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, (2, 4, 11)),
    ("Conv1d", (3, 4, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 3, 9)),
    ("Conv1d", (3, 4, 3), {"padding": "valid", "bias": False}, (3, 8)),
    ("Conv1d", (3, 2, 3), {"padding": 2, "padding_mode": "circular"}, (2, 3, 7)),
    ("Conv2d", (3, 4, 3), {}, (2, 3, 7, 6)),
    ("Conv2d", (3, 4, (3, 2)), {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)}, (2, 3, 8, 9)),
    ("Conv2d", (4, 6, 3), {"groups": 2, "bias": False}, (2, 4, 6, 6)),
    ("Conv2d", (4, 4, 3), {"groups": 4, "padding": 1}, (2, 4, 5, 5)),
    ("Conv2d", (3, 4, 4), {"padding": "same", "dilation": 2}, (2, 3, 9, 9)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), {"padding": (2, 1), "padding_mode": "replicate", "stride": 2}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "circular"}, (2, 3, 6, 5)),
    ("Conv2d", (3, 4, 2), {"padding": "same", "padding_mode": "replicate"}, (2, 3, 5, 6)),
    ("Conv2d", (3, 4, 3), {"padding": 1}, (3, 7, 7)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "reflect"}, (3, 6, 5)),
    ("Conv3d", (2, 3, 3), {"padding": 1, "stride": 2}, (2, 2, 5, 6, 5)),
    ("Conv3d", (2, 4, (2, 3, 2)), {"groups": 2, "padding": 1, "padding_mode": "circular"}, (1, 2, 4, 4, 3)),
    ("ConvTranspose1d", (3, 4, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 6)),
    ("ConvTranspose1d", (4, 6, 3), {"groups": 2, "dilation": 2, "stride": 3, "output_padding": 2}, (2, 4, 5)),
    ("ConvTranspose1d", (3, 2, 2), {"bias": False}, (3, 5)),
    ("ConvTranspose2d", (3, 4, 3), {}, (2, 3, 4, 5)),
    ("ConvTranspose2d", (3, 4, (3, 2)), {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)}, (2, 3, 4, 4)),
    ("ConvTranspose2d", (4, 6, 3), {"groups": 2, "bias": False, "dilation": 2, "stride": 2, "output_padding": 1},
     (2, 4, 3, 4)),
    ("ConvTranspose3d", (2, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 2, 3, 2, 3)),
]


def _pair(name, args, kwargs):
    torch.manual_seed(0)
    return getattr(torch.nn, name)(*args, **kwargs), getattr(flambeau.nn, name)(*args, **kwargs)


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS)
def test_layer(name, args, kwargs, shape):
    t_mod, f_mod = _pair(name, args, kwargs)
    check_module(t_mod, f_mod, randn(*shape, dtype=F32))
    assert repr(f_mod) == repr(t_mod)
    assert list(f_mod.state_dict()) == list(t_mod.state_dict())


def test_layer_float64():
    t_mod, f_mod = _pair("Conv2d", (2, 3, 3), {"stride": 2, "padding": 1})
    check_module(t_mod.double(), f_mod.double(), randn(2, 2, 6, 6))


@pytest.mark.parametrize("output_size", [(9, 10), [2, 4, 10, 9], (10, 10)])
def test_transpose_output_size(output_size):
    t_mod, f_mod = _pair("ConvTranspose2d", (3, 4, 3), {"stride": 2, "padding": 1})
    copy_state(t_mod, f_mod)
    check(lambda t, x: (t_mod if t is torch else f_mod)(x, output_size=output_size), randn(2, 3, 5, 5, dtype=F32),
          atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("output_size", [(8, 8), (12, 9), (1, 2, 3)])
def test_transpose_output_size_errors(output_size):
    check_raises(lambda t, x: t.nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1)(x, output_size=output_size),
                 randn(2, 3, 5, 5, dtype=F32))


@pytest.mark.parametrize("build", [
    lambda t: t.nn.Conv2d(4, 6, 3, groups=4),
    lambda t: t.nn.Conv2d(4, 6, 3, groups=0),
    lambda t: t.nn.Conv2d(3, 6, 3, groups=2),
    lambda t: t.nn.Conv2d(4, 6, 3, padding="same", stride=2),
    lambda t: t.nn.Conv2d(4, 6, 3, padding="foo"),
    lambda t: t.nn.Conv2d(4, 6, 3, padding_mode="foo"),
    lambda t: t.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"),
])
def test_constructor_errors(build):
    check_raises(build)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("LazyConv1d", (4, 3), {"stride": 2}, (2, 3, 9)),
    ("LazyConv2d", (6, 3), {"groups": 2, "padding": 1}, (2, 4, 5, 5)),
    ("LazyConv3d", (2, 2), {}, (3, 3, 3, 3)),
    ("LazyConvTranspose2d", (4, 3), {"stride": 2, "groups": 2}, (2, 6, 4, 4)),
])
def test_lazy(name, args, kwargs, shape):
    t_mod, f_mod = _pair(name, args, kwargs)
    assert repr(f_mod) == repr(t_mod)
    x = randn(*shape, dtype=F32)
    t_mod(torch.tensor(x))
    f_mod(flambeau.tensor(x))
    assert type(f_mod).__name__ == type(t_mod).__name__ and repr(f_mod) == repr(t_mod)
    assert f_mod.weight.shape == t_mod.weight.shape and type(f_mod.weight) is flambeau.nn.Parameter
    check_module(t_mod, f_mod, x)


@pytest.mark.parametrize("name,args", [("Conv1d", (8, 16, 5)), ("Conv2d", (6, 64, (5, 3))),
                                       ("ConvTranspose2d", (16, 40, 3)), ("Conv3d", (4, 32, 2))])
def test_default_init(name, args):
    t_mod, f_mod = _pair(name, args, {})
    check_default_init(t_mod, f_mod)
    assert not np.array_equal(to_numpy(f_mod.weight), to_numpy(getattr(flambeau.nn, name)(*args).weight))


def test_input_errors():
    model = flambeau.nn.Sequential(flambeau.nn.Conv2d(3, 8, 3), flambeau.nn.ReLU() if hasattr(flambeau.nn, "ReLU")
                                   else flambeau.nn.Identity(), flambeau.nn.Conv2d(8, 4, 3))
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"^0 \(Conv2d\(3, 8, kernel_size=\(3, 3\), stride=\(1, 1\)"
                       r"\)\) expected input with 3 channels, got shape \(2, 4, 9, 9\)$"):
        model(flambeau.randn(2, 4, 9, 9))
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"expected 3D \(unbatched\) or 4D \(batched\) input, got "
                       r"shape \(9, 9\)"):
        model(flambeau.randn(9, 9))
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"torch.float32.*torch.float64"):
        model(flambeau.randn(2, 3, 9, 9, dtype=flambeau.float64))
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"^ConvTranspose1d\(2, 3, .*expected input with 2 channels"):
        flambeau.nn.ConvTranspose1d(2, 3, 3)(flambeau.randn(1, 3, 5))
