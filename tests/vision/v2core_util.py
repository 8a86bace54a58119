"""Shared by the tv_tensors and transforms.v2 core tests: the same sample built for flambeau and for
torchvision, and a comparison of outputs that checks structure, types, metadata, dtypes and values."""
from __future__ import annotations

import numpy as np
import torch
import torchvision.tv_tensors as TT

import flambeau
from flambeau.vision import tv_tensors as FT

_TYPES = ("Image", "Video", "Mask", "BoundingBoxes", "KeyPoints")


def to_torch(x):
    """The torchvision counterpart of a flambeau value (tensors, tv_tensors, containers; others as they are)."""
    if isinstance(x, flambeau.Tensor):
        t = torch.from_numpy(np.array(x.detach().numpy()))
        name = type(x).__name__
        if isinstance(x, FT.BoundingBoxes):
            return TT.BoundingBoxes(t, format=x.format.value, canvas_size=x.canvas_size,
                                    clamping_mode=x.clamping_mode)
        if isinstance(x, FT.KeyPoints):
            return TT.KeyPoints(t, canvas_size=x.canvas_size)
        return getattr(TT, name)(t) if name in _TYPES else t
    if isinstance(x, dict):
        return type(x)((k, to_torch(v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    return x


def sample(seed: int = 0, size: tuple[int, int] = (12, 16), dtype: str = "uint8") -> dict:
    """A detection sample: image, boxes, masks, keypoints and labels (flambeau types)."""
    g = np.random.default_rng(seed)
    h, w = size
    image = g.integers(0, 256, (3, h, w)).astype(dtype) if dtype == "uint8" else g.random((3, h, w)).astype(dtype)
    xy = g.random((4, 2)) * [w / 2, h / 2]
    boxes = np.concatenate([xy, xy + g.random((4, 2)) * [w / 2, h / 2]], axis=1).astype("float32")
    return {
        "image": FT.Image(flambeau.tensor(image)),
        "boxes": FT.BoundingBoxes(flambeau.tensor(boxes), format="XYXY", canvas_size=size),
        "masks": FT.Mask(flambeau.tensor(g.integers(0, 2, (4, h, w)).astype("uint8"))),
        "keypoints": FT.KeyPoints(flambeau.tensor((g.random((4, 3, 2)) * [w, h]).astype("float32")),
                                  canvas_size=size),
        "labels": flambeau.tensor(g.integers(0, 5, (4,))),
    }


def assert_same(ours, theirs, atol: float = 1e-5, rtol: float = 1.3e-6) -> None:
    """Same structure; at each leaf the same type name, metadata, dtype, shape and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, flambeau.Tensor), type(ours)
        assert type(ours).__name__ == type(theirs).__name__, (type(ours), type(theirs))
        if isinstance(theirs, TT.BoundingBoxes):
            assert ours.format.value == theirs.format.value
            assert tuple(ours.canvas_size) == tuple(theirs.canvas_size)
            assert ours.clamping_mode == theirs.clamping_mode
        if isinstance(theirs, TT.KeyPoints):
            assert tuple(ours.canvas_size) == tuple(theirs.canvas_size)
        assert str(ours.dtype) == str(theirs.dtype), (ours.dtype, theirs.dtype)
        assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
        torch.testing.assert_close(torch.from_numpy(np.array(ours.detach().numpy())),
                                   theirs.detach().as_subclass(torch.Tensor), atol=atol, rtol=rtol,
                                   equal_nan=True)
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            assert_same(ours[k], theirs[k], atol, rtol)
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, atol, rtol)
    elif type(theirs).__module__.startswith("PIL"):
        assert np.array_equal(np.asarray(ours), np.asarray(theirs)) and ours.mode == theirs.mode
    else:
        assert ours == theirs, (ours, theirs)


def same_error(fn_ours, fn_theirs) -> type:
    """Both calls raise, and the same exception type (returned)."""
    errors = []
    for fn in (fn_ours, fn_theirs):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            errors.append(type(e))
        else:
            errors.append(None)
    assert errors[0] is not None and errors[0] is errors[1], errors
    return errors[0]


def use_flambeau_draws_everywhere(monkeypatch, *modules) -> None:
    """tv2_sample_util's shim (torchvision modules draw from flambeau's generator) with the two calls the colour
    transforms and containers add: randperm and multinomial."""
    from tv2_sample_util import _FlambeauDraws, _torch

    class Draws(_FlambeauDraws):
        @staticmethod
        def randperm(n, **kwargs):
            return _torch(flambeau.randperm(n, **kwargs))

        @staticmethod
        def multinomial(probabilities, n, **kwargs):
            return _torch(flambeau.multinomial(flambeau.tensor(probabilities.numpy()), n, **kwargs))

    shim = Draws()
    for module in modules:
        monkeypatch.setattr(module, "torch", shim)
