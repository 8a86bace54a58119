"""v2 geometry kernels for images (tensors [..., C, H, W] and PIL images), videos and masks.

The pixel work is v1's: tensors go through transforms._tensor_geometry / _functional_geometry, PIL images
through _pil_geometry. What v2 adds is handled here: any number of leading batch dimensions, interpolation given
as a string, per-channel fill when padding tensors, the rot90 fast path of rotate and masks of shape (H, W).
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any, Callable, Optional, Union

import flambeau

from ....._tensor import Tensor
from ... import _functional_geometry as F1
from ... import _tensor_geometry as F_t
from ..._functional_conversion import pil_to_tensor, to_pil_image
from ..._functional_geometry import InterpolationMode, _interpolation_modes_from_int, pil_modes_mapping

Fill = Optional[Union[int, float, list, tuple]]
Interpolation = Union[str, InterpolationMode, int]

_MODES_BY_NAME = {mode.value: mode for mode in InterpolationMode}


def _check_interpolation(interpolation: Interpolation) -> InterpolationMode:
    """An InterpolationMode from a mode, its string value or a Pillow integer constant."""
    if isinstance(interpolation, str):
        if interpolation not in _MODES_BY_NAME:
            raise ValueError(f"Invalid interpolation mode: '{interpolation}'. "
                             f"Supported string values are: {list(_MODES_BY_NAME)}.")
        return _MODES_BY_NAME[interpolation]
    if isinstance(interpolation, int):
        return _interpolation_modes_from_int(interpolation)
    if not isinstance(interpolation, InterpolationMode):
        raise ValueError("Argument interpolation should be an `InterpolationMode` or a corresponding Pillow integer "
                         f"constant, but got {interpolation}.")
    return interpolation


def _on_batch(image: Tensor, kernel: Callable[[Tensor], Tensor]) -> Tensor:
    """Run a (N, C, H, W) kernel on an image with any leading dimensions, keeping them."""
    shape = image.shape
    out = kernel(image.reshape(-1, *shape[-3:]))
    return out.reshape(*shape[:-3], *out.shape[-3:])


def _on_mask(mask: Tensor, kernel: Callable[[Tensor], Tensor]) -> Tensor:
    """Masks may come without a channel dimension: give them one for the image kernel, then drop it."""
    if mask.ndim >= 3:
        return kernel(mask)
    return kernel(mask.unsqueeze(0)).squeeze(0)


# ----------------------------------------------------------------------------------------------- flips

def horizontal_flip_image(image: Tensor) -> Tensor:
    return image.flip(-1)


def vertical_flip_image(image: Tensor) -> Tensor:
    return image.flip(-2)


def _horizontal_flip_image_pil(image: Any) -> Any:
    return F1.hflip(image)


def _vertical_flip_image_pil(image: Any) -> Any:
    return F1.vflip(image)


# ---------------------------------------------------------------------------------------------- resize

def _compute_resized_output_size(canvas_size: tuple[int, int], size: Optional[Union[int, list[int]]],
                                 max_size: Optional[int] = None) -> list[int]:
    """[new_h, new_w] for resize's size argument: (h, w), [shorter edge], or None (the longer edge = max_size)."""
    if isinstance(size, int):
        size = [size]
    elif max_size is not None and size is not None and len(size) != 1:
        raise ValueError("max_size should only be passed if size is None or specifies the length of the smaller "
                         "edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    if size is not None:
        return F1._compute_resized_output_size(canvas_size, list(size), max_size)
    if not isinstance(max_size, int):
        raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
    height, width = canvas_size
    new_short = int(max_size * min(height, width) / max(height, width))
    return [max_size, new_short] if width <= height else [new_short, max_size]


def resize_image(image: Tensor, size: Optional[list[int]], interpolation: Interpolation = InterpolationMode.BILINEAR,
                 max_size: Optional[int] = None, antialias: Optional[bool] = True) -> Tensor:
    interpolation = _check_interpolation(interpolation)
    if interpolation == InterpolationMode.LANCZOS and not antialias:
        raise ValueError("InterpolationMode.LANCZOS requires antialias=True")
    channels, height, width = image.shape[-3:]
    new_height, new_width = _compute_resized_output_size((height, width), size, max_size)
    if (new_height, new_width) == (height, width):
        return image
    if image.numel() == 0:
        return image.reshape(*image.shape[:-2], new_height, new_width)
    if interpolation == InterpolationMode.LANCZOS:  # see docs/differences.md
        raise NotImplementedError("resize of tensors with InterpolationMode.LANCZOS is not supported by flambeau: "
                                  "resize a PIL image, or use BICUBIC")
    return _on_batch(image, lambda x: F_t.resize(x, [new_height, new_width], interpolation.value, bool(antialias)))


def _resize_image_pil(image: Any, size: Optional[list[int]], interpolation: Interpolation = InterpolationMode.BILINEAR,
                      max_size: Optional[int] = None, antialias: Optional[bool] = True) -> Any:
    if antialias is False:
        warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
    interpolation = _check_interpolation(interpolation)
    new_size = _compute_resized_output_size((image.height, image.width), size, max_size)
    if tuple(new_size) == (image.height, image.width):
        return image
    return F1._pil().resize(image, new_size, pil_modes_mapping[interpolation])


def resize_mask(mask: Tensor, size: Optional[list[int]], interpolation: Interpolation = InterpolationMode.BILINEAR,
                max_size: Optional[int] = None) -> Tensor:
    # masks only take nearest-neighbour modes: any other request means NEAREST
    if _check_interpolation(interpolation) != InterpolationMode.NEAREST_EXACT:
        interpolation = InterpolationMode.NEAREST
    return _on_mask(mask, lambda m: resize_image(m, size, interpolation, max_size))


# ------------------------------------------------------------------------------------------- pad, crop

def _parse_pad_padding(padding: Union[int, list[int]]) -> list[int]:
    """int / [all] / [left-right, top-bottom] / [left, top, right, bottom] -> [left, right, top, bottom]."""
    if isinstance(padding, int):
        return [padding] * 4
    if not isinstance(padding, (tuple, list)):
        raise TypeError(f"`padding` should be an integer or tuple or list of integers, but got {padding}")
    if len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple or list. Found {len(padding)}")
    return F_t._parse_padding(list(padding))


def pad_image(image: Tensor, padding: Union[int, list[int]], fill: Fill = None,
              padding_mode: str = "constant") -> Tensor:
    left, right, top, bottom = _parse_pad_padding(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("`padding_mode` should be either `'constant'`, `'edge'`, `'reflect'` or `'symmetric'`, "
                         f"but got `'{padding_mode}'`.")
    if fill is None:
        fill = 0
    if isinstance(fill, (list, tuple)) and len(fill) == 1:
        fill = fill[0]
    ltrb = [left, top, right, bottom]
    if isinstance(fill, numbers.Number):
        return _on_batch(image, lambda x: F_t.pad(x, ltrb, float(fill), padding_mode))
    if padding_mode != "constant":
        raise ValueError(f"Padding mode '{padding_mode}' is not supported if fill is not scalar")
    # one fill value per channel: pad with zeros, then paint the four borders
    out = _on_batch(image, lambda x: F_t.pad(x, ltrb, 0, "constant"))
    colour = flambeau.tensor(list(fill), device=image.device).to(image.dtype).reshape(-1, 1, 1)
    if top > 0:
        out[..., :top, :] = colour
    if left > 0:
        out[..., :, :left] = colour
    if bottom > 0:
        out[..., -bottom:, :] = colour
    if right > 0:
        out[..., :, -right:] = colour
    return out


def _pad_image_pil(image: Any, padding: Union[int, list[int]], fill: Fill = None,
                   padding_mode: str = "constant") -> Any:
    return F1._pil().pad(image, padding, fill, padding_mode)


def pad_mask(mask: Tensor, padding: Union[int, list[int]], fill: Fill = None,
             padding_mode: str = "constant") -> Tensor:
    if isinstance(fill, (tuple, list)):
        raise ValueError("Non-scalar fill value is not supported")
    return _on_mask(mask, lambda m: pad_image(m, padding, fill, padding_mode))


def crop_image(image: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """The (height, width) window at (top, left); parts outside the image are 0."""
    return F_t.crop(image, top, left, height, width)


def _crop_image_pil(image: Any, top: int, left: int, height: int, width: int) -> Any:
    return F1._pil().crop(image, top, left, height, width)


def crop_mask(mask: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    return _on_mask(mask, lambda m: crop_image(m, top, left, height, width))


def center_crop_image(image: Any, output_size: Union[int, list[int]]) -> Any:
    """The central window of output_size (images smaller than it are padded with 0 first); tensors or PIL."""
    if isinstance(image, Tensor) and image.numel() == 0:
        return image.reshape(*image.shape[:-2], *F1._square(output_size))
    return F1.center_crop(image, output_size)


def center_crop_mask(mask: Tensor, output_size: Union[int, list[int]]) -> Tensor:
    return _on_mask(mask, lambda m: center_crop_image(m, output_size))


def resized_crop_image(image: Tensor, top: int, left: int, height: int, width: int, size: list[int],
                       interpolation: Interpolation = InterpolationMode.BILINEAR,
                       antialias: Optional[bool] = True) -> Tensor:
    return resize_image(crop_image(image, top, left, height, width), size, interpolation, antialias=antialias)


def _resized_crop_image_pil(image: Any, top: int, left: int, height: int, width: int, size: list[int],
                            interpolation: Interpolation = InterpolationMode.BILINEAR,
                            antialias: Optional[bool] = True) -> Any:
    return _resize_image_pil(_crop_image_pil(image, top, left, height, width), size, interpolation,
                             antialias=antialias)


def resized_crop_mask(mask: Tensor, top: int, left: int, height: int, width: int, size: list[int]) -> Tensor:
    return resize_mask(crop_mask(mask, top, left, height, width), size)


def five_crop_image(image: Any, size: Union[int, list[int]]) -> tuple:
    """(top-left, top-right, bottom-left, bottom-right, center) crops; tensors or PIL."""
    return F1.five_crop(image, size)


def ten_crop_image(image: Any, size: Union[int, list[int]], vertical_flip: bool = False) -> tuple:
    """five_crop of the image and of its horizontal (or vertical) flip; tensors or PIL."""
    return F1.ten_crop(image, size, vertical_flip)


# ---------------------------------------------------------------------------------------------- warps

def _affine_parse_args(angle: float, translate: list[float], scale: float, shear: Union[float, list[float]],
                       center: Optional[list[float]]) -> tuple[float, list[float], list[float], Optional[list[float]]]:
    """Checks and normalises affine's arguments: float angle, list translate, [sx, sy] shear, float center."""
    angle, translate, shear = F1._parse_affine_args(angle, translate, scale, shear, center)
    return angle, translate, shear, None if center is None else [float(c) for c in center]


def _check_fill(fill: Fill) -> None:
    if fill is not None and not isinstance(fill, (int, float, tuple, list)):
        raise ValueError("Argument fill should be either int, float, tuple or list")


def affine_image(image: Any, angle: float, translate: list[float], scale: float, shear: Union[float, list[float]],
                 interpolation: Interpolation = InterpolationMode.NEAREST, fill: Fill = None,
                 center: Optional[list[float]] = None) -> Any:
    """Rotate (clockwise), scale and shear about center, then translate; tensors or PIL."""
    interpolation = _check_interpolation(interpolation)
    angle, translate, shear, center = _affine_parse_args(angle, translate, scale, shear, center)
    if not isinstance(image, Tensor):
        return F1.affine(image, angle, translate, scale, shear, interpolation, fill, center)
    _check_fill(fill)
    if image.numel() == 0:
        return image
    return _on_batch(image, lambda x: F1.affine(x, angle, translate, scale, shear, interpolation, fill, center))


def affine_mask(mask: Tensor, angle: float, translate: list[float], scale: float, shear: Union[float, list[float]],
                fill: Fill = None, center: Optional[list[float]] = None) -> Tensor:
    return _on_mask(mask, lambda m: affine_image(m, angle, translate, scale, shear, InterpolationMode.NEAREST, fill,
                                                 center))


def rotate_image(image: Any, angle: float, interpolation: Interpolation = InterpolationMode.NEAREST,
                 expand: bool = False, center: Optional[list[float]] = None, fill: Fill = None) -> Any:
    """Rotate counter-clockwise by angle degrees; tensors or PIL."""
    interpolation = _check_interpolation(interpolation)
    if not isinstance(image, Tensor):
        return F1.rotate(image, angle, interpolation, expand, center, fill)
    angle = angle % 360
    if center is None:  # quarter turns about the centre move whole pixels: no resampling, no fill
        if angle == 0:
            return image.clone()
        if angle == 180 or (angle in (90, 270) and (expand or image.shape[-1] == image.shape[-2])):
            return flambeau.rot90(image, int(angle) // 90, (-2, -1))
    _check_fill(fill)
    if image.numel() == 0:
        return image
    return _on_batch(image, lambda x: F1.rotate(x, angle, interpolation, expand, center, fill))


def rotate_mask(mask: Tensor, angle: float, expand: bool = False, center: Optional[list[float]] = None,
                fill: Fill = None) -> Tensor:
    return _on_mask(mask, lambda m: rotate_image(m, angle, InterpolationMode.NEAREST, expand, center, fill))


def _perspective_coefficients(startpoints: Optional[list], endpoints: Optional[list],
                              coefficients: Optional[list[float]]) -> list[float]:
    if coefficients is not None:
        if startpoints is not None and endpoints is not None:
            raise ValueError("The startpoints/endpoints and the coefficients shouldn't be defined concurrently.")
        if len(coefficients) != 8:
            raise ValueError("Argument coefficients should have 8 float values")
        return list(coefficients)
    if startpoints is not None and endpoints is not None:
        return F1._get_perspective_coeffs(startpoints, endpoints)
    raise ValueError("Either the startpoints/endpoints or the coefficients must have non `None` values.")


def perspective_image(image: Any, startpoints: Optional[list], endpoints: Optional[list],
                      interpolation: Interpolation = InterpolationMode.BILINEAR, fill: Fill = None,
                      coefficients: Optional[list[float]] = None) -> Any:
    """Warp so that startpoints land on endpoints (or by the 8 given coefficients); tensors or PIL."""
    coeffs = _perspective_coefficients(startpoints, endpoints, coefficients)
    interpolation = _check_interpolation(interpolation)
    if not isinstance(image, Tensor):
        return F1._pil().perspective(image, coeffs, pil_modes_mapping[interpolation], fill)
    _check_fill(fill)
    if image.numel() == 0:
        return image
    return _on_batch(image, lambda x: F_t.perspective(x, coeffs, interpolation.value, fill))


def perspective_mask(mask: Tensor, startpoints: Optional[list], endpoints: Optional[list], fill: Fill = None,
                     coefficients: Optional[list[float]] = None) -> Tensor:
    return _on_mask(mask, lambda m: perspective_image(m, startpoints, endpoints, InterpolationMode.NEAREST, fill,
                                                      coefficients))


def elastic_image(image: Any, displacement: Tensor, interpolation: Interpolation = InterpolationMode.BILINEAR,
                  fill: Fill = None) -> Any:
    """Move every pixel by displacement (1, H, W, 2), in grid_sample's [-1, 1] units; tensors or PIL."""
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    interpolation = _check_interpolation(interpolation)
    if not isinstance(image, Tensor):
        return to_pil_image(elastic_image(pil_to_tensor(image), displacement, interpolation, fill), mode=image.mode)
    height, width = image.shape[-2:]
    expected = (1, height, width, 2)
    if tuple(displacement.shape) != expected:
        raise ValueError(f"Argument displacement shape should be {expected}, but given {displacement.shape}")
    # NOTE: half images are sampled in float32, as torchvision does on the CPU
    dtype = image.dtype if image.dtype in (flambeau.float32, flambeau.float64) else flambeau.float32
    displacement = displacement.to(dtype=dtype, device=image.device)
    out = _on_batch(image.to(dtype) if image.is_floating_point() else image,
                    lambda x: F_t.elastic_transform(x, displacement, interpolation.value, fill))
    return out.to(image.dtype)


def elastic_mask(mask: Tensor, displacement: Tensor, fill: Fill = None) -> Tensor:
    return _on_mask(mask, lambda m: elastic_image(m, displacement, InterpolationMode.NEAREST, fill))


# videos are images with more leading dimensions; masks flip like images
horizontal_flip_mask = horizontal_flip_video = horizontal_flip_image
vertical_flip_mask = vertical_flip_video = vertical_flip_image
resize_video, pad_video, crop_video = resize_image, pad_image, crop_image
center_crop_video, resized_crop_video = center_crop_image, resized_crop_image
five_crop_video, ten_crop_video = five_crop_image, ten_crop_image
affine_video, rotate_video = affine_image, rotate_image
perspective_video, elastic_video = perspective_image, elastic_image
