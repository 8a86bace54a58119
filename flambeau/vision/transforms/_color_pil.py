"""Colour adjustments on PIL images, through Pillow's own ImageEnhance / ImageOps as torchvision.

Imported only when a PIL image is actually given, so Pillow stays an optional dependency.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def _enhance(enhancer: type, img: Image.Image, factor: float) -> Image.Image:
    return enhancer(img).enhance(factor)


def adjust_brightness(img: Image.Image, brightness_factor: float) -> Image.Image:
    return _enhance(ImageEnhance.Brightness, img, brightness_factor)


def adjust_contrast(img: Image.Image, contrast_factor: float) -> Image.Image:
    return _enhance(ImageEnhance.Contrast, img, contrast_factor)


def adjust_saturation(img: Image.Image, saturation_factor: float) -> Image.Image:
    return _enhance(ImageEnhance.Color, img, saturation_factor)


def adjust_sharpness(img: Image.Image, sharpness_factor: float) -> Image.Image:
    return _enhance(ImageEnhance.Sharpness, img, sharpness_factor)


def adjust_hue(img: Image.Image, hue_factor: float) -> Image.Image:
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:  # no hue to shift
        return img
    h, s, v = img.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    # uint8 wrap-around is the cyclic shift of the hue wheel
    hue += np.int32(hue_factor * 255).astype(np.uint8)
    return Image.merge("HSV", (Image.fromarray(hue), s, v)).convert(mode)


def adjust_gamma(img: Image.Image, gamma: float, gain: float = 1.0) -> Image.Image:
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    mode = img.mode
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def to_grayscale(img: Image.Image, num_output_channels: int) -> Image.Image:
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    plane = np.array(gray, dtype=np.uint8)
    return Image.fromarray(np.dstack([plane, plane, plane]))


def invert(img: Image.Image) -> Image.Image:
    return ImageOps.invert(img)


def posterize(img: Image.Image, bits: int) -> Image.Image:
    return ImageOps.posterize(img, bits)


def solarize(img: Image.Image, threshold: float) -> Image.Image:
    return ImageOps.solarize(img, threshold)


def autocontrast(img: Image.Image) -> Image.Image:
    return ImageOps.autocontrast(img)


def equalize(img: Image.Image) -> Image.Image:
    return ImageOps.equalize(img)
