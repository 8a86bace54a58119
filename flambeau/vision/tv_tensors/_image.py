"""Image: a tensor of shape [..., C, H, W]."""
from __future__ import annotations

from typing import Any

import flambeau

from ._tv_tensor import TVTensor


def _pil_to_tensor(data: Any) -> Any:
    """A PIL image as a [C, H, W] tensor; anything else unchanged."""
    from flambeau.vision.transforms._utils import _is_pil_image
    if _is_pil_image(data):
        from flambeau.vision.transforms.functional import pil_to_tensor
        return pil_to_tensor(data)
    return data


class Image(TVTensor):
    """A tensor subclass for images of shape [..., C, H, W]; a 2-D input gets a channel dimension."""

    def __new__(cls, data: Any, *, dtype: flambeau.dtype | None = None, device: Any = None,
                requires_grad: bool | None = None) -> "Image":
        tensor = cls._to_tensor(_pil_to_tensor(data), dtype=dtype, device=device, requires_grad=requires_grad)
        if tensor.ndim < 2:
            raise ValueError(f"Tensor must be 2D or higher, got {tensor.ndim}D tensor.")
        if tensor.ndim == 2:
            tensor = tensor.unsqueeze(0)
        return tensor.as_subclass(cls)

    def __repr__(self) -> str:
        return self._make_repr()
