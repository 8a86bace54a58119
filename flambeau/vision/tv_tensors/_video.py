"""Video: a tensor of shape [..., T, C, H, W]."""
from __future__ import annotations

from typing import Any

import flambeau

from ._tv_tensor import TVTensor


class Video(TVTensor):
    """A tensor subclass for videos of shape [..., T, C, H, W]."""

    def __new__(cls, data: Any, *, dtype: flambeau.dtype | None = None, device: Any = None,
                requires_grad: bool | None = None) -> "Video":
        tensor = cls._to_tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        if tensor.ndim < 4:
            raise ValueError
        return tensor.as_subclass(cls)

    def __repr__(self) -> str:
        return self._make_repr()
