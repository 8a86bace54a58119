"""Reductions: sum and friends, with dim (int or tuple) and keepdim."""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor, _wrap_dim


def normalize_dims(dim, ndim: int) -> tuple:
    """dim as PyTorch accepts it (None, int, tuple/list) -> a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if dims else tuple(range(ndim))


class Sum(Primitive):
    @staticmethod
    def forward(x, axes, keepdim, np_dtype):
        return np.sum(x, axis=axes, keepdims=keepdim, dtype=np_dtype)

    def backward(ctx, g):
        axes, keepdim, _ = ctx.args
        shape = ctx.metas[0][0]
        if not keepdim:
            g = g.reshape(_kept_shape(shape, axes))
        return (g.expand(shape),)


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if dtype is not None:
        from .._dtype import to_dtype
        np_dtype = to_dtype(dtype).np
    elif input._data.dtype.kind in "biu":
        np_dtype = np.dtype(np.int64)  # integer sums accumulate in int64, like PyTorch
    else:
        np_dtype = None
    return apply(Sum, (input,), normalize_dims(dim, input._data.ndim), keepdim, np_dtype)


def sum_to_shape(t: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast result back to `shape` (the shared helper for gradients of broadcast inputs)."""
    if t._data.shape == shape:
        return t
    lead = t._data.ndim - len(shape)
    if lead < 0:
        raise ValueError("cannot sum to a larger shape")
    axes = list(range(lead))
    for i, s in enumerate(shape):
        ts = t._data.shape[lead + i]
        if s == 1 and ts != 1:
            axes.append(lead + i)
        elif s != ts:
            raise ValueError(f"shape {t._data.shape} is not broadcastable to {shape}")
    out = apply(Sum, (t,), tuple(axes), True, None) if axes else t
    return out.reshape(shape) if out._data.shape != shape else out


TENSOR_METHODS = {"sum": sum, "sum_to_size": lambda self, *size: sum_to_shape(self, _size_arg(size))}


def _size_arg(size) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)

__all__ = ['sum']
