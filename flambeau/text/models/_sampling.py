"""The logits warpers of sampling, in transformers' order: temperature, then top-k, then top-p (nucleus)."""
from __future__ import annotations

from ..._tensor import Tensor


def check_sampling(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature must be a strictly positive float, got {temperature!r}")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 0):
        raise ValueError(f"top_k must be a non-negative integer, got {top_k!r}")
    if top_p is not None and not 0.0 <= top_p <= 1.0:
        raise ValueError(f"top_p must be in [0, 1], got {top_p!r}")


def warp(scores: Tensor, temperature: float, top_k: int | None, top_p: float | None) -> Tensor:
    """(batch, vocab) float scores -> scores with the tokens that may not be drawn set to -inf."""
    if temperature != 1.0:
        scores = scores / temperature
    if top_k:  # None or 0: off
        k = min(top_k, scores.shape[-1])
        kth = scores.topk(k, dim=-1).values[:, -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p is not None and top_p < 1.0:
        # drop the least likely tokens whose total probability stays within 1 - top_p; the most likely stays
        ascending, order = scores.sort(dim=-1)
        drop = ascending.softmax(-1).cumsum(-1) <= 1 - top_p
        drop[:, -1] = False
        scores = scores.masked_fill(drop.scatter(1, order, drop), float("-inf"))
    return scores
