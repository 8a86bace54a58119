"""In-place fills and copies: fill_, zero_, copy_, fill_diagonal_."""
from __future__ import annotations

import numpy as np

from .._dispatch import update_inplace
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .elementwise import _cast_like, where
from ._promote import check_fill_value, scalar_tensor

__all__: list = []


def _overwrite(self: Tensor, values: Tensor) -> Tensor:
    """self's contents become `values`; its old history gets a zero gradient, as in PyTorch."""
    values = _cast_like(values, self)
    if STATE.enabled and self._rg and not values._rg:
        # keep self in the graph (zero gradient) so the result still requires grad, like FillBackward
        values = where(scalar_tensor(True, np.bool_, self), values, self)
    return update_inplace(self, values)


def fill_(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return _overwrite(self, value)
    check_fill_value(value, self._data.dtype)
    return _overwrite(self, scalar_tensor(value, self._data.dtype, self))


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    shape, src_shape = self._data.shape, src._data.shape
    if src_shape != shape:
        try:
            ok = np.broadcast_shapes(src_shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"The size of tensor a ({shape[-1] if shape else 1}) must match the size of tensor b "
                               f"({src_shape[-1] if src_shape else 1}) at non-singleton dimension "
                               f"{max(len(shape) - 1, 0)}")
    return _overwrite(self, src.to(self.device))


def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    shape = self._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(shape, dtype=np.bool_)
    np.fill_diagonal(mask, True, wrap=wrap)
    from .index_ops import masked_fill
    return update_inplace(self, masked_fill(self, Tensor._wrap(mask), fill_value))


TENSOR_METHODS = {"fill_": fill_, "zero_": zero_, "copy_": copy_, "fill_diagonal_": fill_diagonal_}
