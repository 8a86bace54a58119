"""Transform: the base of the v2 transforms. It flattens any sample structure (tuples, lists, dicts) into
its leaves, draws one set of parameters for the whole sample and applies `transform` to every leaf that
needs it, so an image and its boxes, masks and keypoints move together."""
from __future__ import annotations

import enum
from typing import Any, Callable

import flambeau
from flambeau import nn
from flambeau.utils._pytree import tree_flatten, tree_unflatten
from flambeau.vision import tv_tensors

from .._utils import _is_pil_image
from ._utils import check_type, has_any
from .functional._utils import _get_kernel, is_pure_tensor


class Transform(nn.Module):
    """Base class of the v2 transforms: override `make_params` (drawn once per sample) and `transform`
    (applied to each input that needs transforming)."""

    # the leaves this transform acts on; anything else passes through untouched
    _transformed_types: tuple[type | Callable[[Any], bool], ...] = (flambeau.Tensor, _is_pil_image)
    # a v1 transform whose static get_params this transform exposes
    _v1_transform_cls: type | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._v1_transform_cls is not None and hasattr(cls._v1_transform_cls, "get_params"):
            cls.get_params = staticmethod(cls._v1_transform_cls.get_params)

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        pass

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        """The parameters shared by every input of one sample (random draws happen here)."""
        return dict()

    def _call_kernel(self, functional: Callable, inpt: Any, *args: Any, **kwargs: Any) -> Any:
        kernel = _get_kernel(functional, type(inpt), allow_passthrough=True)
        return kernel(inpt, *args, **kwargs)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        """One input transformed with the sample's parameters."""
        raise NotImplementedError

    def forward(self, *inputs: Any) -> Any:
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        self.check_inputs(flat_inputs)
        return tree_unflatten(self._transform_flat(flat_inputs), spec)

    def _transform_flat(self, flat_inputs: list[Any]) -> list[Any]:
        needs_transform_list = self._needs_transform_list(flat_inputs)
        params = self.make_params([inpt for inpt, needs in zip(flat_inputs, needs_transform_list) if needs])
        return [self.transform(inpt, params) if needs else inpt for inpt, needs in zip(flat_inputs, needs_transform_list)]

    def _needs_transform_list(self, flat_inputs: list[Any]) -> list[bool]:
        """Which leaves to transform: those of a transformed type, where a plain tensor counts as the image
        only when the sample holds no Image, Video or PIL image, and then only the first plain tensor does
        (later ones, e.g. labels, pass through)."""
        transform_pure_tensor = not has_any(flat_inputs, tv_tensors.Image, tv_tensors.Video, _is_pil_image)
        needs_transform_list = []
        for inpt in flat_inputs:
            needs = check_type(inpt, self._transformed_types)
            if needs and is_pure_tensor(inpt):
                needs, transform_pure_tensor = transform_pure_tensor, False
            needs_transform_list.append(needs)
        return needs_transform_list

    def extra_repr(self) -> str:
        shown = (bool, int, float, str, tuple, list, enum.Enum)
        return ", ".join(f"{name}={value}" for name, value in self.__dict__.items()
                         if not name.startswith("_") and name != "training" and isinstance(value, shown))


class _RandomApplyTransform(Transform):
    """A transform applied to the whole sample with probability p (one draw of flambeau.rand(1))."""

    def __init__(self, p: float = 0.5) -> None:
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        super().__init__()
        self.p = p

    def forward(self, *inputs: Any) -> Any:
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        self.check_inputs(flat_inputs)
        if flambeau.rand(1) >= self.p:
            return inputs
        return tree_unflatten(self._transform_flat(flat_inputs), spec)
