"""Fused activations: softmax and log_softmax, and the elementwise ones (elu, gelu, silu, softplus, mish).

All are on a network's hot path: the forward and the plain backward (grad mode off) each run as one
compiled pass (flambeau._kernels.activation), its elements or rows split over the intra-op threads. The
derivative formulas are also written in flambeau ops, for create_graph=True (second derivatives).
half types compute in float32 and round once.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, _type_name, apply
from .._dtype import to_dtype
from .._tensor import Tensor, _wrap_dim
from ..autograd.grad_mode import STATE
from ._parallel import parallel_rows
from .elementwise import _float_input, cast, exp, not_implemented, where
from .elementwise_math import sigmoid, tanh
from .special import erf

_wrap = Tensor._wrap
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_BETA = math.sqrt(2.0 / math.pi)
_TANH_KAPPA = 0.044715
_COMPUTED = (np.dtype(np.float32), np.dtype(np.float64))
# NOTE: an element of these kernels (an exp or erf polynomial, a division) costs about what four plain
# NumPy passes do, so it counts four times against _parallel.GRAIN: a (256, 1000) softmax uses two threads
_WORK = 4
_BLOCK = 1024  # elements: the kernels' thread ranges start at multiples of it (see _parallel.parallel_rows)
# cross_entropy skips the max shift where every row max lies in this range: the output is
# x - log(sum(exp(x))), whose rounding grows with the log-sum-exp, so the range keeps it below ~8 + log(C)
LOG_SOFTMAX_BOUNDS = (-8.0, 8.0)


def skips_shift(x, top, bounds: tuple) -> bool:
    """Whether exp(x) may be taken without subtracting the row maxima `top`. NOTE: the shift only guards
    exp against overflow and a row against underflowing whole; where every row max lies within `bounds`
    it changes nothing but rounding, and skipping it saves a full pass. nan and inf maxima fail the test."""
    return x.dtype in _COMPUTED and top.size > 0 and bounds[0] < top.min() and top.max() < bounds[1]


def _compute_dtype(dtype):
    return dtype if dtype in _COMPUTED else np.dtype(np.float32)


def _map(name: str, arrays: tuple, *args):
    """Kernel `name` of flambeau._kernels.activation over the elements of `arrays` (all of one shape): a
    new array of the first one's shape and dtype."""
    from .._kernels import activation as kernels
    kernel = getattr(kernels, name)
    shape, dtype = arrays[0].shape, arrays[0].dtype
    compute = _compute_dtype(dtype)
    flat = [np.ascontiguousarray(a, dtype=compute).reshape(-1) for a in arrays]
    out = np.empty(flat[0].size, compute)
    parallel_rows(lambda start, stop: kernel(*flat, out, start, stop, *args), out.size, out.size * _WORK, _BLOCK)
    return out.reshape(shape).astype(dtype, copy=False)


def _rows(name: str, arrays: tuple, axis: int):
    """Row kernel `name` of flambeau._kernels.activation along `axis` of `arrays` (all of one shape): a new
    C-contiguous array. Another axis than the last is moved last for the kernel, and back."""
    from .._kernels import activation as kernels
    kernel = getattr(kernels, name)
    dtype, last = arrays[0].dtype, arrays[0].ndim - 1
    if axis != last:
        arrays = [np.moveaxis(a, axis, -1) for a in arrays]
    shape = arrays[0].shape
    compute = _compute_dtype(dtype)
    rows = [np.ascontiguousarray(a, dtype=compute).reshape(-1, shape[-1]) for a in arrays]
    out = np.empty(rows[0].shape, compute)
    parallel_rows(lambda start, stop: kernel(*rows, out, start, stop), out.shape[0], out.size * _WORK)
    out = out.reshape(shape)
    if axis != last:
        out = np.moveaxis(out, -1, axis)
    return np.ascontiguousarray(out, dtype=dtype)


class Softmax(Primitive):
    save_output = True

    @staticmethod
    def forward(x, axis):
        return _rows("softmax_forward", (x,), axis)

    def backward(ctx, g):
        y = ctx.output
        axis = ctx.args[0]
        if not STATE.enabled:
            return (_wrap(_rows("softmax_backward", (y._data, g._data), axis)),)
        return (y * (g - (g * y).sum(axis, keepdim=True)),)


class LogSoftmax(Primitive):
    save_output = True

    @staticmethod
    def forward(x, axis):
        return _rows("log_softmax_forward", (x,), axis)

    def backward(ctx, g):
        axis = ctx.args[0]
        if not STATE.enabled:
            return (_wrap(_rows("log_softmax_backward", (ctx.output._data, g._data), axis)),)
        return (g - exp(ctx.output) * g.sum(axis, keepdim=True),)


class Gelu(Primitive):
    """x * Phi(x), Phi the standard normal distribution function; args: approximate, "none" (the exact,
    erf form) or "tanh" (Phi(x) ~ (1 + tanh(beta (x + kappa x^3))) / 2)."""
    save_inputs = True

    @staticmethod
    def forward(x, approximate):
        if approximate == "tanh":
            return _map("gelu_tanh_forward", (x,))
        return _map("gelu_forward", (x,))

    def backward(ctx, g):
        x = ctx.inputs[0]
        tanh_form = ctx.args[0] == "tanh"
        if not STATE.enabled:
            if tanh_form:
                return (_wrap(_map("gelu_tanh_backward", (x._data, g._data))),)
            return (_wrap(_map("gelu_backward", (x._data, g._data))),)
        if tanh_form:
            s = sigmoid((x + x * x * x * _TANH_KAPPA) * (2.0 * _TANH_BETA))  # (1 + tanh(u)) / 2
            return (g * (s + x * s * (1.0 - s) * (2.0 * _TANH_BETA) * (1.0 + x * x * (3.0 * _TANH_KAPPA))),)
        return (g * ((erf(x * _SQRT_HALF) + 1.0) * 0.5 + x * exp(x * x * -0.5) * _INV_SQRT_2PI),)


class Silu(Primitive):
    """x * sigmoid(x)."""
    save_inputs = True

    @staticmethod
    def forward(x):
        return _map("silu_forward", (x,))

    def backward(ctx, g):
        x = ctx.inputs[0]
        if not STATE.enabled:
            return (_wrap(_map("silu_backward", (x._data, g._data))),)
        s = sigmoid(x)
        return (g * (s * (1.0 + x * (1.0 - s))),)


class Mish(Primitive):
    """x * tanh(softplus(x))."""
    save_inputs = True

    @staticmethod
    def forward(x):
        return _map("mish_forward", (x,))

    def backward(ctx, g):
        x = ctx.inputs[0]
        if not STATE.enabled:
            return (_wrap(_map("mish_backward", (x._data, g._data))),)
        t = tanh(softplus(x))
        return (g * (t + x * sigmoid(x) * (1.0 - t * t)),)


class Softplus(Primitive):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold; args: beta, threshold."""
    save_inputs = True

    @staticmethod
    def forward(x, beta, threshold):
        return _map("softplus_forward", (x,), beta, threshold)

    def backward(ctx, g):
        x = ctx.inputs[0]
        beta, threshold = ctx.args
        if not STATE.enabled:
            return (_wrap(_map("softplus_backward", (x._data, g._data), beta, threshold)),)
        z = x * beta if beta != 1.0 else x
        grad = g * sigmoid(z)
        return (grad if threshold == math.inf else where(z > threshold, g, grad),)


class Elu(Primitive):
    """scale * x where x > 0, alpha * scale * expm1(input_scale * x) elsewhere (elu, selu, celu);
    args: alpha, scale, input_scale. x = 0 takes the exponential branch, like PyTorch's gradient."""
    save_inputs = True

    @staticmethod
    def forward(x, alpha, scale, input_scale):
        return _map("elu_forward", (x,), alpha, scale, input_scale)

    def backward(ctx, g):
        x = ctx.inputs[0]
        alpha, scale, input_scale = ctx.args
        if not STATE.enabled:
            return (_wrap(_map("elu_backward", (x._data, g._data), alpha, scale, input_scale)),)
        positive = x > 0
        positive_grad = g * scale if scale != 1.0 else g
        slope = alpha * scale * input_scale
        negative_grad = g * (exp(where(positive, g.new_zeros(()), x) * input_scale) * slope)
        return (where(positive, positive_grad, negative_grad),)


def elu(input: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    """The exponential linear units: elu is (alpha, 1, 1), selu (its alpha, its scale, 1), celu (alpha, 1, 1/alpha)."""
    return apply(Elu, (_float_input(input),), float(alpha), float(scale), float(input_scale))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if input._data.dtype.kind == "c":
        raise not_implemented("GeluKernelImpl", input)
    return apply(Gelu, (_float_input(input),), approximate)


def silu(input: Tensor) -> Tensor:
    return apply(Silu, (_float_input(input),))


def mish(input: Tensor) -> Tensor:
    return apply(Mish, (_float_input(input),))


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
