"""Dropout as one primitive: the keep-mask is drawn, applied and scaled in a single forward.

Written as bernoulli_ into a new tensor, a division and a product, dropout costs six passes over its
input, the widest a float64 uniform draw; here the mask comes from raw 32-bit draws and is kept as bools
for backward. Masks come from flambeau's
generator (Bernoulli(1 - p) keeps, like PyTorch's, though not its bit stream).
"""
from __future__ import annotations

import numpy as np

from .._device import device_of, xp_for
from .._dispatch import Primitive, apply
from .._tensor import Tensor
from .random import _rng

_wrap = Tensor._wrap


class Dropout(Primitive):
    """args: p, the numpy Generator, and a list that receives the bool keep-mask."""
    draws = True  # vmap's randomness='different' batches it even when its input is not batched

    @staticmethod
    def forward(x, p, rng, stash):
        keep = keep_mask(rng, x.shape, p)
        if not isinstance(x, np.ndarray):
            keep = xp_for(device_of(x)).asarray(keep)
        stash.append(keep)
        out = np.multiply(x, keep)
        out *= x.dtype.type(1 / (1 - p))
        return out

    def backward(ctx, g):
        p, _, (keep,) = ctx.args
        return (g * _wrap(keep) * (1 / (1 - p)),)  # the mask as a tensor: under vmap, a batched one


def keep_mask(rng: np.random.Generator, shape: tuple, p: float) -> np.ndarray:
    """Bools that are True with probability 1 - p (exact to 2**-32): raw 32-bit draws against a threshold.

    NOTE: the generator's raw 64-bit output, two draws per word, costs a third of rng.random(dtype=float32)."""
    n = int(np.prod(shape))
    words = rng.bit_generator.random_raw((n + 1) // 2)
    draws = words.view(np.uint32)[:n].reshape(shape)
    return draws >= np.uint32(min(round(p * 2.0 ** 32), 2 ** 32 - 1))


def dropout(input: Tensor, p: float, generator=None) -> Tensor:
    """input * Bernoulli(1 - p) / (1 - p), for 0 < p < 1 in training mode."""
    return apply(Dropout, (input,), p, _rng(generator, batched_by_rule=True), [])
