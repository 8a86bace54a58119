"""transforms.v2.functional geometry against torchvision: every functional on every input type (plain tensor,
PIL, Image, Video, Mask, BoundingBoxes in each format and clamping mode, KeyPoints), the kernels called directly
on plain tensors, and torchvision's exception types for bad arguments."""
import numpy as np
import pytest
import torch
from torchvision import tv_tensors as tv_tt
from torchvision.transforms.v2 import functional as TF

import flambeau
from flambeau.vision import tv_tensors as fl_tt
from flambeau.vision.transforms.v2.functional import _geometry as F
from flambeau.vision.transforms.v2.functional import _geometry_boxes as FB
from flambeau.vision.transforms.v2.functional import _geometry_image as FI
from flambeau.vision.transforms.v2.functional import _geometry_keypoints as FK
from tv2_sample_util import H, IMAGE, MASK, PIL_IMAGE, VIDEO, W, assert_same, error_type, sample

RNG = np.random.default_rng(3)
DISPLACEMENT = RNG.normal(0, 0.05, (1, H, W, 2)).astype(np.float32)
START, END = [[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]], [[2, 1], [W - 3, 0], [W - 1, H - 4], [1, H - 2]]


def _displacement(lib):
    return lib.tensor(DISPLACEMENT)


# one lambda per case, run with (functional module, library)
CASES = {
    "hflip": lambda f, lib, x: f.horizontal_flip(x),
    "vflip": lambda f, lib, x: f.vflip(x),
    "resize": lambda f, lib, x: f.resize(x, [15, 21]),
    "resize_short": lambda f, lib, x: f.resize(x, 16, interpolation="nearest"),
    "resize_max": lambda f, lib, x: f.resize(x, None, max_size=20),
    "pad": lambda f, lib, x: f.pad(x, [1, 2, 3, 4], fill=5),
    "pad_two": lambda f, lib, x: f.pad(x, [3, 1]),
    "crop": lambda f, lib, x: f.crop(x, 2, 3, 15, 20),
    "crop_outside": lambda f, lib, x: f.crop(x, -2, 5, 30, 30),
    "center_crop": lambda f, lib, x: f.center_crop(x, [13, 17]),
    "center_crop_pad": lambda f, lib, x: f.center_crop(x, [30, 20]),
    "resized_crop": lambda f, lib, x: f.resized_crop(x, 3, 4, 12, 16, [20, 25]),
    "affine": lambda f, lib, x: f.affine(x, 25.0, [2, -3], 1.1, [8.0, -4.0], fill=7),
    "affine_center": lambda f, lib, x: f.affine(x, -40, [1, 1], 0.9, 5, center=[5, 9]),
    "rotate": lambda f, lib, x: f.rotate(x, 33.0),
    "rotate_expand": lambda f, lib, x: f.rotate(x, -57.0, expand=True, fill=3),
    "rotate_90": lambda f, lib, x: f.rotate(x, 90, expand=True),
    "rotate_180": lambda f, lib, x: f.rotate(x, 180),
    "perspective": lambda f, lib, x: f.perspective(x, START, END),
    "perspective_coeffs": lambda f, lib, x: f.perspective(x, None, None, coefficients=[1.05, 0.1, -2, 0.05, 0.95,
                                                                                        1, 0.001, 0.002]),
    "elastic": lambda f, lib, x: f.elastic(x, _displacement(lib)),
}
BILINEAR_CASES = {  # image-only variations
    "affine_bilinear": lambda f, lib, x: f.affine(x, 25.0, [2, -3], 1.1, [8.0, -4.0], interpolation="bilinear",
                                                  fill=[10, 20, 30]),
    "rotate_bilinear": lambda f, lib, x: f.rotate(x, 12.0, interpolation="bilinear", center=[4, 6]),
    "perspective_nearest": lambda f, lib, x: f.perspective(x, START, END, interpolation="nearest", fill=9),
    "elastic_nearest": lambda f, lib, x: f.elastic(x, _displacement(lib), interpolation="nearest"),
    "pad_vector_fill": lambda f, lib, x: f.pad(x, 2, fill=[1, 2, 3]),
    "pad_reflect": lambda f, lib, x: f.pad(x, [2, 3], padding_mode="reflect"),
    "pad_edge": lambda f, lib, x: f.pad(x, [2, 3, 0, 1], padding_mode="edge"),
    "pad_symmetric": lambda f, lib, x: f.pad(x, 3, padding_mode="symmetric"),
}


# The warps whose sampling grid torch computes with a BLAS matmul, which rounds differently with and without
# AVX-512 (FMA): a nearest-neighbour sample whose float32 coordinate lies within an ulp of .5 (exactly .5 for
# some matrices) may take either neighbour, so up to PICKS of the values of a mask, or of an image sampled
# nearest, may differ; the rest must match as closely as ever. Bilinear values move by float32 rounding instead.
GRID_WARPS = {"affine", "affine_center", "rotate", "rotate_expand", "rotate_90", "rotate_180", "perspective",
              "perspective_coeffs", "affine_bilinear", "rotate_bilinear", "perspective_nearest"}
NEAREST_IMAGE_WARPS = GRID_WARPS - {"perspective", "perspective_coeffs", "affine_bilinear", "rotate_bilinear"}
PICKS = 0.01


def _picks(name, key):
    """The fraction of values that may take a neighbouring pixel: key is "image" (images, videos, plain
    tensors) or "mask"."""
    return PICKS if name in (GRID_WARPS if key == "mask" else NEAREST_IMAGE_WARPS) else 0


def _run(case, flambeau_input, torch_input, **tolerances):
    assert_same(case(F, flambeau, flambeau_input), case(TF, torch, torch_input), **tolerances)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_of_every_type(name):
    """Image, boxes, mask and key points of one sample, each through the functional."""
    ours, theirs = sample(flambeau), sample(torch)
    for key in ("image", "boxes", "mask", "keypoints"):
        # uint8 bilinear resampling may round a pixel differently (see docs/differences.md)
        _run(CASES[name], ours[key], theirs[key], image_atol=1, picks=_picks(name, key))


@pytest.mark.parametrize("name", sorted(CASES) + sorted(BILINEAR_CASES))
def test_plain_tensor_video_and_pil(name):
    case = {**CASES, **BILINEAR_CASES}[name]
    picks = _picks(name, "image")
    _run(case, flambeau.tensor(IMAGE), torch.tensor(IMAGE), image_atol=1, picks=picks)
    # float32 rounding grows with the values: 1e-5 per unit of the largest (fills up to 30, pixels up to 1)
    theirs = case(TF, torch, tv_tt.Video(torch.tensor(VIDEO)))
    atol = 1e-5 * max(1.0, float(theirs.as_subclass(torch.Tensor).abs().max()))
    assert_same(case(F, flambeau, fl_tt.Video(flambeau.tensor(VIDEO))), theirs, image_atol=atol, picks=picks)
    if name not in ("pad_vector_fill",):  # Pillow pads take one fill for all bands the same way
        _run(case, PIL_IMAGE, PIL_IMAGE)


# torchvision clamps rotated boxes slowly (a third of a second a call in "hard" mode): fewer cases for them
ROTATED_CASES = ["hflip", "vflip", "resize", "crop_outside", "rotate_expand", "perspective", "elastic"]


@pytest.mark.parametrize("format, clamping_mode, cases", [
    pytest.param(f, m, cases, id=f"{f}-{m}") for f, m, cases in (
        *((f, m, sorted(CASES)) for f in ("XYXY", "XYWH", "CXCYWH") for m in ("soft", "hard", None)),
        *((f, m, ROTATED_CASES) for f in ("XYWHR", "CXCYWHR", "XYXYXYXY") for m in ("soft", None)),
        ("XYWHR", "hard", ROTATED_CASES[::2]))])
def test_boxes_formats_and_clamping(format, clamping_mode, cases):
    ours, theirs = sample(flambeau, format, clamping_mode=clamping_mode), sample(torch, format,
                                                                                 clamping_mode=clamping_mode)
    rotated = format in ("XYWHR", "CXCYWHR", "XYXYXYXY")
    for name in cases:
        # rotated boxes go through sqrt/atan2 conversions whose last bits differ
        _run(CASES[name], ours["boxes"], theirs["boxes"], atol=2e-3 if rotated else 1e-5)


@pytest.mark.parametrize("format", ["XYXY", "XYWH", "CXCYWH"])
def test_integer_boxes_and_keypoints(format):
    ours, theirs = sample(flambeau, format, np.int64), sample(torch, format, np.int64)
    for name, case in CASES.items():
        _run(case, ours["boxes"], theirs["boxes"], atol=0)
        _run(case, ours["keypoints"].to(flambeau.int64), theirs["keypoints"].to(torch.int64), atol=0)


def test_mask_with_channels_and_float_image():
    mask = np.stack([MASK, MASK[::-1]])
    image = IMAGE.astype(np.float64) / 255
    for name, case in CASES.items():
        _run(case, fl_tt.Mask(flambeau.tensor(mask)), tv_tt.Mask(torch.tensor(mask)), picks=_picks(name, "mask"))
        _run(case, fl_tt.Image(flambeau.tensor(image)), tv_tt.Image(torch.tensor(image)), image_atol=1e-6,
             picks=_picks(name, "image"))


@pytest.mark.parametrize("functional", ["five_crop", "ten_crop"])
def test_five_and_ten_crop(functional):
    for ours, theirs in ((fl_tt.Image(flambeau.tensor(IMAGE)), tv_tt.Image(torch.tensor(IMAGE))),
                         (fl_tt.Video(flambeau.tensor(VIDEO)), tv_tt.Video(torch.tensor(VIDEO))),
                         (PIL_IMAGE, PIL_IMAGE), (flambeau.tensor(IMAGE), torch.tensor(IMAGE))):
        assert_same(getattr(F, functional)(ours, [10, 13]), getattr(TF, functional)(theirs, [10, 13]))
    assert_same(F.ten_crop(flambeau.tensor(IMAGE), 9, vertical_flip=True),
                TF.ten_crop(torch.tensor(IMAGE), 9, vertical_flip=True))


def test_kernels_on_plain_tensors_return_canvas_sizes():
    boxes = sample(torch)["boxes"]
    b, t = flambeau.tensor(boxes.numpy()), boxes.as_subclass(torch.Tensor)
    fmt, tfmt = fl_tt.BoundingBoxFormat.XYXY, tv_tt.BoundingBoxFormat.XYXY
    # rotations move points with a BLAS matmul in torch, whose float32 rounding differs with AVX-512 (FMA):
    # within a few ulps of coordinates up to 40
    assert_same(FB.rotate_bounding_boxes(b, fmt, (H, W), 30, expand=True),
                TF.rotate_bounding_boxes(t, tfmt, (H, W), 30, expand=True), image_atol=1e-5)
    assert_same(FB.resize_bounding_boxes(b, (H, W), [12], format=fmt), TF.resize_bounding_boxes(t, (H, W), [12]))
    assert_same(FB.pad_bounding_boxes(b, fmt, (H, W), [1, 2]), TF.pad_bounding_boxes(t, tfmt, (H, W), [1, 2]))
    points = sample(torch)["keypoints"].as_subclass(torch.Tensor)
    p = flambeau.tensor(points.numpy())
    assert_same(FK.rotate_keypoints(p, (H, W), 30, expand=True), TF.rotate_keypoints(points, (H, W), 30, expand=True),
                image_atol=1e-5)
    assert_same(FK.center_crop_keypoints(p, (H, W), 11), TF.center_crop_keypoints(points, (H, W), 11))
    assert_same(FI.resize_mask(flambeau.tensor(MASK), [7]), TF.resize_mask(torch.tensor(MASK), [7]))


def test_functionals_leave_their_input_unchanged():
    """No functional writes into its input."""
    ours = sample(flambeau)
    before = {k: ours[k].numpy().copy() for k in ("image", "boxes", "mask", "keypoints")}
    for case in CASES.values():
        for key in before:
            case(F, flambeau, ours[key])
    for key, value in before.items():
        np.testing.assert_array_equal(ours[key].numpy(), value)


# ------------------------------------------------------------------------------------------------ errors

ERRORS = [
    lambda f, lib, x: f.resize(x, [10, 10], interpolation="cubic"),
    lambda f, lib, x: f.resize(x, [10, 10], max_size=20),
    lambda f, lib, x: f.resize(x, None),
    lambda f, lib, x: f.resize(x, [10, 10], interpolation=object()),
    lambda f, lib, x: f.pad(x, [1, 2, 3]),
    lambda f, lib, x: f.pad(x, "1"),
    lambda f, lib, x: f.pad(x, 1, padding_mode="wrap"),
    lambda f, lib, x: f.pad(x, 1, fill=[1, 2, 3], padding_mode="edge"),
    lambda f, lib, x: f.affine(x, "a", [0, 0], 1.0, 0),
    lambda f, lib, x: f.affine(x, 0, 3, 1.0, 0),
    lambda f, lib, x: f.affine(x, 0, [1, 2, 3], 1.0, 0),
    lambda f, lib, x: f.affine(x, 0, [1, 2], 0.0, 0),
    lambda f, lib, x: f.affine(x, 0, [1, 2], 1.0, [1, 2, 3]),
    lambda f, lib, x: f.affine(x, 0, [1, 2], 1.0, 0, center=3),
    lambda f, lib, x: f.rotate(x, 10, fill=[1, 2]),
    lambda f, lib, x: f.rotate(x, 10, interpolation="bicubic"),
    lambda f, lib, x: f.perspective(x, START, END, coefficients=[1] * 8),
    lambda f, lib, x: f.perspective(x, None, None, coefficients=[1] * 7),
    lambda f, lib, x: f.perspective(x, None, None),
    lambda f, lib, x: f.elastic(x, lib.zeros(1, H, W, 3)),
    lambda f, lib, x: f.elastic(x, np.zeros((1, H, W, 2))),
    lambda f, lib, x: f.five_crop(x, [H + 1, 3]),
    lambda f, lib, x: f.five_crop(x, [1, 2, 3]),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_bad_arguments_raise_torchvisions_exception(index):
    case = ERRORS[index]
    expected = error_type(lambda: case(TF, torch, tv_tt.Image(torch.tensor(IMAGE))))
    assert expected is not None
    assert error_type(lambda: case(F, flambeau, fl_tt.Image(flambeau.tensor(IMAGE)))) is expected


@pytest.mark.parametrize("case", [
    lambda f, lib, s: f.pad(s["boxes"], 2, padding_mode="reflect"),
    lambda f, lib, s: f.pad(s["keypoints"], 2, padding_mode="edge"),
    lambda f, lib, s: f.pad(s["mask"], 2, fill=[1, 2]),
    lambda f, lib, s: f.perspective(s["boxes"], None, None, coefficients=[0, 0, 1, 0, 0, 1, 0, 0]),
    lambda f, lib, s: f.perspective(s["keypoints"], None, None, coefficients=[1, 2, 0, 2, 4, 0, 0, 0]),
    lambda f, lib, s: f.elastic(s["boxes"], lib.zeros(1, H + 1, W, 2)),
    lambda f, lib, s: f.elastic(s["keypoints"], [0.0]),
    lambda f, lib, s: f.resize(s["image"], [4, 4], interpolation="lanczos", antialias=False),
    lambda f, lib, s: f.horizontal_flip("not an image"),
])
def test_bad_inputs_for_boxes_points_and_masks(case):
    expected = error_type(lambda: case(TF, torch, sample(torch)))
    assert expected is not None
    assert error_type(lambda: case(F, flambeau, sample(flambeau))) is expected


def test_lanczos_resizes_pil_images_and_refuses_tensors():
    """A deliberate difference (docs/differences.md): flambeau has no Lanczos kernel for tensors."""
    assert_same(F.resize(PIL_IMAGE, [11, 13], interpolation="lanczos"),
                TF.resize(PIL_IMAGE, [11, 13], interpolation="lanczos"))
    with pytest.raises(NotImplementedError):
        F.resize(flambeau.tensor(IMAGE), [11, 13], interpolation="lanczos")


@pytest.mark.parametrize("format, width", [("XYXY", 4), ("CXCYWH", 4), ("XYWHR", 5), ("XYXYXYXY", 8)])
def test_empty_boxes_and_batched_keypoints(format, width):
    ours = fl_tt.BoundingBoxes(flambeau.zeros(0, width), format=format, canvas_size=(H, W))
    theirs = tv_tt.BoundingBoxes(torch.zeros(0, width), format=format, canvas_size=(H, W))
    points = RNG.uniform(0, 20, (2, 3, 2)).astype(np.float32)  # e.g. two polygons of three points
    for case in CASES.values():
        _run(case, ours, theirs)
        _run(case, fl_tt.KeyPoints(flambeau.tensor(points), canvas_size=(H, W)),
             tv_tt.KeyPoints(torch.tensor(points), canvas_size=(H, W)))
