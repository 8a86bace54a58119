"""Dirichlet samples for AugMix's mixing weights, drawn from flambeau's RNG.

flambeau has no gamma sampler yet, so Gamma(alpha, 1) is drawn here by Marsaglia & Tsang's
rejection method ("A simple method for generating gamma variables", 2000) from randn / rand.
"""
from __future__ import annotations

import flambeau
from flambeau import Tensor


def _standard_gamma(alpha: Tensor) -> Tensor:
    """One Gamma(alpha, 1) sample per entry of alpha (float64)."""
    boost = alpha < 1  # Gamma(a) = Gamma(a + 1) * U ** (1 / a) for a < 1
    a = flambeau.where(boost, alpha + 1.0, alpha)
    d = a - 1.0 / 3.0
    c = 1.0 / flambeau.sqrt(9.0 * d)
    out = flambeau.zeros_like(a)
    done = flambeau.zeros(a.shape, dtype=flambeau.bool)
    while not bool(done.all()):
        x = flambeau.randn(a.shape, dtype=flambeau.float64)
        u = flambeau.rand(a.shape, dtype=flambeau.float64)
        v = (1.0 + c * x) ** 3
        safe_v = flambeau.where(v > 0, v, flambeau.ones_like(v))
        accept = (v > 0) & (flambeau.log(u) < 0.5 * x * x + d - d * v + d * flambeau.log(safe_v))
        out = flambeau.where(accept & ~done, d * v, out)
        done = done | accept
    u = flambeau.rand(a.shape, dtype=flambeau.float64)
    return flambeau.where(boost, out * u ** (1.0 / alpha), out)


def _sample_dirichlet(concentration: Tensor) -> Tensor:
    """Dirichlet samples over the last dimension, in concentration's dtype."""
    g = _standard_gamma(concentration.to(flambeau.float64))
    return (g / g.sum(-1, keepdim=True)).to(concentration.dtype)
