"""The regularized incomplete gamma functions P(a, x) = gammainc (torch.igamma) and Q(a, x) = 1 - P
= gammaincc (torch.igammac), in float64 by Cephes' method (S. L. Moshier): the power series of P where
x <= max(1, a), the continued fraction of Q elsewhere, each computing the other as its complement.
Both are vectorised: every element iterates until its own terms fall below rounding.

PyTorch differentiates them in x only: d/dx P = x^(a-1) e^-x / Gamma(a).
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ._promote import promote
from .elementwise import _out, add_inplace_variants, exp, log, not_implemented, require_tensor
from .special_common import check_kernel_dtype, in_float64_binary
from .special_gamma import _lgamma64, lgamma

_EPS = np.finfo(np.float64).eps
_BIG = 4.503599627370496e15
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _max_terms(a) -> int:
    """Both expansions need about 10 sqrt(a) terms where x is near a (the terms fall like e^(-n^2 / 2a))."""
    return 100 + int(10.0 * math.sqrt(float(a.max(initial=0.0))))


def _prefactor(a, x):
    """x^a e^-x / Gamma(a). NOTE: for a >= 10 and x near a as exp(a (log1p(d) - d) + log(a / 2pi) / 2 - s(a)),
    d = x/a - 1 and s Stirling's series for lgamma: no cancellation between a log x, x and lgamma(a)."""
    direct = a * np.log(x) - x - _lgamma64(a)
    b = np.maximum(a, 10.0)
    d = (x - b) / b
    inv2 = 1.0 / (b * b)
    stirling = (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0 - inv2 * (
        1.0 / 1188.0 - inv2 * 691.0 / 360360.0))))) / b  # the next term is below 1e-15 from a = 10
    large = b * (np.log1p(d) - d) + 0.5 * np.log(b) - _HALF_LOG_2PI - stirling
    return np.exp(np.where((a >= 10.0) & (np.abs(d) < 0.5), large, direct))


def _lower_series(a, x):
    """P(a, x) = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1) ... (a + n))."""
    r = a.copy()
    c = np.ones_like(a)
    total = np.ones_like(a)
    active = np.ones_like(a, dtype=bool)
    for _ in range(_max_terms(a)):
        r += 1.0
        c *= x / r
        total += np.where(active, c, 0.0)
        active &= c > total * _EPS
        if not active.any():
            break
    return total * _prefactor(a, x) / a


def _upper_fraction(a, x):
    """Q(a, x) by the continued fraction (Legendre's), evaluated with rescaled convergents."""
    y = 1.0 - a
    z = x + y + 1.0
    c = np.zeros_like(a)
    pkm2, qkm2 = np.ones_like(a), x.copy()
    pkm1, qkm1 = x + 1.0, z * x
    ans = pkm1 / qkm1
    active = np.ones_like(a, dtype=bool)
    for _ in range(_max_terms(a)):
        c += 1.0
        y += 1.0
        z += 2.0
        yc = y * c
        pk = pkm1 * z - pkm2 * yc
        qk = qkm1 * z - qkm2 * yc
        nonzero = qk != 0
        r = pk / np.where(nonzero, qk, 1.0)
        change = np.where(nonzero, np.abs((ans - r) / np.where(r == 0, 1.0, r)), 1.0)
        ans = np.where(active & nonzero, r, ans)
        active &= change > _EPS
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        big = np.abs(pk) > _BIG
        scale = np.where(big, 1.0 / _BIG, 1.0)
        pkm2, pkm1, qkm2, qkm1 = pkm2 * scale, pkm1 * scale, qkm2 * scale, qkm1 * scale
        if not active.any():
            break
    return ans * _prefactor(a, x)


def _igamma64(a, x, upper: bool):
    """P(a, x), or Q(a, x) when `upper`, with PyTorch's values at the edges of the domain."""
    a, x = np.broadcast_arrays(a, x)
    inside = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    use_series = inside & ((x <= 1.0) | (x <= a))
    use_fraction = inside & ~use_series
    r = np.zeros_like(a, dtype=np.float64)
    if use_series.any():
        p = _lower_series(a[use_series], x[use_series])
        r[use_series] = 1.0 - p if upper else p
    if use_fraction.any():
        q = _upper_fraction(a[use_fraction], x[use_fraction])
        r[use_fraction] = q if upper else 1.0 - q
    # edges: P(a, 0) = 0, P(a, inf) = 1, P(inf, x) = 0, P(0, x > 0) = 1; nan for negative arguments
    edge_p = np.where(x == 0, 0.0, np.where((x == np.inf) | (a == 0), 1.0, 0.0))
    r = np.where(inside, r, 1.0 - edge_p if upper else edge_p)
    invalid = (a < 0) | (x < 0) | np.isnan(a) | np.isnan(x) | ((a == 0) & (x == 0)) | (np.isinf(a) & np.isinf(x))
    return np.where(invalid, np.nan, r)


class Igamma(Primitive):
    """P(a, x), or Q(a, x) with args (True,)."""
    save_inputs = True
    forward = in_float64_binary(_igamma64)

    def backward(ctx, g):
        a, x = ctx.inputs
        upper = ctx.args[0]
        if ctx.needs_input_grad(0):
            name = "igammac" if upper else "igamma"
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        density = exp((a - 1.0) * log(x) - x - lgamma(a))
        return None, g * (-density if upper else density)


def _incomplete_gamma(name: str, upper: bool):
    """torch.igamma / igammac: two tensors (no Python numbers), floating after promotion."""
    def fn(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        require_tensor(name, "input", 1, input)
        require_tensor(name, "other", 2, other)
        a, x = promote(input, other)
        if a._data.dtype.kind in "biu":
            raise not_implemented(f"{name}_cpu", a)
        check_kernel_dtype(name, a)
        return _out(apply(Igamma, (a, x), upper), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


igamma = _incomplete_gamma("igamma", upper=False)
igammac = _incomplete_gamma("igammac", upper=True)

TENSOR_METHODS = {"igamma": igamma, "igammac": igammac}
add_inplace_variants(TENSOR_METHODS, ["igamma", "igammac"])

__all__ = ["igamma", "igammac"]
