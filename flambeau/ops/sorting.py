"""Sorting and order statistics: sort, argsort, topk, kthvalue, median, mode; unique, bincount, histc.

Indices come from non-differentiable primitives (NumPy's stable sort: NaN sorts as the largest value,
like PyTorch); values are then taken with reduction.pick, so gradients flow to the selected elements.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, _type_name, apply
from .._dtype import FLOATING_NP
from .._tensor import Tensor, _wrap_dim
from .elementwise import not_implemented
from .reduction import _check_nonempty, distribute_ties, pick, return_type, selection, slices_along

_INT64 = np.dtype(np.int64)

SORT = return_type("sort", ("values", "indices"))
TOPK = return_type("topk", ("values", "indices"))
KTHVALUE = return_type("kthvalue", ("values", "indices"))
MEDIAN = return_type("median", ("values", "indices"))
NANMEDIAN = return_type("nanmedian", ("values", "indices"))
MODE = return_type("mode", ("values", "indices"))


def _argsort(a, axis: int, descending: bool):
    """Stable argsort; descending keeps equal elements in their original order."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    flipped = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return (a.shape[axis] - 1) - np.flip(flipped, axis)


class Argsort(Primitive):
    differentiable = False

    @staticmethod
    def forward(x, axis, descending, positions):
        order = _argsort(x, axis, descending)
        return order if positions is None else np.take(order, positions, axis=axis)


class MedianIndex(Primitive):
    """Index of the lower median along axis: of the non-NaN values (skip_nan), or of the first NaN if any."""
    differentiable = False

    @staticmethod
    def forward(x, axis, skip_nan):
        order = np.argsort(x, axis=axis, kind="stable")
        n = x.shape[axis]
        valid = np.sum(x == x, axis=axis, keepdims=True)
        pos = np.maximum((valid - 1) // 2, 0) if skip_nan else np.where(valid < n, valid, (n - 1) // 2)
        return np.take_along_axis(order, pos, axis)


class ModeIndex(Primitive):
    """Index of the most frequent value (the smallest among equally frequent ones), at its last occurrence."""
    differentiable = False

    @staticmethod
    def forward(x, axis):
        rows = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
        out = np.empty(len(rows), dtype=_INT64)
        for r, row in enumerate(rows):
            values, counts = np.unique(row, return_counts=True)
            last = np.flatnonzero(row == values[np.argmax(counts)])
            out[r] = last[-1]
        kept = np.moveaxis(x, axis, -1).shape[:-1] + (1,)
        return np.moveaxis(out.reshape(kept), -1, axis)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """Always stable (so `stable` changes nothing): equal elements keep their order, as with stable=True."""
    if input._data.dtype.kind == "c":
        raise RuntimeError(" Sort does not support complex dtypes on CPU")
    x, axis = slices_along(input, dim)
    index = apply(Argsort, (x,), axis, descending, None)
    return selection(SORT, input, pick(x, index, axis), index, axis, True)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return sort(input, dim, descending, stable).indices


def msort(input: Tensor) -> Tensor:
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    if input._data.dtype.kind in "cb":
        raise RuntimeError(f" topk does not support {'complex' if input._data.dtype.kind == 'c' else 'bool'} dtypes "
                           "on CPU")
    x, axis = slices_along(input, dim)
    if not 0 <= k <= x._data.shape[axis]:
        raise RuntimeError("selected index k out of range")
    index = apply(Argsort, (x,), axis, largest, range(k))
    return selection(TOPK, input, pick(x, index, axis), index, axis, True)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    if input._data.dtype == np.bool_ or input._data.dtype.kind == "c":
        raise not_implemented("kthvalue_cpu", input)
    x, axis = slices_along(input, dim)
    _check_nonempty("kthvalue", x._data.shape, (axis,))
    if not 1 <= k <= x._data.shape[axis]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {axis}")
    index = apply(Argsort, (x,), axis, False, range(k - 1, k))
    return selection(KTHVALUE, input, pick(x, index, axis), index, axis, keepdim)


class MedianAll(Primitive):
    """Lower median of all elements (NaN if any is NaN, or if empty); ties share the gradient."""
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(x, skip_nan):
        flat = np.sort(x.reshape(-1))
        if skip_nan:
            flat = flat[flat == flat]
        if flat.size == 0:
            return np.full((), np.nan, dtype=x.dtype)
        return flat[-1] if flat[-1] != flat[-1] else flat[(flat.size - 1) // 2]

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (distribute_ties(g, x, ctx.output, tuple(range(x._data.ndim)), False, True),)


def _median(name: str, result_type, skip_nan: bool, input: Tensor, dim, keepdim: bool):
    if input._data.dtype == np.bool_ or input._data.dtype.kind == "c":
        raise not_implemented("median_cpu" if dim is None else "median_out", input)
    if dim is None:
        return apply(MedianAll, (input,), skip_nan)
    x, axis = slices_along(input, dim)
    _check_nonempty(name, x._data.shape, (axis,))
    index = apply(MedianIndex, (x,), axis, skip_nan)
    return selection(result_type, input, pick(x, index, axis), index, axis, keepdim)


def median(input: Tensor, dim=None, keepdim: bool = False):
    return _median("median", MEDIAN, False, input, dim, keepdim)


def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    return _median("nanmedian", NANMEDIAN, True, input, dim, keepdim)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    if input._data.dtype.kind == "c":
        raise not_implemented("mode_cpu", input)
    x, axis = slices_along(input, dim)
    _check_nonempty("mode", x._data.shape, (axis,))
    index = apply(ModeIndex, (x,), axis)
    return selection(MODE, input, pick(x, index, axis), index, axis, keepdim)


# ------------------------------------------------------------------------------- counting

class NoDerivative(Primitive):
    """Float results require grad (as in PyTorch) but have no derivative: backward raises."""

    def backward(ctx, g):
        raise NotImplementedError(f"the derivative for '{type(ctx).__name__.lower()}' is not implemented.")


class Unique(NoDerivative):
    """One of np.unique's results (0: values, 1: inverse, 2: counts), shaped like PyTorch's."""

    @staticmethod
    def forward(x, axis, part):
        if axis is not None and x.ndim == 0:
            x, axis = x.reshape(1), 0
        res = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
        if part == 1:
            return res[1].reshape(x.shape if axis is None else (x.shape[axis],)).astype(_INT64)
        return res[part].astype(_INT64) if part == 2 else res[0]


class UniqueConsecutive(NoDerivative):
    """One of (values, inverse, counts) of runs of equal elements (or equal slices along axis)."""

    @staticmethod
    def forward(x, axis, part):
        a = x.reshape(-1) if axis is None else np.moveaxis(x, axis, 0)
        n = a.shape[0]
        change = np.ones(n, dtype=bool)
        if n > 1:
            change[1:] = (a[1:] != a[:-1]).reshape(n - 1, -1).any(axis=1)
        if part == 0:
            return a[change] if axis is None else np.moveaxis(a[change], 0, axis)
        if part == 1:
            inverse = np.cumsum(change, dtype=_INT64) - 1
            return inverse.reshape(x.shape) if axis is None else inverse
        return np.diff(np.append(np.flatnonzero(change), n)).astype(_INT64)


def _unique_parts(prim, input: Tensor, dim, return_inverse: bool, return_counts: bool):
    if input._data.dtype.kind == "c":
        raise not_implemented("unique", input)
    axis = None if dim is None else _wrap_dim(dim, input._data.ndim)
    parts = [0] + [1] * return_inverse + [2] * return_counts
    outs = tuple(apply(prim, (input,), axis, p) for p in parts)
    return outs[0] if len(outs) == 1 else outs


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim=None):
    return _unique_parts(Unique, input, dim, return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    return _unique_parts(UniqueConsecutive, input, dim, return_inverse, return_counts)


class Bincount(Primitive):
    differentiable = False

    @staticmethod
    def forward(x, weights, minlength):
        if weights is None:
            return np.bincount(x, minlength=minlength).astype(_INT64)
        dtype = weights.dtype if weights.dtype.kind == "f" else np.dtype(np.float64)
        return np.bincount(x, weights, minlength).astype(dtype)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    a = input._data
    if a.dtype.kind not in "biu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_type_name(a.dtype)}'")
    if a.ndim != 1 or a.dtype.kind not in "iu" or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and weights._data.shape != a.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return apply(Bincount, (input,), None, minlength)
    return apply(Bincount, (input, weights), minlength)


class Histc(Primitive):
    differentiable = False

    @staticmethod
    def forward(x, bins, lo, hi):
        v = x.ravel() if x.dtype.kind == "f" else x.ravel().astype(np.float32)  # (no bfloat16 loops in NumPy)
        real = v.dtype.type
        left, right = real(lo), real(hi)
        v = v[(v >= left) & (v <= right)]
        # NOTE: PyTorch's bin, to the last bit: (x - left) * bins / (right - left) in the input's precision, the
        # right edge falling into the last bin (np.histogram rounds some values on a bin edge the other way)
        pos = ((v - left) * real(bins) / (right - left)).astype(np.int64)
        pos[pos == bins] = bins - 1
        return np.bincount(pos, minlength=bins).astype(x.dtype)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    a = input._data
    if a.dtype not in FLOATING_NP or a.dtype.kind == "c":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_type_name(a.dtype)}'")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return apply(Histc, (input,), bins, lo, hi)


TENSOR_METHODS = {
    "sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue, "median": median,
    "nanmedian": nanmedian, "mode": mode, "unique": unique, "unique_consecutive": unique_consecutive,
    "bincount": bincount, "histc": histc,
}

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique",
           "unique_consecutive", "bincount", "histc"]
