"""transforms.functional conversions: PIL image / ndarray <-> tensor, dtype rescaling, normalize."""
from __future__ import annotations

import sys
from typing import Any, Optional, Sequence

import numpy as np

import flambeau

from ..._tensor import Tensor
from .._pil import pil_image
from ._utils import _assert_image_tensor, _is_pil_image, _max_value

__all__ = ["to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize"]

_INT16_MODE = "I;16" if sys.byteorder == "little" else "I;16B"
# PIL modes whose pixels are not bytes: read as these NumPy types (everything else is uint8)
_PIL_NP_TYPES = {"I": np.int32, _INT16_MODE: np.int16, "F": np.float32}


def _chw(array: np.ndarray) -> Tensor:
    """(H, W) or (H, W, C) array -> contiguous (C, H, W) tensor (sharing memory when no copy is needed)."""
    chw = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return flambeau.from_numpy(chw).contiguous()


def _bytes_to_float(img: Tensor) -> Tensor:
    """uint8 in [0, 255] -> the default float dtype in [0, 1] (other dtypes pass unscaled, as torchvision)."""
    if img.dtype != flambeau.uint8:
        return img
    return img.to(flambeau.get_default_dtype()).div(255)


def to_tensor(pic: Any) -> Tensor:
    """PIL image or (H, W[, C]) ndarray -> (C, H, W) tensor; bytes are scaled to floats in [0, 1]."""
    is_array = isinstance(pic, np.ndarray)
    if not (is_array or _is_pil_image(pic)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if is_array:
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        return _bytes_to_float(_chw(pic))
    # NOTE: one NumPy read of Pillow's buffer, then a single vectorised cast and divide: this is the
    # hot path of every MNIST-style pipeline (ToTensor + Normalize on small 'L' images).
    array = np.array(pic, _PIL_NP_TYPES.get(pic.mode, np.uint8), copy=True)
    if pic.mode == "1":
        array *= 255
    return _bytes_to_float(_chw(array.reshape(pic.size[1], pic.size[0], -1)))


def pil_to_tensor(pic: Any) -> Tensor:
    """PIL image -> (C, H, W) tensor of the image's own dtype, unscaled."""
    if not _is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    array = np.array(pic, copy=True)
    return flambeau.from_numpy(array.reshape(pic.size[1], pic.size[0], -1)).permute(2, 0, 1)


def convert_image_dtype(image: Tensor, dtype: flambeau.dtype = flambeau.float) -> Tensor:
    """Cast an image tensor to dtype, rescaling from the old dtype's value range to the new one's."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype == dtype:
        return image
    to_float = dtype.is_floating_point
    if image.is_floating_point():
        if to_float:
            return image.to(dtype)
        if (image.dtype == flambeau.float32 and dtype in (flambeau.int32, flambeau.int64)) or (
                image.dtype == flambeau.float64 and dtype == flambeau.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # NOTE: scaling by max + 1 - eps spreads [0, 1] evenly over the integers; only 1.0 maps to max
        return image.mul(_max_value(dtype) + 1.0 - 1e-3).to(dtype)
    input_max = _max_value(image.dtype)
    if to_float:
        return image.to(dtype) / float(input_max)
    output_max = _max_value(dtype)
    if input_max > output_max:
        return flambeau.div(image, (input_max + 1) // (output_max + 1), rounding_mode="floor").to(dtype)
    return image.to(dtype) * ((output_max + 1) // (input_max + 1))


def _to_pil_mode(npimg: np.ndarray, mode: Optional[str]) -> str:
    """The PIL mode for an (H, W, C) array: checks a requested mode, or infers it (torchvision's rules)."""
    channels = npimg.shape[2]
    if channels == 1:
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): _INT16_MODE, np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted, default = {2: (["LA"], "LA"), 3: (["RGB", "YCbCr", "HSV"], "RGB"),
                              4: (["RGBA", "CMYK", "RGBX"], "RGBA")}[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = default
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return mode


def to_pil_image(pic: Any, mode: Optional[str] = None) -> Any:
    """(C, H, W) tensor or (H, W[, C]) ndarray -> PIL image; floats are taken as [0, 1] and scaled to bytes."""
    if isinstance(pic, Tensor):
        if pic.ndim == 3:
            pic = pic.permute(1, 2, 0)
        pic = pic.numpy(force=True)
    elif not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if pic.ndim == 2:
        pic = pic[:, :, None]
    if pic.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
    if np.issubdtype(pic.dtype, np.floating) and mode != "F":
        pic = (pic * 255).astype(np.uint8)
    mode = _to_pil_mode(pic, mode)
    if pic.shape[2] == 1:
        pic = pic[:, :, 0]
    # NOTE: frombuffer reads the bytes as `mode` whatever the array's dtype (fromarray no longer takes a mode)
    height, width = pic.shape[:2]
    return pil_image().frombuffer(mode, (width, height), np.ascontiguousarray(pic), "raw", mode, 0, 1)


def _per_channel(values: Any, like: Tensor) -> Tensor:
    """mean or std in like's dtype and device, shaped (C, 1, 1) when given one value per channel."""
    if isinstance(values, Tensor):
        values = values.to(dtype=like.dtype, device=like.device)
    else:  # host-side parameters: cast in NumPy, then one tensor
        values = flambeau.as_tensor(np.asarray(values, dtype=like.dtype.np), device=like.device)
    return values.view(-1, 1, 1) if values.ndim == 1 else values


def normalize(tensor: Tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Tensor:
    """(tensor - mean) / std per channel of a float image (..., C, H, W)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    # NOTE: std is checked on the host (a few values): a device-side any() would cost more than the division
    if (np.asarray(std.tolist() if isinstance(std, Tensor) else std, dtype=tensor.dtype.np) == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    mean, std = _per_channel(mean, tensor), _per_channel(std, tensor)
    return tensor.sub_(mean).div_(std) if inplace else (tensor - mean) / std
