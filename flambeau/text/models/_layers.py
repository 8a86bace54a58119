"""Pieces BERT and GPT-2 share: activations by their config names, head splitting, attention masks."""
from __future__ import annotations

from functools import partial
from typing import Callable

from ... import _dtype
from ..._tensor import Tensor
from ...nn import functional as F
from ...ops.creation import arange, zeros

# transformers' ACT2FN names; "gelu_new" is the tanh approximation GPT-2 was trained with
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "gelu": F.gelu, "gelu_new": partial(F.gelu, approximate="tanh"),
    "gelu_pytorch_tanh": partial(F.gelu, approximate="tanh"), "relu": F.relu, "silu": F.silu, "swish": F.silu,
    "tanh": Tensor.tanh,
}


def activation(name: str) -> Callable[[Tensor], Tensor]:
    if name not in ACTIVATIONS:
        raise ValueError(f"unsupported activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def split_heads(x: Tensor, heads: int) -> Tensor:
    """(batch, positions, heads * head_dim) -> (batch, heads, positions, head_dim)"""
    b, t, c = x.shape
    return x.view(b, t, heads, c // heads).transpose(1, 2)


def merge_heads(x: Tensor) -> Tensor:
    """(batch, heads, positions, head_dim) -> (batch, positions, heads * head_dim)"""
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def additive_mask(allowed: Tensor, dtype) -> Tensor:
    """0 where attention is allowed, the dtype's lowest value elsewhere (as transformers' eager attention).
    A finite value rather than -inf keeps a fully masked row (a left-padding query) finite: it attends
    uniformly, and no NaN reaches the positions that use it as a key."""
    return zeros(allowed.shape, dtype=dtype, device=allowed.device).masked_fill_(~allowed, _dtype.finfo(dtype).min)


def padding_mask(attention_mask: Tensor, dtype) -> Tensor:
    """(batch, keys) 1/0 mask -> additive (batch, 1, 1, keys)."""
    return additive_mask(attention_mask[:, None, None, :] != 0, dtype)


def causal_mask(attention_mask: Tensor | None, queries: int, keys: int, dtype, device) -> Tensor | None:
    """Additive (batch or 1, 1, queries, keys): query i (the last `queries` of `keys` positions) sees keys up to
    its own position, and only those the (batch, keys) attention_mask keeps. None when nothing is masked."""
    if attention_mask is None and queries == 1:
        return None
    past = keys - queries
    allowed = arange(keys, device=device)[None, :] <= (arange(queries, device=device)[:, None] + past)
    allowed = allowed[None, None]
    if attention_mask is not None:
        allowed = allowed & (attention_mask[:, None, None, :] != 0)
    return additive_mask(allowed, dtype)
