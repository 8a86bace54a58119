"""torchvision.transforms.functional's colour functions: each takes a PIL image or a tensor.

Tensors go to ._color_tensor, PIL images to ._color_pil (loaded only then, so Pillow stays
optional); argument checks shared by both paths live here, as in torchvision.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from flambeau import Tensor

from . import _color_tensor
from ._utils import _is_pil_image

__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "adjust_hue",
    "adjust_gamma",
    "rgb_to_grayscale",
    "to_grayscale",
    "gaussian_blur",
    "invert",
    "posterize",
    "solarize",
    "adjust_sharpness",
    "autocontrast",
    "equalize",
    "erase",
]

Image = Any  # a PIL.Image.Image; not imported so that Pillow stays optional


def _apply(name: str, img: Union[Tensor, Image], *args: Any) -> Union[Tensor, Image]:
    """Run the tensor or the PIL implementation of `name`."""
    if isinstance(img, Tensor):
        return getattr(_color_tensor, name)(img, *args)
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")
    from . import _color_pil

    return getattr(_color_pil, name)(img, *args)


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    """Scale the brightness: 0 gives black, 1 the original, 2 twice as bright."""
    return _apply("adjust_brightness", img, brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    """Blend with the mean gray level: 0 gives a solid gray image, 1 the original."""
    return _apply("adjust_contrast", img, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    """Blend with the grayscale image: 0 gives black and white, 1 the original."""
    return _apply("adjust_saturation", img, saturation_factor)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Shift the hue channel in HSV space by hue_factor (in [-0.5, 0.5]) of a full turn."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    return _apply("adjust_hue", img, hue_factor)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1) -> Tensor:
    """Gamma correction: out = 255 * gain * (in / 255) ** gamma."""
    return _apply("adjust_gamma", img, gamma, gain)


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """Grayscale (ITU-R 601-2 luma) with 1 or 3 identical output channels."""
    if isinstance(img, Tensor):
        return _color_tensor.rgb_to_grayscale(img, num_output_channels)
    return _apply("to_grayscale", img, num_output_channels)


def to_grayscale(img: Image, num_output_channels: int = 1) -> Image:
    """Grayscale of a PIL image in any mode; tensors are not accepted (use rgb_to_grayscale)."""
    if not _is_pil_image(img):
        raise TypeError("Input should be PIL Image")
    return _apply("to_grayscale", img, num_output_channels)


def _blur_params(
    kernel_size: Union[int, list[int]], sigma: Optional[Union[float, list[float]]]
) -> tuple[list[int], list[float]]:
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for k in kernel_size:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    return list(kernel_size), list(sigma)


def gaussian_blur(
    img: Tensor, kernel_size: Union[int, list[int]], sigma: Optional[Union[float, list[float]]] = None
) -> Tensor:
    """Blur with a Gaussian kernel (kx, ky), reflect padding keeping the size.

    A missing sigma is 0.3 * ((k - 1) * 0.5 - 1) + 0.8 per axis. PIL images are blurred
    as uint8 tensors, exactly as torchvision does.
    """
    kernel_size, sigma = _blur_params(kernel_size, sigma)
    if isinstance(img, Tensor):
        return _color_tensor.gaussian_blur(img, kernel_size, sigma)
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    from . import _functional_conversion as conv

    out = _color_tensor.gaussian_blur(conv.pil_to_tensor(img), kernel_size, sigma)
    return conv.to_pil_image(out, mode=img.mode)


def invert(img: Tensor) -> Tensor:
    """Invert the colours: bound - img (255 for uint8, 1.0 for float)."""
    return _apply("invert", img)


def posterize(img: Tensor, bits: int) -> Tensor:
    """Keep only the top `bits` (0-8) bits of each channel (uint8 tensors or PIL)."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    return _apply("posterize", img, bits)


def solarize(img: Tensor, threshold: float) -> Tensor:
    """Invert every pixel at or above threshold."""
    return _apply("solarize", img, threshold)


def adjust_sharpness(img: Tensor, sharpness_factor: float) -> Tensor:
    """Blend with PIL's smoothed image: 0 blurs, 1 is the original, 2 sharpens."""
    return _apply("adjust_sharpness", img, sharpness_factor)


def autocontrast(img: Tensor) -> Tensor:
    """Stretch each channel so that its minimum becomes black and its maximum white."""
    return _apply("autocontrast", img)


def equalize(img: Tensor) -> Tensor:
    """Equalize the histogram of each channel (uint8 tensors or PIL)."""
    return _apply("equalize", img)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Set the box [i:i+h, j:j+w] of a tensor image to v (a tensor or number)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    return _color_tensor.erase(img, i, j, h, w, v, inplace)
