"""Fused softmax and log_softmax: one pass forward on arrays, closed-form backward in flambeau ops.

Both are on every classifier's hot path. The derivative formulas use the saved output and flambeau
ops, so create_graph=True gives second derivatives.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, _type_name, apply
from .._dtype import to_dtype
from .._tensor import Tensor, _wrap_dim
from .elementwise import cast, exp


class Softmax(Primitive):
    save_output = True

    @staticmethod
    def forward(x, axis):
        # NOTE: shifting by the row max keeps exp from overflowing; an all -inf row gives nan, like PyTorch
        e = x - x.max(axis=axis, keepdims=True)
        np.exp(e, out=e)  # in place: a second full-size array costs more than the arithmetic
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def backward(ctx, g):
        y = ctx.output
        axis = ctx.args[0]
        return (y * (g - (g * y).sum(axis, keepdim=True)),)


class LogSoftmax(Primitive):
    save_output = True

    @staticmethod
    def forward(x, axis):
        s = x - x.max(axis=axis, keepdims=True)
        s -= np.log(np.exp(s).sum(axis=axis, keepdims=True))
        return s

    def backward(ctx, g):
        axis = ctx.args[0]
        return (g - exp(ctx.output) * g.sum(axis, keepdim=True),)


def _softmax_input(name: str, input: Tensor, dim: int, dtype) -> tuple:
    """(input cast to dtype, as at least 1-d; the wrapped axis)."""
    if dtype is not None:
        input = cast(input, to_dtype(dtype).np)
    kind = input._data.dtype.kind
    if kind not in "fV":
        dtype_name = _type_name(input._data.dtype)
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for \'{dtype_name}\'')
    axis = _wrap_dim(dim, input._data.ndim)
    return input, axis


def _run(prim, name: str, input: Tensor, dim: int, dtype) -> Tensor:
    x, axis = _softmax_input(name, input, dim, dtype)
    if x._data.size == 0:
        return x.clone()
    if x._data.ndim == 0:  # softmax of a scalar is over its single element
        return apply(prim, (x.reshape(1),), 0).reshape(())
    return apply(prim, (x,), axis)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return _run(Softmax, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return _run(LogSoftmax, "log_softmax", input, dim, dtype)


TENSOR_METHODS = {"softmax": softmax, "log_softmax": log_softmax}
__all__ = ["softmax", "log_softmax"]
