"""The gamma family without SciPy: lgamma, digamma, polygamma, mvlgamma and the Hurwitz zeta function
(vectorised, float64-accurate).

All are computed in float64 and rounded once to the input's dtype:
- lgamma: Lanczos' approximation (g = 7, 9 terms; relative error of Gamma ~1e-15) for x >= 0.5,
  the reflection formula below.
- digamma: the asymptotic series for x >= 10 after the recurrence psi(x) = psi(x + 1) - 1/x,
  reflection psi(x) = psi(1 - x) - pi / tan(pi x) for x < 0 (PyTorch: -inf at 0, nan at negative integers).
- polygamma(n >= 1): (-1)^(n+1) n! zeta(n + 1, x), the Hurwitz zeta function by Cephes' method
  (direct sum until the argument exceeds 9, then Euler-Maclaurin), which PyTorch also uses.
- zeta(x, q): the same Hurwitz sum for real x > 1, with Cephes' domain; PyTorch differentiates it in q only.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from .elementwise import _float_input, _out, add_inplace_variants
from .special_common import binary, check_kernel_dtype, in_float64, in_float64_binary

_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# B_2k / (2k) for the digamma asymptotic series
_DIGAMMA_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
# Cephes' Euler-Maclaurin denominators (2k)! / B_2k for the Hurwitz zeta tail
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)
_EPS = np.finfo(np.float64).eps


def _lgamma_positive(x):
    """lgamma for x >= 0.5 (Lanczos)."""
    z = x - 1.0
    a = np.full_like(z, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], 1):
        a += c / (z + i)
    t = z + (_LANCZOS_G + 0.5)
    return _HALF_LOG_2PI + (z + 0.5) * np.log(t) - t + np.log(a)


def _lgamma64(x):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        right = _lgamma_positive(np.maximum(x, 0.5))
        xl = np.minimum(x, 0.5)
        # NOTE: sin(pi x) through x mod 2 keeps the reflection accurate for large negative x
        sin = np.abs(np.sin(math.pi * np.fmod(xl, 2.0)))
        left = math.log(math.pi) - np.log(sin) - _lgamma_positive(1.0 - xl)
        r = np.where(x >= 0.5, right, left)
        r = np.where((x <= 0) & (x == np.floor(x)), np.inf, r)  # poles
        return np.where(np.isinf(x), np.inf, r)


def _digamma_from(x):
    """digamma for x > 0: shift up to x >= 10 with the recurrence, then the asymptotic series."""
    acc = np.zeros_like(x)
    y = x.copy()
    while True:
        low = y < 10.0
        if not low.any():
            break
        acc -= np.where(low, 1.0 / y, 0.0)
        y += low
    w = 1.0 / (y * y)
    series = np.zeros_like(y)
    for c in reversed(_DIGAMMA_ASYMPTOTIC):
        series = (series + c) * w
    return acc + np.log(y) - 0.5 / y - series


def _digamma64(x):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pos = np.where(x > 0, x, 1.0)
        refl = np.where(x > 0, 1.0, 1.0 - x)  # psi(x) = psi(1 - x) - pi / tan(pi x)
        right = _digamma_from(pos)
        left = _digamma_from(refl) - math.pi / np.tan(math.pi * np.fmod(x, 1.0))
        r = np.where(x > 0, right, left)
        r = np.where((x < 0) & (x == np.floor(x)), np.nan, r)
        r = np.where(x == 0, np.copysign(np.inf, -x), r)  # PyTorch: -inf at +0, inf at -0
        r = np.where(x == np.inf, np.inf, r)
        return np.where(x == -np.inf, np.nan, r)


def _hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (q + k)^-s for s > 1 (a number, or an array of q's shape) by Cephes' method,
    vectorised: the direct sum until q + k exceeds 9, then Euler-Maclaurin."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = np.where(np.isfinite(q), q, 1.0)  # poles and nan are the caller's
        total = np.power(q, -s)
        a = q.copy()
        done = np.zeros_like(total, dtype=bool)
        i = 0
        while i < 9 or (a <= 9.0).any():
            i += 1
            a += 1.0
            b = np.power(a, -s)
            total += np.where(done, 0.0, b)
            done |= np.abs(b / total) < _EPS
        # Euler-Maclaurin tail from w = a; each element stops once its terms are below rounding
        w = a
        b = np.power(w, -s)
        total += np.where(done, 0.0, b * w / (s - 1.0) - 0.5 * b)
        fact, k = 1.0, 0.0
        for denom in _ZETA_A:
            fact *= s + k
            b = b / w
            term = fact * b / denom
            total += np.where(done, 0.0, term)
            done |= np.abs(term / total) < _EPS
            k += 1.0
            fact *= s + k
            b = b / w
            k += 1.0
        return total


def _zeta64(x, q):
    """The Hurwitz zeta function with Cephes' (and PyTorch's) domain: inf at x = 1 and at the poles
    q = 0, -1, ...; nan for x < 1, for q = inf, and for q < 0 with a non-integer x."""
    x, q = np.broadcast_arrays(x, q)
    ok = (x > 1.0) & ((q > 0) | (x == np.floor(x)))
    r = _hurwitz_zeta(np.where(ok, x, 2.0), np.where(ok, q, 1.0))
    r = np.where(ok, r, np.nan)
    r = np.where((x == 1.0) | ((x > 1.0) & (q <= 0) & (q == np.floor(q))), np.inf, r)
    return np.where(np.isnan(q) | (q == np.inf), np.nan, r)


def _trigamma_positive(x):
    """PyTorch's trigamma for x >= 0.5: recurrence to x + 6, then its asymptotic series."""
    r = np.zeros_like(x)
    for _ in range(6):
        r += 1.0 / (x * x)
        x = x + 1.0
    ixx = 1.0 / (x * x)
    return r + (1.0 + 1.0 / (2.0 * x) + ixx * (1.0 / 6.0 - ixx * (1.0 / 30.0 - ixx * (1.0 / 42.0)))) / x


def _polygamma_positive(n: int, x):
    # NOTE: n = 1 follows PyTorch's own trigamma series (within 1e-9 of the exact value), so values agree
    if n == 1:
        return _trigamma_positive(x)
    sign = 1.0 if n % 2 else -1.0
    return sign * math.exp(math.lgamma(n + 1.0)) * _hurwitz_zeta(n + 1.0, x)


def _cot_derivative(n: int, x):
    """d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)), P_0(c) = c, P_{k+1}(c) = -(1 + c^2) P_k'(c)."""
    poly = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        poly = -np.polynomial.Polynomial([1.0, 0.0, 1.0]) * poly.deriv()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = 1.0 / np.tan(math.pi * np.fmod(x, 1.0))
    return math.pi ** n * poly(c)


def _polygamma64(x, n: int):
    if n == 0:
        return _digamma64(x)
    # NOTE: negative x by reflection, psi_n(x) = (-1)^n psi_n(1 - x) - pi d^n/dx^n cot(pi x): the
    # direct sum would need -x terms before Euler-Maclaurin applies
    neg = x < (0.5 if n == 1 else 0.0)
    right = _polygamma_positive(n, np.where(neg, 1.0 - x, np.where(np.isnan(x), 1.0, x)))
    with np.errstate(invalid="ignore", over="ignore"):
        left = (-1.0) ** n * right - math.pi * _cot_derivative(n, np.where(neg, x, 0.5))
        r = np.where(neg, left, right)
        r = np.where((x <= 0) & (x == np.floor(x)), np.inf if n % 2 else -np.inf, r)
        r = np.where(x == np.inf, 0.0 if n == 1 else np.nan, r)  # PyTorch's zeta is nan at q = inf
        return np.where(np.isnan(x), np.nan, r)


class Lgamma(Primitive):
    save_inputs = True
    forward = in_float64(_lgamma64)

    def backward(ctx, g):
        return (g * digamma(ctx.inputs[0]),)


class Polygamma(Primitive):
    """polygamma(n, x); digamma is n = 0."""
    save_inputs = True
    forward = in_float64(_polygamma64)

    def backward(ctx, g):
        return (g * polygamma(ctx.args[0] + 1, ctx.inputs[0]),)


class Zeta(Primitive):
    """The Hurwitz zeta function zeta(x, q); PyTorch differentiates it in q only."""
    save_inputs = True
    forward = in_float64_binary(_zeta64)

    def backward(ctx, g):
        x, q = ctx.inputs
        if ctx.needs_input_grad(0):
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return None, g * -x * zeta(x + 1.0, q)


def lgamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    x = _float_input(input)
    check_kernel_dtype("lgamma", x)
    return _out(apply(Lgamma, (x,)), out)


def _integer(name: str, arg: str, position: int, value) -> int:
    """An int argument as PyTorch takes it: a Python int or anything with __index__, not a float or a bool."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be int, not {type(value).__name__}")
    return operator.index(value)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    n = _integer("polygamma", "n", 1, n)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = _float_input(input)
    check_kernel_dtype("polygamma", x)
    return _out(apply(Polygamma, (x,), n), out)


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return polygamma(0, input, out=out)


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The multivariate log-gamma: sum_{i<p} lgamma(x - i/2) + p(p-1)/4 log(pi)."""
    from .creation import arange
    from .reduction import sum
    from .shape import unsqueeze
    p = _integer("mvlgamma", "p", 2, p)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _float_input(input)
    halves = arange(p, dtype=x.dtype, device=x.device) * -0.5
    result = sum(lgamma(unsqueeze(x, -1) + halves), -1) + p * (p - 1) / 4 * math.log(math.pi)
    return _out(result, out)


zeta = binary("zeta", Zeta, half=False)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    return polygamma(n, self)


def _polygamma_inplace(self: Tensor, n: int) -> Tensor:
    from .._dispatch import update_inplace
    return update_inplace(self, polygamma(n, self))


TENSOR_METHODS = {"lgamma": lgamma, "digamma": digamma, "polygamma": _polygamma_method, "mvlgamma": mvlgamma}
add_inplace_variants(TENSOR_METHODS, ["lgamma", "digamma", "mvlgamma"])
TENSOR_METHODS["polygamma_"] = _polygamma_inplace

__all__ = ["digamma", "lgamma", "mvlgamma", "polygamma"]
