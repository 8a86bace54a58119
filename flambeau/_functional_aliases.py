"""The torch.* forms of nn.functional ops, with ATen's top-level signatures.

`torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)`
orders its arguments differently from `F.batch_norm`, grid samplers take their modes as ints. Each function
here translates the arguments and calls the nn.functional op, so there is one implementation of every
computation. The losses are in _functional_losses.py.
"""
from __future__ import annotations

from ._nn_tensor_methods import hardshrink, prelu  # noqa: F401  (also Tensor methods)
from ._tensor import Tensor
from .nn import functional as F
from .nn.functional.dropout import _dropout_impl
from .ops.creation import arange, zeros
from .ops.search import searchsorted

__all__ = ["adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "max_pool1d", "max_pool2d", "max_pool3d",
           "max_pool1d_with_indices", "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "dropout_", "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
           "feature_dropout", "feature_dropout_", "celu", "celu_", "selu", "selu_", "rrelu", "rrelu_",
           "threshold", "threshold_", "hardshrink", "prelu", "embedding", "embedding_bag", "embedding_renorm_",
           "bilinear", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
           "constant_pad_nd", "conv_tbc", "affine_grid_generator", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d"]

_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")


# ------------------------------------------------------------------------------------------- pooling

def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    return F.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size) -> tuple:
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def avg_pool1d(input: Tensor, kernel_size, stride=(), padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    return F.avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode, count_include_pad)


def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    return F.max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    return F.max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode: bool = False) -> tuple:
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True)


# ------------------------------------------------------------------------------------- normalization

def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
               running_var: Tensor | None, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool) -> Tensor:
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                  running_var: Tensor | None, use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-05, cudnn_enable: bool = True) -> Tensor:
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-05, cudnn_enabled: bool = True) -> Tensor:
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    return F.rms_norm(input, normalized_shape, weight, eps)


# ------------------------------------------------------------------------------------------- dropout

def _dropout(input: Tensor, p: float, train: bool, inplace: bool, feature: bool, alpha: bool) -> Tensor:
    """ATen's dropout family: a p outside [0, 1] is a RuntimeError at this level (F's is a ValueError)."""
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _dropout_impl(input, p, train, inplace, feature, alpha)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, False, False)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, False, False, True)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, False, True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, False, True, False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, True, False)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, False, True, True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, True, True)


# ---------------------------------------------------------------------------------------- activations

def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return F.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return F.celu(input, alpha, inplace=True)


def selu(input: Tensor) -> Tensor:
    return F.selu(input)


def selu_(input: Tensor) -> Tensor:
    return F.selu(input, inplace=True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return F.rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return F.rrelu(input, lower, upper, training, inplace=True)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return F.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return F.threshold(input, threshold, value, inplace=True)


# ----------------------------------------------------------------------------------------- embeddings

def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    return F.embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Rescale in place the rows of `input` that `indices` names whose norm exceeds max_norm."""
    F.embedding(indices, input, max_norm=max_norm, norm_type=norm_type)
    return input


def embedding_bag(weight: Tensor, indices: Tensor, offsets: Tensor, scale_grad_by_freq: bool = False,
                  mode: int = 0, sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> tuple:
    """(output, offset2bag, bag_size, max_indices) as ATen returns them for 1-D indices with offsets."""
    name = ("sum", "mean", "max")[mode]
    out = F.embedding_bag(indices, weight, offsets, scale_grad_by_freq=scale_grad_by_freq, mode=name,
                          sparse=sparse, per_sample_weights=per_sample_weights,
                          include_last_offset=include_last_offset, padding_idx=padding_idx)
    num_bags = out.shape[0]
    offset2bag = searchsorted(offsets[:num_bags], arange(indices.shape[0], device=indices.device), right=True) - 1
    if mode == 0:
        bag_size = zeros(num_bags, dtype=indices.dtype, device=indices.device)
        return out, offset2bag, bag_size, bag_size.clone()
    bag_size = offset2bag.bincount(minlength=num_bags).to(indices.dtype)
    if mode == 1:
        return out, offset2bag, bag_size, bag_size.clone()
    # max: per (bag, column) the first row whose value is the bag's maximum
    rows = weight.detach()[indices]
    hit = rows == out.detach()[offset2bag]
    position = arange(indices.shape[0], device=indices.device).unsqueeze(1).expand(rows.shape)
    first = position.masked_fill(~hit, indices.shape[0])
    first = zeros(out.shape, dtype=first.dtype, device=first.device).scatter_reduce(
        0, offset2bag.unsqueeze(1).expand(rows.shape), first, "amin", include_self=False)
    return out, offset2bag, bag_size, indices[first.clamp(max=max(indices.shape[0] - 1, 0))]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    return F.bilinear(input1, input2, weight, bias)


# -------------------------------------------------------------------------------------- reshuffling, pad

def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    return F.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    return F.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    return F.channel_shuffle(input, groups)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    return F.native_channel_shuffle(input, groups)


def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:
    return F.pad(input, pad, "constant", value)


# ------------------------------------------------------------------------------------ convolution, grids

def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """1-D convolution on (time, batch, channels) input with a (kernel, in, out) weight."""
    if input.dim() != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.dim() != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.")
    if bias.dim() != 1:
        raise RuntimeError("Bias must be 1-D")
    out = F.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)


def affine_grid_generator(theta: Tensor, size, align_corners: bool) -> Tensor:
    return F.affine_grid(theta, size, align_corners)


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    return F.grid_sample(input, grid, _INTERPOLATIONS[interpolation_mode], _PADDINGS[padding_mode], align_corners)


def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)
