"""nn.functional convolutions (the flambeau.conv* functions) and unfold/fold (im2col/col2im)."""
from __future__ import annotations

import math

from ..._dispatch import apply
from ..._tensor import Tensor
from ...ops.conv import (Col2Im, Im2Col, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                         conv_transpose3d)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold", "fold"]


def _pair(value, name: str) -> tuple:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2:
        raise RuntimeError(f"{name} must be an int or a tuple of two ints, got {value!r}")
    return pair


def _geometry(kernel_size, dilation, padding, stride) -> tuple:
    k, d, p, s = (_pair(v, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                           (padding, "padding"), (stride, "stride")))
    for name, v, low in (("kernel size", k, 1), ("stride", s, 1), ("dilation", d, 1), ("padding", p, 0)):
        if min(v) < low:
            raise RuntimeError(f"{name} should be {'greater than zero' if low else 'non-negative'}, but got "
                               f"{v[0]} and {v[1]}")
    return k, d, p, s


def _blocks(spatial, k, d, p, s) -> tuple:
    return tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(spatial, k, d, p, s))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks of a (B, C, H, W) or (C, H, W) input as columns (B, C * prod(kernel), L)."""
    nd = input._data.ndim
    if nd < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(nd, 1)}, {max(nd, 1) - 1}], "
                         "but got 2)")
    if nd > 4:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input._data.shape)}")
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride)
    spatial = input._data.shape[-2:]
    blocks = _blocks(spatial, k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(spatial)}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as {blocks}, but its "
                           "components must be at least one.")
    x = input if nd == 4 else input.unsqueeze(0)
    out = apply(Im2Col, (x,), k, ((p[0], p[0]), (p[1], p[1])), s, d)
    return out if nd == 4 else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns (B, C * prod(kernel), L) or (C * prod(kernel), L) back into a (B, C, *output_size) image."""
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input._data.shape)}")
    size = _pair(output_size, "output_size")
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride)
    ck, length = input._data.shape[-2:]
    if ck % math.prod(k):
        raise RuntimeError(f"Expected size of input's dimension {nd - 2} to be divisible by the product of "
                           f"kernel_size, but got input.size({nd - 2})={ck} and kernel_size={k}.")
    blocks = _blocks(size, k, d, p, s)
    given = f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}"
    if min(blocks) < 1:
        raise RuntimeError(f"{given}, calculated shape of the array of sliding blocks as {blocks}, but its "
                           "components must be at least one.")
    if length != math.prod(blocks):
        raise RuntimeError(f"{given}, expected size of input's dimension {nd - 1} to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but got "
                           f"input.size({nd - 1})={length}.")
    x = input if nd == 3 else input.unsqueeze(0)
    out = apply(Col2Im, (x,), size, k, ((p[0], p[0]), (p[1], p[1])), s, d)
    return out if nd == 3 else out.squeeze(0)
