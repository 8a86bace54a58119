"""Searching: nonzero/argwhere (where a tensor is non-zero) and searchsorted/bucketize (where values
would go in a sorted sequence). None of them carries a gradient.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ._promote import promote, scalar_tensor
from .elementwise import _out, not_implemented
from .indexing import _xp

_wrap = Tensor._wrap


class Nonzero(Primitive):
    differentiable = False

    @staticmethod
    def forward(x):
        return _xp(x).argwhere(x).astype(np.int64, copy=False)


def nonzero(input: Tensor, *, out=None, as_tuple: bool = False):
    if as_tuple:
        x = input._data.reshape(1) if input._data.ndim == 0 else input._data
        return tuple(_wrap(a.astype(np.int64, copy=False)) for a in _xp(x).nonzero(x))
    return _out(apply(Nonzero, (input,)), out)


def argwhere(input: Tensor) -> Tensor:
    return apply(Nonzero, (input,))


class SearchSorted(Primitive):
    differentiable = False

    @staticmethod
    def forward(seq, values, side, sorter, out_dtype):
        xp = _xp(seq)
        if seq.ndim == 1:
            sort = None if sorter is None else sorter
            return xp.searchsorted(seq, values, side=side, sorter=sort).astype(out_dtype)
        out = xp.empty(values.shape, dtype=out_dtype)
        rows, lead = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
        order = None if sorter is None else sorter.reshape(-1, seq.shape[-1])
        flat = out.reshape(-1, values.shape[-1])
        for r in range(rows.shape[0]):  # numpy's searchsorted is 1-D only
            flat[r] = xp.searchsorted(rows[r], lead[r], side=side, sorter=None if order is None else order[r])
        return out


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, out=None, sorter: Tensor | None = None) -> Tensor:
    for t in (sorted_sequence, input):
        if isinstance(t, Tensor) and t._data.dtype.kind == "c":  # complex numbers have no order
            raise not_implemented("searchsorted_out_cpu", t)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
    side = side or ("right" if right else "left")
    values = input if isinstance(input, Tensor) else scalar_tensor(input, sorted_sequence._data.dtype, sorted_sequence)
    seq = sorted_sequence
    if seq._data.ndim > 1 and seq._data.shape[:-1] != values._data.shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(values.shape)}")
    if values._data.dtype != seq._data.dtype:
        seq, values = promote(seq, values)
    order = None if sorter is None else sorter._data
    out_dtype = np.dtype(np.int32 if out_int32 else np.int64)
    return _out(apply(SearchSorted, (seq, values), side, order, out_dtype), out)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False, out=None) -> Tensor:
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


TENSOR_METHODS = {"nonzero": nonzero, "argwhere": argwhere}

__all__ = ["nonzero", "argwhere", "searchsorted", "bucketize"]
