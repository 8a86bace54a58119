"""DropBlock ("DropBlock: A regularization method for convolutional networks", Ghiasi et al.): while training,
zero contiguous square (cubic) blocks of a feature map and rescale the rest to keep its expected sum."""
from __future__ import annotations

import math

from ... import nn
from ..._tensor import Tensor
from ...nn import functional as F
from ...ops.creation import empty

__all__ = ["drop_block2d", "drop_block3d", "DropBlock2d", "DropBlock3d"]


def _drop_block(input: Tensor, p: float, block_size: int, inplace: bool, eps: float, training: bool,
                dims: int) -> Tensor:
    """DropBlock over the last `dims` dimensions of an (N, C, *spatial) input."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}.")
    if input.ndim != dims + 2:
        raise ValueError(f"input should be {dims + 2} dimensional. Got {input.ndim} dimensions.")
    if not training or p == 0.0:
        return input
    spatial = tuple(input.shape[2:])
    block_size = min(block_size, *spatial)
    if block_size % 2 == 0:
        raise ValueError(f"block size should be odd. Got {block_size} which is even.")
    # gamma: the rate of block centres so that a fraction p of the elements ends up dropped; centres are drawn
    # only where a whole block fits
    valid = [s - block_size + 1 for s in spatial]
    gamma = (p * math.prod(spatial)) / (block_size ** dims * math.prod(valid))
    noise = empty((input.shape[0], input.shape[1], *valid), dtype=input.dtype, device=input.device)
    noise.bernoulli_(gamma)
    # pad back to the full size, then grow every centre into a block with a stride-1 max-pool
    half = block_size // 2
    noise = F.pad(noise, [half] * (2 * dims), value=0)
    max_pool = F.max_pool2d if dims == 2 else F.max_pool3d
    noise = max_pool(noise, stride=1, kernel_size=block_size, padding=half)
    noise = 1 - noise
    normalize_scale = noise.numel() / (eps + noise.sum())
    if inplace:
        return input.mul_(noise).mul_(normalize_scale)
    return input * noise * normalize_scale


def drop_block2d(input: Tensor, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06,
                 training: bool = True) -> Tensor:
    """DropBlock on an (N, C, H, W) input: drop block_size x block_size squares with overall probability p."""
    return _drop_block(input, p, block_size, inplace, eps, training, dims=2)


def drop_block3d(input: Tensor, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06,
                 training: bool = True) -> Tensor:
    """DropBlock on an (N, C, D, H, W) input: drop block_size cubes with overall probability p."""
    return _drop_block(input, p, block_size, inplace, eps, training, dims=3)


class DropBlock2d(nn.Module):
    """See :func:`drop_block2d`."""

    def __init__(self, p: float, block_size: int, inplace: bool = False, eps: float = 1e-06) -> None:
        super().__init__()
        self.p = p
        self.block_size = block_size
        self.inplace = inplace
        self.eps = eps

    def forward(self, input: Tensor) -> Tensor:
        return drop_block2d(input, self.p, self.block_size, self.inplace, self.eps, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, block_size={self.block_size}, inplace={self.inplace})"


class DropBlock3d(DropBlock2d):
    """See :func:`drop_block3d`."""

    def forward(self, input: Tensor) -> Tensor:
        return drop_block3d(input, self.p, self.block_size, self.inplace, self.eps, self.training)
