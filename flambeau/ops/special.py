"""Special functions without SciPy: erf, erfc, erfcx, erfinv (vectorised, float64-accurate), xlogy and
xlog1py, entr, logit.

float64 erf and erfc use the rational approximations of the Cephes library (S. L. Moshier), whose
peak relative error is below 1e-15; lower precisions compute erf in float32 with one rational
function on [-4, 4] (Eigen's and XLA's), within 5e-7 of the exact value; erfinv refines a
single-precision initial guess (M. Giles, "Approximating the erfinv function") with Newton steps on
the accurate float64 erf/erfc. erfcx = exp(x^2) erfc(x) reuses erfc's rational functions without
their exp(-x^2) factor. Lower precisions of erfc, erfcx and erfinv are computed in float64 and rounded once.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ._zero_dim import on_0d_as_1d
from .special_common import check_kernel_dtype, in_float64, poly, ratio, unary
from .elementwise import (_float_input, _float_operands, _out, _select, add_inplace_variants, exp, log,
                          require_tensor, where)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0

# Cephes erf/erfc coefficients, highest power first. U, Q and S have a leading 1.
_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
      7.00332514112805075473E3, 5.55923013010394962768E4)
_U = (1.0, 3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
      2.26290000613890934246E4, 4.92673942608635921086E4)
_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
      4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
      9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2)
_Q = (1.0, 1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
      9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
      1.65666309194161350182E3, 5.57535340817727675546E2)
_R = (5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
      6.16021097993053585195E0, 7.40974269950448939160E0, 2.97886665372100240670E0)
_S = (1.0, 2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1,
      1.70814450747565897222E1, 9.60896809063285878198E0, 3.36907645100081516050E0)

# float32 erf(x) = x * A(x^2) / B(x^2) on [-4, 4] (beyond, erf rounds to +-1 in float32)
_A32 = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
        -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02)
_B32 = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
        -1.42647390514189e-02)

# Giles' single-precision erfinv polynomials in w = -log(1 - y^2): central (w < 5) and tail
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


# NOTE: the branches below are evaluated on every element, each on an argument clipped into its own
# range, and merged by selecting bits (elementwise._select): a masked gather or np.where per branch
# costs more than the arithmetic. Large temporaries are few and reused: each fresh one costs page
# faults comparable to the arithmetic.

def _erf32(x):
    """erf of a float32 array, branch-free: one rational function."""
    x = np.clip(x, -4.0, 4.0)
    z = x * x
    r = poly(_A32, z)
    r *= x
    r /= poly(_B32, z, out=x)  # x's buffer takes the denominator
    return np.clip(r, -1.0, 1.0, out=r)  # the rational overshoots 1 by an ulp or two near 4


def _erf_small(x):
    """erf for |x| <= 1."""
    return ratio(_T, _U, x * x) * x


def _erfc_mid(a):
    """erfc for 1 <= a < 8."""
    r = ratio(_P, _Q, a)
    r *= np.exp(-(a * a))
    return r


def _erf64(x):
    small = _erf_small(np.clip(x, -1.0, 1.0))
    # NOTE: erfc(6) < 3e-17: erf is +-1 in float64 from there on, so the far-tail branch is not needed
    large = np.copysign(1.0 - _erfc_mid(np.clip(np.abs(x), 1.0, 6.0)), x)
    return _select(np.abs(x) <= 1.0, small, large)


def _erfc64(x):
    a = np.abs(x)
    small = 1.0 - _erf_small(np.clip(x, -1.0, 1.0))
    # clipped at 30: erfc is 0 or 2 to double precision beyond; keeps inf out of the ratios
    b = np.clip(a, 1.0, 30.0)
    tail = ratio(_R, _S, b)
    tail *= np.exp(-(b * b))
    y = _select(b < 8.0, _erfc_mid(np.minimum(b, 8.0)), tail)
    large = _select(x < 0, 2.0 - y, y)
    return _select(a < 1.0, small, large)


def _erfcx64(x):
    """exp(x^2) erfc(x): for x >= 1 the rationals of erfc without their exp(-x^2) factor (so no underflow),
    1/(sqrt(pi) x) beyond 1e8 (where the rational's powers overflow), erfcx(-x) = 2 exp(x^2) - erfcx(x)."""
    a = np.abs(x)
    small = np.exp(a * a) * (1.0 - _erf_small(np.minimum(a, 1.0)))
    b = np.clip(a, 1.0, 1e8)
    large = np.where(b < 8.0, ratio(_P, _Q, np.minimum(b, 8.0)), ratio(_R, _S, np.maximum(b, 8.0)))
    positive = np.where(a < 1.0, small, np.where(a > 1e8, 1.0 / (math.sqrt(math.pi) * a), large))
    return np.where(x < 0, 2.0 * np.exp(x * x) - positive, positive)


@on_0d_as_1d
def erf_array(x):
    """erf of a floating array, in its dtype (half types compute in float32)."""
    if x.dtype == np.float64:
        return _erf64(x)
    if x.dtype == np.float32:
        return _erf32(x)
    return _erf32(x.astype(np.float32)).astype(x.dtype)


def _erfinv64(y):
    a = np.abs(y)
    w = -np.log((1.0 - a) * (1.0 + a))
    x = np.where(w < 5.0, poly(_GILES_CENTRAL, w - 2.5), poly(_GILES_TAIL, np.sqrt(np.maximum(w, 5.0)) - 3.0)) * a
    # Newton steps on erf(x) = a near 0, and on log erfc(x) = log(1 - a) in the tails, where
    # erf(x) - a would cancel and erfc falls off too steeply for plain Newton
    tail = a > 0.5
    log_q = np.log(1.0 - a)
    for _ in range(3):
        density = _TWO_OVER_SQRT_PI * np.exp(-x * x)
        q = _erfc64(x)
        x = np.where(tail, x + (np.log(q) - log_q) * q / density, x - (_erf64(x) - a) / density)
    x = np.where(a == 1.0, np.inf, np.where(a > 1.0, np.nan, x))
    return np.copysign(x, y)


class Erf(Primitive):
    save_inputs = True
    forward = staticmethod(erf_array)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g * (_TWO_OVER_SQRT_PI * exp(-(x * x))),)


class Erfc(Primitive):
    save_inputs = True
    forward = in_float64(_erfc64)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g * (-_TWO_OVER_SQRT_PI * exp(-(x * x))),)


class Erfinv(Primitive):
    save_output = True
    forward = in_float64(_erfinv64)

    def backward(ctx, g):
        y = ctx.output
        return (g * (_SQRT_PI_OVER_TWO * exp(y * y)),)


class Xlogy(Primitive):
    """x * log(y), or x * log1p(y) with args (True,); 0 where x is 0, unless y is nan."""
    save_inputs = True

    @staticmethod
    def forward(x, y, plus_one):
        r = x * (np.log1p(y) if plus_one else np.log(y))
        return np.where((x == 0) & ~np.isnan(y), r.dtype.type(0), r)  # a scalar of r's dtype keeps bfloat16

    def backward(ctx, g):
        x, y = ctx.inputs
        plus_one = ctx.args[0]
        gx = gy = None
        if ctx.needs_input_grad(0):
            # NOTE: 0 where x is 0 and y outside the logarithm's domain, where the value is 0 too
            gx = where((x == 0) & (y <= (-1.0 if plus_one else 0.0)), 0.0, apply(Xlogy, (g, y), plus_one))
        if ctx.needs_input_grad(1):
            gy = g * x / (y + 1.0 if plus_one else y)
        return gx, gy


class Erfcx(Primitive):
    save_inputs = True
    save_output = True
    forward = in_float64(_erfcx64)

    def backward(ctx, g):
        return (g * (2.0 * ctx.inputs[0] * ctx.output - _TWO_OVER_SQRT_PI),)


def _entr64(x):
    """-x log(x): 0 at 0, -inf for negative x (and at +inf)."""
    r = -x * np.log(np.where(x > 0, x, 1.0))
    return np.where(x > 0, r, np.where(x == 0, 0.0, np.where(x < 0, -np.inf, x)))


class Entr(Primitive):
    save_inputs = True
    forward = in_float64(_entr64)

    def backward(ctx, g):
        return (-g * (1.0 + log(ctx.inputs[0])),)


class Logit(Primitive):
    save_inputs = True

    @staticmethod
    def forward(x, eps):
        if eps is not None:
            x = np.clip(x, eps, 1.0 - eps).astype(x.dtype, copy=False)  # bfloat16 would come back float32
        return np.log(x / (1 - x))

    def backward(ctx, g):
        x = ctx.inputs[0]
        eps = ctx.args[0]
        grad = g / (x * (1 - x))
        if eps is None:  # NOTE: nan outside [0, 1], where logit is undefined, like PyTorch
            return (where((x < 0) | (x > 1), math.nan, grad),)
        return (where((x < eps) | (x > 1.0 - eps), 0.0, grad),)


erf = unary("erf", Erf)
erfc = unary("erfc", Erfc)
erfinv = unary("erfinv", Erfinv)


def xlogy(input, other, *, out: Tensor | None = None) -> Tensor:
    x, y = _float_operands(input, other)
    check_kernel_dtype("xlogy", x)
    return _out(apply(Xlogy, (x, y), False), out)


def xlog1py(input, other, *, out: Tensor | None = None) -> Tensor:
    x, y = _float_operands(input, other)
    check_kernel_dtype("xlog1py", x)
    return _out(apply(Xlogy, (x, y), True), out)


erfcx = unary("erfcx", Erfcx, half=False)
entr = unary("entr", Entr)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    require_tensor("logit", "input", 1, input)
    x = _float_input(input)
    check_kernel_dtype("logit", x)
    return _out(apply(Logit, (x,), None if eps is None else float(eps)), out)


TENSOR_METHODS = {"erf": erf, "erfc": erfc, "erfinv": erfinv, "xlogy": xlogy, "logit": logit}
_INPLACE = ["erf", "erfc", "xlogy", "logit"]  # torch.erfinv_ exists only as a method
add_inplace_variants(TENSOR_METHODS, _INPLACE + ["erfinv"], globals(), exported=_INPLACE)

__all__ = ["erf", "erfc", "erfinv", "xlogy", "logit"] + [name + "_" for name in _INPLACE]
