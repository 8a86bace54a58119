"""Colour functionals of transforms.v2 and their image/video kernels.

Where torchvision's v2 arithmetic is the v1 arithmetic, the kernel is the v1 kernel of
flambeau.vision.transforms; the others (sharpness, autocontrast, equalize, posterize, invert, ...) follow
v2, which also accepts any number of leading dimensions and more dtypes.
"""
from __future__ import annotations

from typing import Any, Callable

import flambeau
import flambeau.nn.functional as nnF
from flambeau import Tensor
from flambeau.vision import tv_tensors

from ... import _color_tensor as _v1
from ..._functional_conversion import pil_to_tensor, to_pil_image
from ..._utils import _max_value
from ._misc import to_dtype_image
from ._utils import _get_kernel, _register_kernel_internal, _register_pil_kernel

__all__ = ["rgb_to_grayscale", "rgb_to_grayscale_image", "to_grayscale", "grayscale_to_rgb", "grayscale_to_rgb_image",
           "adjust_brightness", "adjust_brightness_image", "adjust_brightness_video", "adjust_saturation",
           "adjust_saturation_image", "adjust_saturation_video", "adjust_contrast", "adjust_contrast_image",
           "adjust_contrast_video", "adjust_sharpness", "adjust_sharpness_image", "adjust_sharpness_video",
           "adjust_hue", "adjust_hue_image", "adjust_hue_video", "adjust_gamma", "adjust_gamma_image",
           "adjust_gamma_video", "posterize", "posterize_image", "posterize_video", "solarize", "solarize_image",
           "solarize_video", "autocontrast", "autocontrast_image", "autocontrast_video", "equalize", "equalize_image",
           "equalize_video", "invert", "invert_image", "invert_video", "permute_channels", "permute_channels_image",
           "permute_channels_video"]

_VALUE_BITS = {flambeau.uint8: 8, flambeau.int8: 7, flambeau.int16: 15, flambeau.int32: 31, flambeau.int64: 63}


def _num_value_bits(dtype: flambeau.dtype) -> int:
    if dtype not in _VALUE_BITS:
        raise TypeError(f"Number of value bits is only defined for integer dtypes, but got {dtype}.")
    return _VALUE_BITS[dtype]


def _video_kernel(functional: Callable, image_kernel: Callable) -> Callable:
    """Register image_kernel for videos too (frames are images along leading dimensions)."""
    return _register_kernel_internal(functional, tv_tensors.Video)(image_kernel)


def _pil_kernel(functional: Callable, name: str) -> None:
    """Register the v1 PIL function `name` (loaded on first use) as functional's PIL kernel."""
    @_register_pil_kernel(functional)
    def kernel(image: Any, *args: Any, **kwargs: Any) -> Any:
        from ... import _color_pil
        return getattr(_color_pil, name)(image, *args, **kwargs)


def _fused_add(x: Tensor, y: Tensor, alpha: float) -> Tensor:
    """x + alpha * y rounded once, as torch's add(alpha=) does with a fused multiply-add on float32 (the
    float64 product of two float32 numbers is exact, so float64 arithmetic rounds as the fused one)."""
    if x.dtype != flambeau.float32:
        return x + alpha * y
    alpha32 = float(flambeau.tensor(alpha, dtype=flambeau.float32))
    return (x.double() + y.double() * alpha32).float()


def _as_float(image: Tensor) -> Tensor:
    return image if image.is_floating_point() else image.to(flambeau.float32)


def _float_gray(image: Tensor) -> Tensor:
    """The luma of an RGB image in floating point, floored for integer images (the values a cast would give)."""
    gray = _v1.rgb_to_grayscale(_as_float(image))
    return gray if image.is_floating_point() else gray.floor()


def _blend(image1: Tensor, image2: Tensor, ratio: float) -> Tensor:
    """ratio * image1 + (1 - ratio) * image2, clamped to the value range, in image1's dtype for integers
    (truncated) and in floating point otherwise."""
    ratio = float(ratio)
    output = _fused_add(image1.mul(ratio), image2, 1.0 - ratio).clamp(0, _max_value(image1.dtype))
    return output if image1.is_floating_point() else output.to(image1.dtype)


def _check_channels(image: Tensor) -> int:
    c = image.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {c}")
    return c


# ---------------------------------------------------------------- grayscale
def rgb_to_grayscale(inpt: Tensor, num_output_channels: int = 1) -> Tensor:
    """Luma (ITU-R 601-2) of an RGB image, in 1 or 3 identical channels."""
    return _get_kernel(rgb_to_grayscale, type(inpt))(inpt, num_output_channels=num_output_channels)


to_grayscale = rgb_to_grayscale


def _repeat_channels(image: Tensor, channels: int) -> Tensor:
    repeats = [1] * image.ndim
    repeats[-3] = channels
    return image.repeat(repeats)


@_register_kernel_internal(rgb_to_grayscale, Tensor)
@_register_kernel_internal(rgb_to_grayscale, tv_tensors.Image)
def rgb_to_grayscale_image(image: Tensor, num_output_channels: int = 1) -> Tensor:
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}.")
    if image.shape[-3] == 1:  # already gray: v2 repeats it to 3 channels where asked (v1 does not)
        return image.clone() if num_output_channels == 1 else _repeat_channels(image, 3)
    return _v1.rgb_to_grayscale(image, num_output_channels)


@_register_pil_kernel(rgb_to_grayscale)
def _rgb_to_grayscale_image_pil(image: Any, num_output_channels: int = 1) -> Any:
    if num_output_channels not in (1, 3):
        raise ValueError(f"num_output_channels must be 1 or 3, got {num_output_channels}.")
    from ... import _color_pil
    return _color_pil.to_grayscale(image, num_output_channels)


def grayscale_to_rgb(inpt: Tensor) -> Tensor:
    """A grayscale image as RGB (3 equal channels); RGB stays."""
    return _get_kernel(grayscale_to_rgb, type(inpt))(inpt)


@_register_kernel_internal(grayscale_to_rgb, Tensor)
@_register_kernel_internal(grayscale_to_rgb, tv_tensors.Image)
def grayscale_to_rgb_image(image: Tensor) -> Tensor:
    return image if image.shape[-3] >= 3 else _repeat_channels(image, 3)


@_register_pil_kernel(grayscale_to_rgb)
def grayscale_to_rgb_image_pil(image: Any) -> Any:
    return image.convert(mode="RGB")


# ---------------------------------------------------------------- blends (brightness, saturation, contrast)
def adjust_brightness(inpt: Tensor, brightness_factor: float) -> Tensor:
    """Scale the brightness: 0 gives black, 1 the original."""
    return _get_kernel(adjust_brightness, type(inpt))(inpt, brightness_factor=brightness_factor)


def adjust_saturation(inpt: Tensor, saturation_factor: float) -> Tensor:
    """Blend with the grayscale image: 0 gives gray, 1 the original."""
    return _get_kernel(adjust_saturation, type(inpt))(inpt, saturation_factor=saturation_factor)


def adjust_contrast(inpt: Tensor, contrast_factor: float) -> Tensor:
    """Blend with the mean gray level: 0 gives a flat gray image."""
    return _get_kernel(adjust_contrast, type(inpt))(inpt, contrast_factor=contrast_factor)


@_register_kernel_internal(adjust_brightness, Tensor)
@_register_kernel_internal(adjust_brightness, tv_tensors.Image)
def adjust_brightness_image(image: Tensor, brightness_factor: float) -> Tensor:
    return _v1.adjust_brightness(image, brightness_factor)


@_register_kernel_internal(adjust_saturation, Tensor)
@_register_kernel_internal(adjust_saturation, tv_tensors.Image)
def adjust_saturation_image(image: Tensor, saturation_factor: float) -> Tensor:
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    if _check_channels(image) == 1:  # gray has no saturation (as PIL)
        return image
    return _blend(image, _float_gray(image), saturation_factor)


@_register_kernel_internal(adjust_contrast, Tensor)
@_register_kernel_internal(adjust_contrast, tv_tensors.Image)
def adjust_contrast_image(image: Tensor, contrast_factor: float) -> Tensor:
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    gray = _float_gray(image) if _check_channels(image) == 3 else _as_float(image)
    return _blend(image, flambeau.mean(gray, dim=(-3, -2, -1), keepdim=True), contrast_factor)


adjust_brightness_video = _video_kernel(adjust_brightness, adjust_brightness_image)
adjust_saturation_video = _video_kernel(adjust_saturation, adjust_saturation_image)
adjust_contrast_video = _video_kernel(adjust_contrast, adjust_contrast_image)


# ---------------------------------------------------------------- sharpness
def adjust_sharpness(inpt: Tensor, sharpness_factor: float) -> Tensor:
    """Blend with PIL's smoothed image: 0 blurs, 2 sharpens."""
    return _get_kernel(adjust_sharpness, type(inpt))(inpt, sharpness_factor=sharpness_factor)


@_register_kernel_internal(adjust_sharpness, Tensor)
@_register_kernel_internal(adjust_sharpness, tv_tensors.Image)
def adjust_sharpness_image(image: Tensor, sharpness_factor: float) -> Tensor:
    channels, height, width = image.shape[-3:]
    if channels not in (1, 3):
        raise TypeError(f"Input image tensor can have 1 or 3 channels, but found {channels}")
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    if image.numel() == 0 or height <= 2 or width <= 2:
        return image
    fp = image.is_floating_point()
    dtype = image.dtype if fp else flambeau.float32
    batch = image.reshape(-1, channels, height, width).to(dtype)
    # PIL's SMOOTH filter: ones with 5 in the middle, over 13; the border pixels keep their values
    a, b = 1.0 / 13.0, 5.0 / 13.0
    kernel = flambeau.tensor([[a, a, a], [a, b, a], [a, a, a]], dtype=dtype, device=image.device)
    kernel = kernel.expand(channels, 1, 3, 3)
    blurred = nnF.conv2d(batch, kernel, groups=channels)
    if not fp:
        blurred = blurred.round()
    inner = batch[..., 1:-1, 1:-1]
    output = batch.clone()
    output[..., 1:-1, 1:-1] = _fused_add(inner, blurred - inner, 1.0 - sharpness_factor)
    output = output.clamp(0, _max_value(image.dtype)).reshape(image.shape)
    return output if fp else output.to(image.dtype)


adjust_sharpness_video = _video_kernel(adjust_sharpness, adjust_sharpness_image)


# ---------------------------------------------------------------- hue and gamma
def adjust_hue(inpt: Tensor, hue_factor: float) -> Tensor:
    """Shift the hue by hue_factor (in [-0.5, 0.5]) of a full turn."""
    return _get_kernel(adjust_hue, type(inpt))(inpt, hue_factor=hue_factor)


@_register_kernel_internal(adjust_hue, Tensor)
@_register_kernel_internal(adjust_hue, tv_tensors.Image)
def adjust_hue_image(image: Tensor, hue_factor: float) -> Tensor:
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _check_channels(image) == 1 or image.numel() == 0:  # gray has no hue (as PIL)
        return image
    h, s, v = _v1._rgb_to_hsv(to_dtype_image(image, flambeau.float32, scale=True)).unbind(dim=-3)
    rgb = _v1._hsv_to_rgb(flambeau.stack(((h + hue_factor).remainder(1.0), s, v), dim=-3))
    return to_dtype_image(rgb, image.dtype, scale=True)


adjust_hue_video = _video_kernel(adjust_hue, adjust_hue_image)


def adjust_gamma(inpt: Tensor, gamma: float, gain: float = 1) -> Tensor:
    """Gamma correction: gain * image ** gamma on the [0, 1] scale."""
    return _get_kernel(adjust_gamma, type(inpt))(inpt, gamma=gamma, gain=gain)


@_register_kernel_internal(adjust_gamma, Tensor)
@_register_kernel_internal(adjust_gamma, tv_tensors.Image)
def adjust_gamma_image(image: Tensor, gamma: float, gain: float = 1.0) -> Tensor:
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    floats = image if image.is_floating_point() else to_dtype_image(image, flambeau.float32, scale=True)
    output = floats.pow(gamma)
    if gain != 1.0:
        output = output.mul(gain).clamp(0.0, 1.0)
    return to_dtype_image(output, image.dtype, scale=True)


adjust_gamma_video = _video_kernel(adjust_gamma, adjust_gamma_image)


# ---------------------------------------------------------------- posterize, solarize, invert
def posterize(inpt: Tensor, bits: int) -> Tensor:
    """Keep the top `bits` bits of each value (2 ** bits levels for floats)."""
    return _get_kernel(posterize, type(inpt))(inpt, bits=bits)


@_register_kernel_internal(posterize, Tensor)
@_register_kernel_internal(posterize, tv_tensors.Image)
def posterize_image(image: Tensor, bits: int) -> Tensor:
    if not isinstance(bits, int) or not 0 <= bits <= 8:
        raise TypeError(f"bits must be a positive integer in the range [0, 8], got {bits} instead.")
    if image.is_floating_point():
        levels = 1 << bits
        return image.mul(levels).floor().clamp(0, levels - 1).mul(1.0 / levels)
    value_bits = _num_value_bits(image.dtype)
    if bits >= value_bits:
        return image
    return image & (((1 << bits) - 1) << (value_bits - bits))


posterize_video = _video_kernel(posterize, posterize_image)


def invert(inpt: Tensor) -> Tensor:
    """The negative image: max - image."""
    return _get_kernel(invert, type(inpt))(inpt)


@_register_kernel_internal(invert, Tensor)
@_register_kernel_internal(invert, tv_tensors.Image)
def invert_image(image: Tensor) -> Tensor:
    if image.is_floating_point():
        return 1.0 - image
    if image.dtype == flambeau.uint8:
        return image.bitwise_not()
    return image.bitwise_xor((1 << _num_value_bits(image.dtype)) - 1)  # signed: flip the value bits only


invert_video = _video_kernel(invert, invert_image)


def solarize(inpt: Tensor, threshold: float) -> Tensor:
    """Invert the values at or above threshold."""
    return _get_kernel(solarize, type(inpt))(inpt, threshold=threshold)


@_register_kernel_internal(solarize, Tensor)
@_register_kernel_internal(solarize, tv_tensors.Image)
def solarize_image(image: Tensor, threshold: float) -> Tensor:
    if threshold > _max_value(image.dtype):
        raise TypeError(f"Threshold should be less or equal the maximum value of the dtype, but got {threshold}")
    return flambeau.where(image >= threshold, invert_image(image), image)


solarize_video = _video_kernel(solarize, solarize_image)


# ---------------------------------------------------------------- autocontrast, equalize
def autocontrast(inpt: Tensor) -> Tensor:
    """Stretch each channel to the full value range."""
    return _get_kernel(autocontrast, type(inpt))(inpt)


@_register_kernel_internal(autocontrast, Tensor)
@_register_kernel_internal(autocontrast, tv_tensors.Image)
def autocontrast_image(image: Tensor) -> Tensor:
    _check_channels(image)
    if image.numel() == 0:
        return image
    bound = _max_value(image.dtype)
    floats = image if image.is_floating_point() else image.to(flambeau.float32)
    minimum = floats.amin(dim=(-2, -1), keepdim=True)
    maximum = floats.amax(dim=(-2, -1), keepdim=True)
    flat = maximum == minimum  # a flat channel is left as it is
    inv_scale = flambeau.where(flat, flambeau.ones_like(maximum), (maximum - minimum).mul(1.0 / bound))
    minimum = flambeau.where(flat, flambeau.zeros_like(minimum), minimum)
    return floats.sub(minimum).div(inv_scale).clamp(0, bound).to(image.dtype)


autocontrast_video = _video_kernel(autocontrast, autocontrast_image)


def equalize(inpt: Tensor) -> Tensor:
    """Equalize the histogram of each channel (on the uint8 scale)."""
    return _get_kernel(equalize, type(inpt))(inpt)


@_register_kernel_internal(equalize, Tensor)
@_register_kernel_internal(equalize, tv_tensors.Image)
def equalize_image(image: Tensor) -> Tensor:
    """PIL's equalization, every channel at once: a lookup table from the cumulative histogram, stepping by
    the count of the pixels outside the most frequent value over 255 (no change where that step is 0)."""
    if image.numel() == 0:
        return image
    as_bytes = to_dtype_image(image, flambeau.uint8, scale=True)
    flat = as_bytes.flatten(start_dim=-2).to(flambeau.int64)
    hist = flambeau.zeros(*flat.shape[:-1], 256, dtype=flambeau.int64, device=image.device)
    hist = hist.scatter_add(-1, flat, flambeau.ones_like(flat))
    cumulative = hist.cumsum(dim=-1)
    most_frequent = cumulative.argmax(dim=-1, keepdim=True)
    step = (flat.shape[-1] - hist.gather(-1, most_frequent)).div(255, rounding_mode="floor")
    lut = (cumulative[..., :-1] + step // 2).div(step.clamp(min=1), rounding_mode="floor").clamp(0, 255)
    lut = flambeau.cat([flambeau.zeros_like(lut[..., :1]), lut], dim=-1).to(flambeau.uint8)
    equalized = lut.gather(-1, flat).view(as_bytes.shape)
    output = flambeau.where((step != 0).unsqueeze(-1), equalized, as_bytes)
    return to_dtype_image(output, image.dtype, scale=True)


equalize_video = _video_kernel(equalize, equalize_image)


# ---------------------------------------------------------------- channel permutation
def permute_channels(inpt: Tensor, permutation: list[int]) -> Tensor:
    """The channels reordered: output channel c is input channel permutation[c]."""
    return _get_kernel(permute_channels, type(inpt))(inpt, permutation=permutation)


@_register_kernel_internal(permute_channels, Tensor)
@_register_kernel_internal(permute_channels, tv_tensors.Image)
def permute_channels_image(image: Tensor, permutation: list[int]) -> Tensor:
    channels = image.shape[-3]
    if len(permutation) != channels:
        raise ValueError(f"Length of permutation does not match number of channels: {len(permutation)} != {channels}")
    if image.numel() == 0:
        return image
    return image.reshape(-1, *image.shape[-3:])[:, list(permutation)].reshape(image.shape)


@_register_pil_kernel(permute_channels)
def _permute_channels_image_pil(image: Any, permutation: list[int]) -> Any:
    return to_pil_image(permute_channels_image(pil_to_tensor(image), permutation=permutation))


permute_channels_video = _video_kernel(permute_channels, permute_channels_image)

for _functional_of, _name in ((adjust_brightness, "adjust_brightness"), (adjust_saturation, "adjust_saturation"),
                              (adjust_contrast, "adjust_contrast"), (adjust_sharpness, "adjust_sharpness"),
                              (adjust_hue, "adjust_hue"), (adjust_gamma, "adjust_gamma"), (posterize, "posterize"),
                              (solarize, "solarize"), (invert, "invert"), (autocontrast, "autocontrast"),
                              (equalize, "equalize")):
    _pil_kernel(_functional_of, _name)
