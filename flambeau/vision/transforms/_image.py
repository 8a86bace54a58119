"""What an image is to transforms.functional: a PIL image or a tensor (..., C, H, W); its dimensions.

Pillow is optional: a PIL image can only exist once PIL.Image has been imported, so the check looks
the module up in sys.modules instead of importing it.
"""
from __future__ import annotations

import sys
from typing import Any

import flambeau

from ..._tensor import Tensor

__all__ = ["get_dimensions", "get_image_size", "get_image_num_channels"]


def _is_pil_image(img: Any) -> bool:
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(img, module.Image)


def _assert_image_tensor(img: Tensor) -> None:
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def _pil_channels(img: Any) -> int:
    if not _is_pil_image(img):
        raise TypeError(f"Unexpected type {type(img)}")
    return len(img.getbands())


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL image or a tensor image."""
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return [1 if img.ndim == 2 else img.shape[-3], img.shape[-2], img.shape[-1]]
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
        return 1 if img.ndim == 2 else img.shape[-3]
    return _pil_channels(img)


_MAX_VALUES = {flambeau.uint8: 255, flambeau.int8: 127, flambeau.int16: 32767, flambeau.int32: 2147483647,
               flambeau.int64: 9223372036854775807}


def _max_value(dtype) -> int:
    """The value that stands for full intensity: the integer maximum, or 1 for floating point."""
    return _MAX_VALUES.get(dtype, 1)
