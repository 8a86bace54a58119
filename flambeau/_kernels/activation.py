"""Activation kernels: the elementwise ones (gelu, silu, mish, softplus, the exponential units) over a
flat range of elements, and softmax / log_softmax over a range of rows of a (rows, C) array.

A kernel computes in its arrays' dtype (float32 or float64; the caller computes half types in float32):
every constant goes through `like`, since a bare Python float would promote float32 to float64 and
halve the SIMD width. exp, expm1 and log1p are written here as polynomials (exp with its 2^n scale built
from the bits of a float), because numba without SVML compiles math.exp to a scalar libm call that
stops LLVM from vectorising the loop; these forms vectorise and stay within an ulp or two. erf is the
float32-accurate rational erf in float32, math.erf (scalar, exact) in float64.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.extending import overload

from . import FASTMATH, kernel

# NOTE: the helpers compile without reassociation, which would merge the two halves of ln 2 and cancel
# the rounding constant (x + round - round) on which their accuracy rests; LLVM inlines them into the
# kernels with their own flags.
_exact = kernel(fastmath=FASTMATH - {"reassoc"})

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_BETA = math.sqrt(2.0 / math.pi)  # gelu's tanh form: tanh(beta * (x + kappa * x^3))
_TANH_KAPPA = 0.044715


def like(x, c):
    """c in the dtype of x (a float or an array of floats)."""


def exp(x):
    """e^x, in the dtype of x."""


def erf(x):
    """erf(x), in the dtype of x."""


@overload(like, inline="always")
def _like(x, c):
    dtype = x.dtype if isinstance(x, types.Array) else x
    if dtype == types.float32:
        return lambda x, c: np.float32(c)
    return lambda x, c: np.float64(c)


# float64 exp: e^x = 2^n e^r, |r| <= ln(2)/2, e^r by its Taylor series to r^13 (float32: Cephes' expf)
_ROUND64 = 6755399441055744.0  # 1.5 * 2^52: x + _ROUND64 rounds x to an integer, held in the low bits
_LN2_HI64, _LN2_LO64 = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # n * _LN2_HI64 exact
_ROUND32 = np.float32(12582912.0)  # 1.5 * 2^23
_LN2_HI32, _LN2_LO32 = np.float32(0.693359375), np.float32(-2.12194440e-4)
_EXPF = tuple(np.float32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                                      1.6666665459e-1, 5.0000001201e-1))
_F32 = np.float32


@_exact
def _exp64(x):
    c = x if x > -746.0 else -746.0  # beyond, e^x is 0 or inf; the clamps keep n in range
    c = c if c < 710.0 else 710.0
    a = c * 1.4426950408889634
    t1 = a * 0.5 + _ROUND64  # n = n1 + n2 in two halves, so that 2^n1 2^n2 also reaches the subnormals
    n1 = t1 - _ROUND64
    t2 = (a - n1) + _ROUND64
    n = n1 + (t2 - _ROUND64)
    r = (c - n * _LN2_HI64) - n * _LN2_LO64
    p = 1.0 + r * (1.0 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (
        1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (1 / 3628800 + r * (1 / 39916800 + r * (
            1 / 479001600 + r * (1 / 6227020800.0)))))))))))))
    # 2^n for t = n + _ROUND64: the low bits of t hold n; n + 1023 shifted into the exponent field
    s1 = np.int64((np.float64(t1).view(np.int64) + 1023) << 52).view(np.float64)
    s2 = np.int64((np.float64(t2).view(np.int64) + 1023) << 52).view(np.float64)
    e = p * s1 * s2
    return e if x == x else x  # the clamps turn nan into a number


@_exact
def _exp32(x):
    c = x if x > _F32(-104.0) else _F32(-104.0)
    c = c if c < _F32(89.0) else _F32(89.0)
    a = c * _F32(1.44269504088896341)
    t1 = a * _F32(0.5) + _ROUND32
    n1 = t1 - _ROUND32
    t2 = (a - n1) + _ROUND32
    n = n1 + (t2 - _ROUND32)
    r = (c - n * _LN2_HI32) - n * _LN2_LO32
    p = (((((_EXPF[0] * r + _EXPF[1]) * r + _EXPF[2]) * r + _EXPF[3]) * r + _EXPF[4]) * r + _EXPF[5]) * (r * r)
    p = p + r + _F32(1.0)
    s1 = np.int32((np.float32(t1).view(np.int32) + 127) << 23).view(np.float32)
    s2 = np.int32((np.float32(t2).view(np.int32) + 127) << 23).view(np.float32)
    e = p * s1 * s2
    return e if x == x else x


# float32 erf(z) = z * A(z^2) / B(z^2) on [-4, 4] (Eigen's and XLA's; flambeau.ops.special's _erf32)
_A32 = tuple(np.float32(c) for c in (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                                     -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
                                     -1.60960333262415e-02))
_B32 = tuple(np.float32(c) for c in (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                                     -7.37332916720468e-03, -1.42647390514189e-02))


@_exact
def _erf32(z):
    z = _F32(-4.0) if z < _F32(-4.0) else z
    z = _F32(4.0) if z > _F32(4.0) else z  # erf is +-1 in float32 beyond 4; nan passes both tests
    w = z * z
    num = ((((((_A32[0] * w + _A32[1]) * w + _A32[2]) * w + _A32[3]) * w + _A32[4]) * w + _A32[5]) * w
           + _A32[6]) * z
    den = (((_B32[0] * w + _B32[1]) * w + _B32[2]) * w + _B32[3]) * w + _B32[4]
    r = num / den
    r = _F32(1.0) if r > _F32(1.0) else r  # the rational overshoots 1 by an ulp or two near 4
    return _F32(-1.0) if r < _F32(-1.0) else r


@overload(exp, inline="always")
def _exp(x):
    return (lambda x: _exp32(x)) if x == types.float32 else (lambda x: _exp64(x))


@overload(erf, inline="always")
def _erf(x):
    return (lambda x: _erf32(x)) if x == types.float32 else (lambda x: math.erf(x))


@numba.njit(inline="always")  # into the caller's code: LLVM judged it too large to inline, and a call
def expm1(z):                  # in the loop stops the vectorising
    """e^z - 1 for z <= 0 (and nan): near 0, where e^z - 1 would cancel, its Taylor series to z^14
    (below float64's resolution for |z| < 0.35)."""
    near = z * (like(z, 1.0) + z * (like(z, 1 / 2) + z * (like(z, 1 / 6) + z * (like(z, 1 / 24) + z * (
        like(z, 1 / 120) + z * (like(z, 1 / 720) + z * (like(z, 1 / 5040) + z * (like(z, 1 / 40320) + z * (
            like(z, 1 / 362880) + z * (like(z, 1 / 3628800) + z * (like(z, 1 / 39916800) + z * (
                like(z, 1 / 479001600) + z * (like(z, 1 / 6227020800) + z * like(z, 1 / 87178291200))))))))))))))
    return near if z > like(z, -0.35) else exp(z) - like(z, 1.0)


@_exact
def log1p_small(e):
    """log(1 + e) for e in [0, 1]: 2 atanh(s) = 2 (s + s^3 / 3 + s^5 / 5 ...), s = e / (2 + e) <= 1/3,
    to s^37 (below float64's resolution)."""
    s = e / (like(e, 2.0) + e)
    w = s * s
    p = like(e, 1 / 37)
    for k in range(17, -1, -1):  # a constant trip count: LLVM unrolls it and folds the coefficients
        p = p * w + like(e, 1.0) / like(e, 2 * k + 1)
    return like(e, 2.0) * s * p


# ------------------------------------------------------------------------------- elementwise
# NOTE: each kernel loops over its slices [start:stop], from index 0: LLVM then knows no index is
# negative, and drops the wraparound selects that turn every load into a scalar one.

@kernel
def gelu_forward(x, out, start, stop):
    """x * Phi(x) = x (1 + erf(x / sqrt 2)) / 2."""
    half, sqrt_half = like(x, 0.5), like(x, _SQRT_HALF)
    x, out = x[start:stop], out[start:stop]
    for i in range(out.size):
        out[i] = x[i] * (half + half * erf(x[i] * sqrt_half))


@kernel
def gelu_backward(x, g, out, start, stop):
    """g * (Phi(x) + x phi(x))."""
    half, sqrt_half, density = like(x, 0.5), like(x, _SQRT_HALF), like(x, _INV_SQRT_2PI)
    x, g, out = x[start:stop], g[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        out[i] = g[i] * (half + half * erf(v * sqrt_half) + v * exp(-half * v * v) * density)


@kernel
def gelu_tanh_forward(x, out, start, stop):
    """x (1 + tanh(u)) / 2 = x sigmoid(2u), u = beta (x + kappa x^3)."""
    one, beta, kappa = like(x, 1.0), like(x, -2.0 * _TANH_BETA), like(x, _TANH_KAPPA)
    x, out = x[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        out[i] = v / (one + exp(beta * (v + kappa * v * v * v)))


@kernel
def gelu_tanh_backward(x, g, out, start, stop):
    """g * (s + x s (1 - s) 2 u'(x)), s = sigmoid(2u)."""
    one, beta, kappa = like(x, 1.0), like(x, -2.0 * _TANH_BETA), like(x, _TANH_KAPPA)
    slope, slope3 = like(x, 2.0 * _TANH_BETA), like(x, 6.0 * _TANH_BETA * _TANH_KAPPA)
    x, g, out = x[start:stop], g[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        s = one / (one + exp(beta * (v + kappa * v * v * v)))
        out[i] = g[i] * (s + v * s * (one - s) * (slope + slope3 * v * v))


@kernel
def silu_forward(x, out, start, stop):
    one = like(x, 1.0)
    x, out = x[start:stop], out[start:stop]
    for i in range(out.size):
        out[i] = x[i] / (one + exp(-x[i]))


@kernel
def silu_backward(x, g, out, start, stop):
    """g * s (1 + x (1 - s)), s = sigmoid(x)."""
    one = like(x, 1.0)
    x, g, out = x[start:stop], g[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        s = one / (one + exp(-v))
        out[i] = g[i] * (s * (one + v * (one - s)))


@_exact
def _tanh_softplus(n):
    """tanh(softplus(x)) = n / (n + 2), n = e^x (e^x + 2). NOTE: a helper without reassociation, so that
    x * t is never rewritten as (x * n) / (n + 2), which overflows."""
    return n / (n + like(n, 2.0))


@kernel
def mish_forward(x, out, start, stop):
    """x tanh(softplus(x)); past 20, tanh(softplus(x)) is 1 in float64 (and e^2x would soon overflow)."""
    two, top = like(x, 2.0), like(x, 20.0)
    x, out = x[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        e = exp(v if v < top else top)
        out[i] = v * _tanh_softplus(e * (e + two))


@kernel
def mish_backward(x, g, out, start, stop):
    """g * (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x)) = n / m, m = n + 2: 1 - t^2 is
    4 (n + 1) / m^2 without cancellation, and taken as 0 past 20, where x times it is below float64's
    resolution of 1 (x = +inf still gives inf * 0, nan, as in PyTorch)."""
    one, two, four, top, zero = like(x, 1.0), like(x, 2.0), like(x, 4.0), like(x, 20.0), like(x, 0.0)
    x, g, out = x[start:stop], g[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        e = exp(v if v < top else top)
        n = e * (e + two)
        m = n + two
        factor = (e / (one + e)) * (four * (n + one) / (m * m))
        out[i] = g[i] * (n / m + v * (zero if v >= top else factor))


@kernel
def relu_backward(g, y, out, start, stop):
    """g where y > 0 or y is nan, 0 elsewhere (ReluBackward)."""
    zero = like(g, 0.0)
    g, y, out = g[start:stop], y[start:stop], out[start:stop]
    for i in range(out.size):
        out[i] = zero if y[i] <= zero else g[i]


@kernel
def softplus_forward(x, out, start, stop, beta, threshold):
    """log(1 + e^z) / beta = (max(z, 0) + log1p(e^-|z|)) / beta, z = beta x; x where z > threshold."""
    b, limit, zero = like(x, beta), like(x, threshold), like(x, 0.0)
    x, out = x[start:stop], out[start:stop]
    for i in range(out.size):
        z = x[i] * b
        soft = ((z if z > zero else zero) + log1p_small(exp(-abs(z)))) / b
        out[i] = x[i] if z > limit else soft


@kernel
def softplus_backward(x, g, out, start, stop, beta, threshold):
    """g * sigmoid(beta x), g where beta x > threshold."""
    b, limit, one = like(x, beta), like(x, threshold), like(x, 1.0)
    x, g, out = x[start:stop], g[start:stop], out[start:stop]
    for i in range(out.size):
        z = x[i] * b
        out[i] = g[i] if z > limit else g[i] / (one + exp(-z))


@kernel
def elu_forward(x, out, start, stop, alpha, scale, input_scale):
    """scale x where x > 0, alpha scale expm1(input_scale x) elsewhere."""
    negative, s, c, zero = like(x, alpha * scale), like(x, scale), like(x, input_scale), like(x, 0.0)
    x, out = x[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        z = c * (zero if v > zero else v)  # expm1 never sees a positive input: no overflow; nan passes
        curve = negative * expm1(z)
        out[i] = s * v if v > zero else curve


@kernel
def elu_backward(x, g, out, start, stop, alpha, scale, input_scale):
    """g scale where x > 0, g alpha scale input_scale e^(input_scale x) elsewhere (x = 0 included)."""
    slope, s, c, zero = like(x, alpha * scale * input_scale), like(x, scale), like(x, input_scale), like(x, 0.0)
    x, g, out = x[start:stop], g[start:stop], out[start:stop]
    for i in range(out.size):
        v = x[i]
        curve = slope * exp(c * (zero if v > zero else v))
        out[i] = g[i] * (s if v > zero else curve)


# ------------------------------------------------------------------------------- softmax rows
# NOTE: the row sums accumulate in float64 whatever the dtype: a float32 sum over a long row would
# otherwise carry errors that the log_softmax and softmax gradients (g - sum) expose; the cost is small
# next to the exps.

@kernel
def _row_max(x, r):
    m = like(x, -np.inf)
    for j in range(x.shape[1]):
        v = x[r, j]
        m = v if v > m else m
    return m


@kernel
def softmax_forward(x, out, start, stop):
    """e^(x - max) / sum, per row. NOTE: the max shift keeps exp from overflowing; a row of -inf, or
    one holding +inf or nan, gives nan throughout (-inf - -inf, or a nan sum), as in PyTorch."""
    for r in range(start, stop):
        m = _row_max(x, r)
        total = 0.0
        for j in range(x.shape[1]):
            e = exp(x[r, j] - m)
            out[r, j] = e
            total += e
        scale = like(x, 1.0 / total)
        for j in range(x.shape[1]):
            out[r, j] *= scale


@_exact
def _minus_both(v, m, log_total):
    """(v - m) - log_total. NOTE: without reassociation: v - (m + log_total) would round the large
    m + log_total first, and lose digits of a small result."""
    return (v - m) - log_total


@kernel
def log_softmax_forward(x, out, start, stop):
    """x - max - log(sum(e^(x - max))), per row."""
    for r in range(start, stop):
        m = _row_max(x, r)
        total = 0.0
        for j in range(x.shape[1]):
            total += exp(x[r, j] - m)
        log_total = like(x, np.log(total))
        for j in range(x.shape[1]):
            out[r, j] = _minus_both(x[r, j], m, log_total)


@kernel
def cross_entropy_forward(x, target, probs, losses, start, stop):
    """Per row: losses[r] = -log_softmax(x)[r, target[r]]; when probs has rows, the softmax goes there."""
    keep = probs.shape[0] > 0
    for r in range(start, stop):
        m = _row_max(x, r)
        total = 0.0
        for j in range(x.shape[1]):
            e = exp(x[r, j] - m)
            total += e
            if keep:
                probs[r, j] = e
        losses[r] = -_minus_both(x[r, target[r]], m, like(x, np.log(total)))
        if keep:
            scale = like(x, 1.0 / total)
            for j in range(x.shape[1]):
                probs[r, j] *= scale


@kernel
def cross_entropy_backward(probs, target, coef, out, start, stop):
    """(softmax - one_hot(target)) * coef, per row."""
    one = like(probs, 1.0)
    for r in range(start, stop):
        c = coef[r]
        for j in range(probs.shape[1]):
            out[r, j] = probs[r, j] * c
        t = target[r]
        out[r, t] = (probs[r, t] - one) * c


@kernel
def softmax_backward(y, g, out, start, stop):
    """y (g - sum(g y)), per row."""
    for r in range(start, stop):
        dot = 0.0
        for j in range(y.shape[1]):
            dot += g[r, j] * y[r, j]
        dot_ = like(y, dot)
        for j in range(y.shape[1]):
            out[r, j] = y[r, j] * (g[r, j] - dot_)


@kernel
def log_softmax_backward(y, g, out, start, stop):
    """g - e^y sum(g), per row."""
    for r in range(start, stop):
        total = 0.0
        for j in range(y.shape[1]):
            total += g[r, j]
        total_ = like(y, total)
        for j in range(y.shape[1]):
            out[r, j] = g[r, j] - exp(y[r, j]) * total_
