"""Scans: cumsum and cumprod (with their in-place forms), cummax and cummin.

cummax/cummin find the running index without gradient and take the values with reduction.pick, so
the gradient goes to the selected elements.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import STATE
from .conjugate import holomorphic
from .elementwise import add_inplace_variants, not_implemented, where
from .reduction import _acc_dtype, pick, return_type, selection, slices_along, sum

_INT64 = np.dtype(np.int64)


def _scan(fn, x, axis: int, np_dtype):
    """np.cumsum/np.cumprod along axis; a 0-d array scans as one element."""
    if x.ndim == 0:
        return fn(x.reshape(1), axis=0, dtype=np_dtype).reshape(())
    return fn(x, axis=axis, dtype=np_dtype)


class Cumsum(Primitive):
    @staticmethod
    def forward(x, axis, np_dtype):
        return _scan(np.cumsum, x, axis, np_dtype)

    def backward(ctx, g):
        return (_reverse_cumsum(g, ctx.args[0]),)


def _reverse_cumsum(g: Tensor, axis: int) -> Tensor:
    """sum_{j >= i} g_j along axis."""
    if g._data.ndim == 0:
        return g
    return sum(g, axis, keepdim=True) - apply(Cumsum, (g,), axis, None) + g


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return apply(Cumsum, (input,), _wrap_dim(dim, input._data.ndim), _acc_dtype(input, dtype))


@holomorphic
class Cumprod(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(x, axis, np_dtype):
        return _scan(np.cumprod, x, axis, np_dtype)

    def backward(ctx, g):
        axis = ctx.args[0]
        x = ctx.inputs[0]
        if x._data.ndim == 0:
            return (g,)
        if STATE.enabled and (x._data == 0).any():  # create_graph: the formula below is not differentiable at zeros
            return (_cumprod_grad_by_products(x, g, axis),)
        # NOTE: d out_i / d x_k = prod_{j <= i, j != k} x_j. Before the first zero that is out_i / x_k; at
        # the first zero it is the cumprod with that zero replaced by 1; after it, 0.
        zero = x == 0
        seen = apply(Cumsum, (zero,), axis, _INT64)
        before, first = seen == 0, zero & (seen == 1)
        g_before = _reverse_cumsum(g * ctx.output, axis) / where(before, x, 1)
        g_first = _reverse_cumsum(g * apply(Cumprod, (where(first, 1, x),), axis, None), axis)
        return (where(before, g_before, where(first, g_first, 0)),)


def _cumprod_grad_by_products(x: Tensor, g: Tensor, axis: int) -> Tensor:
    """sum_{i >= k} g_i prod_{j <= i, j != k} x_j with every product written out (O(n^2) per line), so that
    its own derivative is right where x holds zeros: the masks of the O(n) formula hide x_k there."""
    n = x._data.shape[axis]
    xs, gs = x.movedim(axis, -1).unsqueeze(-2), g.movedim(axis, -1).unsqueeze(-2)
    eye, upper = x.new_ones(n).diag() > 0, x.new_ones((n, n)).triu() > 0
    others = apply(Cumprod, (where(eye, 1, xs),), xs._data.ndim - 1, None)  # [k, i]: x_k left out
    return where(upper, others * gs, 0).sum(-1).movedim(-1, axis)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return apply(Cumprod, (input,), _wrap_dim(dim, input._data.ndim), _acc_dtype(input, dtype))


class CumArgmax(Primitive):
    """Index of the running maximum: the latest among ties; a NaN stays until the next NaN, like PyTorch."""
    differentiable = False
    better = staticmethod(np.greater_equal)

    @classmethod
    def forward(cls, x, axis):
        moved = np.moveaxis(x, axis, 0)
        out = np.zeros_like(moved, dtype=_INT64)
        best = moved[0].copy() if len(moved) else None
        for i in range(1, len(moved)):
            v = moved[i]
            take = (v != v) | ((best == best) & cls.better(v, best))
            best = np.where(take, v, best)
            out[i] = np.where(take, i, out[i - 1])
        return np.moveaxis(out, 0, axis)


class CumArgmin(CumArgmax):
    better = staticmethod(np.less_equal)


CUMMAX = return_type("cummax", ("values", "indices"))
CUMMIN = return_type("cummin", ("values", "indices"))


def _cum_extreme(prim, result_type, input: Tensor, dim: int):
    if input._data.dtype.kind == "c":
        raise not_implemented(("cummax_cpu" if prim is CumArgmax else "cummin_cpu"), input)
    x, axis = slices_along(input, dim)
    index = apply(prim, (x,), axis)
    return selection(result_type, input, pick(x, index, axis), index, axis, True)


def cummax(input: Tensor, dim: int):
    return _cum_extreme(CumArgmax, CUMMAX, input, dim)


def cummin(input: Tensor, dim: int):
    return _cum_extreme(CumArgmin, CUMMIN, input, dim)


TENSOR_METHODS = {"cumsum": cumsum, "cumprod": cumprod, "cummax": cummax, "cummin": cummin}
add_inplace_variants(TENSOR_METHODS, ("cumsum", "cumprod"))

__all__ = ["cumsum", "cumprod", "cummax", "cummin"]
