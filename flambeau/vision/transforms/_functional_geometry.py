"""transforms.functional geometry: resize, crops, pads, flips and warps of PIL images and tensors (..., C, H, W).

Each function checks its arguments as torchvision does, then hands PIL images to Pillow (_pil_geometry)
and tensors to flambeau ops (_tensor_geometry).
"""
from __future__ import annotations

import math
import numbers
import warnings
from enum import Enum
from typing import Any, Optional, Union

import numpy as np

from ..._tensor import Tensor
from . import _tensor_geometry as F_t
from ._functional_conversion import pil_to_tensor, to_pil_image
from ._image import get_dimensions, get_image_num_channels, get_image_size
from ._utils import _assert_image_tensor, _is_pil_image

__all__ = ["InterpolationMode", "pil_modes_mapping", "get_dimensions", "get_image_size", "get_image_num_channels",
           "resize", "pad", "crop", "center_crop", "resized_crop", "hflip", "vflip", "perspective", "five_crop",
           "ten_crop", "rotate", "affine", "elastic_transform"]

Image = Any  # a PIL image or a tensor
Fill = Optional[Union[int, float, list, tuple]]


class InterpolationMode(Enum):
    """Interpolation modes; box, hamming and lanczos exist for PIL images only."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's resampling filter numbers
_FROM_PIL = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}
pil_modes_mapping = {mode: number for number, mode in _FROM_PIL.items()}
pil_modes_mapping[InterpolationMode.NEAREST_EXACT] = 0


def _interpolation_modes_from_int(i: int) -> InterpolationMode:
    return _FROM_PIL[i]


def _interpolation(interpolation: Union[InterpolationMode, int]) -> InterpolationMode:
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer "
                        "constant")
    return interpolation


def _pil():
    from . import _pil_geometry
    return _pil_geometry


def _square(size: Union[int, list, tuple]) -> tuple:
    """int or [n] -> (n, n); other sequences as given."""
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (tuple, list)) and len(size) == 1:
        return size[0], size[0]
    return size


# --------------------------------------------------------------------------------------- resize

def _compute_resized_output_size(image_size: tuple[int, int], size: list[int],
                                 max_size: Optional[int] = None) -> list[int]:
    """[new_h, new_w]: size (h, w) as given, or [s] for the shorter edge keeping the aspect ratio (the longer
    edge capped by max_size)."""
    h, w = image_size
    if len(size) != 1:
        return [size[0], size[1]]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                             f"smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if w <= h else [new_short, new_long]


def resize(img: Image, size: list[int], interpolation: InterpolationMode = InterpolationMode.BILINEAR,
           max_size: Optional[int] = None, antialias: Optional[bool] = True) -> Image:
    """Resize to size (h, w), or the shorter edge to size keeping the aspect ratio."""
    interpolation = _interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, i.e. "
                             "size should be an int or a sequence of length 1 in torchscript mode.")
    _, height, width = get_dimensions(img)
    output_size = _compute_resized_output_size((height, width), [size] if isinstance(size, int) else list(size),
                                               max_size)
    if [height, width] == output_size:
        return img
    if isinstance(img, Tensor):
        return F_t.resize(img, output_size, interpolation.value, antialias)
    if antialias is False:
        warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
    return _pil().resize(img, output_size, pil_modes_mapping[interpolation])


# ------------------------------------------------------------------------------- pads and crops

def pad(img: Image, padding: Union[int, list[int]], fill: Fill = 0, padding_mode: str = "constant") -> Image:
    """Pad the borders: padding is an int, (left-right, top-bottom) or (left, top, right, bottom)."""
    if isinstance(img, Tensor):
        return F_t.pad(img, padding, fill, padding_mode)
    return _pil().pad(img, padding, fill, padding_mode)


def crop(img: Image, top: int, left: int, height: int, width: int) -> Image:
    """The (height, width) box at (top, left); parts outside the image are 0."""
    if isinstance(img, Tensor):
        return F_t.crop(img, top, left, height, width)
    return _pil().crop(img, top, left, height, width)


def center_crop(img: Image, output_size: Union[int, list[int]]) -> Image:
    """The central (h, w) box; an image smaller than that is padded with 0 first."""
    crop_height, crop_width = _square(output_size)
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        dw, dh = max(crop_width - image_width, 0), max(crop_height - image_height, 0)
        img = pad(img, [dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2], fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


def resized_crop(img: Image, top: int, left: int, height: int, width: int, size: list[int],
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 antialias: Optional[bool] = True) -> Image:
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img: Image) -> Image:
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return img.flip(-1)
    return _pil().hflip(img)


def vflip(img: Image) -> Image:
    if isinstance(img, Tensor):
        _assert_image_tensor(img)
        return img.flip(-2)
    return _pil().vflip(img)


def five_crop(img: Image, size: Union[int, list[int]]) -> tuple:
    """(top-left, top-right, bottom-left, bottom-right, center) crops of size (h, w)."""
    size = _square(size)
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(image_height, image_width)}")
    bottom, right = image_height - crop_height, image_width - crop_width
    return (crop(img, 0, 0, crop_height, crop_width), crop(img, 0, right, crop_height, crop_width),
            crop(img, bottom, 0, crop_height, crop_width), crop(img, bottom, right, crop_height, crop_width),
            center_crop(img, [crop_height, crop_width]))


def ten_crop(img: Image, size: Union[int, list[int]], vertical_flip: bool = False) -> tuple:
    """five_crop of the image, then five_crop of its horizontal (or vertical) flip."""
    size = _square(size)
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


# ----------------------------------------------------------------------------------------- warps

def _get_inverse_affine_matrix(center: list[float], angle: float, translate: list[float], scale: float,
                               shear: list[float], inverted: bool = True) -> list[float]:
    """The 2x3 matrix of T * C * R(angle) * S(scale) * Shear * C^-1 (or its inverse, which Pillow wants).

    Shear(sx, sy) = SHy(sy) * SHx(sx) with SHx = [[1, -tan sx], [0, 1]] and SHy = [[1, 0], [-tan sy, 1]];
    rotation, scale and shear make up the 2x2 part, whose determinant before scaling is 1.
    """
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    else:
        m = [x * scale for x in (a, b, 0.0, c, d, 0.0)]
        m[2] += m[0] * (-cx) + m[1] * (-cy) + cx + tx
        m[5] += m[3] * (-cx) + m[4] * (-cy) + cy + ty
    return m


def _tensor_center(img: Tensor, center: Optional[list]) -> list[float]:
    """center in pixels -> offset from the image centre, which is where the tensor grids put (0, 0)."""
    if center is None:
        return [0.0, 0.0]
    _, height, width = get_dimensions(img)
    return [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]


def _check_angle_center(angle: float, center: Optional[list]) -> None:
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")


def rotate(img: Image, angle: float, interpolation: InterpolationMode = InterpolationMode.NEAREST,
           expand: bool = False, center: Optional[list[int]] = None, fill: Fill = None) -> Image:
    """Rotate counter-clockwise by angle degrees about center (default: the image centre)."""
    interpolation = _interpolation(interpolation)
    _check_angle_center(angle, center)
    if not isinstance(img, Tensor):
        return _pil().rotate(img, angle, pil_modes_mapping[interpolation], expand, center, fill)
    # NOTE: the grid maps output to input pixels, hence the inverse matrix of the clockwise angle
    matrix = _get_inverse_affine_matrix(_tensor_center(img, center), -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return F_t.affine(img, matrix, interpolation.value, fill, expand)


def _parse_shear(shear: Union[float, list]) -> list[float]:
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    if isinstance(shear, numbers.Number):
        return [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    return shear


def _parse_affine_args(angle: float, translate: list, scale: float, shear: Union[float, list],
                       center: Optional[list]) -> tuple[float, list, list[float]]:
    """affine's arguments checked (v2's kernels share the checks): float angle, list translate, [sx, sy] shear."""
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    shear = _parse_shear(shear)
    _check_angle_center(angle, center)
    return float(angle), list(translate), shear


def affine(img: Image, angle: float, translate: list[int], scale: float, shear: list[float],
           interpolation: InterpolationMode = InterpolationMode.NEAREST, fill: Fill = None,
           center: Optional[list[int]] = None) -> Image:
    """Rotate (clockwise, degrees), scale, shear about center, then translate; the centre stays put."""
    interpolation = _interpolation(interpolation)
    angle, translate, shear = _parse_affine_args(angle, translate, scale, shear, center)
    if not isinstance(img, Tensor):
        _, height, width = get_dimensions(img)
        # NOTE: the centre without the 0.5 pixel offset, so that PIL and tensors (and rot90) agree
        pil_center = [width * 0.5, height * 0.5] if center is None else center
        matrix = _get_inverse_affine_matrix(pil_center, angle, translate, scale, shear)
        return _pil().affine(img, matrix, pil_modes_mapping[interpolation], fill)
    matrix = _get_inverse_affine_matrix(_tensor_center(img, center), angle, [1.0 * t for t in translate], scale, shear)
    return F_t.affine(img, matrix, interpolation.value, fill)


def _get_perspective_coeffs(startpoints: list[list[int]], endpoints: list[list[int]]) -> list[float]:
    """(a, b, c, d, e, f, g, h) mapping each endpoint (x, y) to its startpoint:
    ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1)), by least squares in float64."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    rows = []
    for (x, y), (u, v) in zip(endpoints, startpoints):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.lstsq(np.array(rows, np.float64), np.array(startpoints, np.float64).reshape(8), rcond=None)[0]
    return solution.astype(np.float32).tolist()


def perspective(img: Image, startpoints: list[list[int]], endpoints: list[list[int]],
                interpolation: InterpolationMode = InterpolationMode.BILINEAR, fill: Fill = None) -> Image:
    """Warp so that the four startpoints (corners) land on the four endpoints."""
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    interpolation = _interpolation(interpolation)
    if not isinstance(img, Tensor):
        return _pil().perspective(img, coeffs, pil_modes_mapping[interpolation], fill)
    return F_t.perspective(img, coeffs, interpolation.value, fill)


def elastic_transform(img: Image, displacement: Tensor, interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                      fill: Fill = None) -> Image:
    """Move every pixel by displacement (1, H, W, 2), given in grid_sample's [-1, 1] coordinates."""
    if isinstance(interpolation, int):
        warnings.warn("Argument interpolation should be of type InterpolationMode instead of int. Please, use "
                      "InterpolationMode enum.")
        interpolation = _interpolation_modes_from_int(interpolation)
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    tensor = img
    if not isinstance(img, Tensor):
        if not _is_pil_image(img):
            raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
        tensor = pil_to_tensor(img)
    expected = (1,) + tuple(tensor.shape[-2:]) + (2,)
    if tuple(displacement.shape) != expected:
        raise ValueError(f"Argument displacement shape should be {expected}, but given {displacement.shape}")
    out = F_t.elastic_transform(tensor, displacement, interpolation.value, fill)
    return out if isinstance(img, Tensor) else to_pil_image(out, mode=img.mode)
