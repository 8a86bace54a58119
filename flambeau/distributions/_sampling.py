"""The sampler the distributions need that flambeau's top level does not have: standard gamma with its
implicit-reparameterisation gradient (Poisson and binomial draws are torch.poisson/torch.binomial).

All draw from flambeau's default generator, so `flambeau.manual_seed` makes them reproducible. Draws are
made on the host, like the rest of flambeau's random functions, and moved to the parameters' device.
"""
from __future__ import annotations

import numpy as np

import flambeau as torch
from flambeau._device import device_of, xp_for
from flambeau._dispatch import Primitive, apply
from flambeau.ops.random import _rng

__all__ = ["standard_gamma", "standard_gamma_grad"]


class _StandardGamma(Primitive):
    """Gamma(alpha, 1) draws; the derivative of a draw w.r.t. alpha is the implicit reparameterisation
    gradient dx/dalpha = -(dF/dalpha)/(dF/dx), F the gamma CDF (Figurnov et al., 2018)."""

    save_inputs = True
    save_output = True
    draws = True  # under vmap: one draw per sample, each its own (see func/_vmap.py)

    @staticmethod
    def forward(alpha):
        host = alpha if isinstance(alpha, np.ndarray) else alpha.get()
        draws = _rng(None, batched_by_rule=True).standard_gamma(host.astype(np.float64))
        # NOTE: a tiny alpha can underflow a draw to 0, where log_prob is -inf; PyTorch clamps to the
        # smallest normal number of the dtype, and so do we
        draws = np.maximum(draws, np.finfo(host.dtype).tiny).astype(host.dtype)
        return xp_for(device_of(alpha)).asarray(draws)

    def backward(ctx, g):
        return (g * standard_gamma_grad(ctx.inputs[0], ctx.output),)


def standard_gamma(alpha):
    """Reparameterised Gamma(alpha, 1) samples with alpha's shape and dtype."""
    return apply(_StandardGamma, (alpha,))


def standard_gamma_grad(alpha, x):
    """d x / d alpha for x ~ Gamma(alpha, 1) at fixed CDF value, computed in float64 (no gradient).

    Below x = alpha + 1 the lower incomplete gamma function P is a series of positive terms; above it
    the upper one Q is a continued fraction. With P/pdf = x S / alpha and Q/pdf = x C:
      dx/da = -(x / a) (S (log x - psi(a + 1)) - sum_n c_n H_n)      (series S = sum_n c_n)
      dx/da = x C (log x - psi(a) + d log C / da)                     (continued fraction C)
    Neither form subtracts nearly equal numbers in its own region.
    """
    with torch.no_grad():
        a, x = torch.broadcast_tensors(alpha.detach().double(), x.detach().double())
        left = x <= a + 1
        series = _from_series(torch.where(left, a, 1.0), torch.where(left, x, 0.5))
        fraction = _from_continued_fraction(torch.where(left, 1.0, a), torch.where(left, 3.0, x))
        return torch.where(left, series, fraction).to(alpha.dtype)


_EPS = float(np.finfo(np.float64).eps)
# NOTE: both expansions need about sqrt(alpha) terms near x = alpha; the cap only guards against a
# pathological input looping forever (the result then carries the truncation error)
_MAX_TERMS = 100_000


def _from_series(a, x):
    c = torch.ones_like(a)  # c_n = prod_{k<=n} x / (a + k)
    harmonic = torch.zeros_like(a)  # H_n = sum_{k<=n} 1 / (a + k)
    s, weighted = c.clone(), torch.zeros_like(a)
    n = 0
    while True:
        n += 1
        c = c * x / (a + n)
        harmonic = harmonic + 1 / (a + n)
        s = s + c
        weighted = weighted + c * harmonic
        if n >= _MAX_TERMS or not bool((c > _EPS * s).any()):
            break
    return -(x / a) * (s * (torch.log(x) - torch.digamma(a + 1)) - weighted)


def _log_continued_fraction(a, x):
    """log C, Q(a, x) = x^a e^-x / Gamma(a) * C, by the modified Lentz method (valid for x > a + 1)."""
    tiny = 1e-300
    b = x + 1 - a
    c = torch.full_like(a, 1 / tiny)
    d = 1 / b
    h = d
    i = 0
    while True:
        i += 1
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = torch.where(d.abs() < tiny, tiny, d)
        c = b + an / c
        c = torch.where(c.abs() < tiny, tiny, c)
        d = 1 / d
        delta = d * c
        h = h * delta
        # NOTE: 4 eps, as rounding can leave delta oscillating a unit in the last place away from 1
        if i >= _MAX_TERMS or not bool(((delta - 1).abs() > 4 * _EPS).any()):
            break
    return torch.log(h)


def _from_continued_fraction(a, x):
    # NOTE: d log C / da by a central difference: log C is accurate to ~1e-15, so a relative step of
    # 1e-5 leaves an error near 1e-10, far below float32 resolution
    step = 1e-5 * a.clamp(min=1.0)
    both = _log_continued_fraction(torch.cat([a + step, a - step]), torch.cat([x, x]))
    upper, lower = both.chunk(2)
    dlog_c = (upper - lower) / (2 * step)
    log_c = _log_continued_fraction(a, x)
    return x * torch.exp(log_c) * (torch.log(x) - torch.digamma(a) + dlog_c)
