"""F.interpolate / upsample (nearest, nearest-exact, (bi/tri)linear, bicubic, area; size, scale_factor,
recompute_scale_factor, align_corners) and the Upsample layers against PyTorch."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

F32 = np.float32
SIZES = [dict(size=(7, 4)), dict(size=3), dict(scale_factor=2), dict(scale_factor=(1.7, 0.6)),
         dict(scale_factor=1.3, recompute_scale_factor=True), dict(size=(1, 1))]
MODES_2D = [("nearest", None), ("nearest-exact", None), ("bilinear", False), ("bilinear", True), ("bicubic", False),
            ("bicubic", True), ("area", None)]


@pytest.mark.parametrize("mode,align", MODES_2D)
@pytest.mark.parametrize("kwargs", SIZES)
def test_interpolate_2d(mode, align, kwargs):
    # NOTE: atol 1e-5: ATen sums the taps in another order (bicubic weights exceed 1)
    check(lambda t, x: t.nn.functional.interpolate(x, mode=mode, align_corners=align, **kwargs),
          randn(2, 3, 5, 6, dtype=F32), atol=1e-5)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("nearest-exact", None), ("linear", False),
                                        ("linear", True), ("area", None)])
@pytest.mark.parametrize("kwargs", [dict(size=7), dict(size=3), dict(scale_factor=2.5), dict(scale_factor=0.5)])
def test_interpolate_1d(mode, align, kwargs):
    check(lambda t, x: t.nn.functional.interpolate(x, mode=mode, align_corners=align, **kwargs),
          randn(2, 3, 6, dtype=F32), atol=1e-5)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("trilinear", False), ("trilinear", True), ("area", None)])
def test_interpolate_3d(mode, align):
    check(lambda t, x: t.nn.functional.interpolate(x, scale_factor=(1.5, 2, 0.7), mode=mode, align_corners=align),
          randn(1, 2, 3, 4, 5, dtype=F32), atol=1e-5)


@pytest.mark.parametrize("mode,align", [("nearest", None), ("bilinear", False), ("bicubic", True)])
def test_interpolate_gather_path(mode, align):
    """Resampling is a dense matmul up to 128 samples per dim; longer dims, and inputs holding inf or nan
    (which the matmul's zero weights would spread), gather the taps instead."""
    long = randn(1, 2, 3, 130, dtype=F32)
    check(lambda t, x: t.nn.functional.interpolate(x, scale_factor=(2, 0.5), mode=mode, align_corners=align), long,
          atol=1e-5)
    special = randn(1, 2, 5, 6, dtype=F32)
    special[0, 0, 2, 3], special[0, 1, 1, 1] = np.inf, np.nan
    check(lambda t, x: t.nn.functional.interpolate(x, scale_factor=2, mode=mode, align_corners=align), special,
          atol=1e-5, grad=False)


def test_nearest_uint8_and_float64():
    img = np.random.default_rng(2).integers(0, 255, (1, 3, 5, 4)).astype(np.uint8)
    check(lambda t, x: t.nn.functional.interpolate(x, scale_factor=1.7), img)
    check(lambda t, x: t.nn.functional.interpolate(x, size=(9, 3), mode="bicubic"), randn(1, 2, 5, 4))


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
def test_gradcheck(mode):
    align = None if mode in ("nearest", "area") else False
    gradcheck(lambda t, x: t.nn.functional.interpolate(x, size=(5, 3), mode=mode, align_corners=align),
              randn(1, 2, 3, 4))


@pytest.mark.parametrize("fn", [
    lambda t, x: t.nn.functional.interpolate(x, scale_factor=2, mode="linear"),
    lambda t, x: t.nn.functional.interpolate(x, scale_factor=2, mode="trilinear"),
    lambda t, x: t.nn.functional.interpolate(x, scale_factor=2, mode="nearest", align_corners=True),
    lambda t, x: t.nn.functional.interpolate(x, size=3, scale_factor=2),
    lambda t, x: t.nn.functional.interpolate(x),
    lambda t, x: t.nn.functional.interpolate(x, size=0),
    lambda t, x: t.nn.functional.interpolate(x, size=(1, 2, 3)),
    lambda t, x: t.nn.functional.interpolate(x, size=3, mode="foo"),
    lambda t, x: t.nn.functional.interpolate(x, size=3, recompute_scale_factor=True),
    lambda t, x: t.nn.functional.interpolate(x.long(), size=3, mode="bilinear"),
])
def test_errors(fn):
    check_raises(fn, randn(1, 2, 5, 5, dtype=F32))


LAYERS = [
    (dict(scale_factor=2), (2, 3, 4, 5)), (dict(size=(3, 7), mode="bilinear"), (2, 3, 4, 5)),
    (dict(scale_factor=(2, 1.5), mode="bicubic", align_corners=True), (2, 3, 4, 5)),
    (dict(size=9, mode="linear"), (2, 3, 4)), (dict(scale_factor=2, mode="trilinear"), (1, 2, 3, 4, 2)),
]


@pytest.mark.parametrize("kwargs,shape", LAYERS)
def test_upsample(kwargs, shape):
    t_mod, f_mod = torch.nn.Upsample(**kwargs), flambeau.nn.Upsample(**kwargs)
    assert repr(f_mod) == repr(t_mod)
    check_module(t_mod, f_mod, randn(*shape, dtype=F32))


def test_deprecated_layers_and_functions():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cls, kwargs in [("UpsamplingNearest2d", dict(scale_factor=2)), ("UpsamplingBilinear2d", dict(size=(5, 7)))]:
            t_mod, f_mod = getattr(torch.nn, cls)(**kwargs), getattr(flambeau.nn, cls)(**kwargs)
            assert repr(f_mod) == repr(t_mod)
            check_module(t_mod, f_mod, randn(2, 3, 4, 5, dtype=F32))
        for name in ["upsample", "upsample_nearest", "upsample_bilinear"]:
            check(lambda t, x: getattr(t.nn.functional, name)(x, scale_factor=2), randn(1, 2, 3, 4, dtype=F32))


def test_layer_input_errors():
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"expected 4D input \(N, C, \*spatial\) for mode "
                                                           r"'bilinear', got shape \(3, 4, 5\)"):
        flambeau.nn.Upsample(scale_factor=2, mode="bilinear")(flambeau.randn(3, 4, 5))
