"""Elementwise and scan functions beyond the basic families: sinc, signbit, gcd, lcm, frexp, ldexp,
nextafter, isin, isreal, logcumsumexp, renorm, dist, diff, trapezoid, cumulative_trapezoid, i0."""
from __future__ import annotations

import math
import operator

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ._promote import promote
from .elementwise import (
    ELEMENT_TESTS,
    Predicate,
    _dtype_title,
    _float_input,
    _integral,
    _NonDifferentiable,
    _out,
    add_inplace_variants,
    exp,
    log,
    logical_xor,
    not_implemented,
    pow,
    where,
)
from .conjugate import holomorphic
from .elementwise_math import logaddexp_array, sin
from .joining import cat
from .reduction import normalize_dims, return_type, sum
from .scan import cumsum
from .shape import flip, narrow, reshape
from .statistics import vector_norm


class Gcd(_NonDifferentiable):
    forward = staticmethod(np.gcd)


class Lcm(_NonDifferentiable):
    forward = staticmethod(np.lcm)


class NextAfter(_NonDifferentiable):
    forward = staticmethod(np.nextafter)


class IsIn(_NonDifferentiable):
    @staticmethod
    def forward(elements, test_elements, invert):
        return np.isin(elements, test_elements, invert=invert)


gcd = _integral(Gcd, "gcd_cpu", allow_bool=False)
lcm = _integral(Lcm, "lcm_cpu", allow_bool=False)
frexp_result = return_type("frexp", ("mantissa", "exponent"))


def _mantissa(x):
    return np.frexp(x)[0]


def _exponent(x):
    return np.frexp(x)[1].astype(np.int32)


ELEMENT_TESTS.update(mantissa=_mantissa, exponent=_exponent)


def _bessel_i64(nu: int, x):
    """The modified Bessel function I_nu (nu = 0 or 1) in float64: the power series up to |x| = 30,
    beyond it the asymptotic expansion e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k."""
    a = np.abs(x)
    small = np.minimum(a, 30.0)
    q = (small / 2) ** 2
    term = small / 2 if nu else np.ones_like(small)
    series = term.copy()
    for k in range(1, 90):  # NOTE: at 30 the terms peak near k = 15 and are below 1e-17 of the sum by k = 90
        term = term * q / (k * (k + nu))
        series += term
    large = np.maximum(a, 30.0)
    coeff, tail = 1.0, np.ones_like(large)
    for k in range(1, 25):
        coeff *= -(4 * nu * nu - (2 * k - 1) ** 2) / (8 * k)
        tail += coeff / large ** k
    with np.errstate(over="ignore", invalid="ignore"):
        # NOTE: e^x overflows from x ~ 709.8 on, where PyTorch's I0 is inf too (nan at inf, like it)
        asymptotic = np.exp(large) * tail / np.sqrt(2 * math.pi * large)
        r = np.where(a <= 30.0, series, asymptotic)
    return np.copysign(r, x) if nu else r


def _bessel_forward(nu: int):
    def forward(x):
        return _bessel_i64(nu, x.astype(np.float64, copy=False)).astype(x.dtype, copy=False)
    return staticmethod(forward)


class I0(Primitive):
    save_inputs = True
    forward = _bessel_forward(0)

    def backward(ctx, g):
        return (g * apply(I1, (ctx.inputs[0],)),)


class I1(Primitive):
    save_inputs = True
    save_output = True
    forward = _bessel_forward(1)

    def backward(ctx, g):
        x = ctx.inputs[0]
        zero = x == 0
        # I1'(x) = I0(x) - I1(x) / x, 1/2 at 0
        return (g * where(zero, 0.5, i0(x) - ctx.output / where(zero, 1.0, x)),)


def i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(I0, (_float_input(input),)), out)


def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    x = _float_input(input)
    zero = x == 0
    # NOTE: the division sees 1 where x is 0, so neither the value nor its gradient there is nan
    y = where(zero, 1.0, x) * math.pi
    return _out(where(zero, 1.0, sin(y) / y), out)


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(Predicate, (input,), "signbit"), out)


def frexp(input: Tensor):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes, got {input.dtype}")
    return frexp_result(apply(Predicate, (input,), "mantissa"), apply(Predicate, (input,), "exponent"))


def ldexp(input, other, *, out: Tensor | None = None) -> Tensor:
    return _out(input * pow(2.0, other), out)


def nextafter(input, other, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(NextAfter, promote(input, other)), out)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    elements, test_elements = promote(elements, test_elements)
    if elements._data.dtype.kind == "c":  # PyTorch sorts to search: complex numbers have no order
        raise RuntimeError("Unsupported input type encountered for isin(): " + _dtype_title(elements))
    return apply(IsIn, (elements, test_elements), invert)


def isreal(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "c":
        return input.imag == 0
    return apply(Predicate, (input,), "all")


@holomorphic
class LogCumSumExp(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(x, axis):
        # NOTE: a running log-add-exp is stable without a max shift
        if not x.size or not x.ndim:
            return x.copy()
        if x.dtype.kind != "c":
            return np.logaddexp.accumulate(x, axis=axis)
        out = np.moveaxis(x.copy(), axis, 0)  # complex: no ufunc to accumulate, one step per position
        for i in range(1, out.shape[0]):
            out[i] = logaddexp_array(out[i - 1], out[i])
        return np.moveaxis(out, 0, axis)

    def backward(ctx, g):
        x, y, axis = ctx.inputs[0], ctx.output, ctx.args[0]
        if g._data.dtype.kind == "c":  # d out_j / d x_i = exp(x_i - out_j), j >= i: no sign split needed
            return (exp(x) * flip(cumsum(flip(g * exp(-y), axis), axis), axis),)
        # where out_j is -inf every x_i (i <= j) is -inf: those terms are 0, and a finite stand-in
        # for out_j keeps -inf - -inf out of them (and of the double backward)
        y = where(y == -math.inf, 0.0, y)
        # d out_j / d x_i = exp(x_i - out_j) for j >= i: a reversed log-cum-sum-exp of log|g| - out,
        # split by the sign of g so the logarithm exists
        def reverse_lcse(t):
            return flip(logcumsumexp(flip(t, axis), axis), axis)
        positive = reverse_lcse(where(g > 0, log(g.abs()), -math.inf) - y)
        negative = reverse_lcse(where(g < 0, log(g.abs()), -math.inf) - y)
        return (exp(positive + x) - exp(negative + x),)


def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype.kind in "biu":
        raise not_implemented("logcumsumexp_out_cpu", input)
    x = input
    axis = normalize_dims(dim, x.ndim)[0] if x.ndim else 0
    return _out(apply(LogCumSumExp, (x,), axis), out)


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    return vector_norm(input - other, p)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along `dim` whose p-norm exceeds maxnorm is scaled down to norm maxnorm."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    axis = normalize_dims(dim, input.ndim)[0]
    others = tuple(i for i in range(input.ndim) if i != axis)
    norm = vector_norm(input, p, others, keepdim=True)
    # NOTE: PyTorch divides by norm + 1e-7
    return input * where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    axis = normalize_dims(dim, input.ndim)[0]
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, axis) if len(parts) > 1 else input
    step = logical_xor if x._data.dtype == np.bool_ else operator.sub
    for _ in range(n):
        x = _steps(x, axis, step)
    return x


def _steps(t: Tensor, axis: int, op) -> Tensor:
    """op(t[1:], t[:-1]) along `axis` (empty when t has fewer than two entries there)."""
    size = t.shape[axis]
    length = max(size - 1, 0)
    return op(narrow(t, axis, min(1, size), length), narrow(t, axis, 0, length))


def _trapezoid_terms(name: str, y: Tensor, x, dx, dim: int) -> Tensor:
    """The area of each trapezoid along `dim`."""
    if y._data.dtype == np.bool_ or (x is not None and x._data.dtype == np.bool_):
        which = "`y`" if x is None else "`x` or `y`"
        raise NotImplementedError(f"{name}: received a bool input for {which}, but bool is not supported")
    axis = normalize_dims(dim, y.ndim)[0]
    sums = _steps(y, axis, operator.add)
    if x is None:
        return sums * ((1.0 if dx is None else dx) / 2)
    if x.ndim == 1:  # the sample points of `dim`, shared by every other index
        x = reshape(x, [-1] + [1] * (y.ndim - axis - 1))
        axis_x = 0
    else:
        axis_x = normalize_dims(dim, x.ndim)[0]
    return _steps(x, axis_x, operator.sub) * sums / 2


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    axis = normalize_dims(dim, y.ndim)[0]
    if y._data.shape[axis] == 0:  # no trapezoids: zeros, detached from y and x as in PyTorch
        return y.new_zeros(y._data.shape[:axis] + y._data.shape[axis + 1:])
    return sum(_trapezoid_terms("trapezoid", y, x, dx, dim), dim)


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    return cumsum(_trapezoid_terms("cumulative_trapezoid", y, x, dx, dim), dim)


TENSOR_METHODS = {
    "i0": i0, "sinc": sinc, "signbit": signbit, "gcd": gcd, "lcm": lcm, "frexp": frexp, "ldexp": ldexp,
    "nextafter": nextafter, "isreal": isreal, "logcumsumexp": logcumsumexp, "renorm": renorm,
    "dist": dist, "diff": diff,
}
_INPLACE = ["i0", "sinc", "gcd", "lcm", "ldexp"]
add_inplace_variants(TENSOR_METHODS, _INPLACE + ["nextafter", "renorm"], globals(), exported=_INPLACE)

__all__ = ["i0", "sinc", "signbit", "gcd", "lcm", "frexp", "ldexp", "nextafter", "isin", "isreal", "logcumsumexp",
           "renorm", "dist", "diff", "trapezoid", "trapz", "cumulative_trapezoid"] + [n + "_" for n in _INPLACE]
