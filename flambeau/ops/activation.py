"""Fused activations: softmax and log_softmax, and the elementwise ones (elu, gelu, silu, softplus).

All are on a network's hot path: the forward runs on arrays in a few in-place passes instead of one op
(and one temporary) per term. The derivative formulas are written in flambeau ops, so create_graph=True
gives second derivatives; the elementwise ones also compute a plain backward (grad mode off) on
arrays, where the formula's ops would again cost a temporary each.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, _type_name, apply
from .._dtype import to_dtype
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import STATE
from .elementwise import _float_input, _select, cast, exp, not_implemented, where
from .elementwise_math import sigmoid
from ._zero_dim import on_0d_as_1d
from .special import erf, erf_array

_wrap = Tensor._wrap
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_UNSHIFTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# row-max ranges where the max shift is skipped: for softmax, exp(60) times any row length stays finite in
# float32 (e^60 * 1e9 < 3e38) and exp(-20) is far from underflow; for the log forms the output is
# x - log(sum(exp(x))), whose rounding grows with the log-sum-exp, so the range keeps it below ~8 + log(C)
SOFTMAX_BOUNDS = (-20.0, 60.0)
LOG_SOFTMAX_BOUNDS = (-8.0, 8.0)


def skips_shift(x, top, bounds: tuple) -> bool:
    """Whether exp(x) may be taken without subtracting the row maxima `top`. NOTE: the shift only guards
    exp against overflow and a row against underflowing whole; where every row max lies within `bounds`
    it changes nothing but rounding, and skipping it saves a full pass. nan and inf maxima fail the test."""
    return x.dtype in _UNSHIFTED_DTYPES and top.size > 0 and bounds[0] < top.min() and top.max() < bounds[1]


class Softmax(Primitive):
    save_output = True

    @staticmethod
    def forward(x, axis):
        # shifting by the row max keeps exp from overflowing; an all -inf row gives nan, like PyTorch
        top = x.max(axis=axis, keepdims=True)
        if skips_shift(x, top, SOFTMAX_BOUNDS):
            e = np.exp(x)
        else:
            e = np.subtract(x, top)
            np.exp(e, out=e)  # in place: a second full-size array costs more than the arithmetic
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def backward(ctx, g):
        y = ctx.output
        axis = ctx.args[0]
        if not STATE.enabled:  # plain backward: y * (g - sum(g * y)) in one buffer
            d = np.multiply(g._data, y._data)
            np.subtract(g._data, d.sum(axis=axis, keepdims=True), out=d)
            d *= y._data
            return (_wrap(d),)
        return (y * (g - (g * y).sum(axis, keepdim=True)),)


class LogSoftmax(Primitive):
    save_output = True

    @staticmethod
    def forward(x, axis):
        top = x.max(axis=axis, keepdims=True)
        s = x if skips_shift(x, top, LOG_SOFTMAX_BOUNDS) else x - top
        e = np.exp(s)
        return np.subtract(s, np.log(e.sum(axis=axis, keepdims=True)), out=e)  # the output reuses exp's buffer

    def backward(ctx, g):
        axis = ctx.args[0]
        if not STATE.enabled:  # plain backward: g - exp(y) * sum(g) in one buffer
            d = np.exp(ctx.output._data)
            d *= g._data.sum(axis=axis, keepdims=True)
            np.subtract(g._data, d, out=d)
            return (_wrap(d),)
        return (g - exp(ctx.output) * g.sum(axis, keepdim=True),)


@on_0d_as_1d
def _sigmoid_array(x):
    s = np.negative(x)
    np.exp(s, out=s)  # overflows to inf for very negative x, giving the right limit 0
    s += 1.0
    return np.reciprocal(s, out=s)


@on_0d_as_1d
def _gelu_grad(a, g):
    """The plain backward of gelu on arrays: g * (Phi(a) + a * phi(a))."""
    d = erf_array(a * _SQRT_HALF)
    d += 1.0
    d *= 0.5
    density = np.square(a)
    density *= -0.5
    np.exp(density, out=density)
    density *= a
    density *= _INV_SQRT_2PI
    d += density
    d *= g
    return d


@on_0d_as_1d
def _silu_grad(a, g):
    """The plain backward of silu on arrays: g * s * (1 + a * (1 - s)), s = sigmoid(a)."""
    s = _sigmoid_array(a)
    d = 1.0 - s
    d *= a
    d += 1.0
    d *= s
    d *= g
    return d


class Gelu(Primitive):
    """x * Phi(x), Phi the standard normal distribution function (the exact, erf form)."""
    save_inputs = True

    @staticmethod
    @on_0d_as_1d
    def forward(x):
        cdf = erf_array(x * _SQRT_HALF)
        cdf += 1.0
        cdf *= 0.5
        cdf *= x
        return cdf

    def backward(ctx, g):
        x = ctx.inputs[0]
        if not STATE.enabled:
            return (_wrap(_gelu_grad(x._data, g._data)),)
        return (g * ((erf(x * _SQRT_HALF) + 1.0) * 0.5 + x * exp(x * x * -0.5) * _INV_SQRT_2PI),)


class Silu(Primitive):
    """x * sigmoid(x)."""
    save_inputs = True

    @staticmethod
    @on_0d_as_1d
    def forward(x):
        s = _sigmoid_array(x)
        s *= x
        return s

    def backward(ctx, g):
        x = ctx.inputs[0]
        if not STATE.enabled:
            return (_wrap(_silu_grad(x._data, g._data)),)
        s = sigmoid(x)
        return (g * (s * (1.0 + x * (1.0 - s))),)


class Softplus(Primitive):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold; args: beta, threshold."""
    save_inputs = True

    @staticmethod
    @on_0d_as_1d
    def forward(x, beta, threshold):
        z = x * beta if beta != 1.0 else x
        # NOTE: max(z, 0) + log1p(exp(-|z|)) never overflows; max(z, 0) is (z + |z|) / 2, exact and
        # several times faster than np.maximum with a scalar
        a = np.abs(z)
        out = np.negative(a)
        np.exp(out, out=out)
        np.log1p(out, out=out)
        a += z
        a *= 0.5
        out += a
        if beta != 1.0:
            out /= beta
        return out if threshold == math.inf else _select(z > threshold, x, out)

    def backward(ctx, g):
        x = ctx.inputs[0]
        beta, threshold = ctx.args
        z = x * beta if beta != 1.0 else x
        if not STATE.enabled:  # plain backward: sigmoid(z), 1 past the threshold, on arrays
            d = _sigmoid_array(z._data)
            if threshold != math.inf:
                np.copyto(d, 1.0, where=z._data > threshold)
            d *= g._data
            return (_wrap(d),)
        grad = g * sigmoid(z)
        return (grad if threshold == math.inf else where(z > threshold, g, grad),)


@on_0d_as_1d
def _negative_part(a, factor: float):
    """min(a, 0) * factor. NOTE: computed as (a - |a|) * (factor / 2): three plain passes, several times
    faster than np.minimum with a scalar; exact (the halving is a power of two), and for a = +inf it gives
    nan, which callers never select."""
    z = np.abs(a)
    np.subtract(a, z, out=z)
    z *= factor * 0.5
    return z


class Elu(Primitive):
    """scale * x where x > 0, alpha * scale * expm1(input_scale * x) elsewhere (elu, selu, celu);
    args: alpha, scale, input_scale. x = 0 takes the exponential branch, like PyTorch's gradient."""
    save_inputs = True

    @staticmethod
    @on_0d_as_1d
    def forward(x, alpha, scale, input_scale):
        e = _negative_part(x, input_scale)  # expm1 never sees a positive input: no overflow
        np.expm1(e, out=e)
        e *= alpha * scale
        return _select(x > 0, x * scale if scale != 1.0 else x, e)

    def backward(ctx, g):
        x = ctx.inputs[0]
        alpha, scale, input_scale = ctx.args
        positive_grad = g * scale if scale != 1.0 else g
        slope = alpha * scale * input_scale
        if not STATE.enabled:  # plain backward: g * scale, or g * slope * exp(z)
            d = _negative_part(x._data, input_scale)
            np.exp(d, out=d)
            d *= slope
            d *= g._data
            # NOTE: z is 0 where x > 0 (nan where x = +inf), so d is g * slope there; when slope equals
            # scale (elu with alpha 1, usually celu) and every x is finite or -inf, that is already the
            # positive branch: one max replaces the mask and the select, a tenth of their cost
            if slope == scale and x._data.max(initial=-np.inf) < np.inf:  # False for a nan too
                return (_wrap(d),)
            return (_wrap(_select(x._data > 0, positive_grad._data, d)),)
        positive = x > 0
        negative_grad = g * (exp(where(positive, g.new_zeros(()), x) * input_scale) * slope)
        return (where(positive, positive_grad, negative_grad),)


def elu(input: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    """The exponential linear units: elu is (alpha, 1, 1), selu (its alpha, its scale, 1), celu (alpha, 1, 1/alpha)."""
    return apply(Elu, (_float_input(input),), float(alpha), float(scale), float(input_scale))


def gelu(input: Tensor) -> Tensor:
    if input._data.dtype.kind == "c":
        raise not_implemented("GeluKernelImpl", input)
    return apply(Gelu, (_float_input(input),))


def silu(input: Tensor) -> Tensor:
    return apply(Silu, (_float_input(input),))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = math.inf) -> Tensor:
    """log(1 + exp(beta * x)) / beta; with a finite threshold, x where beta * x exceeds it."""
    return apply(Softplus, (_float_input(input),), float(beta), float(threshold))


def _softmax_input(name: str, input: Tensor, dim: int, dtype) -> tuple:
    """(input cast to dtype, as at least 1-d; the wrapped axis)."""
    if dtype is not None:
        input = cast(input, to_dtype(dtype).np)
    kind = input._data.dtype.kind
    if kind not in "fV":
        dtype_name = _type_name(input._data.dtype)
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for \'{dtype_name}\'')
    axis = _wrap_dim(dim, input._data.ndim)
    return input, axis


def _run(prim, name: str, input: Tensor, dim: int, dtype) -> Tensor:
    x, axis = _softmax_input(name, input, dim, dtype)
    if x._data.size == 0:
        return x.clone()
    if x._data.ndim == 0:  # softmax of a scalar is over its single element
        return apply(prim, (x.reshape(1),), 0).reshape(())
    return apply(prim, (x,), axis)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return _run(Softmax, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return _run(LogSoftmax, "log_softmax", input, dim, dtype)


TENSOR_METHODS = {"softmax": softmax, "log_softmax": log_softmax}
__all__ = ["softmax", "log_softmax"]
