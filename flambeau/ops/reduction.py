"""Reductions: sum, mean, prod, max/min/amax/amin/argmax, all/any, count_nonzero, allclose/equal,
and the helpers the other reducing families share (statistics.py: var/std/norms/logsumexp; scan.py:
cumsum/cumprod/cummax; sorting.py).

`dim` is None, an int or a tuple (negative allowed); `keepdim` keeps reduced axes as size 1.
Selections (max with dim, cummax, and sorting.py's sort/topk/median) compute indices without gradient
and take the values with scatter_gather's gather, so the gradient goes to the selected elements; whole-tensor
max/min/amax/amin share ties evenly, like PyTorch.
"""
from __future__ import annotations

import collections
import math

import numpy as np

from .._dispatch import Primitive, _type_name, apply
from .._dtype import FLOATING_NP, to_dtype
from .._tensor import Tensor, _wrap_dim
from .conjugate import holomorphic
from .elementwise import cast, not_implemented, where

_INT64 = np.dtype(np.int64)


def normalize_dims(dim, ndim: int) -> tuple:
    """dim as PyTorch accepts it (None, int, tuple/list) -> a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dims = (_wrap_dim(int(dim), ndim),)
    else:
        dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    if ndim == 0:  # dim 0 / -1 of a 0-d tensor is the tensor itself
        return ()
    return tuple(sorted(dims)) if dims else tuple(range(ndim))


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _count(shape: tuple, axes: tuple) -> int:
    return math.prod(shape[a] for a in axes)


def _keep(t: Tensor, shape: tuple, axes: tuple, keepdim: bool) -> Tensor:
    """A reduced result (or its gradient) reshaped so that it broadcasts against the input."""
    return t if keepdim else t.reshape(_kept_shape(shape, axes))


def _check_nonempty(name: str, shape: tuple, axes: tuple) -> None:
    for a in axes:
        if shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _acc_dtype(input: Tensor, dtype):
    """dtype= if given; integer and bool sums/products accumulate in int64, like PyTorch."""
    if dtype is not None:
        return to_dtype(dtype).np
    return _INT64 if input._data.dtype.kind in "biu" else None


def return_type(name: str, fields: tuple):
    """A named tuple like torch.return_types.<name>, printed the same way."""
    cls = collections.namedtuple(name, fields)

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"
    cls.__repr__ = __repr__
    return cls


def pick(x: Tensor, index: Tensor, axis: int) -> Tensor:
    """x's values at `index` along `axis`, differentiable (gradient to the selected elements)."""
    from .scatter_gather import gather
    return gather(x, axis, index)


def slices_along(input: Tensor, dim: int) -> tuple:
    """(input as at least 1-d, the wrapped axis): a 0-d tensor acts as one element along dim 0 / -1."""
    return (input.reshape(1) if input._data.ndim == 0 else input), _wrap_dim(dim, input._data.ndim)


def selection(result_type, input: Tensor, values: Tensor, index: Tensor, axis: int, keepdim: bool):
    """(values, indices) taken along `axis` of `input`: the axis dropped unless keepdim, 0-d for 0-d input."""
    shape = input._data.shape
    if keepdim and shape:
        return result_type(values, index)
    out = _kept_shape(shape, (axis,)) if keepdim else shape[:axis] + shape[axis + 1:]
    return result_type(values.reshape(out), index.reshape(out))


# ------------------------------------------------------------------------------- sum, mean, prod

class Sum(Primitive):
    @staticmethod
    def forward(x, axes, keepdim, np_dtype):
        return x.sum(axis=axes, dtype=np_dtype, keepdims=keepdim)  # the method: np.sum adds ~1 us of Python

    def backward(ctx, g):
        axes, keepdim, _ = ctx.args
        shape = ctx.metas[0][0]
        return (_keep(g, shape, axes, keepdim).expand(shape),)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    return apply(Sum, (input,), normalize_dims(dim, input._data.ndim), keepdim, _acc_dtype(input, dtype))


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if input._data.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    return sum(where(input != input, 0, input), dim, keepdim, dtype=dtype)


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


def _float_reduction_input(name: str, input: Tensor, dtype) -> Tensor:
    if dtype is not None:
        return cast(input, to_dtype(dtype).np)
    if input._data.dtype not in FLOATING_NP:
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_type_name(input._data.dtype)}")
    return input


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    x = _float_reduction_input("mean", input, dtype)
    axes = normalize_dims(dim, x._data.ndim)
    return apply(Sum, (x,), axes, keepdim, None) / _count(x._data.shape, axes)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if input._data.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    x = _float_reduction_input("nanmean", input, dtype)
    present = x == x
    return sum(where(present, x, 0), dim, keepdim) / sum(present, dim, keepdim)


@holomorphic
class Prod(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(x, axes, keepdim, np_dtype):
        return np.prod(x, axis=axes, keepdims=keepdim, dtype=np_dtype)

    def backward(ctx, g):
        axes, keepdim, _ = ctx.args
        x = ctx.inputs[0]
        shape = ctx.metas[0][0]
        g, out = _keep(g, shape, axes, keepdim), _keep(ctx.output, shape, axes, keepdim)
        # NOTE: d out / d x_i is the product of the others. Without zeros that is out / x_i; with one zero
        # it is the product of the non-zeros at the zero (0 elsewhere); with two or more zeros it is 0.
        zero = x == 0
        safe = where(zero, 1, x)
        lone_zero = sum(zero, axes, keepdim=True) == 1
        others = apply(Prod, (safe,), axes, True, None)
        return (g * where(zero, where(lone_zero, others, 0), out / safe),)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    if dtype is not None:  # the input is cast first, so the derivative sees the values multiplied
        input = cast(input, to_dtype(dtype).np)
    return apply(Prod, (input,), normalize_dims(dim, input._data.ndim), keepdim, _acc_dtype(input, None))


# ------------------------------------------------------------------------------- max, min and friends

class Amax(Primitive):
    """max over axes; the gradient is shared evenly among tied maxima."""
    save_inputs = True
    save_output = True
    reduce = staticmethod(np.max)
    nan_ties = False

    @classmethod
    def forward(cls, x, axes, keepdim):
        return cls.reduce(x, axis=axes, keepdims=keepdim)

    def backward(ctx, g):
        axes, keepdim = ctx.args
        return (distribute_ties(g, ctx.inputs[0], ctx.output, axes, keepdim, ctx.nan_ties),)


class Amin(Amax):
    reduce = staticmethod(np.min)


class MaxAll(Amax):
    """max() of the whole tensor: like amax, but a NaN result sends its gradient to the NaNs."""
    nan_ties = True


class MinAll(Amin):
    nan_ties = True


def distribute_ties(g: Tensor, x: Tensor, out: Tensor, axes: tuple, keepdim: bool, nan_ties: bool) -> Tensor:
    """Gradient of a reduction whose value is one of the inputs: shared by all inputs equal to it.
    NOTE: without nan_ties a NaN result has no equal input and its gradient is NaN, as in PyTorch's amax."""
    shape = x._data.shape
    g, out = _keep(g, shape, axes, keepdim), _keep(out, shape, axes, keepdim)
    hit = x == out
    if nan_ties:
        hit = hit | ((x != x) & (out != out))
    return g / sum(hit, axes, keepdim=True) * hit


class Argmax(Primitive):
    differentiable = False
    reduce = staticmethod(np.argmax)

    @classmethod
    def forward(cls, x, axis, keepdim):
        if axis is None:  # over the flattened tensor
            out = cls.reduce(x)
            return np.full((1,) * x.ndim, out, dtype=_INT64) if keepdim else np.asarray(out, dtype=_INT64)
        return cls.reduce(x.reshape(1) if x.ndim == 0 else x, axis=axis, keepdims=keepdim).reshape(
            _kept_shape(x.shape, (axis,)) if keepdim else x.shape[:axis] + x.shape[axis + 1:])


class Argmin(Argmax):
    reduce = staticmethod(np.argmin)


MAX = return_type("max", ("values", "indices"))
MIN = return_type("min", ("values", "indices"))
AMINMAX = return_type("aminmax", ("min", "max"))


def _extreme(name: str, prim, arg_prim, result_type, input: Tensor, dim, keepdim: bool, other):
    if isinstance(dim, Tensor):
        other = dim
    if other is not None:  # max(a, b) is the elementwise maximum
        return input.maximum(other) if prim is MaxAll else input.minimum(other)
    shape = input._data.shape
    if input._data.dtype.kind == "c":  # complex numbers have no order
        if dim is None:
            raise not_implemented(f"{name}_all", input)
        raise RuntimeError(f"{name}(): does not support complex input")
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return apply(prim, (input,), tuple(range(len(shape))), False)
    x, axis = slices_along(input, dim)
    _check_nonempty(name, x._data.shape, (axis,))
    index = apply(arg_prim, (x,), axis, True)
    return selection(result_type, input, pick(x, index, axis), index, axis, keepdim)


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    return _extreme("max", MaxAll, Argmax, MAX, input, dim, keepdim, other)


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None):
    return _extreme("min", MinAll, Argmin, MIN, input, dim, keepdim, other)


def _check_reducible(name: str, input: Tensor, dim, axes: tuple) -> None:
    """amax/amin: an empty input needs its reduction dims named, and each of them non-empty."""
    if dim in ((), None, []) and input._data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    _check_nonempty(name, input._data.shape, axes)


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    axes = normalize_dims(dim, input._data.ndim)
    if input._data.dtype.kind == "c":
        raise not_implemented("max_values_cpu", input)
    _check_reducible("amax", input, dim, axes)
    return apply(Amax, (input,), axes, keepdim)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    axes = normalize_dims(dim, input._data.ndim)
    if input._data.dtype.kind == "c":
        raise not_implemented("min_values_cpu", input)
    _check_reducible("amin", input, dim, axes)
    return apply(Amin, (input,), axes, keepdim)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    if dim is None and input._data.size == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    return AMINMAX(amin(input, dim, keepdim), amax(input, dim, keepdim))


def _arg_extreme(name: str, prim, input: Tensor, dim, keepdim: bool) -> Tensor:
    shape = input._data.shape
    if input._data.dtype.kind in "cb":
        raise RuntimeError(f"{name}(): does not support {'complex' if input._data.dtype.kind == 'c' else 'bool'} input")
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return apply(prim, (input,), None, keepdim)
    axis = _wrap_dim(dim, len(shape))
    _check_nonempty(name, shape, (axis,) if shape else ())
    return apply(prim, (input,), axis, keepdim)


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return _arg_extreme("argmax", Argmax, input, dim, keepdim)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return _arg_extreme("argmin", Argmin, input, dim, keepdim)


# ------------------------------------------------------------------------------- logical reductions, comparisons

class All(Primitive):
    differentiable = False
    reduce = staticmethod(np.all)

    @classmethod
    def forward(cls, x, axes, keepdim):
        out = cls.reduce(x, axis=axes, keepdims=keepdim)
        return out.astype(np.uint8) if x.dtype == np.uint8 else out  # uint8 stays uint8, like PyTorch


class Any(All):
    reduce = staticmethod(np.any)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return apply(All, (input,), normalize_dims(dim, input._data.ndim), keepdim)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return apply(Any, (input,), normalize_dims(dim, input._data.ndim), keepdim)


class CountNonzero(Primitive):
    differentiable = False

    @staticmethod
    def forward(x, axes):
        return np.sum(x != 0, axis=axes, dtype=_INT64)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    return apply(CountNonzero, (input,), normalize_dims(dim, input._data.ndim))


class AllClose(Primitive):
    differentiable = False

    @staticmethod
    def forward(a, b, rtol, atol, equal_nan):
        return np.asarray(np.all(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{_type_name(input._data.dtype)} did not match {_type_name(other._data.dtype)}")
    return bool(apply(AllClose, (input, other), rtol, atol, equal_nan)._data)


class Equal(Primitive):
    differentiable = False

    @staticmethod
    def forward(a, b):
        return np.asarray(a.shape == b.shape and bool(np.all(a == b)))


def equal(input: Tensor, other: Tensor) -> bool:
    return bool(apply(Equal, (input, other))._data)


def _size_arg(size) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


TENSOR_METHODS = {
    "sum": sum, "sum_to_size": lambda self, *size: sum_to_shape(self, _size_arg(size)), "nansum": nansum,
    "mean": mean, "nanmean": nanmean, "prod": prod, "max": max, "min": min, "amax": amax, "amin": amin,
    "aminmax": aminmax, "argmax": argmax, "argmin": argmin, "all": all, "any": any,
    "count_nonzero": count_nonzero, "allclose": allclose, "equal": equal,
}

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin",
           "all", "any", "count_nonzero", "allclose", "equal"]

