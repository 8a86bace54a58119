"""Lookup tables: embedding (padding_idx, max_norm, scale_grad_by_freq), embedding_bag (sum/mean/max,
offsets, per_sample_weights, include_last_offset, padding_idx) and one_hot.

sparse=True gives the weight a sparse COO gradient (one row per looked-up index, padding excluded), as
PyTorch does.
"""
from __future__ import annotations

import numpy as np

from ..._dispatch import Primitive, apply
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.creation import arange
from ...ops.random import _title

__all__ = ["embedding", "embedding_bag", "one_hot"]

_wrap = Tensor._wrap


class _Embedding(Primitive):
    """Rows of `weight` at the int array `indices`. Backward adds each output row's gradient into its
    weight row, first multiplied by `position_weights` (one per index, None for all ones): 0 for the
    padding index, 1/count under scale_grad_by_freq. With `sparse`, the weight's gradient is a sparse COO
    tensor of the output rows at their indices (the padding index's left out)."""

    @staticmethod
    def forward(weight, indices, index_tensor, position_weights, sparse, padding, scale_grad_by_freq):
        return weight[indices]

    def backward(ctx, g):
        _, index_tensor, position_weights, sparse, padding, scale_grad_by_freq = ctx.args
        shape = ctx.metas[0][0]
        flat = g.reshape(-1, shape[1])
        if sparse:
            return (_sparse_weight_grad(flat, index_tensor, padding, scale_grad_by_freq, shape),)
        if position_weights is not None:
            flat = flat * _wrap(position_weights.astype(g._data.dtype, copy=False))
        return (flat.new_zeros(shape).index_add(0, index_tensor.reshape(-1), flat),)


def _sparse_weight_grad(flat: Tensor, index_tensor: Tensor, padding: int, scale_grad_by_freq: bool,
                        shape) -> Tensor:
    from ...sparse import sparse_coo_tensor
    if scale_grad_by_freq:
        raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with sparse gradients")
    rows = index_tensor.reshape(-1)
    if padding >= 0:
        kept = rows != padding
        rows, flat = rows[kept], flat[kept]
    return sparse_coo_tensor(rows.reshape(1, -1), flat, shape)


def _check_indices(op: str, input: Tensor, num: int) -> np.ndarray:
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_title(input.dtype)}Tensor instead (while checking "
                           f"arguments for {op})")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    return idx


def _padding_index(padding_idx: int | None, num: int, what: str = "Padding_idx") -> int:
    """PyTorch's check and wrap of a padding index; -1 means none."""
    if padding_idx is None:
        return -1
    if padding_idx >= num or padding_idx < -num:
        raise AssertionError(f"{what} must be within num_embeddings")
    return padding_idx + num if padding_idx < 0 else padding_idx


def _position_weights(idx: np.ndarray, padding: int, scale_grad_by_freq: bool, num: int):
    """(n, 1) gradient multipliers for the flattened indices, or None when all are 1."""
    if padding < 0 and not scale_grad_by_freq:
        return None
    flat = idx.reshape(-1)
    w = np.ones((flat.size, 1), dtype=np.float64)
    if scale_grad_by_freq:
        w /= np.bincount(flat, minlength=num)[flat][:, None]
    if padding >= 0:
        w[flat == padding] = 0
    return w


def _lookup(weight: Tensor, input: Tensor, idx: np.ndarray, padding: int, scale_grad_by_freq: bool,
            sparse: bool = False) -> Tensor:
    weights = _position_weights(idx, padding, scale_grad_by_freq, weight.shape[0])
    return apply(_Embedding, (weight,), idx, input, weights, sparse, padding, scale_grad_by_freq)


def _embedding_renorm_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place and outside autograd, the referenced rows whose norm exceeds max_norm (to max_norm)."""
    with no_grad():
        rows = _wrap(np.unique(idx))
        selected = weight.index_select(0, rows)
        norms = selected.norm(norm_type, 1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, 1.0)
        weight[rows] = selected * scale


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    padding = _padding_index(padding_idx, weight.shape[0])
    idx = _check_indices("embedding", input, weight.shape[0])
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    return _lookup(weight, input, idx, padding, scale_grad_by_freq, sparse)


def _bags(input: Tensor, offsets: Tensor | None, per_sample_weights, include_last_offset: bool):
    """Flatten the input into one index vector; return it, the bag of each position (-1: in no bag),
    the number of bags and the flattened per-sample weights."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        n, length = input.shape
        bag = np.repeat(np.arange(n), length)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        return input.reshape(-1), bag, n, per_sample_weights
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = np.asarray(offsets._data, dtype=np.int64)
    if starts.size and starts[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {starts[0]}")
    count = starts.size - 1 if include_last_offset else starts.size
    bag = np.searchsorted(starts[:count], np.arange(input.shape[0]), side="right") - 1
    if include_last_offset and starts.size:
        bag[starts[-1]:] = -1  # positions past the last offset belong to no bag
    return input, bag, max(count, 0), per_sample_weights


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    flat, bag, num_bags, per_sample_weights = _bags(input, offsets, per_sample_weights, include_last_offset)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    num = weight.shape[0]
    idx = _check_indices("embedding_bag", flat, num)
    if max_norm is not None:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub.")
    padding = _padding_index(padding_idx, num, "padding_idx")
    used = np.flatnonzero((bag >= 0) & (idx != padding))  # padding entries take no part in their bag
    used_t = _wrap(used)
    rows = _lookup(weight, flat[used_t], idx[used], -1, scale_grad_by_freq, sparse)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[used_t].unsqueeze(1)
    bag_t = _wrap(bag[used])
    out = rows.new_zeros((num_bags, weight.shape[1]))
    if mode == "max":  # an empty bag stays 0
        index = bag_t.unsqueeze(1).expand(rows.shape)
        return out.scatter_reduce(0, index, rows, "amax", include_self=False)
    out = out.index_add(0, bag_t, rows)
    if mode == "mean":
        sizes = np.maximum(np.bincount(bag[used], minlength=num_bags), 1)[:, None]
        out = out / _wrap(sizes.astype(out._data.dtype))
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    values = tensor._data
    if num_classes == -1:
        if values.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(values.max()) + 1
    if values.size:
        if values.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if values.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).long()

