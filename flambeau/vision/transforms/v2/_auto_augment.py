"""v2 automatic augmentation policies: AutoAugment, RandAugment, TrivialAugmentWide and AugMix, applied to the one
image or video of a sample (boxes, masks and key points are refused).

The policies and most magnitude bins are v1's (transforms.autoaugment); v2 differs in its draws (a sign is
rand() <= 0.5, an op index one randint(n, ())), in solarize thresholds given as fractions of the dtype's
maximum, and in running the ops through the v2 functionals, so Image and Video keep their types.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Union

import flambeau
from flambeau.utils._pytree import tree_flatten, tree_unflatten

from ... import tv_tensors
from .. import autoaugment as v1
from .._dirichlet import _sample_dirichlet
from .._functional_conversion import pil_to_tensor, to_pil_image
from .._utils import _is_pil_image, _max_value
from ._transform import Transform
from ._utils import _FillType, _get_fill, _setup_fill_arg, check_type
from .functional import _color as C
from .functional import _geometry as G
from .functional._geometry_image import Interpolation
from .functional._meta import get_size
from .functional._utils import is_pure_tensor

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]

AutoAugmentPolicy = v1.AutoAugmentPolicy
Fill = Union[_FillType, dict[Union[type, str], _FillType]]
Space = dict[str, tuple[flambeau.Tensor, bool]]  # op -> (magnitude bins, 0-d when the op has none; signed)


def _solarize_threshold(image: Any, fraction: float) -> float:
    return (_max_value(image.dtype) if isinstance(image, flambeau.Tensor) else 255.0) * fraction


# op name -> fn(image, magnitude, interpolation, fill)
_OPS: dict[str, Callable[[Any, float, Interpolation, Any], Any]] = {
    "Identity": lambda img, m, i, f: img,
    # a shear magnitude is the tangent of the shear angle, about the top-left corner
    "ShearX": lambda img, m, i, f: G.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                                            shear=[math.degrees(math.atan(m)), 0.0], interpolation=i, fill=f,
                                            center=[0, 0]),
    "ShearY": lambda img, m, i, f: G.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                                            shear=[0.0, math.degrees(math.atan(m))], interpolation=i, fill=f,
                                            center=[0, 0]),
    "TranslateX": lambda img, m, i, f: G.affine(img, angle=0.0, translate=[int(m), 0], scale=1.0,
                                                shear=[0.0, 0.0], interpolation=i, fill=f),
    "TranslateY": lambda img, m, i, f: G.affine(img, angle=0.0, translate=[0, int(m)], scale=1.0,
                                                shear=[0.0, 0.0], interpolation=i, fill=f),
    "Rotate": lambda img, m, i, f: G.rotate(img, angle=m, interpolation=i, fill=f),
    "Brightness": lambda img, m, i, f: C.adjust_brightness(img, brightness_factor=1.0 + m),
    "Color": lambda img, m, i, f: C.adjust_saturation(img, saturation_factor=1.0 + m),
    "Contrast": lambda img, m, i, f: C.adjust_contrast(img, contrast_factor=1.0 + m),
    "Sharpness": lambda img, m, i, f: C.adjust_sharpness(img, sharpness_factor=1.0 + m),
    "Posterize": lambda img, m, i, f: C.posterize(img, bits=int(m)),
    "Solarize": lambda img, m, i, f: C.solarize(img, threshold=_solarize_threshold(img, m)),
    "AutoContrast": lambda img, m, i, f: C.autocontrast(img),
    "Equalize": lambda img, m, i, f: C.equalize(img),
    "Invert": lambda img, m, i, f: C.invert(img),
}


def _v2_solarize(space: Space, num_bins: int) -> Space:
    """v1's space with v2's solarize thresholds: fractions from 1 down to 0 (the op scales them by the dtype)."""
    return {**space, "Solarize": (flambeau.linspace(1.0, 0.0, num_bins), False)}


class _AutoAugmentBase(Transform):
    def __init__(self, *, interpolation: Interpolation = "nearest", fill: Fill = None) -> None:
        super().__init__()
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def _extract_image_or_video(self, inputs: tuple) -> tuple[tuple[list, Any, int], Any]:
        """The flattened sample (leaves, structure, index of the image) and its one image or video."""
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        found = []
        for idx, (inpt, needs) in enumerate(zip(flat_inputs, self._needs_transform_list(flat_inputs))):
            if needs and check_type(inpt, (tv_tensors.Image, _is_pil_image, is_pure_tensor, tv_tensors.Video)):
                found.append(idx)
            elif isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints)):
                raise TypeError(f"Inputs of type {type(inpt).__name__} are not supported by {type(self).__name__}()")
        if not found:
            raise TypeError("Found no image in the sample.")
        if len(found) > 1:
            raise TypeError("Auto augment transformations are only properly defined for a single image or video, but "
                            f"found {len(found)}.")
        return (flat_inputs, spec, found[0]), flat_inputs[found[0]]

    @staticmethod
    def _insert(flat_inputs_with_spec: tuple[list, Any, int], image_or_video: Any) -> Any:
        flat_inputs, spec, idx = flat_inputs_with_spec
        flat_inputs[idx] = image_or_video
        return tree_unflatten(flat_inputs, spec)

    def _apply(self, image: Any, op: str, magnitude: float) -> Any:
        return _OPS[op](image, magnitude, self.interpolation, _get_fill(self._fill, type(image)))

    @staticmethod
    def _signed(magnitude: float, signed: bool) -> float:
        """The magnitude, negated with probability 1/2 for signed ops (one draw, only for those)."""
        return -magnitude if signed and flambeau.rand(()) <= 0.5 else magnitude

    def _draw(self, space: Space, bin_index: Callable[[int], int]) -> tuple[str, float]:
        """An op drawn uniformly from space, at bin bin_index(number of bins) (called only when it has bins)."""
        names = list(space)
        op = names[int(flambeau.randint(len(names), ()))]
        bins, signed = space[op]
        if bins.ndim == 0:
            return op, 0.0
        return op, self._signed(float(bins[bin_index(len(bins))]), signed)


class AutoAugment(_AutoAugmentBase):
    """AutoAugment (https://arxiv.org/abs/1805.09501): a random sub-policy of two ops, each applied with its
    probability at its fixed magnitude."""
    _v1_transform_cls = v1.AutoAugment

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET, interpolation: Interpolation = "nearest",
                 fill: Fill = None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        self.policy = policy
        self._policies = v1.AutoAugment._get_policies(self, policy)

    def forward(self, *inputs: Any) -> Any:
        flat_inputs_with_spec, image = self._extract_image_or_video(inputs)
        height, width = get_size(image)
        space = _v2_solarize({**v1._imagenet_space(10, (height, width)), "Invert": v1._no_magnitude()}, 10)
        for op, probability, bin_index in self._policies[int(flambeau.randint(len(self._policies), ()))]:
            if not flambeau.rand(()) <= probability:
                continue
            bins, signed = space[op]
            magnitude = 0.0 if bins.ndim == 0 else self._signed(float(bins[bin_index]), signed)
            image = self._apply(image, op, magnitude)
        return self._insert(flat_inputs_with_spec, image)


class RandAugment(_AutoAugmentBase):
    """RandAugment (https://arxiv.org/abs/1909.13719): num_ops ops drawn uniformly, all at one magnitude bin."""
    _v1_transform_cls = v1.RandAugment

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: Interpolation = "nearest", fill: Fill = None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        if not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"num_ops should be a non-negative integer, but got {num_ops} instead.")
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins

    def forward(self, *inputs: Any) -> Any:
        flat_inputs_with_spec, image = self._extract_image_or_video(inputs)
        height, width = get_size(image)
        space = _v2_solarize({"Identity": v1._no_magnitude(),
                              **v1._imagenet_space(self.num_magnitude_bins, (height, width))}, self.num_magnitude_bins)
        for _ in range(self.num_ops):
            image = self._apply(image, *self._draw(space, lambda _: self.magnitude))
        return self._insert(flat_inputs_with_spec, image)


class TrivialAugmentWide(_AutoAugmentBase):
    """TrivialAugment Wide (https://arxiv.org/abs/2103.10158): one op at a magnitude bin drawn uniformly."""
    _v1_transform_cls = v1.TrivialAugmentWide

    def __init__(self, num_magnitude_bins: int = 31, interpolation: Interpolation = "nearest",
                 fill: Fill = None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        self.num_magnitude_bins = num_magnitude_bins

    def forward(self, *inputs: Any) -> Any:
        flat_inputs_with_spec, image = self._extract_image_or_video(inputs)
        space = _v2_solarize(v1.TrivialAugmentWide._augmentation_space(self, self.num_magnitude_bins),
                             self.num_magnitude_bins)
        image = self._apply(image, *self._draw(space, lambda n: int(flambeau.randint(n, ()))))
        return self._insert(flat_inputs_with_spec, image)


class AugMix(_AutoAugmentBase):
    """AugMix (https://arxiv.org/abs/1912.02781): mixture_width chains of 1 to 3 random ops (or chain_depth),
    mixed with Dirichlet(alpha) weights and blended with the original by a Beta(alpha, alpha) weight."""
    _v1_transform_cls = v1.AugMix
    _PARAMETER_MAX = 10

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1, alpha: float = 1.0,
                 all_ops: bool = True, interpolation: Interpolation = "bilinear", fill: Fill = None) -> None:
        super().__init__(interpolation=interpolation, fill=fill)
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got {severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops

    def _sample_dirichlet(self, params: flambeau.Tensor) -> flambeau.Tensor:
        # a method of its own so that tests can replace the draw
        return _sample_dirichlet(params)

    def forward(self, *inputs: Any) -> Any:
        flat_inputs_with_spec, original = self._extract_image_or_video(inputs)
        height, width = get_size(original)
        image = original.as_subclass(flambeau.Tensor) if isinstance(original, flambeau.Tensor) else \
            pil_to_tensor(original)
        space = _v2_solarize(v1.AugMix._augmentation_space(self, self._PARAMETER_MAX, (height, width)),
                             self._PARAMETER_MAX)
        dims = list(image.shape)
        batch = image.reshape([1] * max((5 if isinstance(original, tv_tensors.Video) else 4) - image.ndim, 0) + dims)
        mix = v1._mix_chains(self, batch, lambda chain: self._apply(
            chain, *self._draw(space, lambda _: int(flambeau.randint(self.severity, ())))))
        mix = mix.reshape(dims).to(dtype=image.dtype)
        if isinstance(original, (tv_tensors.Image, tv_tensors.Video)):
            mix = tv_tensors.wrap(mix, like=original)
        elif _is_pil_image(original):
            mix = to_pil_image(mix)
        return self._insert(flat_inputs_with_spec, mix)
