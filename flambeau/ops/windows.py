"""Strided views: Tensor.unfold (sliding windows along one dim) and as_strided."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from .._dispatch import Primitive, apply
from .._tensor import Tensor, _wrap_dim
from .view_scatter import AsStrided


class Unfold(Primitive):
    """Windows of `size` every `step` along `dim`, as a new last dim: a view of the input."""

    is_view = True

    @staticmethod
    def forward(x, dim, size, step):
        n = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
        return _np_as_strided(x, shape, strides, writeable=x.flags.writeable)

    def backward(ctx, g):
        return (apply(UnfoldBackward, (g,), ctx.metas[0][0], *ctx.args),)


class UnfoldBackward(Primitive):
    """Sum every window's gradient back into place (windows may overlap)."""

    @staticmethod
    def forward(g, shape, dim, size, step):
        out = np.zeros(shape, dtype=g.dtype)
        n = g.shape[dim]
        moved = np.moveaxis(out, dim, -1)           # a view: writes land in out
        windows = np.moveaxis(g, dim, -2)           # (..., n, size)
        for k in range(size):                       # one strided add per offset inside the window
            moved[..., k:k + (n - 1) * step + 1:step] += windows[..., k]
        return out

    def backward(ctx, g):
        _, dim, size, step = ctx.args
        return (apply(Unfold, (g,), dim, size, step),)


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    dim = _wrap_dim(dimension, self._data.ndim) if self._data.ndim else 0
    length = self._data.shape[dim] if self._data.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if not self._data.ndim:
        return self.reshape(1)
    return apply(Unfold, (self,), dim, size, step)


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view with the given sizes and strides (in elements) over the memory of input's base.

    Its gradient scatters back by assignment: overlapping windows (a stride smaller than the
    extent it covers) are not summed, so use Tensor.unfold for sliding windows."""
    base = input._base if input._base is not None else input
    item = base._data.itemsize
    if storage_offset is None:
        storage_offset = input.storage_offset()
    span = storage_offset + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    if span >= base._data.size and base._data.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{storage_offset} are out of bounds for storage of size {base._data.size * item}")
    geometry = (tuple(size), tuple(stride), storage_offset, base._data.shape,
                tuple(s // item for s in base._data.strides))
    return apply(AsStrided, (base,), geometry)


__all__ = ["as_strided"]
TENSOR_METHODS = {"unfold": unfold, "as_strided": as_strided}
