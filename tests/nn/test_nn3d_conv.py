"""3-D convolutions against PyTorch: nn.Conv3d / nn.ConvTranspose3d with copied weights over flag combinations
(stride, dilation, groups, padding incl. 'same'/'valid', padding modes, output_padding, output_size, no bias,
unbatched input), F.conv3d / F.conv_transpose3d, the Lazy forms, and gradcheck/gradgradcheck in float64."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels

# (in, out, kernel, keyword arguments), on a (2, in, 4, 5, 4) volume
CONV3D = [
    (2, 3, 2, {}),
    (2, 4, (2, 3, 2), {"stride": (1, 2, 2), "padding": (1, 0, 1)}),
    (4, 4, 2, {"groups": 2, "dilation": (1, 2, 1), "bias": False}),
    (4, 4, 3, {"groups": 4, "padding": 1}),  # depthwise
    (2, 2, (3, 2, 3), {"padding": "same", "dilation": (1, 2, 1)}),
    (2, 3, 2, {"padding": "valid", "stride": 2}),
    (2, 3, 3, {"padding": 1, "padding_mode": "reflect"}),
    (2, 3, (2, 3, 2), {"padding": (1, 1, 0), "padding_mode": "replicate", "stride": 2}),
    (2, 2, 3, {"padding": (2, 1, 1), "padding_mode": "circular", "dilation": (1, 1, 2)}),
    (2, 2, (3, 2, 2), {"padding": "same", "padding_mode": "reflect"}),
]


@pytest.mark.parametrize("cin,cout,k,kwargs", CONV3D)
def test_conv3d_layer(cin, cout, k, kwargs):
    t_mod, f_mod = torch.nn.Conv3d(cin, cout, k, **kwargs).double(), flambeau.nn.Conv3d(cin, cout, k, **kwargs).double()
    assert repr(f_mod) == repr(t_mod)
    check_module(t_mod, f_mod, randn(2, cin, 4, 5, 4))
    check_module(t_mod, f_mod, randn(cin, 4, 5, 4))  # unbatched


# (in, out, kernel, keyword arguments), on a (2, in, 3, 4, 3) volume
TRANSPOSE3D = [
    (2, 3, 2, {}),
    (2, 4, (2, 3, 2), {"stride": (2, 1, 2), "padding": (1, 0, 1), "output_padding": (1, 0, 1)}),
    (4, 6, 2, {"groups": 2, "dilation": (2, 1, 1), "stride": 2, "bias": False}),
    (3, 3, 3, {"groups": 3, "padding": 1, "stride": (1, 3, 1), "output_padding": (0, 2, 0)}),
    (2, 2, 3, {"stride": 2, "dilation": 2, "output_padding": 1, "padding": 2}),
]


@pytest.mark.parametrize("cin,cout,k,kwargs", TRANSPOSE3D)
def test_conv_transpose3d_layer(cin, cout, k, kwargs):
    t_mod = torch.nn.ConvTranspose3d(cin, cout, k, **kwargs).double()
    f_mod = flambeau.nn.ConvTranspose3d(cin, cout, k, **kwargs).double()
    assert repr(f_mod) == repr(t_mod)
    check_module(t_mod, f_mod, randn(2, cin, 3, 4, 3))
    check_module(t_mod, f_mod, randn(cin, 3, 4, 3))  # unbatched


def test_conv_transpose3d_output_size():
    t_mod, f_mod = torch.nn.ConvTranspose3d(2, 3, 3, stride=2), flambeau.nn.ConvTranspose3d(2, 3, 3, stride=2)
    x = randn(1, 2, 3, 2, 3, dtype=np.float32)
    for size in ((7, 6, 8), (1, 3, 8, 5, 7)):
        check_module(t_mod, f_mod, x, atol=1e-5)
        check(lambda t, x: (t_mod if t is torch else f_mod)(x, output_size=size), x, atol=1e-5)
    with pytest.raises(ValueError):
        f_mod(flambeau.tensor(x), output_size=(9, 6, 8))


def test_functional_conv3d_float32():
    x, w, b = randn(2, 4, 4, 4, 5, dtype=np.float32), randn(6, 2, 2, 3, 2, dtype=np.float32), randn(6, dtype=np.float32)
    check(lambda t, x, w, b: t.nn.functional.conv3d(x, w, b, (2, 1, 1), 1, (1, 1, 2), 2), x, w, b, atol=1e-5)
    check(lambda t, x, w: t.conv3d(x, w, padding="same"), x[:, :2], w, atol=1e-5, noncontig=True)
    wt = randn(4, 3, 2, 2, 3, dtype=np.float32)
    check(lambda t, x, w, b: t.nn.functional.conv_transpose3d(x, w, b, 2, (0, 1, 1), (1, 0, 1), 1, (1, 2, 1)),
          x, wt, b[:3], atol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda t, x, w: t.nn.functional.conv3d(x, w, None, (1, 2, 1), (1, 0, 1), (2, 1, 1)),
    lambda t, x, w: t.nn.functional.conv3d(x, w, padding="same"),
    lambda t, x, w: t.nn.functional.conv_transpose3d(x, w, None, 2, 1, 1),
])
def test_gradcheck_conv3d(fn):
    gradcheck(fn, randn(1, 2, 3, 3, 2), randn(2, 2, 2, 2, 2))


@pytest.mark.parametrize("fn,xs,ws", [
    (lambda t, x, w: t.nn.functional.conv3d(x, w), (1, 2, 4, 4), (2, 2, 2, 2, 2)),  # 4-D weight rank mismatch
    (lambda t, x, w: t.nn.functional.conv3d(x, w), (1, 3, 4, 4, 4), (2, 2, 2, 2, 2)),  # channels
    (lambda t, x, w: t.nn.functional.conv3d(x, w), (1, 2, 1, 4, 4), (2, 2, 2, 2, 2)),  # kernel larger than input
    (lambda t, x, w: t.nn.functional.conv3d(x, w, stride=2, padding="same"), (1, 2, 4, 4, 4), (2, 2, 2, 2, 2)),
    (lambda t, x, w: t.nn.functional.conv_transpose3d(x, w, output_padding=2), (1, 2, 4, 4, 4), (2, 2, 2, 2, 2)),
])
def test_conv3d_errors(fn, xs, ws):
    check_raises(fn, randn(*xs), randn(*ws))


def test_conv3d_layer_argument_errors():
    for kwargs in ({"padding": "same", "stride": 2}, {"padding_mode": "mirror"}, {"groups": 3}):
        with pytest.raises(ValueError):
            torch.nn.Conv3d(2, 4, 2, **kwargs)
        with pytest.raises(ValueError):
            flambeau.nn.Conv3d(2, 4, 2, **kwargs)
    with pytest.raises(ValueError):
        flambeau.nn.ConvTranspose3d(2, 4, 2, padding_mode="reflect")


@pytest.mark.parametrize("name,kwargs", [("LazyConv3d", {"stride": 2, "padding": 1}),
                                         ("LazyConvTranspose3d", {"stride": 2, "output_padding": 1}),
                                         ("LazyConv1d", {"groups": 2}), ("LazyConv2d", {}),
                                         ("LazyConvTranspose1d", {}), ("LazyConvTranspose2d", {"groups": 2})])
def test_lazy_convs(name, kwargs):
    n = int(name[-2])
    shape = (2, 4) + (4,) * n
    t_mod, f_mod = getattr(torch.nn, name)(4, 2, **kwargs), getattr(flambeau.nn, name)(4, 2, **kwargs)
    t_mod(torch.zeros(shape))
    f_mod(flambeau.zeros(shape))
    eager = name.replace("Lazy", "")
    assert type(f_mod) is getattr(flambeau.nn, eager) and type(t_mod) is getattr(torch.nn, eager)
    assert {k: tuple(v.shape) for k, v in f_mod.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in t_mod.state_dict().items()}
    check_module(t_mod, f_mod, randn(*shape, dtype=np.float32), atol=1e-5)
