"""Convolution: conv1d/2d/3d and their transposes, on three primitives closed under differentiation.

All three are slices of one trilinear form <conv(x, w), g>, so the gradient of each is another:
  Conv(x, w)                 y  = w @ sliding windows of the padded x (im2col)
  ConvInputGrad(g, w)        gx = w^T @ g, then the columns are added back onto the image (col2im)
                                  - this is also the transposed convolution
  ConvWeightGrad(x, g)       gw = g @ windows(x)^T
Conv's backward is (ConvInputGrad, ConvWeightGrad), ConvInputGrad's is (Conv, ConvWeightGrad) and
ConvWeightGrad's is (ConvInputGrad, Conv): double backward comes for free.

The geometry travels as `(pads, stride, dilation, groups)`, pads being ((lo, hi), ...) per spatial dim.
`hi` may be negative: a transposed convolution whose output_padding exceeds its padding is the gradient
of a convolution that ignores the last rows of its input. Im2Col/Col2Im are F.unfold/F.fold.
The array kernels live in _conv_gemm.py (im2col + matmul) and _conv_depthwise.py (one channel per group,
whose forward is compiled: _kernels/depthwise.py), _conv_channels_last.py (ungrouped layers with 16 channels
or more, im2col with the channels innermost; depthwise layers on small maps) and, for dilated kernels that mostly read padding, _conv_taps.py
(one matmul per tap over the outputs it reads x for).
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from . import _conv_channels_last as _channels_last, _conv_depthwise as _depthwise, _conv_gemm as _gemm, _conv_taps as _taps
from .conjugate import holomorphic

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "convolution"]
TENSOR_METHODS: dict = {}


@holomorphic  # bilinear: complex gradients conjugate the other operand, as PyTorch's
class Conv(Primitive):
    """y = conv(x, w): x (B, C, *spatial), w (O, C/groups, *kernel) -> (B, O, *out)."""
    save_inputs = True
    reads = ((1,), (0,))

    @staticmethod
    def forward(x, w, pads, stride, dilation, groups):
        if _channels_last.depthwise_applies(x, w, pads, stride, dilation, groups):
            return _channels_last.depthwise_nchw(x, w, pads, stride, dilation)
        if _depthwise.forward_applies(x, w.shape[0], groups):
            return _depthwise.conv(x, w, pads, stride, dilation)
        if _taps.applies(x, w, pads, stride, dilation, groups):
            return _taps.conv(x, w, pads, stride, dilation)
        if _channels_last.applies(x, w, pads, stride, dilation, groups):
            return _channels_last.conv_nchw(x, w, pads, stride, dilation)
        return _gemm.conv(x, w, pads, stride, dilation, groups)

    def backward(ctx, g):
        x, w = ctx.inputs
        # shapes from metas: an input whose gradient nobody needs is not kept (reads)
        gx = apply(ConvInputGrad, (g, w), ctx.metas[0][0][2:], *ctx.args) if ctx.needs_input_grad(0) else None
        gw = apply(ConvWeightGrad, (x, g), ctx.metas[1][0][2:], *ctx.args) if ctx.needs_input_grad(1) else None
        return gx, gw


@holomorphic  # bilinear: complex gradients conjugate the other operand, as PyTorch's
class ConvInputGrad(Primitive):
    """The gradient of conv with respect to its input (= the transposed convolution of g with w)."""
    save_inputs = True
    reads = ((1,), (0,))

    @staticmethod
    def forward(g, w, spatial, pads, stride, dilation, groups):
        o, cg = w.shape[:2]
        ksize, out = w.shape[2:], g.shape[2:]
        if o <= cg * groups and all(s == 1 for s in stride):
            # NOTE: with unit stride and no more output than input channels, a convolution of g with the flipped,
            # channel-swapped kernel (im2col of g + one matmul) beats adding K column blocks onto the image
            flipped = w[(slice(None), slice(None)) + (slice(None, None, -1),) * len(ksize)]
            flipped = flipped.reshape((groups, o // groups, cg) + ksize).swapaxes(1, 2).reshape((groups * cg, o // groups) + ksize)
            reach = [d * (k - 1) for d, k in zip(dilation, ksize)]
            full = tuple((r - lo, n + r - m - (r - lo)) for r, (lo, _), n, m in zip(reach, pads, spatial, out))
            return Conv.forward(g, np.ascontiguousarray(flipped), full, stride, dilation, groups)
        return _gemm.conv_input_grad(g, w, spatial, pads, stride, dilation, groups)

    def backward(ctx, u):
        g, w = ctx.inputs
        spatial, *geometry = ctx.args
        gg = apply(Conv, (u, w), *geometry) if ctx.needs_input_grad(0) else None
        gw = apply(ConvWeightGrad, (u, g), ctx.metas[1][0][2:], *geometry) if ctx.needs_input_grad(1) else None
        return gg, gw


@holomorphic  # bilinear: complex gradients conjugate the other operand, as PyTorch's
class ConvWeightGrad(Primitive):
    """The gradient of conv with respect to its weight: windows of x contracted with g over batch and positions."""
    save_inputs = True
    reads = ((1,), (0,))

    @staticmethod
    def forward(x, g, ksize, pads, stride, dilation, groups):
        if _depthwise.weight_grad_applies(x.shape[1], g.shape[1], stride, groups, x.dtype):
            return _depthwise.conv_weight_grad(x, g, ksize, pads, dilation)
        if _channels_last.weight_grad_applies(x, stride, groups):
            return _channels_last.weight_grad_nchw(x, g, ksize, pads, stride, dilation)
        return _gemm.conv_weight_grad(x, g, ksize, pads, stride, dilation, groups)

    def backward(ctx, u):
        x, g = ctx.inputs
        _, *geometry = ctx.args
        gx = apply(ConvInputGrad, (g, u), ctx.metas[0][0][2:], *geometry) if ctx.needs_input_grad(0) else None
        gg = apply(Conv, (x, u), *geometry) if ctx.needs_input_grad(1) else None
        return gx, gg


class Im2Col(Primitive):
    """F.unfold: (B, C, *spatial) -> (B, C * prod(kernel), L)."""

    @staticmethod
    def forward(x, ksize, pads, stride, dilation):
        win = _gemm.windows(x, ksize, pads, stride, dilation)
        cols = win.reshape(x.shape[0], x.shape[1] * math.prod(ksize), math.prod(win.shape[2 + len(ksize):]))
        return cols if cols.flags.writeable else cols.copy()  # a reshape that stayed a view of x: copy it

    def backward(ctx, g):
        return (apply(Col2Im, (g,), ctx.metas[0][0][2:], *ctx.args),)


class Col2Im(Primitive):
    """F.fold: (B, C * prod(kernel), L) -> (B, C, *spatial), overlapping values summed."""

    @staticmethod
    def forward(cols, spatial, ksize, pads, stride, dilation):
        out = tuple((lo + n + hi - d * (k - 1) - 1) // s + 1
                    for (lo, hi), n, k, s, d in zip(pads, spatial, ksize, stride, dilation))
        b, ck = cols.shape[:2]
        cols = cols.reshape((b, ck // math.prod(ksize)) + tuple(ksize) + out)
        return _gemm.col2im(np.moveaxis(cols, 0, 1 + len(ksize)), spatial, pads, stride, dilation)

    def backward(ctx, g):
        return (apply(Im2Col, (g,), *ctx.args[1:]),)


# ------------------------------------------------------------------------------- public functions

_DIM_NAMES = ("depth", "height", "width")


def _expand(value, n: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


def _sizes(values) -> str:
    return "(" + " x ".join(map(str, values)) + ")"


def _check(input: Tensor, weight: Tensor, bias, n: int, stride, dilation, groups: int, transposed: bool):
    """PyTorch's argument checks shared by convolutions and transposed convolutions (shapes and dtypes)."""
    x, w = input._data, weight._data
    if w.ndim != n + 2:
        raise RuntimeError(f"Expected {n + 2}-dimensional weight for {n + 2}-dimensional input {list(x.shape)}, "
                           f"but got {w.ndim}-dimensional weight of size {list(w.shape)} instead")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(w.shape)}] instead")
    channels = w.shape[0] if transposed else w.shape[1] * groups
    if x.shape[1] != channels:
        given = f"transposed=1, weight of size {list(w.shape)}" if transposed else \
            f"groups={groups}, weight of size {list(w.shape)}"
        raise RuntimeError(f"Given {given}, expected input{list(x.shape)} to have {channels} channels, but got "
                           f"{x.shape[1]} channels instead")
    if x.dtype != w.dtype:
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same")
    if bias is not None:
        out_channels = w.shape[1] * groups if transposed else w.shape[0]
        if bias._data.shape != (out_channels,):
            raise RuntimeError(f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
                               f"{out_channels} elements, but got bias of size {list(bias._data.shape)} instead")
        if bias._data.dtype != x.dtype:
            from .matmul import _C_NAMES
            raise RuntimeError(f"Input type ({_C_NAMES[x.dtype.name]}) and bias type ({_C_NAMES[bias._data.dtype.name]}) "
                               "should be the same")


def _with_bias(out: Tensor, bias, n: int) -> Tensor:
    return out if bias is None else out + bias.reshape((-1,) + (1,) * n)


def _conv(input, weight, bias, stride, pads, dilation, groups: int, n: int) -> Tensor:
    stride, dilation = _expand(stride, n, "stride"), _expand(dilation, n, "dilation")
    _check(input, weight, bias, n, stride, dilation, groups, False)
    padded = tuple(lo + size + hi for (lo, hi), size in zip(pads, input._data.shape[2:]))
    kernel = tuple(d * (k - 1) + 1 for d, k in zip(dilation, weight._data.shape[2:]))
    if any(p < k for p, k in zip(padded, kernel)):
        raise RuntimeError(f"Calculated padded input size per channel: {_sizes(padded)}. Kernel size: "
                           f"{_sizes(kernel)}. Kernel size can't be greater than actual input size")
    return _with_bias(apply(Conv, (input, weight), pads, stride, dilation, groups), bias, n)


def _pads(input: Tensor, weight: Tensor, padding, stride, dilation, n: int) -> tuple:
    """((lo, hi), ...) from an int/tuple padding or 'same'/'valid' (for 'same', the odd extra goes last, as PyTorch)."""
    if not isinstance(padding, str):
        padding = _expand(padding, n, "padding")
        if any(p < 0 for p in padding):
            raise RuntimeError("negative padding is not supported")
        return tuple((p, p) for p in padding)
    if padding == "valid":
        return ((0, 0),) * n
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if any(s != 1 for s in _expand(stride, n, "stride")):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for d, k in zip(_expand(dilation, n, "dilation"), weight._data.shape[2:])]
    return tuple((t // 2, t - t // 2) for t in total)


def _batched(fn, input: Tensor, n: int, name: str, *args) -> Tensor:
    """Run fn on a batched input; an unbatched input (C, *spatial) gets a batch dim of 1 and loses it after."""
    nd = input._data.ndim
    if nd == n + 2:
        return fn(input, *args)
    if nd == n + 1:
        return fn(input.unsqueeze(0), *args).squeeze(0)
    raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input of "
                       f"size: {list(input._data.shape)}")


def _conv_padded(input, weight, bias, stride, padding, dilation, groups: int, n: int) -> Tensor:
    return _conv(input, weight, bias, stride, _pads(input, weight, padding, stride, dilation, n), dilation, groups, n)


def _conv_nd(n: int, name: str):
    def conv(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
             groups: int = 1) -> Tensor:
        return _batched(_conv_padded, input, n, name, weight, bias, stride, padding, dilation, groups, n)
    conv.__name__ = conv.__qualname__ = name
    conv.__doc__ = f"{name}(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1), as torch.{name}."
    return conv


conv1d = _conv_nd(1, "conv1d")
conv2d = _conv_nd(2, "conv2d")
conv3d = _conv_nd(3, "conv3d")


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups: int, dilation, n: int,
                    name: str) -> Tensor:
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    stride, dilation = _expand(stride, n, "stride"), _expand(dilation, n, "dilation")
    padding, output_padding = _expand(padding, n, "padding"), _expand(output_padding, n, "output_padding")
    _check(input, weight, bias, n, stride, dilation, groups, True)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)) or min(output_padding) < 0:
        dims = _DIM_NAMES[-max(n, 2):]  # PyTorch reports 1-d convolutions as 2-d ones
        full = lambda v, fill: (fill,) * (len(dims) - n) + v  # noqa: E731
        parts = [f"{what}_{d}: {v}" for what, vals, fill in (("output_padding", output_padding, 0), ("stride", stride, 1),
                                                             ("dilation", dilation, 1)) for d, v in zip(dims, full(vals, fill))]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    size = input._data.shape[2:]
    out = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op in
                zip(size, stride, padding, dilation, weight._data.shape[2:], output_padding))
    if min(out) <= 0:
        raise RuntimeError(f"Given input size per channel: {_sizes(size)}. Calculated output size per channel: "
                           f"{_sizes(out)}. Output size is too small")
    pads = tuple((p, p - op) for p, op in zip(padding, output_padding))
    return _with_bias(apply(ConvInputGrad, (input, weight), out, pads, stride, dilation, groups), bias, n)


def _conv_transpose_nd(n: int, name: str):
    def conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                       output_padding=0, groups: int = 1, dilation=1) -> Tensor:
        return _batched(_conv_transpose, input, n, name, weight, bias, stride, padding, output_padding, groups,
                        dilation, n, name)
    conv_transpose.__name__ = conv_transpose.__qualname__ = name
    conv_transpose.__doc__ = (f"{name}(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, "
                              f"dilation=1), as torch.{name}.")
    return conv_transpose


conv_transpose1d = _conv_transpose_nd(1, "conv_transpose1d")
conv_transpose2d = _conv_transpose_nd(2, "conv_transpose2d")
conv_transpose3d = _conv_transpose_nd(3, "conv_transpose3d")


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation, transposed: bool,
                output_padding, groups: int) -> Tensor:
    """torch.convolution: batched input, explicit arguments for every dimension."""
    n = weight._data.ndim - 2
    if transposed:
        return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, n,
                               "convolution")
    return _conv_padded(input, weight, bias, stride, padding, dilation, groups, n)
