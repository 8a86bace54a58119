"""Conversions between PIL images, NumPy arrays, plain tensors and tv_tensors.Image."""
from __future__ import annotations

from typing import Any

import numpy as np

import flambeau
from flambeau.vision import tv_tensors

from ..._functional_conversion import pil_to_tensor, to_pil_image  # noqa: F401  (v2 exports the v1 functions)
from ..._utils import _is_pil_image

__all__ = ["to_image", "pil_to_tensor", "to_pil_image"]


def to_image(inpt: Any) -> tv_tensors.Image:
    """A tensor, a PIL image or an (H, W[, C]) array as an Image of shape (C, H, W)."""
    if isinstance(inpt, np.ndarray):
        output = flambeau.from_numpy(np.atleast_3d(inpt)).permute(2, 0, 1).contiguous()
    elif _is_pil_image(inpt):
        output = pil_to_tensor(inpt)
    elif isinstance(inpt, flambeau.Tensor):
        output = inpt
    else:
        raise TypeError(f"Input can either be a pure Tensor, a numpy array, or a PIL image, but got {type(inpt)} "
                        "instead.")
    return tv_tensors.Image(output)
