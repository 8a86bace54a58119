"""torch.segment_reduce: reduce consecutive runs (segments) of `data`'s rows, one result per segment.
Segments are given by their `lengths` or by `offsets` (the boundaries, lengths' running sum with a leading 0);
both one-dimensional here (so the axis is 0, as PyTorch requires). A scatter_reduce over each row's segment id
does the work."""
from __future__ import annotations

import math

from ._tensor import Tensor
from .ops.creation import arange, full

__all__ = ["segment_reduce"]

_REDUCE = {"sum": "sum", "prod": "prod", "mean": "mean", "max": "amax", "amax": "amax", "min": "amin",
           "amin": "amin"}
_EMPTY = {"sum": 0.0, "prod": 1.0, "mean": math.nan, "amax": -math.inf, "amin": math.inf}  # a segment of none


def segment_reduce(data: Tensor, reduce: str, *, lengths: Tensor | None = None, indices: Tensor | None = None,
                   offsets: Tensor | None = None, axis: int = 0, unsafe: bool = False, initial=None) -> Tensor:
    if reduce not in _REDUCE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined")
    given = "offsets" if offsets is not None else "lengths"
    if offsets is not None:
        lengths = offsets.diff()
    if lengths.dim() != 1:
        raise NotImplementedError("flambeau: segment_reduce takes one-dimensional lengths or offsets only")
    if axis % data.dim() != 0:  # PyTorch: the axis is the last dimension of lengths
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of {given} but got {axis}.")
    if not unsafe and int(lengths.sum()) != data.shape[0]:
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to "
                           "data.size(lengths.dim()-1) when !unsafe.")
    op = _REDUCE[reduce]
    trailing = (1,) * (data.dim() - 1)
    empty = (lengths == 0).reshape((-1,) + trailing)
    if op == "mean":
        total = segment_reduce(data, "sum", lengths=lengths, initial=initial)
        return (total / lengths.to(data.dtype).reshape(empty.shape)).where(
            ~empty, math.nan if initial is None else float(initial))
    segment = arange(lengths.shape[0], device=data.device).repeat_interleave(lengths)
    index = segment.reshape((-1,) + trailing).expand(data.shape)
    start = full((lengths.shape[0],) + tuple(data.shape[1:]), _EMPTY[op] if initial is None else initial,
                 dtype=data.dtype, device=data.device)
    return start.scatter_reduce(0, index, data, op, include_self=True)
