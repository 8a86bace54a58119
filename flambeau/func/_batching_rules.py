"""Batching rules of the primitives for vmap, keyed by primitive class.

Inside vmap a batched tensor is a logical tensor (one sample's shape) backed by a physical tensor of the
level below whose dim 0 is the batch. A rule is rule(level, prim, inputs, phys, args) -> the physical
result (batch at dim 0), or None to fall back to the per-sample loop; phys[i] is the physical tensor of
inputs[i] or None when it is not batched. Rules run below the level (the physical ops go through `apply`,
so they batch again under an outer vmap and record autograd graphs for an outer grad). The families:
  broadcasting  elementwise ops and matmul: batched inputs get size-1 dims after the batch dim up to the
                largest logical rank, then the primitive broadcasts as usual (matmul folds samples into rows
                where it can)
  shaped        view and shape ops whose args are a shape or a key: the batch dim prepended
  permuting     permutations: 0 first, the rest shifted
  axes          reductions, softmax, cumulative ops, cat/stack, ...: their dims shifted by one
  folding       convolution, row normalisation, cross-entropy and nll with class indices: the samples' rows
                folded into one call
"""
from __future__ import annotations

import numpy as np

from .._dispatch import apply
from .._tensor import Tensor

_rules: dict = {}
_resolved: dict = {}


def rule_for(prim):
    """The batching rule of `prim` (looking through its base classes), or None."""
    try:
        return _resolved[prim]
    except KeyError:
        pass
    if not _rules:
        _rules.update(_families())
    rule = None
    for cls in prim.__mro__:
        rule = _rules.get(cls)
        if rule is not None:
            break
    _resolved[prim] = rule
    return rule


def lift(p, logical_ndim: int, rank: int):
    """Physical `p` (batch, *shape) with size-1 dims inserted after the batch up to logical rank `rank`."""
    if logical_ndim >= rank:
        return p
    from ..ops.shape import Reshape
    shape = p._data.shape
    return apply(Reshape, (p,), shape[:1] + (1,) * (rank - logical_ndim) + shape[1:])


def expand_batch(x, size: int):
    """An unbatched tensor repeated along a new leading batch dim (a broadcast view)."""
    from ..ops.shape import Expand, Reshape
    shape = x._data.shape
    return apply(Expand, (apply(Reshape, (x,), (1,) + shape),), (size,) + shape)


def _all_batched(level, inputs, phys) -> list:
    return [p if p is not None else expand_batch(x, level.size) for x, p in zip(inputs, phys)]


def _shift(axis: int, ndim: int) -> int:
    return (axis % ndim if ndim else 0) + 1


# ------------------------------------------------------------------------------- families

def _broadcasting(level, prim, inputs, phys, args):
    rank = max(x._data.ndim for x in inputs)
    ins = tuple(x if p is None else lift(p, x._data.ndim, rank) for x, p in zip(inputs, phys))
    return apply(prim, ins, *args)


def _dropout(level, prim, inputs, phys, args):
    """One keep-mask for the whole batch: drawn per sample (randomness='different') or drawn once and shared
    ('same'). The mask goes to the backward as a logical tensor of this level, so it batches there too."""
    from ..ops.dropout import keep_mask
    p, rng, stash = args
    x = phys[0] if phys[0] is not None else expand_batch(inputs[0], level.size)
    shape = x._data.shape
    keep = keep_mask(rng, shape if level.randomness == "different" else shape[1:], p)
    mask = Tensor._wrap(np.broadcast_to(keep, shape))
    stash.append(level.wrap(mask)._data)
    return x * mask * (1 / (1 - p))


def _matmul(level, prim, inputs, phys, args):
    """matmul with batch dims broadcast as usual, and two shortcuts that keep NumPy on one BLAS call:
    a batched left operand against an unbatched matrix folds the samples into rows; an inner dim of 1 (a
    per-sample outer product, as in weight gradients) is a broadcast product, not a stack of rank-1 matmuls."""
    from ..ops.elementwise import Mul
    from ..ops.shape import Reshape
    a, b = inputs
    if a._data.shape[-1] == 1:
        return _broadcasting(level, Mul, inputs, phys, args)
    if phys[1] is None and b._data.ndim == 2:
        p = phys[0]
        rows = apply(Reshape, (p,), (-1, p._data.shape[-1]))
        out = apply(prim, (rows, b))
        return apply(Reshape, (out,), p._data.shape[:-1] + b._data.shape[-1:])
    return _broadcasting(level, prim, inputs, phys, args)


def _reshaping(level, prim, inputs, phys, args):
    from ..ops.shape import Reshape
    return apply(Reshape, (phys[0],), (level.size,) + tuple(args[0]))


def _expanding(level, prim, inputs, phys, args):
    shape = tuple(args[0])
    p = lift(phys[0], inputs[0]._data.ndim, len(shape))
    return apply(prim, (p,), (level.size,) + shape)


def _keyed(level, prim, inputs, phys, args):
    key = args[0] if isinstance(args[0], tuple) else (args[0],)
    return apply(prim, (phys[0],), (slice(None),) + key, *args[1:])


def _slice_backward(level, prim, inputs, phys, args):
    shape, key = args
    key = key if isinstance(key, tuple) else (key,)
    return apply(prim, (phys[0],), (level.size,) + tuple(shape), (slice(None),) + key)


def _permuting(level, prim, inputs, phys, args):
    return apply(prim, (phys[0],), (0,) + tuple(q + 1 for q in args[0]))


def _axes_at(position: int):
    """Reductions and friends whose args[position] is a tuple of (non-negative) axes."""
    def rule(level, prim, inputs, phys, args):
        axes = args[position]
        if axes is None:
            return None
        ndim = inputs[0]._data.ndim
        shifted = tuple(_shift(a, ndim) for a in axes) if isinstance(axes, tuple) else _shift(axes, ndim)
        return apply(prim, (phys[0],), *args[:position], shifted, *args[position + 1:])
    return rule


def _joining(level, prim, inputs, phys, args):
    dim = args[0]
    return apply(prim, tuple(_all_batched(level, inputs, phys)), dim + 1, *args[1:])


def _diagonal(level, prim, inputs, phys, args):
    offset, d1, d2 = args
    ndim = inputs[0]._data.ndim
    return apply(prim, (phys[0],), offset, _shift(d1, ndim), _shift(d2, ndim))


def _gather(level, prim, inputs, phys, args):
    """gather along `dim` with an unbatched index array: the index repeated for every sample."""
    from .._tensor import Tensor
    index, dim = args
    batch_index = expand_batch(Tensor._wrap(index), level.size)._data
    return apply(prim, (phys[0],), batch_index, _shift(dim, inputs[0]._data.ndim))


def _computed_outside(level, prim, inputs, phys, args):
    """Primitives whose result the public function computed on the arrays beside the dispatch (the
    factorizations of torch.linalg): one sample's arrays, so vmap cannot batch them."""
    raise NotImplementedError(f"vmap over {prim.__name__.lower()} (a torch.linalg factorization or solve) is not "
                              "supported by flambeau yet")


def _folding(level, prim, inputs, phys, args):
    """Primitives that treat dim 0 of their first input as independent rows (convolution, its input
    gradient): the samples' rows folded into one call. Other inputs batched too: the per-sample loop."""
    from ..ops.shape import Reshape
    p = phys[0]
    if p is None or any(q is not None for q in phys[1:]):
        return None
    shape = p._data.shape
    out = apply(prim, (apply(Reshape, (p,), (shape[0] * shape[1],) + shape[2:]),) + tuple(inputs[1:]), *args)
    return apply(Reshape, (out,), shape[:2] + out._data.shape[1:])


def _rows_affine(level, prim, inputs, phys, args):
    """Row normalisation with an unbatched weight and bias (layer/group norm): more rows, same row length."""
    if phys[0] is None or any(q is not None for q in phys[1:]):
        return None
    (rows, length), eps, _stats = args
    return apply(prim, (phys[0],) + tuple(inputs[1:]), (level.size * rows, length), eps, [])


def _prefixed(adv: tuple) -> tuple | None:
    """An advanced key with the batch dim's full slice in front, when NumPy then keeps the indexed dims where
    they were (the index arrays next to each other); None otherwise."""
    arrays = [i for i, a in enumerate(adv) if not isinstance(a, slice)]
    if arrays and arrays[-1] - arrays[0] != len(arrays) - 1:
        return None
    return (slice(None),) + tuple(adv)


def _advanced_index(level, prim, inputs, phys, args):
    key = _prefixed(args[0])
    return None if key is None else apply(prim, (phys[0],), key)


def _index_put(level, prim, inputs, phys, args):
    """base[basic][adv] = values (or +=) with unbatched keys: the batch dim is one more full slice."""
    from ..ops.indexing import _region_ndim
    basic, adv, accumulate = args
    key = None if adv is None else _prefixed(adv)
    if adv is not None and key is None:
        return None
    base, values = inputs
    region = _region_ndim(base._data, basic, adv)
    base_p = phys[0] if phys[0] is not None else expand_batch(base, level.size)
    values_p = values if phys[1] is None else lift(phys[1], values._data.ndim, region)
    prefix = None if basic is None else (slice(None),) + (basic if isinstance(basic, tuple) else (basic,))
    return apply(prim, (base_p, values_p), prefix, key, accumulate)


def _class_rows(level, prim, inputs, phys, args):
    """nll/cross-entropy of (N, C, ...) with per-element class indices and weights in args: every sample's
    rows in one call, reduced per sample afterwards. The indices and weights must be batched with the input
    (they are when they come from a batched target: see ops.loss.TargetIndices)."""
    from ..ops.shape import Reshape
    safe, w, reduction = level.lookup_array(args[0]), level.lookup_array(args[1]), args[2]
    p = phys[0]
    if p is None or safe is None or w is None:
        return None  # the per-sample loop gives each sample its own indices
    b = level.size
    shape = p._data.shape
    folded = apply(Reshape, (p,), (b * shape[1],) + shape[2:])
    rows = (-1,) + safe._data.shape[2:]
    extra = ()
    if len(args) > 3:  # cross-entropy's softmax buffer, for the plain backward of an outer grad
        from ..autograd.grad_mode import is_grad_enabled
        from ..ops.creation import empty_like
        extra = (empty_like(folded)._data if folded.requires_grad and is_grad_enabled() else None,)
    losses = apply(prim, (folded,), safe.reshape(rows)._data, w.reshape(rows)._data, "none", *extra)
    if reduction == "none":
        return losses.reshape((b,) + shape[1:2] + shape[3:])
    total = losses.reshape(b, -1).sum(1)
    return total if reduction == "sum" else total / w.reshape(b, -1).sum(1)


_class_rows.reads_array_args = True  # it finds the batched indices and weights among its args


def _families() -> dict:
    from ..autograd._tangent_rules import elementwise_primitives
    from ..ops import (activation, conv, conversion, elementwise, indexing, joining, linalg, math_extra, matmul, norm,
                       reduction, scan, scatter_gather, shape, statistics, windows)
    rules = {}
    broadcasting = elementwise_primitives() + [
        elementwise.Cast, conversion.Clone, elementwise.Equal, elementwise.NotEqual, elementwise.Less,
        elementwise.LessEqual, elementwise.Greater, elementwise.GreaterEqual, elementwise.LogicalAnd,
        elementwise.LogicalOr, elementwise.LogicalXor, elementwise.LogicalNot, elementwise.Predicate,
        elementwise.IsClose]
    for prim in broadcasting:
        rules[prim] = _broadcasting
    rules[matmul.MatMul] = _matmul
    rules[shape.Reshape] = _reshaping  # View, Squeeze, Unsqueeze too (a physical reshape)
    rules[shape.Expand] = _expanding
    for prim in (shape.Slice, indexing.BasicIndex):
        rules[prim] = _keyed
    rules[indexing.AdvancedIndex] = _advanced_index
    rules[indexing.IndexPut] = _index_put
    rules[shape.SliceBackward] = _slice_backward
    rules[shape.Permute] = _permuting
    for prim in (reduction.Sum, reduction.Prod, reduction.Amax, reduction.Amin, reduction.All, reduction.Any,
                 reduction.CountNonzero, activation.Softmax, activation.LogSoftmax, scan.Cumsum, scan.Cumprod,
                 scan.CumArgmax, math_extra.LogCumSumExp, shape.Flip, windows.Unfold, norm.Normalize):
        rules[prim] = _axes_at(0)
    rules[statistics.VectorNorm] = _axes_at(1)
    rules[reduction.Argmax] = rules[reduction.Argmin] = _axes_at(0)
    for prim in (joining.Cat, joining.Stack):
        rules[prim] = _joining
    rules[linalg.Diagonal] = _diagonal
    rules[scatter_gather.Gather] = _gather
    rules[conv.Conv] = rules[conv.ConvInputGrad] = _folding
    from ..linalg._common import Factor
    from ..linalg.decompositions import Cholesky
    from ..linalg.inverse import Inv, Solve
    from ..linalg.lu import LuFactor
    for prim in (Factor, Cholesky, Inv, Solve, LuFactor):
        rules[prim] = _computed_outside
    rules[norm.NormalizeRowsAffine] = _rows_affine
    from ..ops import loss
    rules[loss.NllLoss] = rules[loss.CrossEntropy] = _class_rows
    rules[loss.TargetIndices] = rules[loss.TargetWeights] = _broadcasting
    from ..ops.dropout import Dropout
    rules[Dropout] = _dropout
    return rules
