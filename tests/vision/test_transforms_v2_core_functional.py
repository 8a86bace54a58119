"""transforms.v2.functional colour, misc, type-conversion and temporal functionals against torchvision, on
plain tensors, Images, Videos and PIL images of several dtypes and leading dimensions."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision.transforms.v2.functional as TF
import torchvision.tv_tensors as TT
from PIL import Image as PILImage
from v2core_util import assert_same, same_error, to_torch

import flambeau
import flambeau.vision.transforms.v2.functional as FF
from flambeau.vision import tv_tensors as FT

G = np.random.default_rng(7)
# integer images: the same truncations and roundings as torchvision, to the last bit
ARRAYS = {
    "uint8_chw": G.integers(0, 256, (3, 9, 11)).astype("uint8"),
    "uint8_gray_batch": G.integers(0, 256, (2, 1, 9, 11)).astype("uint8"),
    "float32_batch": G.random((2, 3, 7, 8)).astype("float32"),
    "float64_chw": G.random((3, 6, 5)),
    "int16_chw": G.integers(0, 32768, (3, 6, 7)).astype("int16"),
    "uint8_video": G.integers(0, 256, (2, 2, 3, 5, 6)).astype("uint8"),
}
WRAPPERS = {"tensor": lambda t: t, "image": FT.Image, "video": FT.Video}
INPUTS = [("uint8_chw", "image"), ("uint8_chw", "tensor"), ("uint8_gray_batch", "tensor"), ("float32_batch", "image"),
          ("float64_chw", "tensor"), ("int16_chw", "image"), ("uint8_video", "video")]

COLOR_OPS = [
    ("adjust_brightness", {"brightness_factor": 1.3}), ("adjust_brightness", {"brightness_factor": 0.4}),
    ("adjust_contrast", {"contrast_factor": 0.6}), ("adjust_contrast", {"contrast_factor": 1.9}),
    ("adjust_saturation", {"saturation_factor": 1.7}), ("adjust_saturation", {"saturation_factor": 0.3}),
    ("adjust_hue", {"hue_factor": 0.2}), ("adjust_hue", {"hue_factor": -0.45}),
    ("adjust_gamma", {"gamma": 0.8, "gain": 1.1}), ("adjust_gamma", {"gamma": 2.2}),
    ("adjust_sharpness", {"sharpness_factor": 1.8}), ("adjust_sharpness", {"sharpness_factor": 0.2}),
    ("rgb_to_grayscale", {}), ("rgb_to_grayscale", {"num_output_channels": 3}), ("grayscale_to_rgb", {}),
    ("autocontrast", {}), ("equalize", {}), ("invert", {}), ("posterize", {"bits": 3}), ("posterize", {"bits": 8}),
    ("solarize", {"threshold": 0.5}), ("solarize", {"threshold": 100}),
    ("permute_channels", {"permutation": [2, 0, 1]}), ("permute_channels", {"permutation": [0]}),
    ("gaussian_blur", {"kernel_size": [3, 5], "sigma": [0.8, 1.2]}), ("gaussian_blur", {"kernel_size": 3}),
    ("normalize", {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.3, 0.4]}),
    ("to_dtype", {"dtype": "float32", "scale": True}), ("to_dtype", {"dtype": "int16", "scale": True}),
    ("to_dtype", {"dtype": "uint8", "scale": True}), ("to_dtype", {"dtype": "float64"}),
    ("convert_image_dtype", {"dtype": "float64"}), ("uniform_temporal_subsample", {"num_samples": 3}),
]


def _dtype_args(kwargs, lib):
    return {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}


def _outcome(fn):
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001 - compared by type below
        return None, type(e)


@pytest.mark.parametrize("array,wrapper", INPUTS)
@pytest.mark.parametrize("name,kwargs", COLOR_OPS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(COLOR_OPS)])
def test_functional_matches_torchvision(name, kwargs, array, wrapper):
    ours = WRAPPERS[wrapper](flambeau.tensor(ARRAYS[array]))
    theirs = to_torch(ours)
    got, our_error = _outcome(lambda: getattr(FF, name)(ours, **_dtype_args(kwargs, flambeau)))
    expected, their_error = _outcome(lambda: getattr(TF, name)(theirs, **_dtype_args(kwargs, torch)))
    assert our_error is their_error
    if their_error is None:
        assert_same(got, expected)


PIL_OPS = [op for op in COLOR_OPS if op[0] not in ("normalize", "to_dtype", "convert_image_dtype", "uniform_temporal_subsample",
                                                    "adjust_gamma")] + [("adjust_gamma", {"gamma": 0.8})]


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize("name,kwargs", PIL_OPS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PIL_OPS)])
def test_functional_on_pil_images(name, kwargs, mode):
    pil = PILImage.fromarray(ARRAYS["uint8_chw"].transpose(1, 2, 0)).convert(mode)
    got, our_error = _outcome(lambda: getattr(FF, name)(pil, **kwargs))
    expected, their_error = _outcome(lambda: getattr(TF, name)(pil, **kwargs))
    assert our_error is their_error
    if their_error is None:
        assert_same(got, expected)


@pytest.mark.parametrize("call", [
    lambda F, t: F.adjust_brightness(t.ones(3, 4, 4), -1.0),
    lambda F, t: F.adjust_contrast(t.ones(2, 4, 4), 0.5),
    lambda F, t: F.adjust_saturation(t.ones(3, 4, 4), -0.5),
    lambda F, t: F.adjust_hue(t.ones(3, 4, 4), 0.7),
    lambda F, t: F.adjust_hue(t.ones(4, 4, 4), 0.1),
    lambda F, t: F.adjust_gamma(t.ones(3, 4, 4), -1.0),
    lambda F, t: F.adjust_sharpness(t.ones(2, 4, 4), 1.0),
    lambda F, t: F.adjust_sharpness(t.ones(3, 4, 4), -1.0),
    lambda F, t: F.autocontrast(t.ones(4, 4, 4)),
    lambda F, t: F.posterize(t.ones(3, 4, 4, dtype=t.uint8), 9),
    lambda F, t: F.posterize(t.ones(3, 4, 4, dtype=t.uint8), 2.0),
    lambda F, t: F.solarize(t.ones(3, 4, 4), 2.0),
    lambda F, t: F.rgb_to_grayscale(t.ones(3, 4, 4), 2),
    lambda F, t: F.permute_channels(t.ones(3, 4, 4), [1, 0]),
    lambda F, t: F.gaussian_blur(t.ones(3, 4, 4), [2, 3]),
    lambda F, t: F.gaussian_blur(t.ones(3, 4, 4), [3, 3, 3]),
    lambda F, t: F.gaussian_blur(t.ones(3, 4, 4), 3, [1.0, 2.0, 3.0]),
    lambda F, t: F.gaussian_blur(t.ones(3, 4, 4), 3, -1.0),
    lambda F, t: F.gaussian_blur(t.ones(3, 4, 4), 3, "1"),
    lambda F, t: F.gaussian_noise(t.ones(3, 4, 4), sigma=-1.0),
    lambda F, t: F.gaussian_noise(t.ones(3, 4, 4, dtype=t.int32)),
    lambda F, t: F.normalize(t.ones(3, 4, 4, dtype=t.uint8), [0.5], [0.5]),
    lambda F, t: F.normalize(t.ones(4, 4), [0.5], [0.5]),
    lambda F, t: F.normalize(t.ones(3, 4, 4), [0.5], [0.0]),
    lambda F, t: F.to_dtype(t.ones(3, 4, 4), t.int64, scale=True),
    lambda F, t: F.to_dtype(t.ones(3, 4, 4, dtype=t.float64), t.int64, scale=True),
    lambda F, t: F.to_image("image"),
    lambda F, t: F.sanitize_bounding_boxes(t.ones(2, 4)),
    lambda F, t: F.sanitize_bounding_boxes(t.ones(2, 4), format="XYXY"),
    lambda F, t: F.sanitize_bounding_boxes(t.ones(2, 4).numpy()),
    lambda F, t: F.sanitize_keypoints(t.ones(2, 2)),
    lambda F, t: F.invert("image"),
])
def test_functional_errors(call):
    same_error(lambda: call(FF, flambeau), lambda: call(TF, torch))


@pytest.mark.parametrize("call", [
    lambda F, M, t: F.sanitize_bounding_boxes(M.BoundingBoxes(t.ones(1, 4), format="XYXY", canvas_size=(2, 2)),
                                              format="XYXY"),
    lambda F, M, t: F.sanitize_bounding_boxes(M.Image(t.ones(1, 4, 4))),
    lambda F, M, t: F.sanitize_keypoints(M.KeyPoints(t.ones(1, 2), canvas_size=(2, 2)), canvas_size=(2, 2)),
    lambda F, M, t: F.sanitize_keypoints(M.Mask(t.ones(1, 2))),
    lambda F, M, t: F.gaussian_noise(PILImage.new("RGB", (2, 2))),
])
def test_functional_errors_on_tv_tensors(call):
    same_error(lambda: call(FF, FT, flambeau), lambda: call(TF, TT, torch))


# ---------------------------------------------------------------- sanitizing
def _boxes(n=40, seed=0):
    g = np.random.default_rng(seed)
    xy = g.random((n, 2)) * 40 - 5
    return np.concatenate([xy, xy + g.random((n, 2)) * 15 - 1], axis=1).astype("float32")


@pytest.mark.parametrize("fmt", ["XYXY", "XYWH", "CXCYWH", "XYWHR", "CXCYWHR", "XYXYXYXY"])
@pytest.mark.parametrize("min_size,min_area", [(1.0, 1.0), (3.0, 20.0)])
def test_sanitize_bounding_boxes(fmt, min_size, min_area):
    xyxy = FT.BoundingBoxes(flambeau.tensor(_boxes()), format="XYXY", canvas_size=(30, 35))
    if fmt in ("XYWHR", "CXCYWHR", "XYXYXYXY"):
        angles = flambeau.tensor(np.random.default_rng(1).random((40, 1)).astype("float32") * 90 - 45)
        xywh = FF.convert_bounding_box_format(xyxy, new_format="XYWH").as_subclass(flambeau.Tensor)
        xyxy = FT.BoundingBoxes(flambeau.cat([xywh, angles], dim=1), format="XYWHR", canvas_size=(30, 35))
    boxes = FF.convert_bounding_box_format(xyxy, new_format=fmt)
    got = FF.sanitize_bounding_boxes(boxes, min_size=min_size, min_area=min_area)
    assert_same(got, TF.sanitize_bounding_boxes(to_torch(boxes), min_size=min_size, min_area=min_area))
    assert 0 < int(got[1].sum()) < 40  # the cases keep some boxes and drop others
    plain = boxes.as_subclass(flambeau.Tensor)
    assert_same(FF.sanitize_bounding_boxes(plain, format=fmt.lower(), canvas_size=(30, 35)),
                TF.sanitize_bounding_boxes(to_torch(plain), format=fmt.lower(), canvas_size=(30, 35)))


@pytest.mark.parametrize("shape", [(30, 2), (10, 3, 2), (5, 2, 3, 2)])
def test_sanitize_keypoints(shape):
    data = (np.random.default_rng(2).random(shape) * 24 - 2).astype("float32")
    points = FT.KeyPoints(flambeau.tensor(data), canvas_size=(20, 21))
    got = FF.sanitize_keypoints(points)
    assert_same(got, TF.sanitize_keypoints(to_torch(points)))
    assert_same(FF.sanitize_keypoints(flambeau.tensor(data), canvas_size=(20, 21)),
                TF.sanitize_keypoints(torch.tensor(data), canvas_size=(20, 21)))


# ---------------------------------------------------------------- noise, conversions
def test_gaussian_noise_reproducible_and_distributed():
    image = FT.Image(flambeau.full((3, 60, 60), 0.5))
    flambeau.manual_seed(3)
    first = FF.gaussian_noise(image, mean=0.1, sigma=0.05)
    flambeau.manual_seed(3)
    assert_same(FF.gaussian_noise(image, mean=0.1, sigma=0.05), to_torch(first))
    assert type(first) is FT.Image
    noise = (first - image).numpy()
    assert abs(noise.mean() - 0.1) < 0.01 and abs(noise.std() - 0.05) < 0.005
    # without randomness (sigma 0) the arithmetic is torchvision's, clipping and uint8 truncation included
    for data in (np.linspace(0, 1, 48, dtype="float32").reshape(3, 4, 4),
                 np.arange(48, dtype="uint8").reshape(3, 4, 4) * 5):
        for clip in (True, False):
            kwargs = dict(mean=0.3, sigma=0.0, clip=clip)
            assert_same(FF.gaussian_noise(flambeau.tensor(data), **kwargs),
                        TF.gaussian_noise(torch.tensor(data), **kwargs))


def test_type_conversions():
    array = ARRAYS["uint8_chw"].transpose(1, 2, 0).copy()
    pil = PILImage.fromarray(array)
    for inpt in (array, array[..., 0], pil, pil.convert("L")):
        assert_same(FF.to_image(inpt), TF.to_image(inpt))
    assert_same(FF.to_image(flambeau.tensor(ARRAYS["float64_chw"])), TF.to_image(torch.tensor(ARRAYS["float64_chw"])))
    assert_same(FF.pil_to_tensor(pil), TF.pil_to_tensor(pil))
    image = FT.Image(flambeau.tensor(ARRAYS["uint8_chw"]))
    assert_same(FF.to_pil_image(image), TF.to_pil_image(to_torch(image)))
    assert_same(FF.to_pil_image(image.float() / 255, mode="RGB"), TF.to_pil_image(to_torch(image).float() / 255, "RGB"))


def test_to_dtype_of_boxes_masks_keypoints_only_casts():
    boxes = FT.BoundingBoxes(flambeau.tensor(_boxes(3)), format="XYXY", canvas_size=(30, 35), clamping_mode="hard")
    mask = FT.Mask(flambeau.tensor(np.ones((2, 4, 4), "uint8")))
    points = FT.KeyPoints(flambeau.tensor([[1.5, 2.5]]), canvas_size=(3, 3))
    for inpt in (boxes, mask, points):
        for dtype in ("float64", "int32", "uint8"):
            assert_same(FF.to_dtype(inpt, getattr(flambeau, dtype), scale=True),
                        TF.to_dtype(to_torch(inpt), getattr(torch, dtype), scale=True))


def test_uniform_temporal_subsample_more_samples_than_frames():
    video = FT.Video(flambeau.tensor(ARRAYS["uint8_video"]))
    for n in (1, 2, 5):
        assert_same(FF.uniform_temporal_subsample(video, n), TF.uniform_temporal_subsample(to_torch(video), n))


@pytest.mark.parametrize("name,kwargs", [("normalize", {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.3, 0.4]}),
                                         ("adjust_brightness", {"brightness_factor": 1.3}),
                                         ("adjust_contrast", {"contrast_factor": 0.7}),
                                         ("adjust_saturation", {"saturation_factor": 1.6}),
                                         ("gaussian_blur", {"kernel_size": [3, 5], "sigma": [0.8, 1.2]})])
def test_gradients_flow_through_kernels_on_images(name, kwargs):
    data = ARRAYS["float32_batch"]
    leaf, tleaf = flambeau.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours, theirs = FT.Image(leaf), TT.Image(tleaf)  # an alias of the leaf, attached to its graph
    weights = np.linspace(-1, 1, data.size, dtype="float32").reshape(data.shape)
    out_ours, out_theirs = getattr(FF, name)(ours, **kwargs), getattr(TF, name)(theirs, **kwargs)
    assert type(out_ours) is FT.Image and out_ours.requires_grad
    (out_ours * flambeau.tensor(weights)).sum().backward()
    (out_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-5, atol=1e-6)
