"""Indexing: tensor[key] and tensor[key] = value, and the three primitives every index op is built on.

  BasicIndex (a view: ints, slices, None, Ellipsis) / AdvancedIndex (a copy: integer arrays)
    <-> IndexPut (write or accumulate values at such a key into a copy of a base)
are each other's backward, so double backward works. The families built on them live beside this file:
scatter_gather.py (gather, scatter*, take_along_dim), index_ops.py (index_*, masked_*, take, put) and
search.py (nonzero, searchsorted, bucketize).

A key is parsed as PyTorch does: ints, slices, None and Ellipsis are applied first as a view (the
"basic" key); the integer and boolean-mask indices are then applied to that view (the "advanced" key,
slices and index arrays only), which decides where the broadcast index dimensions land.
"""
from __future__ import annotations

import numpy as np

from .. import _dispatch
from .._device import device_of, xp_for
from .._dispatch import Primitive, apply, update_inplace
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._promote import scalar_tensor
from .elementwise import _dtype_title as _float_title, cast

_wrap = Tensor._wrap
_FULL = slice(None)
_INT64 = np.dtype(np.int64)


def _xp(array):
    return np if isinstance(array, np.ndarray) else xp_for(device_of(array))


def _on_device(array, like):
    """A host index array moved to the backend of `like`."""
    return array if isinstance(like, np.ndarray) else _xp(like).asarray(array)


def _index_error(e: IndexError) -> str:
    return str(e).replace("axis", "dimension")


# ------------------------------------------------------------------------------- primitives

class BasicIndex(Primitive):
    is_view = True

    @staticmethod
    def forward(x, basic):
        return x[basic]

    def backward(ctx, g):
        return (apply(IndexPut, (g.new_zeros(ctx.metas[0][0]), g), ctx.args[0], None, False),)


class AdvancedIndex(Primitive):
    @staticmethod
    def forward(x, adv):
        try:
            return x[adv]
        except IndexError as e:
            raise IndexError(_index_error(e)) from None

    def backward(ctx, g):
        return (apply(IndexPut, (g.new_zeros(ctx.metas[0][0]), g), None, ctx.args[0], True),)


class IndexPut(Primitive):
    """A copy of `base` with `values` written (or added) at base[basic][adv]."""

    @staticmethod
    def forward(base, values, basic, adv, accumulate):
        out = base.copy()
        _write(out if basic is None else out[basic], adv, values, accumulate)  # out[basic] is a view of out
        return out

    def backward(ctx, g):
        basic, adv, accumulate = ctx.args
        g_base = g_values = None
        if ctx.needs_input_grad(0):
            g_base = g if accumulate else apply(IndexPut, (g, g.new_zeros(())), basic, adv, False)
        if ctx.needs_input_grad(1):
            g_values = _index(g, basic, adv)  # the engine sums it back to a broadcast value's shape
        return g_base, g_values


def _write(region, adv, values, accumulate: bool) -> None:
    """region[adv] = values (or += with repeated indices adding up), in place, with PyTorch's errors."""
    try:
        if adv is None:
            region[...] = values
        elif accumulate:
            _xp(region).add.at(region, adv, values)
        else:
            region[adv] = values
    except IndexError as e:
        raise IndexError(_index_error(e)) from None
    except ValueError:
        target = region.shape if adv is None else region[adv].shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}") from None


def _index(t: Tensor, basic, adv) -> Tensor:
    if basic is not None:
        t = apply(BasicIndex, (t,), basic)
    if adv is not None:
        t = apply(AdvancedIndex, (t,), adv)
    return t


# ------------------------------------------------------------------------------- helpers shared by the index families

def _out_of_range(index, size: int, negative_ok: bool = True):
    """The first offending index value (an int) or None."""
    if not index.size:
        return None
    lo, hi = int(index.min()), int(index.max())
    if hi >= size:
        return hi
    if lo < (-size if negative_ok else 0):
        return lo
    return None


def _lift0(t: Tensor) -> Tensor:
    """Along-axis ops treat 0-d tensors as 1-element vectors."""
    return t.reshape(1) if t._data.ndim == 0 else t


def _same_rank(result: Tensor, input: Tensor) -> Tensor:
    return result.reshape(()) if input._data.ndim == 0 else result


def _same_dtype(source: Tensor, input: Tensor, message: str) -> Tensor:
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(message.format(self=_dtype_title(input), src=_dtype_title(source)))
    return source


def _dtype_title(t: Tensor) -> str:
    return {"int64": "Long", "int32": "Int", "bool": "Bool"}.get(t.dtype.name, _float_title(t))


# ------------------------------------------------------------------------------- parsing a key

def _consumed(item) -> int:
    """How many dimensions of the indexed tensor a key item uses (None and bools use none)."""
    if item is None or item is Ellipsis or isinstance(item, (bool, np.bool_)):
        return 0
    if isinstance(item, Tensor):
        if item._data.dtype.kind == "b" or item._data.dtype == np.uint8:
            return item._data.ndim
        return 1
    if isinstance(item, (list, np.ndarray)):
        arr = np.asarray(item)
        return arr.ndim if arr.dtype.kind == "b" else 1
    return 1


def _index_array(item):
    """A Tensor/list/ndarray index item -> (backend array, is_mask); IndexError for other dtypes."""
    arr = item._data if isinstance(item, Tensor) else np.asarray(item)
    kind = arr.dtype.kind
    if kind == "b" or arr.dtype == np.uint8:
        return arr, True
    if kind in "iu":
        return arr, False
    if not isinstance(item, Tensor) and kind == "f":  # Python lists of floats index like ints in PyTorch
        return arr.astype(np.int64), False
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def parse_key(shape: tuple, key, like):
    """Split a __getitem__ key into (basic, adv): a numpy basic key (a view; None when there is
    nothing to do) and an advanced key of full slices and index arrays applied to that view (or None)."""
    if not isinstance(key, tuple):
        key = (key,)
    ndim = len(shape)
    used = sum(_consumed(k) for k in key)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, adv = [], []
    dim = 0  # the dimension of the indexed tensor the next item applies to
    has_adv = has_basic = False
    for item in key:
        if isinstance(item, Tensor) and item._data.ndim == 0 and item._data.dtype.kind in "iu" \
                and item._data.dtype != np.uint8:
            item = int(item._data)  # a 0-d integer tensor selects like an int
        if item is None:
            basic.append(None)
            adv.append(_FULL)
            has_basic = True
        elif isinstance(item, (bool, np.bool_)) or (isinstance(item, Tensor) and item._data.ndim == 0
                                                     and item._data.dtype == np.bool_):
            # a 0-d mask: a new dimension of size 1 (True) or 0 (False), selected by an index array
            basic.append(None)
            adv.append(_on_device(np.zeros(1 if bool(item) else 0, dtype=_INT64), like))
            has_basic = has_adv = True
        elif isinstance(item, (int, np.integer)):
            size = shape[dim]
            i = int(item)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            basic.append(i)
            dim += 1
            has_basic = True
        elif isinstance(item, slice):
            if item.step is not None and int(item.step) <= 0:
                raise ValueError("step must be greater than zero")
            basic.append(item)
            adv.append(_FULL)
            dim += 1
            has_basic = has_basic or item != _FULL
        elif item is Ellipsis:
            n = ndim - used
            basic.append(Ellipsis)
            adv.extend([_FULL] * n)
            dim += n
            used = ndim  # a second Ellipsis expands to nothing
        else:
            arr, is_mask = _index_array(item)
            if is_mask:
                _check_mask(arr.shape, shape, dim)
                basic.extend([_FULL] * arr.ndim)
                adv.append(arr)  # numpy reads a k-dim mask in a key as its k nonzero() index arrays
                dim += arr.ndim
            else:
                basic.append(_FULL)
                adv.append(_on_device(arr, like))
                dim += 1
            has_adv = True
    if Ellipsis not in basic:
        basic.append(Ellipsis)  # keeps a fully int-indexed result a 0-d view instead of a scalar
    return (tuple(basic) if has_basic or not has_adv else None), (tuple(adv) if has_adv else None)


def _check_mask(mask_shape: tuple, shape: tuple, dim: int) -> None:
    for j, m in enumerate(mask_shape):
        if m != shape[dim + j]:
            raise IndexError(f"The shape of the mask {list(mask_shape)} at index {j} does not match the shape "
                             f"of the indexed tensor {list(shape)} at index {dim + j}")


# ------------------------------------------------------------------------------- __getitem__ / __setitem__

def getitem(self: Tensor, key) -> Tensor:
    basic, adv = parse_key(self._data.shape, key, self._data)
    return _index(self, basic, adv)


def _value_like(value, self: Tensor) -> Tensor:
    """The value of an assignment as a tensor of self's dtype (PyTorch casts it)."""
    if isinstance(value, Tensor):
        return cast(value, self._data.dtype)
    if isinstance(value, (list, tuple, np.ndarray)):
        return _wrap(_on_device(np.asarray(value, dtype=self._data.dtype), self._data))
    return scalar_tensor(value, self._data.dtype, self)


def _fit_values(values: Tensor, x, basic, adv) -> Tensor:
    """Drop leading size-1 dims a value may carry beyond the rank of x[basic][adv], like PyTorch."""
    shape = values._data.shape
    if not shape or shape[0] != 1:
        return values
    extra = len(shape) - _region_ndim(x, basic, adv)
    if extra > 0 and all(s == 1 for s in shape[:extra]):
        return values.reshape(shape[extra:])
    return values


def index_put_key(self: Tensor, basic, adv, values: Tensor, accumulate: bool) -> Tensor:
    """self with values put at self[basic][adv], out of place."""
    return apply(IndexPut, (self, _fit_values(values, self._data, basic, adv)), basic, adv, accumulate)


def _region_ndim(x, basic, adv) -> int:
    """The rank of x[basic][adv]: the index arrays' dimensions are replaced by their broadcast rank."""
    ndim = (x if basic is None else x[basic]).ndim
    if adv is not None:
        arrays = [a for a in adv if not isinstance(a, slice)]
        ndim += max(1 if a.dtype == np.bool_ else a.ndim for a in arrays)
        ndim -= sum(a.ndim if a.dtype == np.bool_ else 1 for a in arrays)
    return ndim


_INDEX_PUT_DTYPES = ("Index put requires the source and destination dtypes match, got {self} for the destination "
                     "and {src} for the source.")


def _put_values(value, self: Tensor, adv) -> Tensor:
    """Assigned values: basic assignment casts a tensor to self's dtype, index put insists on it."""
    if adv is not None and isinstance(value, Tensor):
        return _same_dtype(value, self, _INDEX_PUT_DTYPES)
    return _value_like(value, self)


def setitem(self: Tensor, key, value) -> None:
    basic, adv = parse_key(self._data.shape, key, self._data)
    values = _put_values(value, self, adv)
    # a transform level (vmap, forward AD) must see the write too: no writing behind the dispatch
    if STATE.enabled and (self._rg or values._rg) or _dispatch.interpose is not None:
        update_inplace(self, index_put_key(self, basic, adv, values, False))
        return
    _setitem_no_grad(self, basic, adv, values)


def _setitem_no_grad(self: Tensor, basic, adv, values: Tensor) -> None:
    """The no-autograd fast path: write straight into self's memory instead of copying all of self."""
    values = _fit_values(values, self._data, basic, adv)
    _write(self._data if basic is None else self._data[basic], adv, values._data, False)
    self._vc[0] += 1


TENSOR_METHODS = {"__getitem__": getitem, "__setitem__": setitem}

__all__: list = []
