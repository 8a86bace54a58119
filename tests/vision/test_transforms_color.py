"""flambeau.vision.transforms.functional colour ops against torchvision, on the same images."""
from __future__ import annotations

import pytest
import torch
import torchvision.transforms.functional as TF

import flambeau
import flambeau.vision.transforms.functional as FF
from tcolor_util import (
    assert_same_error,
    assert_same_image,
    float_array,
    outcome,
    pair,
    pil_gray,
    pil_rgb,
    uint8_array,
)

# (function name, arguments). Blend-based ops and hue go through float32 arithmetic before a
# truncating cast to uint8: a one-ulp difference in a float sum may move a pixel by one.
BLENDED = [
    ("adjust_brightness", (1.3,)),
    ("adjust_brightness", (0.0,)),
    ("adjust_contrast", (0.6,)),
    ("adjust_contrast", (1.9,)),
    ("adjust_saturation", (1.7,)),
    ("adjust_saturation", (0.3,)),
    ("adjust_hue", (0.2,)),
    ("adjust_hue", (-0.45,)),
    ("adjust_gamma", (0.8, 1.1)),
    ("adjust_gamma", (2.2,)),
    ("adjust_sharpness", (1.8,)),
    ("adjust_sharpness", (0.2,)),
    ("gaussian_blur", ([3, 5], [0.8, 1.2])),
    ("gaussian_blur", (3,)),
    ("rgb_to_grayscale", ()),
    ("rgb_to_grayscale", (3,)),
    ("autocontrast", ()),
]
# Pure integer ops on uint8: exact.
INTEGER = [
    ("invert", ()),
    ("posterize", (3,)),
    ("posterize", (0,)),
    ("posterize", (8,)),
    ("solarize", (100,)),
    ("solarize", (0.5,)),
    ("equalize", ()),
]
PIL_OPS = [c for c in BLENDED + INTEGER if c != ("posterize", (0,))]  # Pillow refuses 0 bits
FLOAT_OPS = [c for c in BLENDED + INTEGER if c[0] not in ("posterize", "equalize") and c != ("solarize", (100,))]
UINT8_SHAPES = [(3, 7, 9), (2, 3, 6, 5), (1, 8, 8)]


def _ids(cases):
    return [f"{name}{args}" for name, args in cases]


@pytest.mark.parametrize("shape", UINT8_SHAPES)
@pytest.mark.parametrize("name,args", BLENDED + INTEGER, ids=_ids(BLENDED + INTEGER))
def test_uint8_tensor(name, args, shape):
    t_img, f_img = pair(uint8_array(*shape))
    atol = 0 if (name, args) in INTEGER else 1
    assert_same_image(getattr(TF, name)(t_img, *args), getattr(FF, name)(f_img, *args), atol=atol)


@pytest.mark.parametrize("name,args", FLOAT_OPS, ids=_ids(FLOAT_OPS))
def test_float_tensor(name, args):
    t_img, f_img = pair(float_array(2, 3, 6, 7))
    assert_same_image(getattr(TF, name)(t_img, *args), getattr(FF, name)(f_img, *args), atol=2e-6)


LAYOUTS = {
    "5-d batch": lambda: uint8_array(2, 2, 3, 5, 6),
    "float64": lambda: float_array(3, 5, 6).astype("float64"),
    "int16": lambda: (uint8_array(3, 5, 6).astype("int16") * 128),
    "transposed": lambda: uint8_array(3, 6, 5),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_other_layouts_and_dtypes(layout):
    # same value, or the same exception type (e.g. conv-based ops refuse 5-d input in both)
    for name, args in BLENDED + [("invert", ()), ("posterize", (3,)), ("solarize", (0.5,)), ("equalize", ())]:
        t_img, f_img = pair(LAYOUTS[layout]())
        if layout == "transposed":
            t_img, f_img = t_img.transpose(-1, -2), f_img.transpose(-1, -2)
        t_out = outcome(getattr(TF, name), t_img, *args)
        if isinstance(t_out, Exception):
            assert_same_error(lambda: getattr(TF, name)(t_img, *args), lambda: getattr(FF, name)(f_img, *args))
        else:
            atol = 1e-12 if t_img.dtype == torch.float64 else 1  # integer images: one level, as above
            assert_same_image(t_out, getattr(FF, name)(f_img, *args), atol=atol)


def test_blends_are_mostly_bit_exact():
    # the tolerance of one above must stay an exception, not hide a systematic error
    t_img, f_img = pair(uint8_array(3, 16, 16, seed=1))
    for name, args in BLENDED:
        t_out, f_out = getattr(TF, name)(t_img, *args), getattr(FF, name)(f_img, *args)
        assert (t_out.numpy() != f_out.numpy()).mean() < 0.01, name


@pytest.mark.parametrize("make", [pil_rgb, pil_gray], ids=["RGB", "L"])
@pytest.mark.parametrize("name,args", PIL_OPS, ids=_ids(PIL_OPS))
def test_pil_exact(name, args, make):
    img = make()
    assert_same_image(getattr(TF, name)(img, *args), getattr(FF, name)(img, *args))


@pytest.mark.parametrize("channels", [1, 3])
def test_to_grayscale_pil(channels):
    img = pil_rgb()
    assert_same_image(TF.to_grayscale(img, channels), FF.to_grayscale(img, channels))


def test_gaussian_blur_double_and_default_sigma():
    t_img, f_img = pair(float_array(3, 9, 9).astype("float64"))
    assert_same_image(TF.gaussian_blur(t_img, [5, 3]), FF.gaussian_blur(f_img, [5, 3]), atol=1e-12)
    assert_same_image(TF.gaussian_blur(t_img, 5, 1.5), FF.gaussian_blur(f_img, 5, 1.5), atol=1e-12)


def test_erase_copy_and_inplace():
    t_img, f_img = pair(float_array(3, 8, 8))
    t_v, f_v = pair(float_array(3, 1, 1, seed=3))
    assert_same_image(TF.erase(t_img, 1, 2, 3, 4, t_v), FF.erase(f_img, 1, 2, 3, 4, f_v))
    before = f_img.clone()
    assert flambeau.equal(f_img, before)  # the copying form left its input alone
    out = FF.erase(f_img, 0, 0, 2, 2, flambeau.tensor(7.0), inplace=True)
    TF.erase(t_img, 0, 0, 2, 2, torch.tensor(7.0), inplace=True)
    assert out is f_img
    assert_same_image(t_img, f_img)


ERRORS = [
    ("adjust_brightness", lambda m, F: F.adjust_brightness(m.zeros(3, 4, 4), -0.1)),
    ("adjust_contrast", lambda m, F: F.adjust_contrast(m.zeros(3, 4, 4), -1)),
    ("adjust_saturation", lambda m, F: F.adjust_saturation(m.zeros(3, 4, 4), -1)),
    ("adjust_sharpness", lambda m, F: F.adjust_sharpness(m.zeros(3, 4, 4), -1)),
    ("hue range", lambda m, F: F.adjust_hue(m.zeros(3, 4, 4), 0.6)),
    ("gamma negative", lambda m, F: F.adjust_gamma(m.zeros(3, 4, 4), -1.0)),
    ("two channels", lambda m, F: F.adjust_brightness(m.zeros(2, 4, 4), 1.0)),
    ("1-d image", lambda m, F: F.invert(m.zeros(4))),
    ("2-d invert", lambda m, F: F.invert(m.zeros(4, 4))),
    ("grayscale channels", lambda m, F: F.rgb_to_grayscale(m.zeros(3, 4, 4), 2)),
    ("grayscale 2-d", lambda m, F: F.rgb_to_grayscale(m.zeros(4, 4))),
    ("posterize float", lambda m, F: F.posterize(m.zeros(3, 4, 4), 2)),
    ("posterize bits", lambda m, F: F.posterize(m.zeros(3, 4, 4, dtype=m.uint8), 9)),
    ("solarize threshold", lambda m, F: F.solarize(m.zeros(3, 4, 4), 2.0)),
    ("equalize float", lambda m, F: F.equalize(m.zeros(3, 4, 4))),
    ("equalize 5-d", lambda m, F: F.equalize(m.zeros(1, 1, 3, 4, 4, dtype=m.uint8))),
    ("blur even kernel", lambda m, F: F.gaussian_blur(m.zeros(3, 8, 8), 4)),
    ("blur kernel type", lambda m, F: F.gaussian_blur(m.zeros(3, 8, 8), 3.0)),
    ("blur kernel length", lambda m, F: F.gaussian_blur(m.zeros(3, 8, 8), [3, 3, 3])),
    ("blur sigma", lambda m, F: F.gaussian_blur(m.zeros(3, 8, 8), 3, -1.0)),
    ("blur sigma type", lambda m, F: F.gaussian_blur(m.zeros(3, 8, 8), 3, "1")),
    ("blur sigma length", lambda m, F: F.gaussian_blur(m.zeros(3, 8, 8), 3, [1.0, 1.0, 1.0])),
    ("blur not an image", lambda m, F: F.gaussian_blur([[0.0]], 3)),
    ("to_grayscale tensor", lambda m, F: F.to_grayscale(m.zeros(3, 4, 4))),
    ("erase on PIL", lambda m, F: F.erase(pil_rgb(), 0, 0, 1, 1, m.tensor(0.0))),
    ("posterize 0 bits on PIL", lambda m, F: F.posterize(pil_rgb(), 0)),
    ("not an image", lambda m, F: F.invert([[1, 2]])),
    ("gamma on list", lambda m, F: F.adjust_gamma([[1.0]], 1.0)),
]


@pytest.mark.parametrize("fn", [fn for _, fn in ERRORS], ids=[name for name, _ in ERRORS])
def test_errors(fn):
    assert_same_error(lambda: fn(torch, TF), lambda: fn(flambeau, FF))
