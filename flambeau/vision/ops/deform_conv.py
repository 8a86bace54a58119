"""Deformable convolution (v1, "Deformable Convolutional Networks", and v2 with a modulation mask,
"Deformable ConvNets v2"), as torchvision.ops.deform_conv2d computes it.

Every kernel tap reads the input at its regular position plus a learned (dy, dx) offset, bilinearly
interpolated with zeros outside the image. We gather those samples for all output positions at once
(an im2col whose columns are displaced) and finish with one grouped matmul, so autograd provides the
gradients for input, offset, mask, weight and bias.
"""
from __future__ import annotations

import math

import flambeau

from ... import nn
from ..._tensor import Tensor

__all__ = ["deform_conv2d", "DeformConv2d"]


def _pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - (dilation * (kernel - 1) + 1)) // stride + 1


def _sampling_positions(offset: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
                        padding: tuple[int, int], dilation: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """Rows and columns read by each (offset group, kernel tap, output position): (N, G, K * OH * OW) each.

    offset's channels are laid out as (group, kernel row, kernel column, dy/dx)."""
    n, _, out_h, out_w = offset.shape
    kh, kw = kernel
    off = offset.reshape(n, -1, kh, kw, 2, out_h, out_w)
    opts = {"dtype": offset.dtype, "device": offset.device}
    # regular grid: tap row i reads row oy * stride - padding + i * dilation (likewise for columns)
    tap_y = (flambeau.arange(kh, **opts) * dilation[0]).reshape(kh, 1, 1, 1)
    tap_x = (flambeau.arange(kw, **opts) * dilation[1]).reshape(1, kw, 1, 1)
    out_y = (flambeau.arange(out_h, **opts) * stride[0] - padding[0]).reshape(1, 1, out_h, 1)
    out_x = (flambeau.arange(out_w, **opts) * stride[1] - padding[1]).reshape(1, 1, 1, out_w)
    y = off[:, :, :, :, 0] + (tap_y + out_y)
    x = off[:, :, :, :, 1] + (tap_x + out_x)
    groups = off.shape[1]
    return y.reshape(n, groups, -1), x.reshape(n, groups, -1)


def _bilinear_gather(input: Tensor, y: Tensor, x: Tensor, groups: int) -> Tensor:
    """Bilinear samples of input (N, C, H, W) at (y, x) of shape (N, G, L): (N, G, C // G, L).

    Each of the four neighbours outside the image contributes zero, which is torchvision's rule (a point
    at or beyond -1 / H on either axis reads nothing)."""
    n, channels, height, width = input.shape
    flat = input.reshape(n, groups, channels // groups, height * width)
    y0, x0 = y.detach().floor(), x.detach().floor()
    ly, lx = y - y0, x - x0  # the fractional parts carry the gradient w.r.t. the offsets
    samples = None
    for dy, wy in ((0, 1 - ly), (1, ly)):
        for dx, wx in ((0, 1 - lx), (1, lx)):
            yi, xi = y0 + dy, x0 + dx
            inside = (yi >= 0) & (yi <= height - 1) & (xi >= 0) & (xi <= width - 1)
            index = (yi.clamp(0, height - 1) * width + xi.clamp(0, width - 1)).long()
            values = flat.gather(3, index.unsqueeze(2).expand(n, groups, channels // groups, index.shape[-1]))
            term = values * (wy * wx * inside.to(input.dtype)).unsqueeze(2)
            samples = term if samples is None else samples + term
    return samples


def deform_conv2d(input: Tensor, offset: Tensor, weight: Tensor, bias: Tensor | None = None,
                  stride: int | tuple[int, int] = (1, 1), padding: int | tuple[int, int] = (0, 0),
                  dilation: int | tuple[int, int] = (1, 1), mask: Tensor | None = None) -> Tensor:
    """Deformable convolution of input (N, C_in, H, W) with weight (C_out, C_in // groups, kh, kw).

    offset is (N, 2 * offset_groups * kh * kw, OH, OW), one (dy, dx) per group and kernel tap; mask,
    when given (v2), is (N, offset_groups * kh * kw, OH, OW) and scales every sample."""
    n, in_channels, height, width = input.shape
    out_channels, group_channels, kh, kw = weight.shape
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    offset_groups = offset.shape[1] // (2 * kh * kw)
    if offset_groups == 0:
        raise RuntimeError(
            "the shape of the offset tensor at dimension 1 is not valid. It should "
            "be a multiple of 2 * weight.size[2] * weight.size[3].\n"
            f"Got offset.shape[1]={offset.shape[1]}, while 2 * weight.size[2] * weight.size[3]={2 * kh * kw}")
    out_h = _output_size(height, kh, stride[0], padding[0], dilation[0])
    out_w = _output_size(width, kw, stride[1], padding[1], dilation[1])
    if tuple(offset.shape[2:]) != (out_h, out_w):
        raise RuntimeError(f"offset output dims: ({offset.shape[2]}, {offset.shape[3]}) - "
                           f"computed output dims: ({out_h}, {out_w})")

    y, x = _sampling_positions(offset, (kh, kw), stride, padding, dilation)
    samples = _bilinear_gather(input, y, x, offset_groups)  # (N, G, C_in // G, K * OH * OW)
    if mask is not None:
        samples = samples * mask.reshape(n, offset_groups, 1, -1)
    # columns[n, c * K + k, p]: channel c read by tap k for output position p, as weight flattens (c, kh, kw)
    groups = in_channels // group_channels
    columns = samples.reshape(n, groups, group_channels * kh * kw, out_h * out_w)
    kernels = weight.reshape(groups, out_channels // groups, group_channels * kh * kw)
    out = flambeau.matmul(kernels, columns).reshape(n, out_channels, out_h, out_w)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out


class DeformConv2d(nn.Module):
    """See :func:`deform_conv2d`."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True) -> None:
        super().__init__()
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.groups = groups
        self.weight = nn.Parameter(flambeau.empty(out_channels, in_channels // groups, *self.kernel_size))
        if bias:
            self.bias = nn.Parameter(flambeau.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor, offset: Tensor, mask: Tensor | None = None) -> Tensor:
        return deform_conv2d(input, offset, self.weight, self.bias, stride=self.stride, padding=self.padding,
                             dilation=self.dilation, mask=mask)

    def __repr__(self) -> str:
        s = (f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
             f"kernel_size={self.kernel_size}, stride={self.stride}")
        s += f", padding={self.padding}" if self.padding != (0, 0) else ""
        s += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        s += f", groups={self.groups}" if self.groups != 1 else ""
        s += ", bias=False" if self.bias is None else ""
        return s + ")"
