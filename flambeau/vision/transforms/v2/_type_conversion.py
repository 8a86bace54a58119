"""Transforms between PIL images, NumPy arrays, plain tensors and tv_tensors."""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

import flambeau
from flambeau.vision import tv_tensors

from .._utils import _is_pil_image
from . import functional as F
from ._transform import Transform
from .functional._utils import is_pure_tensor


class PILToTensor(Transform):
    """A PIL image as a (C, H, W) tensor of its own dtype (values not scaled)."""

    _transformed_types = (_is_pil_image,)

    def transform(self, inpt: Any, params: dict[str, Any]) -> flambeau.Tensor:
        return F.pil_to_tensor(inpt)


class ToImage(Transform):
    """A plain tensor, a PIL image or an (H, W[, C]) array as a tv_tensors.Image (values not scaled)."""

    _transformed_types = (is_pure_tensor, _is_pil_image, np.ndarray)

    def transform(self, inpt: Any, params: dict[str, Any]) -> tv_tensors.Image:
        return F.to_image(inpt)


class ToPILImage(Transform):
    """A (C, H, W) tensor or (H, W, C) array as a PIL image of `mode` (inferred from the channels and dtype
    when None)."""

    _transformed_types = (is_pure_tensor, tv_tensors.Image, np.ndarray)

    def __init__(self, mode: Optional[str] = None) -> None:
        super().__init__()
        self.mode = mode

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return F.to_pil_image(inpt, mode=self.mode)


class ToPureTensor(Transform):
    """Every TVTensor as a plain Tensor (same values, metadata dropped)."""

    _transformed_types = (tv_tensors.TVTensor,)

    def transform(self, inpt: Any, params: dict[str, Any]) -> flambeau.Tensor:
        return inpt.as_subclass(flambeau.Tensor)


class ToTensor(Transform):
    """[DEPRECATED] A PIL image or array as a float tensor in [0, 1]: use Compose([ToImage(), ToDtype(float32,
    scale=True)])."""

    _transformed_types = (_is_pil_image, np.ndarray)

    def __init__(self) -> None:
        warnings.warn("The transform `ToTensor()` is deprecated and will be removed in a future release. Instead, "
                      "please use `v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])`.Output is "
                      "equivalent up to float precision.")
        super().__init__()

    def transform(self, inpt: Any, params: dict[str, Any]) -> flambeau.Tensor:
        return F.to_tensor(inpt)
