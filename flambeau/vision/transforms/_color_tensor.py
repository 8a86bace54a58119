"""Colour adjustments on tensor images (..., C, H, W): torchvision's arithmetic, op for op.

Every kernel computes in float32 (or the image's own float dtype) and casts back the way
torchvision does (truncation after a blend, rounding after a convolution), so uint8 results
agree with torchvision to the last bit wherever float rounding allows.
"""
from __future__ import annotations

import flambeau
from flambeau import Tensor
import flambeau.nn.functional as nnF

from . import _functional_conversion as _conv
from ._utils import (
    _assert_at_least_3d,
    _assert_channels,
    _assert_image_tensor,
    _max_value,
    _num_channels,
)

_INT_DTYPES = (flambeau.uint8, flambeau.int8, flambeau.int16, flambeau.int32, flambeau.int64)


def _float_dtype(img: Tensor) -> flambeau.dtype:
    return img.dtype if img.is_floating_point() else flambeau.float32


def _check_non_negative(factor: float, name: str) -> None:
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def _blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def _to_nchw_float(img: Tensor, dtype: flambeau.dtype) -> Tensor:
    # conv2d wants a batch dimension and a float dtype
    return (img.unsqueeze(0) if img.ndim < 4 else img).to(dtype)


def _from_nchw_float(out: Tensor, like: Tensor) -> Tensor:
    if like.ndim < 4:
        out = out.squeeze(0)
    if like.dtype in _INT_DTYPES:
        out = flambeau.round(out)  # round, not truncate, after a convolution
    return out.to(like.dtype)


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    # NOTE: like torchvision, a 1-channel input stays 1-channel even when 3 are asked for.
    return gray.expand(img.shape) if num_output_channels == 3 else gray


def adjust_brightness(img: Tensor, brightness_factor: float) -> Tensor:
    _check_non_negative(brightness_factor, "brightness_factor")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, flambeau.zeros_like(img), brightness_factor)


def adjust_contrast(img: Tensor, contrast_factor: float) -> Tensor:
    _check_non_negative(contrast_factor, "contrast_factor")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    dtype = _float_dtype(img)
    gray = rgb_to_grayscale(img) if _num_channels(img) == 3 else img
    mean = flambeau.mean(gray.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img: Tensor, saturation_factor: float) -> Tensor:
    _check_non_negative(saturation_factor, "saturation_factor")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if _num_channels(img) == 1:  # grayscale has no saturation (as PIL)
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb_to_hsv(img: Tensor) -> Tensor:
    r, g, b = img.unbind(dim=-3)
    maxc = flambeau.amax(img, dim=-3)
    minc = flambeau.amin(img, dim=-3)
    # Where max == min, hue and saturation are 0; dividing by 1 there keeps NaN out.
    eqc = maxc == minc
    cr = maxc - minc
    ones = flambeau.ones_like(maxc)
    s = cr / flambeau.where(eqc, ones, maxc)
    cr_divisor = flambeau.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = flambeau.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return flambeau.stack((h, s, maxc), dim=-3)


def _hsv_to_rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(dim=-3)
    i = flambeau.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.to(flambeau.int64) % 6
    p = flambeau.clamp(v * (1.0 - s), 0.0, 1.0)
    q = flambeau.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = flambeau.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    # For each of the six hue sectors i, the (r, g, b) it takes from (v, q, p, t).
    table = flambeau.stack(
        (
            flambeau.stack((v, q, p, p, t, v), dim=-3),
            flambeau.stack((t, v, v, q, p, p), dim=-3),
            flambeau.stack((p, p, t, v, v, q), dim=-3),
        ),
        dim=-4,
    )  # (..., 3, 6, H, W)
    index = i.unsqueeze(-3).unsqueeze(-4).expand(*table.shape[:-3], 1, *table.shape[-2:])
    return table.gather(-3, index).squeeze(-3)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if _num_channels(img) == 1:  # grayscale has no hue (as PIL)
        return img
    orig_dtype = img.dtype
    hsv = _rgb_to_hsv(_conv.convert_image_dtype(img, flambeau.float32))
    h, s, v = hsv.unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    rgb = _hsv_to_rgb(flambeau.stack((h, s, v), dim=-3))
    return _conv.convert_image_dtype(rgb, orig_dtype)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1) -> Tensor:
    _assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    dtype = img.dtype
    result = img if img.is_floating_point() else _conv.convert_image_dtype(img, flambeau.float32)
    result = (gain * result.pow(gamma)).clamp(0, 1)
    return _conv.convert_image_dtype(result, dtype)


def _gaussian_kernel1d(kernel_size: int, sigma: float, dtype: flambeau.dtype) -> Tensor:
    half = (kernel_size - 1) * 0.5
    x = flambeau.linspace(-half, half, steps=kernel_size, dtype=dtype)
    pdf = flambeau.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def gaussian_blur(img: Tensor, kernel_size: list[int], sigma: list[float]) -> Tensor:
    _assert_image_tensor(img)
    dtype = _float_dtype(img)
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0], dtype)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1], dtype)
    kernel = flambeau.mm(ky[:, None], kx[None, :])
    kernel = kernel.expand(img.shape[-3], 1, kernel.shape[0], kernel.shape[1])
    x = _to_nchw_float(img, dtype)
    pad_x, pad_y = kernel_size[0] // 2, kernel_size[1] // 2
    x = nnF.pad(x, [pad_x, pad_x, pad_y, pad_y], mode="reflect")
    x = nnF.conv2d(x, kernel, groups=x.shape[-3])
    return _from_nchw_float(x, img)


def invert(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    return _max_value(img.dtype) - img


def posterize(img: Tensor, bits: int) -> Tensor:
    _assert_image_tensor(img)
    _assert_at_least_3d(img)
    if img.dtype != flambeau.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    return img & -int(2 ** (8 - bits))  # keeps the top `bits` bits


def solarize(img: Tensor, threshold: float) -> Tensor:
    _assert_image_tensor(img)
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    if threshold > _max_value(img.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return flambeau.where(img >= threshold, invert(img), img)


def _blurred_degenerate_image(img: Tensor) -> Tensor:
    # PIL's SMOOTH filter (3x3 ones with 5 in the middle, /13); the border keeps the input
    dtype = _float_dtype(img)
    kernel = flambeau.ones((3, 3), dtype=dtype)
    kernel[1, 1] = 5.0
    kernel = (kernel / kernel.sum()).expand(img.shape[-3], 1, 3, 3)
    x = _to_nchw_float(img, dtype)
    x = _from_nchw_float(nnF.conv2d(x, kernel, groups=x.shape[-3]), img)
    result = img.clone()
    result[..., 1:-1, 1:-1] = x
    return result


def adjust_sharpness(img: Tensor, sharpness_factor: float) -> Tensor:
    _check_non_negative(sharpness_factor, "sharpness_factor")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    return _blend(img, _blurred_degenerate_image(img), sharpness_factor)


def autocontrast(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    _assert_at_least_3d(img)
    _assert_channels(img, [1, 3])
    bound = _max_value(img.dtype)
    dtype = _float_dtype(img)
    minimum = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    maximum = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    # A flat channel (max == min) is left as it is: offset 0, scale 1.
    flat = maximum == minimum
    # NOTE: torch evaluates `bound / x` as `x.reciprocal() * bound`; the same rounding here.
    scale = flambeau.where(flat, flambeau.ones_like(maximum), maximum - minimum).reciprocal() * bound
    scale = flambeau.where(flat, flambeau.ones_like(scale), scale)
    minimum = flambeau.where(flat, flambeau.zeros_like(minimum), minimum)
    return ((img - minimum) * scale).clamp(0, bound).to(img.dtype)


def _equalize_channel(chan: Tensor) -> Tensor:
    hist = flambeau.bincount(chan.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum().item()) // 255
    if step == 0:
        return chan
    lut = flambeau.div(flambeau.cumsum(hist, 0) + step // 2, step, rounding_mode="floor")
    lut = flambeau.cat((flambeau.zeros(1, dtype=lut.dtype), lut[:-1])).clamp(0, 255)
    return lut[chan.to(flambeau.int64)].to(flambeau.uint8)


def equalize(img: Tensor) -> Tensor:
    _assert_image_tensor(img)
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    if img.dtype != flambeau.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    _assert_channels(img, [1, 3])
    images = img.reshape(-1, *img.shape[-3:])
    out = flambeau.stack([flambeau.stack([_equalize_channel(c) for c in im]) for im in images])
    return out.reshape(img.shape)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i : i + h, j : j + w] = v
    return img
