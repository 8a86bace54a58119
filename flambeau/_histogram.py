"""torch.histogram and torch.histogramdd: counts (or weight sums, or densities) over bins given by count and
range, or by explicit edges. A histogram is the one-dimensional histogramdd."""
from __future__ import annotations

import math

from ._dtype import FLOAT
from ._tensor import Tensor
from .ops.creation import linspace, tensor
from .ops.reduction import return_type
from .ops.search import searchsorted

__all__ = ["histogram", "histogramdd"]

HistogramResult = return_type("histogram", ("hist", "bin_edges"))
HistogramddResult = return_type("histogramdd", ("hist", "bin_edges"))


def _title(input: Tensor) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(input.dtype.name, input.dtype.name)


def _uniform_edges(column: Tensor, bins: int, bounds, dim: int, op: str) -> Tensor:
    if bins <= 0:
        raise RuntimeError(f"torch.{op}(): bins must be > 0, but got {bins} for dimension {dim}")
    if bounds is not None:
        low, high = float(bounds[0]), float(bounds[1])
    elif column.numel():
        low, high = column.min().item(), column.max().item()
    else:
        low, high = 0.0, 1.0
    if low > high:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {low:g} max {high:g} for "
                           f"dimension {dim}")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histogramdd: dimension {dim}'s range [{low}, {high}] is not finite")
    if low == high:
        low, high = low - 0.5, high + 0.5
    return linspace(low, high, bins + 1, dtype=column.dtype, device=column.device)


def _given_edges(edges: Tensor, input: Tensor, dim: int) -> Tensor:
    if edges.dtype != input.dtype:
        raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input "
                           f"with dtype {input.dtype} and bins for dimension {dim} with dtype {edges.dtype}")
    return edges.detach()


def _bin_of(column: Tensor, edges: Tensor) -> tuple:
    """Each value's bin (the last edge closes the last bin) and whether it falls in any bin."""
    last = edges.shape[0] - 2
    index = (searchsorted(edges, column, right=True) - 1).clamp(0, max(last, 0))
    inside = (column >= edges[0]) & (column <= edges[-1])
    return index, inside


def histogramdd(input: Tensor, bins, *, range=None, weight: Tensor | None = None,  # noqa: A002  (torch's name)
                density: bool = False) -> tuple:
    """(hist, bin_edges) of the rows of input (..., D): hist has one axis per column, bin_edges one tensor each."""
    if input.dtype.category != FLOAT:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_title(input)}'")
    points = input.reshape(-1, input.shape[-1]).detach()
    ndim = points.shape[1]
    if isinstance(bins, int):
        bins = [bins] * ndim
    if range is not None and len(range) != 2 * ndim:
        raise RuntimeError(f"torch.histogramdd: for a {ndim}-dimensional histogram, range should have {2 * ndim} "
                           f"elements, but got {len(range)}")
    op = "histogramdd" if ndim > 1 else "histogram"
    edges = [_given_edges(b, input, d) if isinstance(b, Tensor) else
             _uniform_edges(points[:, d], b, None if range is None else range[2 * d:2 * d + 2], d, op)
             for d, b in enumerate(bins)]
    counts = [e.shape[0] - 1 for e in edges]
    flat, keep = None, None
    for d, e in enumerate(edges):
        index, inside = _bin_of(points[:, d], e)
        flat = index if flat is None else flat * counts[d] + index
        keep = inside if keep is None else keep & inside
    weights = (weight.detach().reshape(-1).to(input.dtype) if weight is not None else
               tensor(1.0, dtype=input.dtype, device=input.device).expand(points.shape[0]))
    hist = flat[keep].bincount(weights[keep], minlength=math.prod(counts)).to(input.dtype)
    hist = hist.reshape(counts)
    if density:
        for d, e in enumerate(edges):
            shape = [1] * ndim
            shape[d] = counts[d]
            hist = hist / e.diff().reshape(shape)
        hist = hist / hist.new_tensor(float(keep.sum().item() if weight is None else weights[keep].sum().item()))
    return HistogramddResult(hist, tuple(edges))


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None,  # noqa: A002
              density: bool = False) -> tuple:
    """(hist, bin_edges) of all of input's elements: `bins` equal bins over `range` (default: min to max), or
    the bins between the edges of a 1-D tensor `bins`."""
    hist, (edges,) = histogramdd(input.reshape(-1, 1), [bins], range=range, weight=weight, density=density)
    return HistogramResult(hist, edges)


Tensor.histogram = histogram
