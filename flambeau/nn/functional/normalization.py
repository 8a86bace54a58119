"""Normalisation functions: batch_norm, instance_norm, layer_norm, group_norm, rms_norm,
local_response_norm and normalize, with PyTorch's signatures, running-statistics updates and errors.

The normalising step, with the affine part when both weight and bias are given, is a fused primitive
of ops/norm.py; otherwise the affine part is elementwise ops.
"""
from __future__ import annotations

import numbers
from typing import Sequence

from ..._dtype import finfo
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.creation import zeros
from ...ops.elementwise import div
from ...ops.joining import cat
from ...ops.norm import count_over, normalize_channels, normalize_over, normalize_rows_affine, statistic
from ...ops.random import _title

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm",
           "normalize"]


def _verify_batch_size(size) -> None:
    if size[0] * count_over(tuple(size), tuple(range(2, len(size)))) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def _channel_shape(input: Tensor) -> tuple:
    """(1, C, 1, ...): per-channel vectors broadcast against an (N, C, *) input."""
    return (1, input.shape[1]) + (1,) * (input.dim() - 2)


def _check_channels(name: str, t: Tensor | None, channels: int) -> None:
    if t is not None and t.numel() != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def _affine(x: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple | None = None) -> Tensor:
    if weight is not None:
        x = x * (weight if shape is None else weight.reshape(shape))
    if bias is not None:
        x = x + (bias if shape is None else bias.reshape(shape))
    return x


def _update_running(running: Tensor | None, batch_value, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch_value(), in place and outside autograd. NOTE: the
    batch's value is computed once running is scaled, so that jit.trace refuses the write into the buffer (and
    names it) before it meets the statistics, which it cannot save."""
    if running is None:
        return
    with no_grad():
        running.mul_(1 - momentum)
        running.add_(batch_value().to(running.dtype).reshape(running.shape) * momentum)


def _check_running_pair(running_mean: Tensor | None, running_var: Tensor | None) -> None:
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")


def _with_running_stats(input: Tensor, running_mean: Tensor, running_var: Tensor, weight, bias, eps: float):
    """Normalise with given statistics (evaluation mode), a differentiable composite in the form of PyTorch's CPU
    kernel: per channel alpha = weight / sqrt(var + eps) and beta = bias - mean * alpha, then input * alpha + beta
    (two passes over the input where subtracting, scaling, weighting and shifting it took four)."""
    shape = _channel_shape(input)
    alpha = (running_var + eps).rsqrt()
    if weight is not None:
        alpha = alpha * weight
    shift = running_mean * alpha
    beta = -shift if bias is None else bias - shift
    return input * alpha.reshape(shape) + beta.reshape(shape)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    _check_running_pair(running_mean, running_var)
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' (position 7) must be float, not NoneType")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_channels(name, t, channels)
    if not training:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        return _with_running_stats(input, running_mean, running_var, weight, bias, eps)
    axes = (0,) + tuple(range(2, input.dim()))
    stats: list = []
    if weight is not None and bias is not None:
        out = normalize_channels(input, eps, weight, bias, stats)
    else:
        out = _affine(normalize_over(input, axes, eps, stats), weight, bias, _channel_shape(input))
    if running_mean is not None:
        n = count_over(input.shape, axes)
        _update_running(running_mean, lambda: statistic(stats, 0), momentum)
        _update_running(running_var, lambda: statistic(stats, 1) * (n / (n - 1)), momentum)  # unbiased
    return out


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    _check_running_pair(running_mean, running_var)
    if use_input_stats:
        size = input.size()
        if count_over(tuple(size), tuple(range(2, len(size)))) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")
    else:
        if running_mean is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        return _with_running_stats(input, running_mean, running_var, weight, bias, eps)
    axes = tuple(range(2, input.dim()))
    n, channels = count_over(input.shape, axes), input.shape[1]
    stats: list = []
    if weight is not None and bias is not None and input.numel():
        shape = _channel_shape(input)
        out = normalize_rows_affine(input, (input.shape[0] * channels, n), eps, weight.reshape(shape),
                                    bias.reshape(shape), stats)
    else:
        out = _affine(normalize_over(input, axes, eps, stats), weight, bias, _channel_shape(input))
    if running_mean is not None:
        # PyTorch runs batch norm on (1, N*C, *) with the stats repeated N times, then averages them back
        _update_running(running_mean, lambda: statistic(stats, 0).reshape(-1, channels).mean(0), momentum)
        _update_running(running_var, lambda: (statistic(stats, 1).reshape(-1, channels) * (n / (n - 1))).mean(0),
                        momentum)
    return out


def _normalized_shape(normalized_shape) -> tuple:
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def _check_trailing(input: Tensor, shape: tuple, weight: Tensor | None, sep: str) -> tuple:
    """The axes normalised over; PyTorch's errors for a mismatched input or weight."""
    k = len(shape)
    if k == 0 or input.dim() < k or tuple(input.shape[-k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*{sep}"
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    return tuple(range(input.dim() - k, input.dim()))


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    shape = _normalized_shape(normalized_shape)
    axes = _check_trailing(input, shape, weight, ", ")
    if bias is not None and tuple(bias.shape) != shape:
        raise RuntimeError(f"Expected bias to be of same shape as normalized_shape, but got bias of shape "
                           f"{list(bias.shape)} and normalized_shape = {list(shape)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"LayerNormKernelImpl\" not implemented for '{_title(input.dtype)}'")
    if weight is not None and bias is not None and input.numel():
        n = count_over(tuple(input.shape), axes)
        return normalize_rows_affine(input, (input.numel() // n, n), eps, weight, bias)
    return _affine(normalize_over(input, axes, eps), weight, bias)


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    shape = _normalized_shape(normalized_shape)
    axes = _check_trailing(input, shape, weight, "")
    if eps is None:
        eps = finfo(input.dtype).eps
    out = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(input.shape[2:]))
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    if weight is not None and bias is not None and input.numel():
        shape = _channel_shape(input)
        grouped = (n * num_groups, input.numel() // (n * num_groups))
        return normalize_rows_affine(input, grouped, eps, weight.reshape(shape), bias.reshape(shape))
    grouped = input.reshape(n, num_groups, -1)
    out = normalize_over(grouped, (2,), eps).reshape(input.shape)
    return _affine(out, weight, bias, _channel_shape(input))


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    # the average of squares over a window of `size` channels, zero-padded: size//2 before, (size-1)//2 after
    sq = input * input
    channels = input.shape[1]
    pad_shape = list(input.shape)
    pad_shape[1] = size // 2
    before = zeros(pad_shape, dtype=input.dtype, device=input.device)
    pad_shape[1] = (size - 1) // 2
    after = zeros(pad_shape, dtype=input.dtype, device=input.device)
    padded = cat([before, sq, after], 1)
    window = padded[:, 0:channels]
    for i in range(1, size):
        window = window + padded[:, i:i + channels]
    div = (window / size * alpha + k) ** beta
    return input / div


def normalize(input: Tensor, p: float = 2.0, dim=1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return div(input, denom, out=out)

