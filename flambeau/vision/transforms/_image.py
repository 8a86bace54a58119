"""The dimensions of an image, a PIL image or a tensor (..., C, H, W)."""
from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from ._utils import _assert_image_tensor, _is_pil_image, _num_channels

__all__ = ["get_dimensions", "get_image_size", "get_image_num_channels"]


def _pil_channels(img: Any) -> int:
    if not _is_pil_image(img):
        raise TypeError(f"Unexpected type {type(img)}")
    return len(img.getbands())


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL image or a tensor image."""
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return [_num_channels(img), img.shape[-2], img.shape[-1]]
    channels = _pil_channels(img)
    width, height = img.size
    return [channels, height, width]


def get_image_size(img: Any) -> list[int]:
    """[width, height] of a PIL image or a tensor image."""
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return [img.shape[-1], img.shape[-2]]
    _pil_channels(img)
    return list(img.size)


def get_image_num_channels(img: Any) -> int:
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return _num_channels(img)
    return _pil_channels(img)

