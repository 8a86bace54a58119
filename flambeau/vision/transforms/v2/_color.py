"""Colour transforms of v2: grayscale and RGB, ColorJitter, photometric distortion, channel permutation
and the random colour operations (invert, posterize, solarize, autocontrast, sharpness, equalize)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

import flambeau

from .. import _transforms_color as _v1
from .._utils import _uniform
from . import functional as F
from ._transform import Transform, _RandomApplyTransform
from ._utils import query_chw


class Grayscale(Transform):
    """Images and videos to grayscale with 1 or 3 channels."""

    _v1_transform_cls = _v1.Grayscale

    def __init__(self, num_output_channels: int = 1) -> None:
        super().__init__()
        self.num_output_channels = num_output_channels

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.rgb_to_grayscale, inpt, num_output_channels=self.num_output_channels)


class RandomGrayscale(_RandomApplyTransform):
    """Grayscale with probability p, keeping the number of channels."""

    _v1_transform_cls = _v1.RandomGrayscale

    def __init__(self, p: float = 0.1) -> None:
        super().__init__(p=p)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return dict(num_input_channels=query_chw(flat_inputs)[0])

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.rgb_to_grayscale, inpt, num_output_channels=params["num_input_channels"])


class RGB(Transform):
    """Grayscale images and videos to RGB (3 equal channels); RGB inputs are unchanged."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.grayscale_to_rgb, inpt)


# the adjustments of ColorJitter, by ColorJitter's function index
_ADJUSTMENTS = {"brightness_factor": F.adjust_brightness, "contrast_factor": F.adjust_contrast,
                "saturation_factor": F.adjust_saturation, "hue_factor": F.adjust_hue}


class ColorJitter(Transform):
    """Brightness, contrast, saturation and hue changed by random factors, in a random order.

    Each argument is None, a non-negative number v (a factor in [max(0, 1 - v), 1 + v]; for hue [-v, v],
    v <= 0.5) or a (min, max) pair.
    """

    _v1_transform_cls = _v1.ColorJitter

    def __init__(self, brightness: Optional[Union[float, Sequence[float]]] = None,
                 contrast: Optional[Union[float, Sequence[float]]] = None,
                 saturation: Optional[Union[float, Sequence[float]]] = None,
                 hue: Optional[Union[float, Sequence[float]]] = None) -> None:
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value: Any, name: str, center: float = 1.0, bound: tuple[float, float] = (0, float("inf")),
                     clip_first_on_zero: bool = True) -> Optional[tuple[float, float]]:
        if value is None:
            return None
        if isinstance(value, Sequence) and not isinstance(value, (tuple, list)) and len(value) == 2:
            value = list(value)  # v1 takes tuples and lists; v2 any pair
        return _v1.ColorJitter._check_input(None, value, name, center, bound, clip_first_on_zero)

    @staticmethod
    def _generate_value(left: float, right: float) -> float:
        return _uniform(left, right)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        fn_idx, *factors = _v1.ColorJitter.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        return dict(fn_idx=fn_idx, **dict(zip(_ADJUSTMENTS, factors)))

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        for fn_id in params["fn_idx"].tolist():
            name = list(_ADJUSTMENTS)[fn_id]
            if params[name] is not None:
                inpt = self._call_kernel(_ADJUSTMENTS[name], inpt, **{name: params[name]})
        return inpt


class RandomChannelPermutation(Transform):
    """The channels of images and videos in a random order."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return dict(permutation=flambeau.randperm(query_chw(flat_inputs)[0]).tolist())

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.permute_channels, inpt, params["permutation"])


class RandomPhotometricDistort(Transform):
    """SSD's photometric distortion: each of brightness, contrast (before or after the others), saturation,
    hue and a channel permutation applied with probability p, factors drawn from the given ranges."""

    def __init__(self, brightness: tuple[float, float] = (0.875, 1.125), contrast: tuple[float, float] = (0.5, 1.5),
                 saturation: tuple[float, float] = (0.5, 1.5), hue: tuple[float, float] = (-0.05, 0.05),
                 p: float = 0.5) -> None:
        super().__init__()
        self.brightness = brightness
        self.contrast = contrast
        self.hue = hue
        self.saturation = saturation
        self.p = p

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        num_channels = query_chw(flat_inputs)[0]
        ranges = (self.brightness, self.contrast, self.saturation, self.hue)
        params: dict[str, Any] = {name: _uniform(*bounds) if flambeau.rand(1) < self.p else None
                                  for name, bounds in zip(_ADJUSTMENTS, ranges)}
        params["contrast_before"] = bool(flambeau.rand(()) < 0.5)
        params["channel_permutation"] = flambeau.randperm(num_channels).tolist() if flambeau.rand(1) < self.p else None
        return params

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        order = ["brightness_factor", "contrast_factor", "saturation_factor", "hue_factor"]
        if not params["contrast_before"]:
            order.append(order.pop(1))
        for name in order:
            if params[name] is not None:
                inpt = self._call_kernel(_ADJUSTMENTS[name], inpt, **{name: params[name]})
        if params["channel_permutation"] is not None:
            inpt = self._call_kernel(F.permute_channels, inpt, permutation=params["channel_permutation"])
        return inpt


class RandomEqualize(_RandomApplyTransform):
    """Histogram equalization with probability p."""

    _v1_transform_cls = _v1.RandomEqualize

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.equalize, inpt)


class RandomInvert(_RandomApplyTransform):
    """The negative image with probability p."""

    _v1_transform_cls = _v1.RandomInvert

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.invert, inpt)


class RandomPosterize(_RandomApplyTransform):
    """Posterize to `bits` bits with probability p."""

    _v1_transform_cls = _v1.RandomPosterize

    def __init__(self, bits: int, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.bits = bits

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.posterize, inpt, bits=self.bits)


class RandomSolarize(_RandomApplyTransform):
    """Solarize above `threshold` with probability p."""

    _v1_transform_cls = _v1.RandomSolarize

    def __init__(self, threshold: float, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.threshold = threshold

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.solarize, inpt, threshold=self.threshold)


class RandomAutocontrast(_RandomApplyTransform):
    """Autocontrast with probability p."""

    _v1_transform_cls = _v1.RandomAutocontrast

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.autocontrast, inpt)


class RandomAdjustSharpness(_RandomApplyTransform):
    """Sharpness adjusted by sharpness_factor with probability p."""

    _v1_transform_cls = _v1.RandomAdjustSharpness

    def __init__(self, sharpness_factor: float, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.sharpness_factor = sharpness_factor

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.adjust_sharpness, inpt, sharpness_factor=self.sharpness_factor)
