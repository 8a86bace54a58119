"""Miscellaneous functionals: normalize, Gaussian blur and noise, dtype conversion, sanitizing boxes and
keypoints."""
from __future__ import annotations

import math
from typing import Any, Optional

import flambeau
import flambeau.nn.functional as nnF
from flambeau import Tensor
from flambeau.vision import tv_tensors
from flambeau.vision.tv_tensors import BoundingBoxFormat, is_rotated_bounding_format

from ..._functional_conversion import convert_image_dtype as _v1_convert_image_dtype
from ..._functional_conversion import normalize as _v1_normalize
from ..._functional_conversion import pil_to_tensor, to_pil_image
from ..._utils import _max_value
from ._meta import _as_format, _convert_bounding_box_format
from ._utils import _get_kernel, _register_kernel_internal, _register_pil_kernel, is_pure_tensor

__all__ = ["normalize", "normalize_image", "normalize_video", "gaussian_blur", "gaussian_blur_image",
           "gaussian_blur_video", "gaussian_noise", "gaussian_noise_image", "gaussian_noise_video", "to_dtype",
           "to_dtype_image", "to_dtype_video", "convert_image_dtype", "sanitize_bounding_boxes", "sanitize_keypoints"]


# ---------------------------------------------------------------- normalize
def normalize(inpt: Tensor, mean: list[float], std: list[float], inplace: bool = False) -> Tensor:
    """(image - mean) / std per channel."""
    return _get_kernel(normalize, type(inpt))(inpt, mean=mean, std=std, inplace=inplace)


@_register_kernel_internal(normalize, Tensor)
@_register_kernel_internal(normalize, tv_tensors.Image)
def normalize_image(image: Tensor, mean: list[float], std: list[float], inplace: bool = False) -> Tensor:
    if not image.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {image.dtype}.")
    if image.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got {image.shape}.")
    return _v1_normalize(image, mean, std, inplace)


@_register_kernel_internal(normalize, tv_tensors.Video)
def normalize_video(video: Tensor, mean: list[float], std: list[float], inplace: bool = False) -> Tensor:
    return normalize_image(video, mean, std, inplace=inplace)


# ---------------------------------------------------------------- Gaussian blur
def gaussian_blur(inpt: Tensor, kernel_size: list[int], sigma: Optional[list[float]] = None) -> Tensor:
    return _get_kernel(gaussian_blur, type(inpt))(inpt, kernel_size=kernel_size, sigma=sigma)


def _blur_arguments(kernel_size: Any, sigma: Any) -> tuple[list[int], list[float]]:
    """kernel_size and sigma as pairs, checked (a missing sigma is 0.15 * k + 0.35)."""
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    elif len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    if any(k % 2 == 0 or k < 0 for k in kernel_size):
        raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    elif isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    elif isinstance(sigma, (list, tuple)):
        if len(sigma) not in (1, 2):
            raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
        sigma = [sigma[0], sigma[-1]]
    else:
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if any(s <= 0.0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    return list(kernel_size), sigma


def _gaussian_kernel1d(size: int, sigma: float, dtype: flambeau.dtype, device: Any) -> Tensor:
    # NOTE: softmax of -(x / sigma)^2 on points spaced 1 / sqrt(2) apart is exp(-t^2 / (2 sigma^2)) normalized;
    # written as torchvision v2 writes it, so the rounding agrees
    limit = (size - 1) / (2.0 * math.sqrt(2.0))
    x = flambeau.linspace(-limit, limit, steps=size, dtype=dtype, device=device)
    return flambeau.softmax(x.div(sigma).pow(2).neg(), dim=0)


@_register_kernel_internal(gaussian_blur, Tensor)
@_register_kernel_internal(gaussian_blur, tv_tensors.Image)
def gaussian_blur_image(image: Tensor, kernel_size: list[int], sigma: Optional[list[float]] = None) -> Tensor:
    kernel_size, sigma = _blur_arguments(kernel_size, sigma)
    if image.numel() == 0:
        return image
    shape, channels = image.shape, image.shape[-3]
    dtype = image.dtype if image.is_floating_point() else flambeau.float32
    kernel = _gaussian_kernel1d(kernel_size[1], sigma[1], dtype, image.device).unsqueeze(-1) * \
        _gaussian_kernel1d(kernel_size[0], sigma[0], dtype, image.device)
    batch = image.reshape(-1, *shape[-3:]).to(dtype)
    pad_x, pad_y = kernel_size[0] // 2, kernel_size[1] // 2
    batch = nnF.pad(batch, [pad_x, pad_x, pad_y, pad_y], mode="reflect")
    output = nnF.conv2d(batch, kernel.expand(channels, 1, *kernel.shape), groups=channels).reshape(shape)
    return output if image.is_floating_point() else output.round().to(image.dtype)


@_register_pil_kernel(gaussian_blur)
def _gaussian_blur_image_pil(image: Any, kernel_size: list[int], sigma: Optional[list[float]] = None) -> Any:
    return to_pil_image(gaussian_blur_image(pil_to_tensor(image), kernel_size, sigma), mode=image.mode)


@_register_kernel_internal(gaussian_blur, tv_tensors.Video)
def gaussian_blur_video(video: Tensor, kernel_size: list[int], sigma: Optional[list[float]] = None) -> Tensor:
    return gaussian_blur_image(video, kernel_size, sigma)


# ---------------------------------------------------------------- Gaussian noise
def gaussian_noise(inpt: Tensor, mean: float = 0.0, sigma: float = 0.1, clip: bool = True) -> Tensor:
    return _get_kernel(gaussian_noise, type(inpt))(inpt, mean=mean, sigma=sigma, clip=clip)


@_register_kernel_internal(gaussian_noise, Tensor)
@_register_kernel_internal(gaussian_noise, tv_tensors.Image)
def gaussian_noise_image(image: Tensor, mean: float = 0.0, sigma: float = 0.1, clip: bool = True) -> Tensor:
    """image + N(mean, sigma^2) noise, clipped to the value range; uint8 images take noise in pixel units
    (truncated to integers before it is added)."""
    if sigma < 0:
        raise ValueError(f"sigma shouldn't be negative. Got {sigma}")
    if image.is_floating_point():
        out = image + (mean + flambeau.randn_like(image) * sigma)
        return out.clamp(0, 1) if clip else out
    if image.dtype == flambeau.uint8:
        noise = (mean * 255 + flambeau.randn_like(image, dtype=flambeau.float32) * (sigma * 255)).to(flambeau.int16)
        out = image + noise
        return (out.clamp(0, 255) if clip else out).to(flambeau.uint8)
    raise ValueError(f"Input tensor is expected to be in uint8 or float dtype, got dtype={image.dtype}")


@_register_kernel_internal(gaussian_noise, tv_tensors.Video)
def gaussian_noise_video(video: Tensor, mean: float = 0.0, sigma: float = 0.1, clip: bool = True) -> Tensor:
    return gaussian_noise_image(video, mean=mean, sigma=sigma, clip=clip)


@_register_pil_kernel(gaussian_noise)
def _gaussian_noise_pil(image: Any, mean: float = 0.0, sigma: float = 0.1, clip: bool = True) -> Any:
    raise ValueError("Gaussian Noise is not implemented for PIL images.")


# ---------------------------------------------------------------- dtypes
def to_dtype(inpt: Tensor, dtype: flambeau.dtype = flambeau.float, scale: bool = False) -> Tensor:
    """inpt in dtype; with scale, image values are rescaled to the new dtype's range (boxes, masks and
    keypoints are only cast)."""
    return _get_kernel(to_dtype, type(inpt))(inpt, dtype=dtype, scale=scale)


@_register_kernel_internal(to_dtype, Tensor)
@_register_kernel_internal(to_dtype, tv_tensors.Image)
def to_dtype_image(image: Tensor, dtype: flambeau.dtype = flambeau.float, scale: bool = False) -> Tensor:
    if image.dtype == dtype:
        return image
    if not scale:
        return image.to(dtype)
    if not image.is_floating_point() and dtype.is_floating_point:
        # NOTE: v2 multiplies by 1 / max where v1 divides by max (the last bit can differ)
        return image.to(dtype).mul(1.0 / _max_value(image.dtype))
    return _v1_convert_image_dtype(image, dtype)


@_register_kernel_internal(to_dtype, tv_tensors.Video)
def to_dtype_video(video: Tensor, dtype: flambeau.dtype = flambeau.float, scale: bool = False) -> Tensor:
    return to_dtype_image(video, dtype, scale=scale)


@_register_kernel_internal(to_dtype, tv_tensors.KeyPoints, tv_tensor_wrapper=False)
@_register_kernel_internal(to_dtype, tv_tensors.BoundingBoxes, tv_tensor_wrapper=False)
@_register_kernel_internal(to_dtype, tv_tensors.Mask, tv_tensor_wrapper=False)
def _to_dtype_tensor_dispatch(inpt: Tensor, dtype: flambeau.dtype, scale: bool = False) -> Tensor:
    return inpt.to(dtype)  # a TVTensor's `to` keeps its type and metadata


def convert_image_dtype(image: Tensor, dtype: flambeau.dtype = flambeau.float32) -> Tensor:
    """[DEPRECATED] to_dtype(image, dtype, scale=True)."""
    return to_dtype_image(image, dtype=dtype, scale=True)


# ---------------------------------------------------------------- sanitizing
def _valid_boxes(boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int], min_size: float,
                 min_area: float) -> Tensor:
    """Which boxes are at least min_size wide and high, of area at least min_area, and inside the canvas."""
    rotated = is_rotated_bounding_format(format)
    corners = _convert_bounding_box_format(boxes, format, BoundingBoxFormat.XYXYXYXY if rotated else BoundingBoxFormat.XYXY)
    if rotated:
        # NOTE: the height is measured between coordinates 3..6, as torchvision does
        ws = (corners[..., 0] - corners[..., 2]).pow(2).add((corners[..., 1] - corners[..., 3]).pow(2)).sqrt()
        hs = (corners[..., 3] - corners[..., 5]).pow(2).add((corners[..., 4] - corners[..., 6]).pow(2)).sqrt()
    else:
        ws, hs = corners[:, 2] - corners[:, 0], corners[:, 3] - corners[:, 1]
    valid = (ws >= min_size) & (hs >= min_size) & (corners >= 0).all(dim=-1) & (ws * hs >= min_area)
    height, width = canvas_size
    for x in range(0, corners.shape[-1], 2):
        if x < 4 or rotated:
            valid = valid & (corners[..., x] <= width) & (corners[..., x + 1] <= height)
    return valid


def sanitize_bounding_boxes(bounding_boxes: Tensor, format: Optional[BoundingBoxFormat] = None,
                            canvas_size: Optional[tuple[int, int]] = None, min_size: float = 1.0,
                            min_area: float = 1.0) -> tuple[Tensor, Tensor]:
    """The boxes that are large enough and inside their canvas, and the boolean mask that selects them (to
    select the matching labels)."""
    if is_pure_tensor(bounding_boxes):
        if format is None or canvas_size is None:
            raise ValueError("format and canvas_size cannot be None if bounding_boxes is a pure tensor. "
                             f"Got format={format} and canvas_size={canvas_size}.Set those to appropriate values or "
                             "pass bounding_boxes as a tv_tensors.BoundingBoxes object.")
        valid = _valid_boxes(bounding_boxes, _as_format(format), canvas_size, min_size, min_area)
        return bounding_boxes[valid], valid
    if not isinstance(bounding_boxes, tv_tensors.BoundingBoxes):
        raise ValueError("bounding_boxes must be a tv_tensors.BoundingBoxes instance or a pure tensor.")
    if format is not None or canvas_size is not None:
        raise ValueError("format and canvas_size must be None when bounding_boxes is a tv_tensors.BoundingBoxes "
                         f"instance. Got format={format} and canvas_size={canvas_size}. Leave those to None or pass "
                         "bounding_boxes as a pure tensor.")
    plain = bounding_boxes.as_subclass(Tensor)
    valid = _valid_boxes(plain, bounding_boxes.format, bounding_boxes.canvas_size, min_size, min_area)
    return tv_tensors.wrap(plain[valid], like=bounding_boxes), valid


def _valid_keypoints(points: Tensor, canvas_size: tuple[int, int]) -> Tensor:
    """Which points (or groups of points, along the first dimension) lie wholly inside the canvas."""
    height, width = canvas_size
    x, y = points[..., 0], points[..., 1]
    valid = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    return valid.flatten(start_dim=1).all(dim=1) if valid.ndim > 1 else valid


def sanitize_keypoints(key_points: Tensor, canvas_size: Optional[tuple[int, int]] = None) -> tuple[Tensor, Tensor]:
    """The keypoints (or groups) inside their canvas, and the boolean mask that selects them."""
    if is_pure_tensor(key_points):
        if canvas_size is None:
            raise ValueError("canvas_size cannot be None if key_points is a pure tensor. Set it to an appropriate "
                             "value or pass key_points as a tv_tensors.KeyPoints object.")
        valid = _valid_keypoints(key_points, canvas_size)
        return key_points[valid], valid
    if not isinstance(key_points, tv_tensors.KeyPoints):
        raise ValueError("key_points must be a tv_tensors.KeyPoints instance or a pure tensor.")
    if canvas_size is not None:
        raise ValueError("canvas_size must be None when key_points is a tv_tensors.KeyPoints instance. "
                         f"Got canvas_size={canvas_size}. Leave it to None or pass key_points as a pure tensor.")
    plain = key_points.as_subclass(Tensor)
    valid = _valid_keypoints(plain, key_points.canvas_size)
    return tv_tensors.wrap(plain[valid], like=key_points), valid
