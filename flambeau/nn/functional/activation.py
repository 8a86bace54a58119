"""nn.functional activations, as PyTorch defines them.

Most elementwise activations are composites of flambeau ops (their gradients, and double gradients,
follow from the ops); the exponential units (elu, selu, celu), gelu, silu, mish, softplus, softmax
and log_softmax are the fused primitives of flambeau.ops.activation. Where a
branch of a `where` could overflow (exp of a large input), the other branch's input is made safe first,
so the unselected branch never turns a gradient into nan. In-place forms compute out of place and
write back, so autograd sees an in-place op, as in PyTorch.
"""
from __future__ import annotations

import warnings

import flambeau

from ..._dispatch import check_inplace, update_inplace
from ..._tensor import Tensor
from ...ops.activation import elu as _elu, gelu as _gelu, log_softmax as _log_softmax, mish as _mish, \
    silu as _silu, softmax as _softmax, softplus as _softplus

__all__ = ["threshold", "threshold_", "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "elu", "elu_", "selu",
           "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_", "glu", "gelu",
           "logsigmoid", "hardshrink", "tanhshrink", "softsign", "softplus", "softmin", "softmax", "log_softmax",
           "gumbel_softmax", "softshrink", "tanh", "sigmoid", "hardsigmoid", "silu", "mish", "hardswish"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _run(fn, input: Tensor, inplace: bool, *args) -> Tensor:
    """fn(input, *args), or written into `input` when inplace. With autograd recording, the in-place form
    computes from a clone: the composite's nodes then save the clone, which the write does not modify."""
    if not inplace:
        return fn(input, *args)
    source = input
    if input.requires_grad and flambeau.is_grad_enabled():
        check_inplace(input)
        source = input.clone()
    return update_inplace(input, fn(source, *args))


def _zero(x: Tensor) -> Tensor:
    return x.new_zeros(())


# ------------------------------------------------------------------------------- rectifiers

def _threshold(x: Tensor, threshold: float, value: float) -> Tensor:
    return flambeau.where(x > threshold, x, value)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    return _run(_threshold, input, inplace, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _run(_threshold, input, True, threshold, value)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return flambeau.relu_(input) if inplace else flambeau.relu(input)


def relu_(input: Tensor) -> Tensor:
    return flambeau.relu_(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    # NOTE: clamp's gradient is zero at the bounds themselves, as hardtanh's is in PyTorch
    return _run(flambeau.clamp, input, inplace, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky_relu(x: Tensor, slope) -> Tensor:
    return flambeau.where(x > 0, x, x * slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _run(_leaky_relu, input, inplace, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return _run(_leaky_relu, input, True, negative_slope)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    count = weight.numel()
    if count != 1 and count != channels:
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{count} and channel size = {channels}.")
    w = weight.reshape(()) if count == 1 else weight.reshape((channels,) + (1,) * (input.dim() - 2))
    return _leaky_relu(input, w)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    with flambeau.no_grad():
        slopes = flambeau.empty_like(input).uniform_(lower, upper)  # flambeau's generator: manual_seed applies
    return _run(_leaky_relu, input, inplace, slopes)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


# ------------------------------------------------------------------------------- exponential units

def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _run(_elu, input, inplace, alpha, 1.0, 1.0)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _run(_elu, input, inplace, alpha, 1.0, 1.0 / alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    return _gelu(input, approximate)


# ------------------------------------------------------------------------------- smooth functions

def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _softplus(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    return -_softplus(-input)


def sigmoid(input: Tensor) -> Tensor:
    return flambeau.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return flambeau.tanh(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_silu, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_mish, input, inplace)


def _hardsigmoid(x: Tensor) -> Tensor:
    return flambeau.clamp(x + 3.0, 0.0, 6.0) / 6.0


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_hardsigmoid, input, inplace)


def _hardswish(x: Tensor) -> Tensor:
    # NOTE: written by pieces so that the gradient at -3 and 3 is PyTorch's (x/3 + 1/2 on [-3, 3])
    middle = x * (x + 3.0) / 6.0
    return flambeau.where(x < -3.0, _zero(x), flambeau.where(x <= 3.0, middle, x))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _run(_hardswish, input, inplace)


def softsign(input: Tensor) -> Tensor:
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    return input - input.tanh()


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    zero = _zero(input)
    return flambeau.where(input > lambd, input - lambd, flambeau.where(input < -lambd, input + lambd, zero))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return flambeau.where((input >= -lambd) & (input <= lambd), _zero(input), input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size {size}")
    a, b = input.chunk(2, dim)
    return a * flambeau.sigmoid(b)


# ------------------------------------------------------------------------------- softmax family

def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return _softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return _softmax(-input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _log_softmax(input, dim, dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    with flambeau.no_grad():
        gumbels = -flambeau.empty_like(logits).exponential_().log()  # ~Gumbel(0, 1)
    y_soft = _softmax((logits + gumbels) / tau, dim, None)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = flambeau.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft  # straight-through estimator
