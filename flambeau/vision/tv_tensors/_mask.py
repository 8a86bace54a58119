"""Mask: a segmentation or detection mask of shape [..., H, W]."""
from __future__ import annotations

from typing import Any

import flambeau

from ._image import _pil_to_tensor
from ._tv_tensor import TVTensor


class Mask(TVTensor):
    """A tensor subclass for segmentation and detection masks of shape [..., H, W]."""

    def __new__(cls, data: Any, *, dtype: flambeau.dtype | None = None, device: Any = None,
                requires_grad: bool | None = None) -> "Mask":
        tensor = cls._to_tensor(_pil_to_tensor(data), dtype=dtype, device=device, requires_grad=requires_grad)
        return tensor.as_subclass(cls)
