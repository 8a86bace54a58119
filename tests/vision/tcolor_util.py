"""Shared by the colour / container / autoaugment transform tests: identical images for
torchvision and flambeau, and comparisons of images and of raised exceptions."""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image

import flambeau


def uint8_array(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def float_array(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def pair(array: np.ndarray) -> tuple[torch.Tensor, flambeau.Tensor]:
    """The same image as a torch tensor and as a flambeau tensor."""
    return torch.tensor(array), flambeau.tensor(array)


def pil_rgb(h: int = 7, w: int = 9, seed: int = 0) -> Image.Image:
    return Image.fromarray(uint8_array(h, w, 3, seed=seed))


def pil_gray(h: int = 7, w: int = 9, seed: int = 0) -> Image.Image:
    return Image.fromarray(uint8_array(h, w, seed=seed))


def outcome(fn, *args, **kwargs):
    """fn's result, or the exception it raised."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the exception is the outcome under test
        return e


def assert_same_error(t_fn, f_fn) -> None:
    """Both calls raise, and flambeau raises torchvision's exception type."""
    t_exc, f_exc = outcome(t_fn), outcome(f_fn)
    assert isinstance(t_exc, Exception), f"torchvision did not raise: {t_exc!r}"
    assert isinstance(f_exc, Exception), f"flambeau did not raise, torchvision raised {t_exc!r}"
    assert type(f_exc) is type(t_exc), f"flambeau raised {f_exc!r}, torchvision {t_exc!r}"


def assert_same_image(t_img, f_img, atol: float = 0.0, picks: float = 0.0) -> None:
    """Same kind, shape, dtype (or PIL mode) and values within atol, but for a fraction `picks` of the values of
    a tensor, which may differ by more: nearest-neighbour samples that took the neighbouring pixel."""
    if isinstance(t_img, Image.Image):
        assert isinstance(f_img, Image.Image), f"expected a PIL image, got {type(f_img).__name__}"
        assert f_img.mode == t_img.mode and f_img.size == t_img.size
        t_arr, f_arr = np.asarray(t_img), np.asarray(f_img)
    else:
        assert isinstance(f_img, flambeau.Tensor), f"expected a Tensor, got {type(f_img).__name__}"
        assert str(f_img.dtype) == str(t_img.dtype), f"dtype {f_img.dtype} != torch {t_img.dtype}"
        assert tuple(f_img.shape) == tuple(t_img.shape), f"shape {tuple(f_img.shape)} != {tuple(t_img.shape)}"
        t_arr, f_arr = t_img.numpy(), f_img.numpy()
    diff = np.abs(t_arr.astype(np.float64) - f_arr.astype(np.float64))
    if picks and not isinstance(t_img, Image.Image):
        off = diff > atol
        assert off.mean() <= picks, f"{off.sum()} of {off.size} values differ by more than {atol}"
    else:
        assert diff.max(initial=0.0) <= atol, f"max difference {diff.max()} > {atol}"
