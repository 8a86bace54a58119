"""gather and scatter: reading and writing along one dimension at the positions an index tensor gives.

Three primitives carry the gradients: Gather (take_along_axis) <-> ScatterAdd (np.add.at along an
axis), each the other's backward; Scatter writes along an axis. ScatterReduce (sum/prod/mean/amax/amin
with ufunc.at) has its own backward, written with the other three.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor, _wrap_dim
from ._promote import scalar_tensor
from .elementwise import _out, add_inplace_variants, where
from .shape import broadcast_shapes
from .indexing import _FULL, BasicIndex, _lift0, _out_of_range, _same_rank, _xp

_wrap = Tensor._wrap


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


# ------------------------------------------------------------------------------- public functions

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


def _crop(t: Tensor, shape: tuple, keep: int | None) -> Tensor:
    """t[:shape[0], :shape[1], ...] (dimension `keep` left whole): the part an index of `shape` touches."""
    if all(i == keep or n == m for i, (n, m) in enumerate(zip(shape, t._data.shape))):
        return t
    key = tuple(_FULL if i == keep else slice(0, n) for i, n in enumerate(shape))
    return apply(BasicIndex, (t,), key)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None) -> Tensor:
    _index_arg(index, "gather", ("int64", "int32"))
    if index._data.size == 0:  # PyTorch checks no sizes against an empty index: an empty result
        _wrap_dim(dim, input._data.ndim)
        return _out(input.reshape(-1)[:0].reshape(index._data.shape), out)
    d = _along_operands(input, dim, index)
    idx = _lift0(index)._data
    result = apply(Gather, (_crop(_lift0(input), idx.shape, d),), idx, d)
    return _out(result.reshape(()) if index._data.ndim == 0 else result, out)


def _scatter_src(input: Tensor, index: Tensor, src, value) -> Tensor:
    src = value if src is None else src
    if isinstance(src, Tensor):
        if src._data.dtype != input._data.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if any(n > m for n, m in zip(index._data.shape, _lift0(src)._data.shape)):
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger size than src {list(src.shape)}")
        return _crop(_lift0(src), _lift0(index)._data.shape, None)
    return scalar_tensor(src, input._data.dtype, input)


def _scatter_args(op, input, dim, index):
    _index_arg(index, op, ("int64", "int32"))
    d = _along_operands(input, dim, index)
    return d, _lift0(input), _lift0(index)._data


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
        return _out(gather(input.reshape(-1), 0, indices.reshape(-1)), out)
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions "
                           "for indices")
    d = _wrap_dim(dim, input._data.ndim)
    shape = list(broadcast_shapes(_except(input._data.shape, d), _except(indices._data.shape, d)))
    in_shape, idx_shape = list(shape), list(shape)
    in_shape[d], idx_shape[d] = input._data.shape[d], indices._data.shape[d]
    return _out(gather(input.expand(in_shape), d, indices.expand(idx_shape)), out)


def _except(shape: tuple, dim: int) -> tuple:
    return tuple(1 if i == dim else s for i, s in enumerate(shape))


def _scatter_method(self, dim, index, src=None, value=None, *, reduce=None):
    return scatter(self, dim, index, src, value, reduce=reduce)


TENSOR_METHODS = {"gather": gather, "scatter": _scatter_method, "scatter_add": scatter_add,
                  "scatter_reduce": scatter_reduce, "take_along_dim": take_along_dim}
add_inplace_variants(TENSOR_METHODS, ("scatter", "scatter_add", "scatter_reduce"))

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "take_along_dim"]
