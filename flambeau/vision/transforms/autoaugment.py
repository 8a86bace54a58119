"""torchvision.transforms.autoaugment: AutoAugment, RandAugment, TrivialAugmentWide, AugMix.

The op tables, magnitude bins and the order of random draws are torchvision's; every draw
comes from flambeau's RNG, so `flambeau.manual_seed` reproduces an augmentation.
"""
from __future__ import annotations

import math
from enum import Enum
from typing import Any, Callable, Optional, Union

import flambeau
from flambeau import Tensor, nn

from . import functional as F
from ._dirichlet import _sample_dirichlet
from ._functional_geometry import InterpolationMode
from ._utils import _fill_for

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]

Fill = Optional[Union[float, list[float]]]
OpSpace = dict[str, tuple[Tensor, bool]]  # op name -> (magnitude bins, whether the sign is random)


def _shear(img: Any, degrees_x: float, degrees_y: float, interpolation: InterpolationMode, fill: Fill) -> Any:
    # about the top-left corner, as the reference AutoAugment implementation
    return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=[degrees_x, degrees_y],
                    interpolation=interpolation, fill=fill, center=[0, 0])


def _translate(img: Any, dx: int, dy: int, interpolation: InterpolationMode, fill: Fill) -> Any:
    return F.affine(img, angle=0.0, translate=[dx, dy], scale=1.0, interpolation=interpolation,
                    shear=[0.0, 0.0], fill=fill)


# op name -> fn(img, magnitude, interpolation, fill)
_OPS: dict[str, Callable[[Any, float, InterpolationMode, Fill], Any]] = {
    # a shear magnitude is the tangent of the shear angle
    "ShearX": lambda img, m, i, f: _shear(img, math.degrees(math.atan(m)), 0.0, i, f),
    "ShearY": lambda img, m, i, f: _shear(img, 0.0, math.degrees(math.atan(m)), i, f),
    "TranslateX": lambda img, m, i, f: _translate(img, int(m), 0, i, f),
    "TranslateY": lambda img, m, i, f: _translate(img, 0, int(m), i, f),
    "Rotate": lambda img, m, i, f: F.rotate(img, m, interpolation=i, fill=f),
    "Brightness": lambda img, m, i, f: F.adjust_brightness(img, 1.0 + m),
    "Color": lambda img, m, i, f: F.adjust_saturation(img, 1.0 + m),
    "Contrast": lambda img, m, i, f: F.adjust_contrast(img, 1.0 + m),
    "Sharpness": lambda img, m, i, f: F.adjust_sharpness(img, 1.0 + m),
    "Posterize": lambda img, m, i, f: F.posterize(img, int(m)),
    "Solarize": lambda img, m, i, f: F.solarize(img, m),
    "AutoContrast": lambda img, m, i, f: F.autocontrast(img),
    "Equalize": lambda img, m, i, f: F.equalize(img),
    "Invert": lambda img, m, i, f: F.invert(img),
    "Identity": lambda img, m, i, f: img,
}


def _apply_op(img: Any, op_name: str, magnitude: float, interpolation: InterpolationMode, fill: Fill) -> Any:
    if op_name not in _OPS:
        raise ValueError(f"The provided operator {op_name} is not recognized.")
    return _OPS[op_name](img, magnitude, interpolation, fill)


def _no_magnitude() -> tuple[Tensor, bool]:
    return flambeau.tensor(0.0), False


def _signed(top: float, num_bins: int) -> tuple[Tensor, bool]:
    return flambeau.linspace(0.0, top, num_bins), True


def _posterize_bits(start: int, num_bins: int, span: int) -> tuple[Tensor, bool]:
    # from `start` bits down to `start - span` in num_bins rounded steps
    return start - (flambeau.arange(num_bins) / ((num_bins - 1) / span)).round().int(), False


def _solarize_thresholds(num_bins: int) -> tuple[Tensor, bool]:
    return flambeau.linspace(255.0, 0.0, num_bins), False


def _signed_flip() -> bool:
    return bool(flambeau.randint(2, (1,)).item())


def _common_space(
    num_bins: int, shear: float, translate: tuple[float, float], rotate: float, enhance: float, posterize_span: int
) -> OpSpace:
    """The 13 ops that AutoAugment, RandAugment and TrivialAugmentWide share, in torchvision's
    order (which fixes what a drawn op index means), with each method's magnitude tops."""
    return {
        "ShearX": _signed(shear, num_bins),
        "ShearY": _signed(shear, num_bins),
        "TranslateX": _signed(translate[0], num_bins),
        "TranslateY": _signed(translate[1], num_bins),
        "Rotate": _signed(rotate, num_bins),
        "Brightness": _signed(enhance, num_bins),
        "Color": _signed(enhance, num_bins),
        "Contrast": _signed(enhance, num_bins),
        "Sharpness": _signed(enhance, num_bins),
        "Posterize": _posterize_bits(8, num_bins, posterize_span),
        "Solarize": _solarize_thresholds(num_bins),
        "AutoContrast": _no_magnitude(),
        "Equalize": _no_magnitude(),
    }


def _imagenet_space(num_bins: int, image_size: tuple[int, int]) -> OpSpace:
    """AutoAugment's and RandAugment's magnitudes: translations up to 150/331 of the image side."""
    translate = (150.0 / 331.0 * image_size[1], 150.0 / 331.0 * image_size[0])
    return _common_space(num_bins, shear=0.3, translate=translate, rotate=30.0, enhance=0.9, posterize_span=4)


def _draw_op(op_meta: OpSpace, bin_index: Callable[[int], Any]) -> tuple[str, float]:
    """An op drawn uniformly from op_meta, at magnitude bin bin_index(number of bins) (called only
    for ops that have bins), negated on a coin flip when the op is signed: torchvision's draw order."""
    names = list(op_meta)
    op_name = names[int(flambeau.randint(len(names), (1,)).item())]
    magnitudes, signed = op_meta[op_name]
    magnitude = float(magnitudes[bin_index(len(magnitudes))].item()) if magnitudes.ndim > 0 else 0.0
    if signed and _signed_flip():
        magnitude *= -1.0
    return op_name, magnitude


class AutoAugmentPolicy(Enum):
    """AutoAugment policies learned on different datasets: IMAGENET, CIFAR10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# (op name, probability, magnitude bin or None) pairs, as published with AutoAugment
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
        (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
        (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
        (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
        (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)),
        (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
        (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
        (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
        (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
        (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
        (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
        (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
        (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
        (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
        (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
        (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
        (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
        (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)),
        (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)),
        (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)),
        (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)),
        (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)),
        (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)),
        (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)),
        (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


class AutoAugment(nn.Module):
    """AutoAugment (Cubuk et al., 2018): a random sub-policy of two ops, each applied with its
    probability at its fixed magnitude. uint8 tensors (..., 1 or 3, H, W) or PIL images."""

    def __init__(
        self,
        policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
        interpolation: InterpolationMode = InterpolationMode.NEAREST,
        fill: Fill = None,
    ) -> None:
        super().__init__()
        self.policy = policy
        self.interpolation = interpolation
        self.fill = fill
        self.policies = self._get_policies(policy)

    def _get_policies(self, policy: AutoAugmentPolicy) -> list:
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        return list(_POLICIES[policy])

    def _augmentation_space(self, num_bins: int, image_size: tuple[int, int]) -> OpSpace:
        return {**_imagenet_space(num_bins, image_size), "Invert": _no_magnitude()}

    @staticmethod
    def get_params(transform_num: int) -> tuple[int, Tensor, Tensor]:
        """The sub-policy index, the two coin draws, and the two signs."""
        policy_id = int(flambeau.randint(transform_num, (1,)).item())
        probs = flambeau.rand((2,))
        signs = flambeau.randint(2, (2,))
        return policy_id, probs, signs

    def forward(self, img: Any) -> Any:
        channels, height, width = F.get_dimensions(img)
        fill = _fill_for(img, self.fill, channels)
        transform_id, probs, signs = self.get_params(len(self.policies))
        op_meta = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i].item() <= p:
                magnitudes, signed = op_meta[op_name]
                magnitude = float(magnitudes[magnitude_id].item()) if magnitude_id is not None else 0.0
                if signed and signs[i].item() == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(nn.Module):
    """RandAugment (Cubuk et al., 2019): num_ops ops drawn uniformly, all at one magnitude bin."""

    def __init__(
        self,
        num_ops: int = 2,
        magnitude: int = 9,
        num_magnitude_bins: int = 31,
        interpolation: InterpolationMode = InterpolationMode.NEAREST,
        fill: Fill = None,
    ) -> None:
        super().__init__()
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int, image_size: tuple[int, int]) -> OpSpace:
        return {"Identity": _no_magnitude(), **_imagenet_space(num_bins, image_size)}

    def forward(self, img: Any) -> Any:
        channels, height, width = F.get_dimensions(img)
        fill = _fill_for(img, self.fill, channels)
        op_meta = self._augmentation_space(self.num_magnitude_bins, (height, width))
        for _ in range(self.num_ops):
            op_name, magnitude = _draw_op(op_meta, lambda _: self.magnitude)
            img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
            f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
            f"fill={self.fill})"
        )


class TrivialAugmentWide(nn.Module):
    """TrivialAugment Wide (Müller & Hutter, 2021): one op, at a magnitude bin drawn uniformly."""

    def __init__(
        self,
        num_magnitude_bins: int = 31,
        interpolation: InterpolationMode = InterpolationMode.NEAREST,
        fill: Fill = None,
    ) -> None:
        super().__init__()
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int) -> OpSpace:
        wide = _common_space(num_bins, shear=0.99, translate=(32.0, 32.0), rotate=135.0, enhance=0.99, posterize_span=6)
        return {"Identity": _no_magnitude(), **wide}

    def forward(self, img: Any) -> Any:
        channels, _, _ = F.get_dimensions(img)
        fill = _fill_for(img, self.fill, channels)
        op_meta = self._augmentation_space(self.num_magnitude_bins)
        op_name, magnitude = _draw_op(op_meta, lambda n: flambeau.randint(n, (1,), dtype=flambeau.long))
        return _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
            f"interpolation={self.interpolation}, fill={self.fill})"
        )


def _mix_chains(augmix: Any, batch: Tensor, augment_once: Callable[[Tensor], Tensor]) -> Tensor:
    """AugMix's blend of a batch (N, ...): mixture_width chains of augment_once (chain_depth times, or 1 to 3 at
    random) mixed with Dirichlet(alpha) weights, then with the batch by a Beta(alpha, alpha) weight; v1's and v2's
    AugMix differ only in augment_once."""
    n = batch.shape[0]
    batch_dims = [n] + [1] * (batch.ndim - 1)
    # Beta(alpha, alpha) as a 2-way Dirichlet: column 0 weighs the original, column 1 the chains
    m = augmix._sample_dirichlet(flambeau.tensor([augmix.alpha, augmix.alpha]).expand(n, -1))
    chain_weights = augmix._sample_dirichlet(flambeau.tensor([augmix.alpha] * augmix.mixture_width).expand(n, -1))
    chain_weights = chain_weights * m[:, 1].reshape([n, -1])
    mix = m[:, 0].reshape(batch_dims) * batch
    for i in range(augmix.mixture_width):
        aug = batch
        depth = augmix.chain_depth if augmix.chain_depth > 0 else int(flambeau.randint(1, 4, (1,)).item())
        for _ in range(depth):
            aug = augment_once(aug)
        mix = mix + chain_weights[:, i].reshape(batch_dims) * aug
    return mix


class AugMix(nn.Module):
    """AugMix (Hendrycks et al., 2020): mixture_width chains of 1-3 random ops (or chain_depth),
    mixed with Dirichlet(alpha) weights, then blended with the original by a Beta(alpha, alpha)
    weight. uint8 tensors (..., 1 or 3, H, W) or PIL images."""

    _PARAMETER_MAX = 10

    def __init__(
        self,
        severity: int = 3,
        mixture_width: int = 3,
        chain_depth: int = -1,
        alpha: float = 1.0,
        all_ops: bool = True,
        interpolation: InterpolationMode = InterpolationMode.BILINEAR,
        fill: Fill = None,
    ) -> None:
        super().__init__()
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got {severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int, image_size: tuple[int, int]) -> OpSpace:
        space = {
            "ShearX": _signed(0.3, num_bins),
            "ShearY": _signed(0.3, num_bins),
            "TranslateX": _signed(image_size[1] / 3.0, num_bins),
            "TranslateY": _signed(image_size[0] / 3.0, num_bins),
            "Rotate": _signed(30.0, num_bins),
            "Posterize": _posterize_bits(4, num_bins, 4),
            "Solarize": _solarize_thresholds(num_bins),
            "AutoContrast": _no_magnitude(),
            "Equalize": _no_magnitude(),
        }
        if self.all_ops:
            space.update(
                {
                    "Brightness": _signed(0.9, num_bins),
                    "Color": _signed(0.9, num_bins),
                    "Contrast": _signed(0.9, num_bins),
                    "Sharpness": _signed(0.9, num_bins),
                }
            )
        return space

    def _sample_dirichlet(self, params: Tensor) -> Tensor:
        # a method of its own so that tests can replace the draw
        return _sample_dirichlet(params)

    def forward(self, orig_img: Any) -> Any:
        channels, height, width = F.get_dimensions(orig_img)
        fill = _fill_for(orig_img, self.fill, channels)
        img = orig_img if isinstance(orig_img, Tensor) else F.pil_to_tensor(orig_img)
        op_meta = self._augmentation_space(self._PARAMETER_MAX, (height, width))
        orig_dims = list(img.shape)
        batch = img.view([1] * max(4 - img.ndim, 0) + orig_dims)

        def augment_once(aug: Tensor) -> Tensor:
            op_name, magnitude = _draw_op(op_meta, lambda _: flambeau.randint(self.severity, (1,), dtype=flambeau.long))
            return _apply_op(aug, op_name, magnitude, interpolation=self.interpolation, fill=fill)

        mix = _mix_chains(self, batch, augment_once)
        mix = mix.view(orig_dims).to(dtype=img.dtype)
        return mix if isinstance(orig_img, Tensor) else F.to_pil_image(mix)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(severity={self.severity}, mixture_width={self.mixture_width}, "
            f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
            f"interpolation={self.interpolation}, fill={self.fill})"
        )
