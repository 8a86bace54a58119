"""Indexing: tensor[key] and tensor[key] = value, gather/scatter, index_*, masked_*, take, nonzero, searchsorted.

Five primitives carry every gradient, in pairs that are each other's backward (so double backward works):
  BasicIndex (a view: ints, slices, None, Ellipsis) / AdvancedIndex (a copy: integer arrays)
    <-> IndexPut (write or accumulate values at such a key into a copy of a base)
  Gather (take_along_axis) <-> ScatterAdd (np.add.at along an axis); Scatter (write along an axis).
Everything else is composed from them.

A key is parsed as PyTorch does: ints, slices, None and Ellipsis are applied first as a view (the
"basic" key); the integer and boolean-mask indices are then applied to that view (the "advanced" key,
slices and index arrays only), which decides where the broadcast index dimensions land.
"""
from __future__ import annotations

import numpy as np

from .._device import device_of, xp_for
from .._dispatch import Primitive, apply, update_inplace
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import STATE
from ._promote import scalar_tensor

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


def _along_key(index, dim: int) -> tuple:
    """The fancy-index key that reads `index` along axis `dim` (np.take_along_axis as a key)."""
    xp = _xp(index)
    nd = index.ndim
    return tuple(index if d == dim else xp.arange(n).reshape((n,) + (1,) * (nd - 1 - d))
                 for d, n in enumerate(index.shape))


class Gather(Primitive):
    @staticmethod
    def forward(x, index, dim):
        return x[_along_key(index, dim)]

    def backward(ctx, g):
        index, dim = ctx.args
        return (apply(ScatterAdd, (g.new_zeros(ctx.metas[0][0]), g), index, dim),)


class ScatterAdd(Primitive):
    @staticmethod
    def forward(base, src, index, dim):
        out = base.copy()
        _xp(out).add.at(out, _along_key(index, dim), src)
        return out

    def backward(ctx, g):
        index, dim = ctx.args
        return (g, apply(Gather, (g,), index, dim) if ctx.needs_input_grad(1) else None)


class Scatter(Primitive):
    """A copy of `base` with `src` (same shape as index, or 0-d) written along `dim`."""

    @staticmethod
    def forward(base, src, index, dim):
        out = base.copy()
        out[_along_key(index, dim)] = src
        return out

    def backward(ctx, g):
        index, dim = ctx.args
        g_base = apply(Scatter, (g, g.new_zeros(())), index, dim) if ctx.needs_input_grad(0) else None
        g_src = apply(Gather, (g,), index, dim) if ctx.needs_input_grad(1) else None
        return g_base, g_src


# scatter_reduce: the numpy ufunc each reduction applies with ufunc.at
_REDUCE_UFUNCS = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _identity(reduce: str, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    big = np.inf if dtype.kind == "f" else info.max
    return -big if reduce == "amax" else big


class ScatterReduce(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(base, src, index, dim, reduce, include_self):
        xp = _xp(base)
        out = base.copy()
        key = _along_key(index, dim)
        if not include_self:
            out[key] = _identity(reduce, out.dtype)
        getattr(xp, _REDUCE_UFUNCS[reduce]).at(out, key, src)
        if reduce == "mean":
            count = _mean_count(base, index, dim, include_self)
            out = (out / count if out.dtype.kind in "fc" else out // count).astype(base.dtype, copy=False)
        return out

    def backward(ctx, g):
        base, src = ctx.inputs
        index, dim, reduce, include_self = ctx.args
        if reduce in ("sum", "mean"):
            if reduce == "mean":
                g = g / _wrap(_mean_count(base._data, index, dim, include_self).astype(g._data.dtype))
            g_base = g if include_self else g.masked_fill(_scattered(base, index, dim), 0)
            return g_base, apply(Gather, (g,), index, dim)
        if reduce == "prod":
            return _prod_backward(g, base, src, ctx.output, index, dim, include_self)
        # amax / amin: the gradient is shared evenly among the elements equal to the result
        # NOTE: like PyTorch, an element of self equal to the result counts in the share even when
        # include_self=False (it then receives no gradient itself)
        out = ctx.output
        base_hit = base == out
        src_hit = src == apply(Gather, (out,), index, dim)
        count = base_hit.to(g.dtype) + apply(ScatterAdd, (g.new_zeros(out.shape), src_hit.to(g.dtype)), index, dim)
        share = g / (count + (count == 0).to(g.dtype))  # no 0/0 where nothing is hit
        zero = g.new_zeros(())
        from .elementwise import where
        if not include_self:
            base_hit = base_hit & ~_scattered(base, index, dim)
        return where(base_hit, share, zero), where(src_hit, apply(Gather, (share,), index, dim), zero)


def _scatter_count(base, index, dim: int, include_self: bool):
    """How many values each position of `base` reduces (as an array of base's shape)."""
    xp = _xp(base)
    count = xp.full(base.shape, 1 if include_self else 0, dtype=np.int64)
    xp.add.at(count, _along_key(index, dim), 1)
    return count


def _mean_count(base, index, dim: int, include_self: bool):
    """The divisor of a scattered mean; 1 where nothing is reduced, so those positions keep their value."""
    return _xp(base).maximum(_scatter_count(base, index, dim, include_self), 1)


def _scattered(base: Tensor, index, dim: int) -> Tensor:
    """Positions of `base` that receive at least one scattered value (a bool tensor)."""
    return _wrap(_scatter_count(base._data, index, dim, False) > 0)


def _prod_backward(g, base, src, out, index, dim, include_self):
    """d prod / d element = product of the other elements; zeros handled without dividing by them."""
    from .elementwise import where
    zero, one = g.new_zeros(()), g.new_ones(())
    scattered = _scattered(base, index, dim)
    base_used = base if include_self else where(scattered, one, base)
    base_zero, src_zero = base_used == 0, src == 0
    zeros = base_zero.to(g.dtype) + apply(ScatterAdd, (g.new_zeros(out.shape), src_zero.to(g.dtype)), index, dim)
    # product of the non-zero elements at each position
    nonzero_prod = apply(ScatterReduce, (where(base_zero, one, base_used), where(src_zero, one, src)),
                         index, dim, "prod", True)
    g_out = g * out
    only_zero = g * where(zeros == 1, nonzero_prod, zero)
    if include_self:
        g_base = where(base_zero, only_zero, g_out / where(base_zero, one, base_used))
    else:  # positions that were reduced ignore self; the others keep it unchanged
        g_base = where(scattered, zero, g)
    g_src = where(src_zero, apply(Gather, (only_zero,), index, dim),
                  apply(Gather, (g_out,), index, dim) / where(src_zero, one, src))
    return g_base, g_src


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
    from .elementwise import cast
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
    if STATE.enabled and (self._rg or values._rg):
        update_inplace(self, index_put_key(self, basic, adv, values, False))
        return
    _setitem_no_grad(self, basic, adv, values)


def _setitem_no_grad(self: Tensor, basic, adv, values: Tensor) -> None:
    """The no-autograd fast path: write straight into self's memory instead of copying all of self."""
    values = _fit_values(values, self._data, basic, adv)
    _write(self._data if basic is None else self._data[basic], adv, values._data, False)
    self._vc[0] += 1


# ------------------------------------------------------------------------------- gather / scatter

def _index_arg(index, op: str, dtypes=("int64",)) -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.name not in dtypes:
        raise RuntimeError(f"{op}(): Expected dtype {' or '.join(dtypes)} for index")
    return index


def _along_operands(input: Tensor, dim: int, index: Tensor) -> int:
    """Check an along-axis index against input (no negative indices there); returns dim wrapped."""
    d = _wrap_dim(dim, input._data.ndim)
    if max(index._data.ndim, 1) != max(input._data.ndim, 1) and index._data.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    size = input._data.shape[d] if input._data.ndim else 1
    bad = _out_of_range(index._data, size, False)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    for i, (n, m) in enumerate(zip(index._data.shape, input._data.shape)):
        if i != d and n > m:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(index.shape)} to be no "
                               f"larger than self {list(input.shape)} apart from dimension {d}")
    return d


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


def _crop(t: Tensor, shape: tuple, keep: int | None) -> Tensor:
    """t[:shape[0], :shape[1], ...] (dimension `keep` left whole): the part an index of `shape` touches."""
    if all(i == keep or n == m for i, (n, m) in enumerate(zip(shape, t._data.shape))):
        return t
    key = tuple(_FULL if i == keep else slice(0, n) for i, n in enumerate(shape))
    return apply(BasicIndex, (t,), key)


def _lift0(t: Tensor) -> Tensor:
    """Along-axis ops treat 0-d tensors as 1-element vectors."""
    return t.reshape(1) if t._data.ndim == 0 else t


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None) -> Tensor:
    _index_arg(index, "gather", ("int64", "int32"))
    d = _along_operands(input, dim, index)
    idx = _lift0(index)._data
    result = apply(Gather, (_crop(_lift0(input), idx.shape, d),), idx, d)
    return _finish(result.reshape(()) if index._data.ndim == 0 else result, out)


def _scatter_src(input: Tensor, index: Tensor, src, value) -> Tensor:
    src = value if src is None else src
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        return _crop(_lift0(src), _lift0(index)._data.shape, None)
    return scalar_tensor(src, input._data.dtype, input)


def _scatter_args(op, input, dim, index):
    _index_arg(index, op, ("int64", "int32"))
    d = _along_operands(input, dim, index)
    return d, _lift0(input), _lift0(index)._data


def _same_rank(result: Tensor, input: Tensor) -> Tensor:
    return result.reshape(()) if input._data.ndim == 0 else result


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce: str | None = None) -> Tensor:
    d, base, idx = _scatter_args("scatter", input, dim, index)
    src = _scatter_src(input, index, src, value)
    if reduce is None:
        return _same_rank(apply(Scatter, (base, src), idx, d), input)
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    if src._data.ndim == 0:
        src = src.expand(idx.shape)
    op = "sum" if reduce == "add" else "prod"
    return _same_rank(apply(ScatterReduce, (base, src), idx, d, op, True), input)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    d, base, idx = _scatter_args("scatter_add", input, dim, index)
    return _same_rank(apply(ScatterAdd, (base, _scatter_src(input, index, src, None)), idx, d), input)


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    if reduce not in _REDUCE_UFUNCS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d, base, idx = _scatter_args("scatter_reduce", input, dim, index)
    src = _scatter_src(input, index, src, None)
    return _same_rank(apply(ScatterReduce, (base, src), idx, d, reduce, bool(include_self)), input)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    _index_arg(indices, "take_along_dim", ("int64",))
    if dim is None:
        return _finish(gather(input.reshape(-1), 0, indices.reshape(-1)), out)
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions "
                           "for indices")
    shape = list(np.broadcast_shapes(_except(input._data.shape, d), _except(indices._data.shape, d)))
    in_shape, idx_shape = list(shape), list(shape)
    in_shape[d], idx_shape[d] = input._data.shape[d], indices._data.shape[d]
    return _finish(gather(input.expand(in_shape), d, indices.expand(idx_shape)), out)


def _except(shape: tuple, dim: int) -> tuple:
    return tuple(1 if i == dim else s for i, s in enumerate(shape))


def _finish(result: Tensor, out) -> Tensor:
    if out is None:
        return result
    from .elementwise import _out
    return _out(result, out)


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
    if _out_of_range(idx, input._data.shape[d] if input._data.ndim else 1, False) is not None:
        raise IndexError("index out of range in self")
    x = _lift0(input)
    result = apply(AdvancedIndex, (x,), _dim_key(d, idx))
    return _finish(_same_rank(result, input) if index._data.ndim == 0 else result, out)


def _along_dim(op: str, input: Tensor, dim: int, index: Tensor, error, negative_ok: bool = False, prefix: str = ""):
    """(input as >= 1-d, wrapped dim, index array) for the index_* family, with PyTorch's range errors."""
    d = _wrap_dim(dim, input._data.ndim)
    idx = _vector_index(op, index)._data
    x = _lift0(input)
    bad = _out_of_range(idx, x._data.shape[d], negative_ok)
    if bad is not None:
        raise error(f"{prefix}index {bad} is out of bounds for dimension {d} with size {x._data.shape[d]}")
    return x, d, idx


def _same_dtype(source: Tensor, input: Tensor, message: str) -> Tensor:
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(message.format(self=_dtype_title(input), src=_dtype_title(source)))
    return source


def _dtype_title(t: Tensor) -> str:
    from .elementwise import _dtype_title as title
    return {"int64": "Long", "int32": "Int", "bool": "Bool"}.get(t.dtype.name, title(t))


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
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
    # a mask rather than an index put: a repeated index fills (and feeds value's gradient) once
    hit = _xp(idx).zeros(x._data.shape[d], dtype=bool)
    hit[idx] = True
    from .elementwise import where
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
    from .elementwise import where
    return where(mask, _value_like(value, input), input)


def masked_select(input: Tensor, mask: Tensor, *, out=None) -> Tensor:
    _bool_mask("masked_select:", mask)
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    x = input if input._data.shape == shape else input.expand(shape)
    m = mask._data if mask._data.shape == shape else _xp(mask._data).broadcast_to(mask._data, shape)
    return _finish(apply(AdvancedIndex, (x,), (m,)), out)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    _bool_mask("masked_scatter_", mask)
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
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


# ------------------------------------------------------------------------------- nonzero, searchsorted

class Nonzero(Primitive):
    differentiable = False

    @staticmethod
    def forward(x):
        return _xp(x).argwhere(x).astype(np.int64, copy=False)


def nonzero(input: Tensor, *, out=None, as_tuple: bool = False):
    if as_tuple:
        x = input._data.reshape(1) if input._data.ndim == 0 else input._data
        return tuple(_wrap(a.astype(np.int64, copy=False)) for a in _xp(x).nonzero(x))
    return _finish(apply(Nonzero, (input,)), out)


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
        from ._promote import promote
        seq, values = promote(seq, values)
    order = None if sorter is None else sorter._data
    out_dtype = np.dtype(np.int32 if out_int32 else np.int64)
    return _finish(apply(SearchSorted, (seq, values), side, order, out_dtype), out)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False, out=None) -> Tensor:
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ------------------------------------------------------------------------------- in-place forms, exports

def _inplace(fn):
    def op(self, *args, **kwargs):
        return update_inplace(self, fn(self, *args, **kwargs))
    op.__name__ = fn.__name__ + "_"
    return op


def _scatter_method(self, dim, index, src=None, value=None, *, reduce=None):
    return scatter(self, dim, index, src, value, reduce=reduce)


def _masked_select_method(self, mask):
    return masked_select(self, mask)


TENSOR_METHODS = {
    "__getitem__": getitem, "__setitem__": setitem,
    "gather": gather, "scatter": _scatter_method, "scatter_add": scatter_add, "scatter_reduce": scatter_reduce,
    "take_along_dim": take_along_dim, "index_select": index_select, "index_add": index_add,
    "index_copy": index_copy, "index_fill": index_fill, "index_put": index_put, "masked_fill": masked_fill,
    "masked_select": _masked_select_method, "masked_scatter": masked_scatter, "take": take, "put": put,
    "nonzero": nonzero, "argwhere": argwhere,
}
TENSOR_METHODS.update({name + "_": _inplace(TENSOR_METHODS[name]) for name in (
    "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill", "index_put",
    "masked_fill", "masked_scatter", "put")})

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "take_along_dim", "index_select", "index_add",
           "index_copy", "index_fill", "index_put", "index_put_", "masked_fill", "masked_select", "masked_scatter",
           "take", "put", "nonzero", "argwhere", "searchsorted", "bucketize"]
index_put_ = TENSOR_METHODS["index_put_"]
