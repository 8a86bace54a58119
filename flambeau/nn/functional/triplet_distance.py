"""triplet_margin_with_distance_loss: the triplet loss over any distance function (pairwise_distance by default)."""
from __future__ import annotations

from typing import Callable

import flambeau

from ..._tensor import Tensor
from ._loss_reduction import apply_reduction

__all__ = ["triplet_margin_with_distance_loss"]


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0); with swap, d(a, n) is min(d(a, n), d(p, n))."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    distance = distance_function or flambeau.pairwise_distance
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = flambeau.minimum(dist_neg, distance(positive, negative))
    return apply_reduction((margin + dist_pos - dist_neg).clamp_min(0), reduction)
