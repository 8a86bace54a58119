"""The standard normal distribution: ndtr (its CDF), log_ndtr, and ndtri (the inverse CDF).

ndtr is PyTorch's composite (1 + erf(x / sqrt 2)) / 2, which is 0 below about -8.3 in float64; log_ndtr
stays accurate there through erfcx; ndtri uses the Cephes rational approximations (S. L. Moshier):
relative error below 1e-15 down to the smallest doubles.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive
from .._tensor import Tensor
from .elementwise import _float_input, _out, exp, require_tensor
from .special import _erfc64, _erfcx64, erf
from .special_common import in_float64, poly, ratio, unary

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_EXP_MINUS_2 = math.exp(-2.0)
# |p - 1/2| <= 3/8:  x = w + w^3 P0(w^2) / Q0(w^2), times sqrt(2 pi)
_P0 = (-5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1, 1.39312609387279679503E1,
       -1.23916583867381258016E0)
_Q0 = (1.0, 1.95448858338141759834E0, 4.67627912898881538453E0, 8.63602421390890590575E1, -2.25462687854119370527E2,
       2.00260212380060660359E2, -8.20372256168333339912E1, 1.59056225126211695515E1, -1.18331621121330003142E0)
# tails, z = sqrt(-2 log p):  x = z - log(z)/z - P(1/z) / (z Q(1/z)); P1/Q1 for z < 8, P2/Q2 beyond
_P1 = (4.05544892305962419923E0, 3.15251094599893866154E1, 5.71628192246421288162E1, 4.40805073893200834700E1,
       1.46849561928858024014E1, 2.18663306850790267539E0, -1.40256079171354495875E-1, -3.50424626827848203418E-2,
       -8.57456785154685413611E-4)
_Q1 = (1.0, 1.57799883256466749731E1, 4.53907635128879210584E1, 4.13172038254672030440E1, 1.50425385692907503408E1,
       2.50464946208309415979E0, -1.42182922854787788574E-1, -3.80806407691578277194E-2, -9.33259480895457427372E-4)
_P2 = (3.23774891776946035970E0, 6.91522889068984211695E0, 3.93881025292474443415E0, 1.33303460815807542389E0,
       2.01485389549179081538E-1, 1.23716634817820021358E-2, 3.01581553508235416007E-4, 2.65806974686737550832E-6,
       6.23974539184983293730E-9)
_Q2 = (1.0, 6.02427039364742014255E0, 3.67983563856160859403E0, 1.37702099489081330271E0, 2.16236993594496635890E-1,
       1.34204006088543189037E-2, 3.28014464682127739104E-4, 2.89247864745380683936E-6, 6.79019408009981274425E-9)


def _ndtri64(p):
    upper = p > 1.0 - _EXP_MINUS_2
    q = np.where(upper, 1.0 - p, p)  # the tail probability, <= 1/2 in the tail branch
    w = np.clip(q, _EXP_MINUS_2, 1.0 - _EXP_MINUS_2) - 0.5
    w2 = w * w
    central = (w + w * (w2 * poly(_P0, w2) / poly(_Q0, w2))) * _SQRT_2PI
    z = np.sqrt(-2.0 * np.log(np.clip(q, np.finfo(np.float64).tiny, _EXP_MINUS_2)))
    inv = 1.0 / z
    correction = np.where(z < 8.0, ratio(_P1, _Q1, inv), ratio(_P2, _Q2, inv)) * inv
    tail = z - np.log(z) / z - correction
    tail = np.where(upper, tail, -tail)
    r = np.where(q > _EXP_MINUS_2, central, tail)
    r = np.where(p == 0.0, -np.inf, np.where(p == 1.0, np.inf, r))
    return np.where((p < 0.0) | (p > 1.0), np.nan, r)


def _log_ndtr64(x):
    t = x * _SQRT_HALF
    # NOTE: below -1, log(erfc(-t)/2) would underflow: log(erfcx(-t)/2) - t^2 instead
    left = np.log(_erfcx64(-np.minimum(t, -_SQRT_HALF)) / 2.0) - t * t
    right = np.log1p(-_erfc64(t) / 2.0)
    return np.where(x < -1.0, left, right)


class Ndtri(Primitive):
    save_output = True
    forward = in_float64(_ndtri64)

    def backward(ctx, g):
        y = ctx.output
        return (g * (_SQRT_2PI * exp(y * y * 0.5)),)


class LogNdtr(Primitive):
    save_inputs = True
    save_output = True
    forward = in_float64(_log_ndtr64)

    def backward(ctx, g):
        x = ctx.inputs[0]
        # phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): no underflowing ratio
        return (g * exp(-(x * x * 0.5 + ctx.output)) / _SQRT_2PI,)


def ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    require_tensor("ndtr", "input", 1, input)
    return _out((erf(_float_input(input) * _SQRT_HALF) + 1.0) * 0.5, out)


ndtri = unary("ndtri", Ndtri, half=False)
log_ndtr = unary("log_ndtr", LogNdtr, half=False)

TENSOR_METHODS: dict = {}
__all__: list = []  # torch.special only: flambeau/special/__init__.py exports them
