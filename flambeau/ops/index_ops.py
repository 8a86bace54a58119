"""index_select/index_add/index_copy/index_fill/index_put along one dimension, masked_fill/select/scatter,
and take/put on the flattened tensor: all composed from indexing.py's primitives.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import apply
from .._tensor import Tensor, _wrap_dim
from ._promote import check_fill_value
from .elementwise import _out, add_inplace_variants, where
from .shape import broadcast_shapes
from .indexing import (_FULL, _INDEX_PUT_DTYPES, _INT64, AdvancedIndex, _lift0, _out_of_range, _put_values,
                       _same_dtype, _same_rank, _value_like, _xp, index_put_key, parse_key)

_wrap = Tensor._wrap


# ------------------------------------------------------------------------------- index_*

def _dim_key(dim: int, index) -> tuple:
    return (_FULL,) * dim + (index,)


def _vector_index(op: str, index) -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return index.reshape(-1)


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    d = _wrap_dim(dim, input._data.ndim)
    idx = _vector_index("index_select", index)._data
    if input._data.ndim == 0 and idx.size > 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    if input._data.ndim and input._data.shape[d] == 0 and idx.size:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if _out_of_range(idx, input._data.shape[d] if input._data.ndim else 1, False) is not None:
        raise IndexError("index out of range in self")
    x = _lift0(input)
    result = apply(AdvancedIndex, (x,), _dim_key(d, idx))
    return _out(_same_rank(result, input) if index._data.ndim == 0 else result, out)


def _along_dim(op: str, input: Tensor, dim: int, index: Tensor, error, negative_ok: bool = False, prefix: str = ""):
    """(input as >= 1-d, wrapped dim, index array) for the index_* family, with PyTorch's range errors."""
    d = _wrap_dim(dim, input._data.ndim)
    idx = _vector_index(op, index)._data
    x = _lift0(input)
    bad = _out_of_range(idx, x._data.shape[d], negative_ok)
    if bad is not None:
        raise error(f"{prefix}index {bad} is out of bounds for dimension {d} with size {x._data.shape[d]}")
    return x, d, idx


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    if isinstance(index, Tensor) and isinstance(source, Tensor) and source._data.ndim == 0 and index._data.size != 1:
        # PyTorch compares the number of indices with source.size(dim) first, which a 0-d source refuses
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    x, d, idx = _along_dim("index_add", input, dim, index, RuntimeError)
    _same_dtype(source, input, "index_add_(): self ({self}) and source ({src}) must have the same scalar type")
    if alpha != 1:
        source = source * alpha
    return _same_rank(index_put_key(x, None, _dim_key(d, idx), source, True), input)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    x, d, idx = _along_dim("index_copy", input, dim, index, IndexError, prefix="index_copy_(): ")
    _same_dtype(source, input, "index_copy_(): self and source expected to have the same dtype, but got (self) "
                               "{self} and (source) {src}")
    return _same_rank(index_put_key(x, None, _dim_key(d, idx), source, False), input)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    x, d, idx = _along_dim("index_fill", input, dim, index, IndexError, negative_ok=True)
    check_fill_value(value, input._data.dtype)
    # a mask rather than an index put: a repeated index fills (and feeds value's gradient) once
    hit = _xp(idx).zeros(x._data.shape[d], dtype=bool)
    hit[idx] = True
    mask = _wrap(hit.reshape((-1,) + (1,) * (x._data.ndim - d - 1)))
    return _same_rank(where(mask, _value_like(value, x), x), input)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
    basic, adv = parse_key(input._data.shape, tuple(indices), input._data)
    return index_put_key(input, basic, adv, _put_values(values, input, adv), accumulate)


# ------------------------------------------------------------------------------- masked_*, take, put

def _bool_mask(op: str, mask) -> Tensor:
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {got}")
    return mask


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    _bool_mask("masked_fill_", mask)
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    return where(mask, _value_like(value, input), input)


def masked_select(input: Tensor, mask: Tensor, *, out=None) -> Tensor:
    _bool_mask("masked_select:", mask)
    shape = tuple(broadcast_shapes(input._data.shape, mask._data.shape))
    x = input if input._data.shape == shape else input.expand(shape)
    m = mask._data if mask._data.shape == shape else _xp(mask._data).broadcast_to(mask._data, shape)
    return _out(apply(AdvancedIndex, (x,), (m,)), out)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    _bool_mask("masked_scatter_", mask)
    shape = tuple(broadcast_shapes(input._data.shape, mask._data.shape))
    x = _lift0(input if input._data.shape == shape else input.expand(shape))
    m = _xp(mask._data).broadcast_to(mask._data, x._data.shape)
    count = int(m.sum())
    if count > source._data.size:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask")
    _same_dtype(source, input, "masked_scatter: expected self and source to have same dtypes but got{self} and {src}")
    values = source.reshape(-1)[:count]
    return _same_rank(index_put_key(x, None, (m,), values, False), input)


def _flat_index(op: str, input: Tensor, index) -> object:
    """The array of a take/put index into input's flattened elements, range-checked."""
    if not isinstance(index, Tensor) or index._data.dtype != _INT64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got "
                           f"{getattr(index, 'dtype', type(index).__name__)}")
    n = input._data.size
    bad = _out_of_range(index._data, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return index._data


def take(input: Tensor, index: Tensor) -> Tensor:
    return apply(AdvancedIndex, (input.reshape(-1),), (_flat_index("take", input, index),))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    idx = _flat_index("put_", input, index).reshape(-1)
    if source._data.size != idx.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {idx.size}")
    values = _same_dtype(source, input, _INDEX_PUT_DTYPES).reshape(-1)
    return index_put_key(input.reshape(-1), None, (idx,), values, accumulate).reshape(input._data.shape)


def _masked_select_method(self, mask):
    return masked_select(self, mask)


TENSOR_METHODS = {
    "index_select": index_select, "index_add": index_add, "index_copy": index_copy, "index_fill": index_fill,
    "index_put": index_put, "masked_fill": masked_fill, "masked_select": _masked_select_method,
    "masked_scatter": masked_scatter, "take": take, "put": put,
}
add_inplace_variants(TENSOR_METHODS, ("index_add", "index_copy", "index_fill", "index_put", "masked_fill",
                                      "masked_scatter", "put"))
index_put_ = TENSOR_METHODS["index_put_"]

__all__ = ["index_select", "index_add", "index_copy", "index_fill", "index_put", "index_put_", "masked_fill",
           "masked_select", "masked_scatter", "take", "put"]
