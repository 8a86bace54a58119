"""flambeau.vision.transforms colour classes against torchvision: reprs, argument errors, and
outputs equal to torchvision's functional ops applied with the parameters flambeau drew."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision.transforms as TT
import torchvision.transforms.functional as TF

import flambeau
import flambeau.vision.transforms as FT
from tcolor_util import (
    assert_same_error,
    assert_same_image,
    float_array,
    pair,
    pil_rgb,
    uint8_array,
)

CONSTRUCTORS = [
    lambda T: T.ColorJitter(),
    lambda T: T.ColorJitter(0.4, 0.4, 0.4, 0.1),
    lambda T: T.ColorJitter(brightness=(0.5, 1.5), contrast=[1, 1], hue=(-0.2, 0.3)),
    lambda T: T.ColorJitter(brightness=1.5),
    lambda T: T.Grayscale(),
    lambda T: T.Grayscale(3),
    lambda T: T.RandomGrayscale(),
    lambda T: T.RandomGrayscale(0.7),
    lambda T: T.GaussianBlur(3),
    lambda T: T.GaussianBlur([5, 3], sigma=1.5),
    lambda T: T.GaussianBlur((3, 7), sigma=[0.5, 1.0]),
    lambda T: T.RandomErasing(),
    lambda T: T.RandomErasing(p=1.0, scale=[0.1, 0.2], ratio=(1, 2), value="random", inplace=True),
    lambda T: T.RandomErasing(value=(1, 2, 3)),
    lambda T: T.RandomInvert(),
    lambda T: T.RandomPosterize(3, p=0.25),
    lambda T: T.RandomSolarize(128),
    lambda T: T.RandomAdjustSharpness(2.0),
    lambda T: T.RandomAutocontrast(0.1),
    lambda T: T.RandomEqualize(),
    lambda T: T.LinearTransformation(T_eye(T, 2), T_zeros(T, 2)),
]


def T_eye(T, n):
    return (torch if T is TT else flambeau).eye(n)


def T_zeros(T, n):
    return (torch if T is TT else flambeau).zeros(n)


@pytest.mark.parametrize("make", CONSTRUCTORS)
def test_repr(make):
    assert repr(make(FT)) == repr(make(TT))


BAD_ARGUMENTS = [
    lambda T: T.ColorJitter(brightness=-1),
    lambda T: T.ColorJitter(hue=0.6),
    lambda T: T.ColorJitter(hue=(-0.6, 0.1)),
    lambda T: T.ColorJitter(contrast=(1.5, 0.5)),
    lambda T: T.ColorJitter(saturation="a"),
    lambda T: T.ColorJitter(saturation=(1, 2, 3)),
    lambda T: T.GaussianBlur(4),
    lambda T: T.GaussianBlur(-3),
    lambda T: T.GaussianBlur([3, 3, 3]),
    lambda T: T.GaussianBlur(3, sigma=-1.0),
    lambda T: T.GaussianBlur(3, sigma=(2.0, 1.0)),
    lambda T: T.GaussianBlur(3, sigma=(1.0, 2.0, 3.0)),
    lambda T: T.RandomErasing(value="zero"),
    lambda T: T.RandomErasing(value={}),
    lambda T: T.RandomErasing(scale=0.5),
    lambda T: T.RandomErasing(ratio=0.5),
    lambda T: T.RandomErasing(scale=(0.1, 1.5)),
    lambda T: T.RandomErasing(p=1.5),
    lambda T: T.LinearTransformation(T_eye(T, 3)[:2], T_zeros(T, 2)),
    lambda T: T.LinearTransformation(T_eye(T, 3), T_zeros(T, 2)),
    lambda T: T.LinearTransformation(T_eye(T, 2), T_zeros(T, 2).double()),
]


@pytest.mark.parametrize("make", BAD_ARGUMENTS)
def test_bad_arguments(make):
    assert_same_error(lambda: make(TT), lambda: make(FT))


def test_bad_calls():
    t_img, f_img = pair(float_array(3, 6, 6))
    assert_same_error(
        lambda: TT.RandomErasing(p=1.0, value=[1.0, 2.0])(t_img),
        lambda: FT.RandomErasing(p=1.0, value=[1.0, 2.0])(f_img),
    )
    assert_same_error(
        lambda: TT.LinearTransformation(torch.eye(4), torch.zeros(4))(t_img),
        lambda: FT.LinearTransformation(flambeau.eye(4), flambeau.zeros(4))(f_img),
    )


def _same_seed_same_output(transform, img):
    flambeau.manual_seed(123)
    first = transform(img)
    flambeau.manual_seed(123)
    return first, transform(img)


# --- ColorJitter ---------------------------------------------------------------------------

def _torch_jitter(img, fn_idx, factors):
    adjust = (TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue)
    for fn_id in fn_idx:
        if factors[fn_id] is not None:
            img = adjust[fn_id](img, factors[fn_id])
    return img


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["uint8", "float", "pil"])
def test_color_jitter_matches_torchvision_with_drawn_params(seed, kind):
    jitter = FT.ColorJitter(0.5, (0.3, 1.6), 0.8, 0.3)
    if kind == "pil":
        t_img = f_img = pil_rgb()
    else:
        t_img, f_img = pair(uint8_array(3, 6, 7) if kind == "uint8" else float_array(3, 6, 7))
    flambeau.manual_seed(seed)
    fn_idx, *factors = FT.ColorJitter.get_params(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue)
    flambeau.manual_seed(seed)
    out = jitter(f_img)
    # four float blends in a row on uint8: each may round one level differently
    atol = {"uint8": 2, "float": 1e-5, "pil": 0}[kind]
    assert_same_image(_torch_jitter(t_img, fn_idx.tolist(), factors), out, atol=atol)


def test_color_jitter_params_distribution():
    flambeau.manual_seed(0)
    first_ops, factors = set(), []
    for _ in range(300):
        fn_idx, b, c, s, h = FT.ColorJitter.get_params((0.5, 1.5), None, (0.0, 2.0), (-0.1, 0.2))
        assert sorted(fn_idx.tolist()) == [0, 1, 2, 3] and fn_idx.dtype == flambeau.int64
        assert c is None
        first_ops.add(fn_idx[0].item())
        factors.append((b, s, h))
    b, s, h = np.array(factors).T
    assert first_ops == {0, 1, 2, 3}
    assert 0.5 <= b.min() and b.max() <= 1.5 and 0.0 <= s.min() and s.max() <= 2.0
    assert -0.1 <= h.min() and h.max() <= 0.2
    assert abs(b.mean() - 1.0) < 0.06 and abs(h.mean() - 0.05) < 0.02  # uniform: mean mid-range


def test_color_jitter_reproducible():
    _, f_img = pair(uint8_array(2, 3, 5, 5))
    first, second = _same_seed_same_output(FT.ColorJitter(0.4, 0.4, 0.4, 0.1), f_img)
    assert flambeau.equal(first, second)


# --- Grayscale, blur, erasing --------------------------------------------------------------

@pytest.mark.parametrize("channels", [1, 3])
def test_grayscale(channels):
    t_img, f_img = pair(uint8_array(3, 5, 6))
    assert_same_image(TT.Grayscale(channels)(t_img), FT.Grayscale(channels)(f_img), atol=1)
    assert_same_image(TT.Grayscale(channels)(pil_rgb()), FT.Grayscale(channels)(pil_rgb()))


def test_random_grayscale_keeps_channel_count():
    t_img, f_img = pair(uint8_array(3, 5, 6))
    assert_same_image(TT.RandomGrayscale(p=1.0)(t_img), FT.RandomGrayscale(p=1.0)(f_img), atol=1)
    assert_same_image(TT.RandomGrayscale(p=1.0)(pil_rgb()), FT.RandomGrayscale(p=1.0)(pil_rgb()))
    assert FT.RandomGrayscale(p=0.0)(f_img) is f_img


@pytest.mark.parametrize("kind", ["uint8", "pil"])
def test_gaussian_blur_uses_drawn_sigma(kind):
    blur = FT.GaussianBlur((3, 5), sigma=(0.3, 1.7))
    t_img, f_img = (pil_rgb(), pil_rgb()) if kind == "pil" else pair(uint8_array(3, 7, 8))
    flambeau.manual_seed(5)
    sigma = FT.GaussianBlur.get_params(0.3, 1.7)
    assert 0.3 <= sigma <= 1.7
    flambeau.manual_seed(5)
    out = blur(f_img)
    assert_same_image(TF.gaussian_blur(t_img, [3, 5], [sigma, sigma]), out, atol=1)


@pytest.mark.parametrize("value", [0, 7.5, (1.0, 2.0, 3.0), "random"])
def test_random_erasing_matches_torchvision_erase(value):
    erasing = FT.RandomErasing(p=1.0, scale=(0.1, 0.4), ratio=(0.5, 2.0), value=value)
    t_img, f_img = pair(float_array(3, 10, 12))
    flambeau.manual_seed(7)
    flambeau.rand(1)  # forward's coin comes first
    params_value = None if value == "random" else [float(v) for v in np.atleast_1d(value)]
    i, j, h, w, v = FT.RandomErasing.get_params(f_img, (0.1, 0.4), (0.5, 2.0), params_value)
    flambeau.manual_seed(7)
    out = erasing(f_img)
    assert_same_image(TF.erase(t_img, i, j, h, w, torch.tensor(v.numpy())), out)
    assert not flambeau.equal(out, f_img)  # something was erased, the input was not


def test_random_erasing_boxes_fit():
    _, f_img = pair(float_array(3, 10, 12))
    flambeau.manual_seed(0)
    for _ in range(100):
        i, j, h, w, v = FT.RandomErasing.get_params(f_img, (0.02, 0.33), (0.3, 3.3), [0.0])
        assert 0 <= i and i + h <= 10 and 0 <= j and j + w <= 12
        assert 0.01 <= h * w / 120 <= 0.45  # the drawn area fraction, up to rounding of h and w


def test_random_erasing_inplace_and_fallback():
    _, f_img = pair(float_array(3, 8, 8))
    out = FT.RandomErasing(p=1.0, inplace=True, value=5.0)(f_img)
    assert out is f_img and (f_img == 5.0).any()
    # a box of the whole image never fits: ten tries, then the image is erased with itself
    i, j, h, w, v = FT.RandomErasing.get_params(f_img, (1.0, 1.0), (1.0, 1.0), [0.0])
    assert (i, j, h, w) == (0, 0, 8, 8) and v is f_img


# --- the p-gated photometric ops -----------------------------------------------------------

GATED = [
    ("RandomInvert", (), "invert", ()),
    ("RandomPosterize", (3,), "posterize", (3,)),
    ("RandomSolarize", (100,), "solarize", (100,)),
    ("RandomAdjustSharpness", (1.7,), "adjust_sharpness", (1.7,)),
    ("RandomAutocontrast", (), "autocontrast", ()),
    ("RandomEqualize", (), "equalize", ()),
]


@pytest.mark.parametrize("cls,args,fn,fn_args", GATED, ids=[g[0] for g in GATED])
def test_gated_ops_apply_or_not(cls, args, fn, fn_args):
    t_img, f_img = pair(uint8_array(3, 6, 7))
    applied = getattr(FT, cls)(*args, p=1.0)
    assert_same_image(getattr(TF, fn)(t_img, *fn_args), applied(f_img), atol=1)
    assert_same_image(getattr(TF, fn)(pil_rgb(), *fn_args), applied(pil_rgb()))
    assert getattr(FT, cls)(*args, p=0.0)(f_img) is f_img


@pytest.mark.parametrize("cls,args", [(g[0], g[1]) for g in GATED], ids=[g[0] for g in GATED])
def test_gated_ops_frequency_and_seed(cls, args):
    _, f_img = pair(uint8_array(1, 3, 3))  # sharpness leaves images under 3x3 alone
    transform = getattr(FT, cls)(*args, p=0.3)
    flambeau.manual_seed(0)
    hits = [transform(f_img) is not f_img for _ in range(400)]
    assert abs(np.mean(hits) - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 400)
    flambeau.manual_seed(0)
    assert [transform(f_img) is not f_img for _ in range(400)] == hits


# --- LinearTransformation ------------------------------------------------------------------

def test_linear_transformation():
    d = 2 * 3 * 3
    t_m, f_m = pair(float_array(d, d, seed=1))
    t_mean, f_mean = pair(float_array(d, seed=2))
    t_img, f_img = pair(float_array(4, 2, 3, 3, seed=3))
    t_out = TT.LinearTransformation(t_m, t_mean)(t_img)
    assert_same_image(t_out, FT.LinearTransformation(f_m, f_mean)(f_img), atol=1e-5)
