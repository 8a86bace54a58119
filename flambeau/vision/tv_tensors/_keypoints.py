"""KeyPoints: points (x, y) on a canvas of (height, width), in a tensor of shape [..., 2]."""
from __future__ import annotations

from typing import Any

import flambeau
from flambeau import Tensor

from ._tv_tensor import TVTensor


class KeyPoints(TVTensor):
    """A tensor subclass for points of shape [..., 2] (polygons, polylines, skeletons); a 1-D input
    becomes one point."""

    _metadata = ("canvas_size",)
    canvas_size: tuple[int, int]

    @classmethod
    def _wrap(cls, tensor: Tensor, *, canvas_size: tuple[int, int], check_dims: bool = True) -> "KeyPoints":
        if check_dims:
            if tensor.ndim == 1:
                tensor = tensor.unsqueeze(0)
            elif tensor.shape[-1] != 2:
                raise ValueError(f"Expected a tensor of shape (..., 2), not {tensor.shape}")
        return super()._wrap(tensor, canvas_size=canvas_size)

    def __new__(cls, data: Any, *, canvas_size: tuple[int, int], dtype: flambeau.dtype | None = None,
                device: Any = None, requires_grad: bool | None = None) -> "KeyPoints":
        tensor = cls._to_tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        return cls._wrap(tensor, canvas_size=canvas_size)

    def __repr__(self) -> str:
        return self._make_repr(canvas_size=self.canvas_size)
