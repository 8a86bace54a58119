"""Geometry on PIL images, done by Pillow's own operations (so results equal torchvision's pixel for pixel).

Imported lazily by _functional_geometry, only once a PIL image shows up.
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Union

import numpy as np
from PIL import Image, ImageOps

from ._image import get_image_num_channels
from ._utils import _is_pil_image

Fill = Optional[Union[int, float, list, tuple]]


def _check(img: Any) -> None:
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def hflip(img: Image.Image) -> Image.Image:
    _check(img)
    return img.transpose(Image.FLIP_LEFT_RIGHT)


def vflip(img: Image.Image) -> Image.Image:
    _check(img)
    return img.transpose(Image.FLIP_TOP_BOTTOM)


def crop(img: Image.Image, top: int, left: int, height: int, width: int) -> Image.Image:
    _check(img)
    return img.crop((left, top, left + width, top + height))  # Pillow fills outside the image with 0


def resize(img: Image.Image, size: list[int], interpolation: int) -> Image.Image:
    _check(img)
    return img.resize((size[1], size[0]), interpolation)


def _parse_fill(fill: Fill, img: Image.Image, name: str = "fillcolor") -> dict:
    """fill as Pillow wants it: one value per band, ints unless the image is float ('F')."""
    bands = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = (fill,) * bands
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError("The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img: Image.Image, padding: Union[int, list, tuple], fill: Fill = 0,
        padding_mode: str = "constant") -> Image.Image:
    _check(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (list, tuple)):
        if len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             "tuple")
        padding = padding[0] if len(padding) == 1 else tuple(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    palette = img.getpalette() if img.mode == "P" else None
    if padding_mode == "constant":
        out = ImageOps.expand(img, border=padding, **_parse_fill(fill, img, name="fill"))
    else:
        if isinstance(padding, numbers.Number):
            padding = (padding,) * 4
        elif len(padding) == 2:
            padding = padding * 2
        ltrb = np.array(padding)
        cut = np.maximum(-ltrb, 0)  # negative padding crops
        if cut.any():
            img = img.crop((cut[0], cut[1], img.width - cut[2], img.height - cut[3]))
        left, top, right, bottom = np.maximum(ltrb, 0)
        array = np.asarray(img)
        widths = ((top, bottom), (left, right)) + (((0, 0),) if array.ndim == 3 else ())
        out = Image.fromarray(np.pad(array, widths, mode=padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def affine(img: Image.Image, matrix: list[float], interpolation: int = Image.NEAREST, fill: Fill = None) -> Image.Image:
    _check(img)
    return img.transform(img.size, Image.AFFINE, matrix, interpolation, **_parse_fill(fill, img))


def rotate(img: Image.Image, angle: float, interpolation: int = Image.NEAREST, expand: bool = False,
           center: Optional[tuple] = None, fill: Fill = None) -> Image.Image:
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **_parse_fill(fill, img))


def perspective(img: Image.Image, coeffs: list[float], interpolation: int = Image.BICUBIC,
                fill: Fill = None) -> Image.Image:
    _check(img)
    return img.transform(img.size, Image.PERSPECTIVE, coeffs, interpolation, **_parse_fill(fill, img))
