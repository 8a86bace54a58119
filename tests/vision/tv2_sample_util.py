"""Shared by the v2 geometry / augment tests: the same detection sample built in flambeau and in torchvision,
a comparison of whole outputs (types, tv_tensor metadata, dtypes, shapes, values), and a way to run
torchvision's random transforms on flambeau's random stream."""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image as PILImage
from torchvision import tv_tensors as tv_tt

import flambeau
from flambeau.vision import tv_tensors as fl_tt

RNG = np.random.default_rng(7)
H, W = 24, 32
IMAGE = RNG.integers(0, 256, (3, H, W), dtype=np.uint8)
VIDEO = RNG.uniform(0, 1, (2, 3, H, W)).astype(np.float32)
MASK = RNG.integers(0, 4, (H, W), dtype=np.uint8)
BOXES_XYXY = np.array([[2, 3, 20, 15], [10, 5, 30, 22], [0, 0, 8, 8]], np.float32)
KEYPOINTS = np.array([[3.5, 4.0], [20.0, 11.25], [31.0, 23.0]], np.float32)
ROTATED_XYWHR = np.array([[6, 4, 12, 7, 30], [18, 12, 8, 5, -20]], np.float32)
PIL_IMAGE = PILImage.fromarray(np.ascontiguousarray(IMAGE.transpose(1, 2, 0)))


def boxes_in(format: str) -> np.ndarray:
    """The test boxes in a format (rotated formats come from ROTATED_XYWHR)."""
    from torchvision.transforms.v2.functional import convert_bounding_box_format
    source, old = (ROTATED_XYWHR, "XYWHR") if format in ("XYWHR", "CXCYWHR", "XYXYXYXY") else (BOXES_XYXY, "XYXY")
    return convert_bounding_box_format(torch.tensor(source), old_format=old, new_format=format).numpy()


def sample(lib, format: str = "XYXY", box_dtype=np.float32, clamping_mode: str = "soft") -> dict:
    """image, boxes, mask, keypoints, a label and a string, as `lib` (flambeau or torch) tv_tensors."""
    tt = fl_tt if lib is flambeau else tv_tt
    return {"image": tt.Image(lib.tensor(IMAGE)),
            "boxes": tt.BoundingBoxes(lib.tensor(boxes_in(format).astype(box_dtype)), format=format,
                                      canvas_size=(H, W), clamping_mode=clamping_mode),
            "mask": tt.Mask(lib.tensor(MASK)),
            "keypoints": tt.KeyPoints(lib.tensor(KEYPOINTS), canvas_size=(H, W)),
            "label": lib.tensor(3), "name": "cat"}


def assert_same(ours, theirs, atol: float = 1e-4, image_atol: float = 0, picks: float = 0) -> None:
    """Same structure, same types and metadata, same dtypes, shapes and values (boxes, points and masks within
    atol; images, videos and plain tensors, which resampling may round differently, within image_atol). picks:
    the fraction of the values of an image, video, plain tensor or mask that may differ by more (nearest-
    neighbour samples that took the neighbouring pixel)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys()
        for key in theirs:
            assert_same(ours[key], theirs[key], atol, image_atol, picks)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, atol, image_atol, picks)
    elif isinstance(theirs, torch.Tensor):
        assert isinstance(ours, flambeau.Tensor)
        assert type(ours).__name__ == type(theirs).__name__
        if isinstance(theirs, (tv_tt.BoundingBoxes, tv_tt.KeyPoints)):
            assert tuple(ours.canvas_size) == tuple(theirs.canvas_size)
        if isinstance(theirs, tv_tt.BoundingBoxes):
            assert ours.format.name == theirs.format.name and ours.clamping_mode == theirs.clamping_mode
        a, b = ours.as_subclass(flambeau.Tensor).numpy(), theirs.as_subclass(torch.Tensor).numpy()
        assert str(a.dtype) == str(b.dtype) and a.shape == b.shape
        is_image = isinstance(theirs, (tv_tt.Image, tv_tt.Video)) or not isinstance(theirs, tv_tt.TVTensor)
        tol = image_atol if is_image else atol
        if picks and (is_image or isinstance(theirs, tv_tt.Mask)):
            off = np.abs(a.astype(np.float64) - b.astype(np.float64)) > tol
            assert off.mean() <= picks, f"{off.sum()} of {off.size} values differ by more than {tol}"
        else:
            np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=0, atol=tol)
    elif isinstance(theirs, PILImage.Image):
        assert isinstance(ours, PILImage.Image) and ours.mode == theirs.mode
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    else:
        assert ours == theirs


def error_type(fn) -> type | None:
    """The type of the exception fn raises (None if it returns): what the tests compare with torchvision's."""
    try:
        fn()
    except Exception as error:
        return type(error)
    return None


class _Empty:
    """torch.empty(shape), to be filled by uniform_ or normal_ from flambeau's generator."""

    def __init__(self, shape):
        self.shape = shape

    def uniform_(self, low, high):
        return _torch(flambeau.empty(*self.shape).uniform_(float(low), float(high)))

    def normal_(self):
        return _torch(flambeau.empty(*self.shape).normal_())


def _torch(t: flambeau.Tensor) -> torch.Tensor:
    return torch.from_numpy(t.numpy().copy())


class _FlambeauDraws:
    """torch, except that rand / randint / empty().uniform_ / empty().normal_ draw from flambeau's generator."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def rand(*args, **kwargs):
        return _torch(flambeau.rand(*args, **kwargs))

    @staticmethod
    def randint(*args, **kwargs):
        return _torch(flambeau.randint(*args, **kwargs))

    @staticmethod
    def empty(*shape, **kwargs):
        return _Empty(shape)


def use_flambeau_draws(monkeypatch, *modules) -> None:
    """Make the given torchvision modules draw their random numbers from flambeau's generator, so that under one
    flambeau.manual_seed both libraries draw the same parameters."""
    shim = _FlambeauDraws()
    for module in modules:
        monkeypatch.setattr(module, "torch", shim)
