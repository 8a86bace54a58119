"""Statistics and norms: var/std (and their _mean forms), the vector p-norm, norm, logsumexp.

All are built on reduction.py's Sum and max; VectorNorm is the one primitive, with a backward that
stays finite where the norm (or an element, for p != 2) is 0.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, _type_name, apply
from .._dtype import FLOATING_NP, to_dtype
from .._tensor import Tensor
from .elementwise import _float_input, cast, exp, log, where
from .reduction import Sum, _count, _keep, amax, distribute_ties, normalize_dims, sum


# ------------------------------------------------------------------------------- var, std

def _correction(unbiased, correction) -> float:
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var_mean(input: Tensor, dim, unbiased, keepdim: bool, correction):
    if isinstance(dim, bool):  # var(x, unbiased)
        dim, unbiased = None, dim
    if input._data.dtype not in FLOATING_NP:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = normalize_dims(dim, input._data.ndim)
    m = apply(Sum, (input,), axes, True, None) / _count(input._data.shape, axes)
    d = input - m
    dof = _count(input._data.shape, axes) - _correction(unbiased, correction)
    square = d * d if d._data.dtype.kind != "c" else d.real * d.real + d.imag * d.imag  # |d|^2: variance is real
    var_ = apply(Sum, (square,), axes, keepdim, None) / (dof if dof > 0 else 0)
    return var_, _keep_or_squeeze(m, input._data.shape, axes, keepdim)


def _keep_or_squeeze(t: Tensor, shape: tuple, axes: tuple, keepdim: bool) -> Tensor:
    return t if keepdim else t.reshape(tuple(s for i, s in enumerate(shape) if i not in axes))


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    return _var_mean(input, dim, unbiased, keepdim, correction)[0]


def _std_of(var_: Tensor) -> Tensor:
    """sqrt(var) with PyTorch's std gradient: 0 where the std is 0 (not 0 * inf = nan)."""
    positive = var_ > 0
    return where(positive, where(positive, var_, 1).sqrt(), var_ * 0)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    return _std_of(_var_mean(input, dim, unbiased, keepdim, correction)[0])


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    return _var_mean(input, dim, unbiased, keepdim, correction)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    v, m = _var_mean(input, dim, unbiased, keepdim, correction)
    return _std_of(v), m


# ------------------------------------------------------------------------------- norms, logsumexp

class VectorNorm(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(x, ord, axes, keepdim):
        a = np.abs(x)
        if ord == math.inf:
            return np.max(a, axis=axes, keepdims=keepdim)
        if ord == -math.inf:
            return np.min(a, axis=axes, keepdims=keepdim)
        if ord == 0:
            return np.sum(a != 0, axis=axes, keepdims=keepdim, dtype=a.dtype)
        if ord == 1:
            return np.sum(a, axis=axes, keepdims=keepdim)
        if ord == 2:
            return np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
        # NOTE: a Python float power of a bfloat16 (ml_dtypes) array comes back float32
        return (np.sum(a ** ord, axis=axes, keepdims=keepdim) ** (1 / ord)).astype(a.dtype, copy=False)

    def backward(ctx, g):
        ord, axes, keepdim = ctx.args
        x = ctx.inputs[0]
        shape = x._data.shape
        g, out = _keep(g, shape, axes, keepdim), _keep(ctx.output, shape, axes, keepdim)
        if ord == 0:
            return ((g * 0).expand(shape),)
        if ord == 1:
            return (g * x.sgn(),)
        if abs(ord) == math.inf:
            return (x.sgn() * distribute_ties(g, x.abs(), out, axes, True, False),)
        # NOTE: where the norm (or, for p != 2, the element) is 0 the gradient is defined as 0, like
        # PyTorch; the `safe` operands keep the unused where-branch free of inf/nan for double backward.
        flat = out == 0
        out_safe = where(flat, 1, out)
        if ord == 2:
            return (where(flat, 0, g * x / out_safe),)
        a = x.abs()
        off = (a == 0) | flat
        a_safe = where(off, 1, a)
        return (where(off, 0, g * x.sgn() * (a_safe / out_safe) ** (ord - 1)),)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector p-norm over `dim` (all elements when None): linalg.vector_norm's math."""
    if x._data.dtype not in FLOATING_NP:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_type_name(x._data.dtype)}")
    if dtype is not None:
        x = cast(x, to_dtype(dtype).np)
    axes = normalize_dims(dim, x._data.ndim)
    ord = float(ord)
    if ord < 0 and _count(x._data.shape, axes) == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because "
                           "the operation does not have an identity")
    if ord == math.inf and 0 in [x._data.shape[a] for a in axes]:
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
                           "operation does not have an identity")
    return apply(VectorNorm, (x,), ord, axes, keepdim)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    if isinstance(p, str):
        if p == "nuc":
            from ..linalg.norms import matrix_norm
            return matrix_norm(input, "nuc", tuple(range(input.ndim)) if dim is None else dim, keepdim, dtype=dtype)
        if p != "fro":
            raise RuntimeError(f"norm(): unsupported norm type {p!r}")
        p = 2
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    x = _float_input(input)
    shape = x._data.shape
    axes = normalize_dims(dim, x._data.ndim)
    if _count(shape, axes) == 0:
        return log(sum(exp(x), axes, keepdim))
    # NOTE: shifting by the (constant) max keeps exp from overflowing; infinite maxima are not shifted;
    # complex inputs are shifted by the largest real part
    m = amax(x.detach().real if x._data.dtype.kind == "c" else x.detach(), axes, keepdim=True)
    m = where((m == math.inf) | (m == -math.inf), 0, m)
    out = log(sum(exp(x - m), axes, keepdim=True)) + m
    return _keep_or_squeeze(out, shape, axes, keepdim)


TENSOR_METHODS = {"var": var, "std": std, "norm": norm, "logsumexp": logsumexp}

__all__ = ["var", "std", "var_mean", "std_mean", "norm", "logsumexp"]
