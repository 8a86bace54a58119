"""flambeau.vision.transforms.functional geometry against torchvision, on the same PIL images and tensors.

PIL images go through Pillow on both sides, so they must match exactly; so must every tensor operation
that only moves pixels (flips, crops, pads). Resampling tensors is float arithmetic whose summation order
differs (BLAS vs ATen loops): float results agree to ~1e-5 relative, and uint8 results, rounded after the
float resampling, may move by one where a value sits next to .5.
"""
import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF
from PIL import Image

import flambeau
import flambeau.vision.transforms.functional as F

RNG = np.random.default_rng(1)
BYTES = RNG.integers(0, 256, (2, 3, 13, 17), dtype=np.uint8)
FLOATS = RNG.uniform(0, 1, (2, 3, 13, 17)).astype(np.float32)
PIL_RGB = Image.fromarray(np.ascontiguousarray(BYTES[0].transpose(1, 2, 0)))
PIL_L = Image.fromarray(BYTES[1, 0])

TENSORS = {"uint8": BYTES[0], "uint8_batch": BYTES, "float32": FLOATS[1], "float32_batch": FLOATS}


def _both(fn, array):
    """fn(lib_functional, image) on torchvision and on flambeau with the same image."""
    return fn(TF, torch.tensor(array)), fn(F, flambeau.tensor(array))


def _pairs(theirs, ours):
    return zip(theirs, ours) if isinstance(theirs, tuple) else [(theirs, ours)]


def check_pil(fn, img=PIL_RGB):
    theirs, ours = fn(TF, img), fn(F, img)
    assert type(theirs) is type(ours)
    for a, b in _pairs(theirs, ours):
        assert (a.mode, a.size) == (b.mode, b.size)
        np.testing.assert_array_equal(np.asarray(b), np.asarray(a))


def check_tensor(fn, array, atol=0.0, uint8_off_by_one=0.0, atol_per_unit=False):
    """Same dtype and shape; values within atol (float) or, for uint8, off by at most one on at most a
    fraction uint8_off_by_one of the pixels. atol_per_unit: atol per unit of the largest magnitude among
    torchvision's values (at least 1), as float32 rounding grows with the values (fills up to 30)."""
    theirs, ours = _both(fn, array)
    for a, b in _pairs(theirs, ours):
        a, b = a.numpy(), b.numpy()
        assert (a.dtype, a.shape) == (b.dtype, b.shape)
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        if a.dtype == np.uint8:
            assert diff.max(initial=0) <= (1 if uint8_off_by_one else 0)
            assert (diff > 0).mean() <= uint8_off_by_one
        else:
            tol = atol * max(1.0, float(np.abs(a).max(initial=0))) if atol_per_unit else atol
            assert diff.max(initial=0) <= tol


# ------------------------------------------------------------------------- pixel moves: exact

MOVES = {
    "hflip": lambda L, x: L.hflip(x),
    "vflip": lambda L, x: L.vflip(x),
    "crop": lambda L, x: L.crop(x, 2, 3, 5, 6),
    "crop_outside": lambda L, x: L.crop(x, -2, 10, 20, 9),
    "center_crop": lambda L, x: L.center_crop(x, [6, 8]),
    "center_crop_odd": lambda L, x: L.center_crop(x, 5),
    "center_crop_pads": lambda L, x: L.center_crop(x, [16, 20]),
    "center_crop_pads_one_side": lambda L, x: L.center_crop(x, [4, 22]),
    "five_crop": lambda L, x: L.five_crop(x, [4, 5]),
    "ten_crop": lambda L, x: L.ten_crop(x, 4),
    "ten_crop_vertical": lambda L, x: L.ten_crop(x, [3], vertical_flip=True),
    "pad_int": lambda L, x: L.pad(x, 2),
    "pad_fill": lambda L, x: L.pad(x, [1, 2, 3, 4], fill=7),
    "pad_two": lambda L, x: L.pad(x, (3, 1)),
    "pad_negative": lambda L, x: L.pad(x, [-1, 2, 3, -2], fill=5),
}
for _mode in ("edge", "reflect", "symmetric"):
    MOVES[f"pad_{_mode}"] = lambda L, x, m=_mode: L.pad(x, [1, 2, 3, 4], padding_mode=m)
    MOVES[f"pad_{_mode}_negative"] = lambda L, x, m=_mode: L.pad(x, [-2, 1], padding_mode=m)


@pytest.mark.parametrize("name", list(MOVES))
def test_pixel_moves_pil(name):
    check_pil(MOVES[name])
    check_pil(MOVES[name], PIL_L)


@pytest.mark.parametrize("kind", list(TENSORS))
@pytest.mark.parametrize("name", list(MOVES))
def test_pixel_moves_tensor(name, kind):
    check_tensor(MOVES[name], TENSORS[kind])


def test_pad_pil_palette_and_fill_tuple():
    palette = PIL_RGB.convert("P")
    check_pil(lambda L, x: L.pad(x, 2, fill=3), palette)
    check_pil(lambda L, x: L.pad(x, 2, padding_mode="reflect"), palette)
    check_pil(lambda L, x: L.pad(x, 1, fill=(10, 20, 30)))


# ---------------------------------------------------------------------------------- resampling

INTERPOLATIONS = ["nearest", "nearest-exact", "bilinear", "bicubic"]
RESIZES = {
    "down": lambda L, x, m: L.resize(x, [7, 9], interpolation=L.InterpolationMode(m)),
    "up": lambda L, x, m: L.resize(x, [20, 31], interpolation=L.InterpolationMode(m)),
    "shorter_edge": lambda L, x, m: L.resize(x, 8, interpolation=L.InterpolationMode(m)),
    "max_size": lambda L, x, m: L.resize(x, [10], interpolation=L.InterpolationMode(m), max_size=12),
    "no_antialias": lambda L, x, m: L.resize(x, [6, 5], interpolation=L.InterpolationMode(m), antialias=False),
    "resized_crop": lambda L, x, m: L.resized_crop(x, 1, 2, 10, 11, [5, 6], interpolation=L.InterpolationMode(m)),
}


@pytest.mark.parametrize("mode", INTERPOLATIONS + ["box", "hamming", "lanczos"])
@pytest.mark.parametrize("name", [n for n in RESIZES if n != "no_antialias"])
def test_resize_pil(name, mode):
    check_pil(lambda L, x: RESIZES[name](L, x, mode))


@pytest.mark.parametrize("kind", list(TENSORS))
@pytest.mark.parametrize("mode", INTERPOLATIONS)
@pytest.mark.parametrize("name", list(RESIZES))
def test_resize_tensor(name, mode, kind):
    nearest = mode.startswith("nearest")  # picks pixels: exact
    check_tensor(lambda L, x: RESIZES[name](L, x, mode), TENSORS[kind], atol=0.0 if nearest else 2e-6,
                 uint8_off_by_one=0.0 if nearest else 0.01)


def test_resize_pil_integer_interpolation_and_identity():
    check_pil(lambda L, x: L.resize(x, [5, 6], interpolation=3))
    img = flambeau.tensor(BYTES)
    assert F.resize(img, [13, 17]) is img  # same size: the input itself, as torchvision


# ------------------------------------------------------------------------------------- warps

WARPS = {
    "rotate": lambda L, x, m: L.rotate(x, 33.0, interpolation=m),
    "rotate_expand": lambda L, x, m: L.rotate(x, -71, interpolation=m, expand=True),
    "rotate_center_fill": lambda L, x, m: L.rotate(x, 20.0, interpolation=m, center=[3, 4], fill=[10, 20, 30]),
    "rotate_expand_fill": lambda L, x, m: L.rotate(x, 100.0, interpolation=m, expand=True, fill=5),
    "affine": lambda L, x, m: L.affine(x, 20.0, [2, -1], 1.2, [10.0, 5.0], interpolation=m, fill=9),
    "affine_center": lambda L, x, m: L.affine(x, -45, (1, 1), 0.8, 12.0, interpolation=m, center=[2, 3]),
    "affine_shear_one": lambda L, x, m: L.affine(x, 0.0, [0, 0], 1.0, [15.0], interpolation=m),
    "perspective": lambda L, x, m: L.perspective(x, [[0, 0], [16, 0], [16, 12], [0, 12]],
                                                 [[2, 1], [15, 0], [14, 11], [1, 12]], interpolation=m,
                                                 fill=[1, 2, 3]),
}


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("name", list(WARPS))
def test_warps_pil(name, mode):
    check_pil(lambda L, x: WARPS[name](L, x, L.InterpolationMode(mode)))


@pytest.mark.parametrize("kind", list(TENSORS))
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("name", list(WARPS))
def test_warps_tensor(name, mode, kind):
    # Nearest picks a pixel from float32 grid coordinates computed in another order than torch's: a
    # coordinate a hair from .5 could pick the neighbour, but on these inputs none does (exact).
    # Bilinear: torch's grid (a BLAS matmul) rounds differently with and without AVX-512 (FMA), and a grid
    # point off by an ulp moves a value by up to the fill's size (30 in rotate_center_fill) times that.
    bilinear = mode == "bilinear"
    check_tensor(lambda L, x: WARPS[name](L, x, L.InterpolationMode(mode)), TENSORS[kind],
                 atol=1e-5 if bilinear else 0.0, uint8_off_by_one=0.01 if bilinear else 0.0, atol_per_unit=True)


def test_rotate_integer_interpolation_on_pil():
    check_pil(lambda L, x: L.rotate(x, 45, interpolation=2, expand=True))


# -------------------------------------------------------------------------------- image facts

@pytest.mark.parametrize("name", ["get_dimensions", "get_image_size", "get_image_num_channels"])
def test_image_facts(name):
    for img in (PIL_RGB, PIL_L, PIL_RGB.convert("RGBA")):
        assert getattr(F, name)(img) == getattr(TF, name)(img)
    for array in (BYTES, BYTES[0, 0], FLOATS[0]):
        assert getattr(F, name)(flambeau.tensor(array)) == getattr(TF, name)(torch.tensor(array))
    for bad in ([1, 2], flambeau.zeros(3)):
        with pytest.raises(TypeError):
            getattr(F, name)(bad)
    with pytest.raises(TypeError):
        getattr(TF, name)(torch.zeros(3))


def test_interpolation_mode_enum():
    assert [(m.name, m.value) for m in F.InterpolationMode] == [(m.name, m.value) for m in TF.InterpolationMode]


# -------------------------------------------------------------------------------------- errors

ERRORS = [
    (lambda L, x: L.resize(x, [1, 2, 3]), ValueError),
    (lambda L, x: L.resize(x, [4, 5], max_size=9), ValueError),
    (lambda L, x: L.resize(x, 8, max_size=8), ValueError),
    (lambda L, x: L.resize(x, 8, interpolation="bilinear"), TypeError),
    (lambda L, x: L.pad(x, [1, 2, 3]), ValueError),
    (lambda L, x: L.pad(x, 1, padding_mode="wrap"), ValueError),
    (lambda L, x: L.pad(x, "1"), TypeError),
    (lambda L, x: L.five_crop(x, [20, 4]), ValueError),
    (lambda L, x: L.five_crop(x, [2, 3, 4]), ValueError),
    (lambda L, x: L.ten_crop(x, [2, 3, 4]), ValueError),
    (lambda L, x: L.rotate(x, "30"), TypeError),
    (lambda L, x: L.rotate(x, 30, center=3), TypeError),
    (lambda L, x: L.affine(x, 10, [1], 1.0, 0.0), ValueError),
    (lambda L, x: L.affine(x, 10, 1, 1.0, 0.0), TypeError),
    (lambda L, x: L.affine(x, 10, [1, 1], 0.0, 0.0), ValueError),
    (lambda L, x: L.affine(x, 10, [1, 1], 1.0, "s"), TypeError),
    (lambda L, x: L.affine(x, 10, [1, 1], 1.0, [1, 2, 3]), ValueError),
    (lambda L, x: L.perspective(x, [[0, 0]] * 3, [[0, 0]] * 4), ValueError),
]
TENSOR_ERRORS = ERRORS + [
    (lambda L, x: L.rotate(x, 30, interpolation=L.InterpolationMode.BICUBIC), ValueError),
    (lambda L, x: L.affine(x, 30, [0, 0], 1.0, 0.0, fill=[1, 2]), ValueError),
    (lambda L, x: L.pad(x.unsqueeze(0), 1, padding_mode="symmetric"), RuntimeError),
    (lambda L, x: L.pad(x, 1, fill=(1, 2, 3)), TypeError),
]
PIL_ERRORS = ERRORS + [(lambda L, x: L.pad(x, 1, fill=(1, 2)), ValueError)]


@pytest.mark.parametrize("case", range(len(TENSOR_ERRORS)))
def test_errors_tensor(case):
    fn, error = TENSOR_ERRORS[case]
    with pytest.raises(error):
        fn(TF, torch.tensor(BYTES))
    with pytest.raises(error):
        fn(F, flambeau.tensor(BYTES))


@pytest.mark.parametrize("case", range(len(PIL_ERRORS)))
def test_errors_pil(case):
    fn, error = PIL_ERRORS[case]
    with pytest.raises(error):
        fn(TF, PIL_RGB)
    with pytest.raises(error):
        fn(F, PIL_RGB)


# ---------------------------------------------------------------------------------- elastic

DISPLACEMENT = (RNG.standard_normal((1, 13, 17, 2)) * 0.1).astype(np.float32)


@pytest.mark.parametrize("kind", list(TENSORS))
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, 4, [1.0, 2.0, 3.0]])
def test_elastic_transform_tensor(kind, mode, fill):
    def fn(L, x):
        displacement = (torch if L is TF else flambeau).tensor(DISPLACEMENT)
        return L.elastic_transform(x, displacement, L.InterpolationMode(mode), fill)
    bilinear = mode == "bilinear"
    check_tensor(fn, TENSORS[kind], atol=1e-5 if bilinear else 0.0, uint8_off_by_one=0.01 if bilinear else 0.0)


def test_elastic_transform_pil_and_errors():
    for img in (PIL_RGB, PIL_L):
        check_pil(lambda L, x: L.elastic_transform(x, (torch if L is TF else flambeau).tensor(DISPLACEMENT)), img)
    for L, lib in ((TF, torch), (F, flambeau)):
        with pytest.raises(TypeError):
            L.elastic_transform(lib.tensor(BYTES), DISPLACEMENT)
        with pytest.raises(ValueError):
            L.elastic_transform(lib.tensor(BYTES), lib.tensor(DISPLACEMENT[:, :5]))
        with pytest.raises(TypeError):
            L.elastic_transform(BYTES, lib.tensor(DISPLACEMENT))
        with pytest.warns(UserWarning):
            L.elastic_transform(lib.tensor(BYTES), lib.tensor(DISPLACEMENT), 0)


def test_pil_modes_mapping():
    assert {k.value: v for k, v in F.pil_modes_mapping.items()} == {k.value: v for k, v in TF.pil_modes_mapping.items()}


@pytest.mark.parametrize("dtype", ["float16", "float64", "int8", "int16", "int32", "int64", "bool"])
@pytest.mark.parametrize("name", ["resize", "rotate", "perspective", "pad_reflect"])
def test_other_dtypes_tensor(name, dtype):
    # cast to float32 (float64 stays), resample, then round (integers) or cast back, as torchvision does
    fn = {"resize": lambda L, x: L.resize(x, [5, 6]),
          "rotate": lambda L, x: L.rotate(x, 30, interpolation=L.InterpolationMode.BILINEAR, fill=3),
          "perspective": lambda L, x: WARPS["perspective"](L, x, L.InterpolationMode.BILINEAR),
          "pad_reflect": lambda L, x: L.pad(x, 2, padding_mode="reflect")}[name]
    array = RNG.uniform(0, 100, (3, 9, 17)).astype(dtype)
    check_tensor(fn, array, atol=0.05 if dtype == "float16" else 1e-4)


PIL_MODES = {"L": PIL_L, "F": PIL_L.convert("F"), "I": PIL_L.convert("I"), "P": PIL_RGB.convert("P"),
             "RGBA": PIL_RGB.convert("RGBA"), "LA": PIL_RGB.convert("LA")}


@pytest.mark.parametrize("mode", list(PIL_MODES))
@pytest.mark.parametrize("name", ["rotate_expand_fill", "affine", "perspective"])
def test_warps_pil_modes_and_fills(name, mode):
    # fill is spread over the bands (ints unless the image is 'F'); a 3-value fill only fits 3 bands
    img = PIL_MODES[mode]
    fill = {"rotate_expand_fill": 5, "affine": 9.7, "perspective": [4]}[name]
    check_pil(lambda L, x: {"rotate_expand_fill": lambda: L.rotate(x, 100.0, expand=True, fill=fill),
                            "affine": lambda: L.affine(x, 20.0, [2, -1], 1.2, [10.0, 5.0], fill=fill),
                            "perspective": lambda: L.perspective(x, [[0, 0], [16, 0], [16, 12], [0, 12]],
                                                                 [[2, 1], [15, 0], [14, 11], [1, 12]], fill=fill),
                            }[name](), img)


@pytest.mark.parametrize("mode", list(PIL_MODES))
def test_pad_crop_resize_pil_modes(mode):
    img = PIL_MODES[mode]
    check_pil(lambda L, x: L.pad(x, [1, 2, 3, 4], fill=3), img)
    check_pil(lambda L, x: L.center_crop(x, [20, 9]), img)
    check_pil(lambda L, x: L.resize(x, [6, 8], interpolation=L.InterpolationMode.NEAREST), img)
