"""Deprecated and legacy layers torch.nn still has: Container, NLLLoss2d, CrossMapLRN2d."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...ops.creation import tensor
from ...ops.joining import cat
from .loss import NLLLoss
from .module import Module

__all__ = ["Container", "NLLLoss2d", "CrossMapLRN2d"]


class Container(Module):
    """Deprecated: a Module built from keyword children."""

    def __init__(self, **kwargs: Module) -> None:
        super().__init__()
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now implemented in `nn.Module`. "
                      "Subclass that instead.", FutureWarning, stacklevel=2)
        for key, value in kwargs.items():
            self.add_module(key, value)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of NLLLoss (which takes (N, C, H, W) input itself)."""

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.", FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


def _cross_map_lrn2d(input: Tensor, size: int, alpha: float, beta: float, k: float) -> Tensor:
    """input * (k + alpha / size * S)^-beta, S the sum of squares over a window of channels.

    NOTE: this is the window Lua Torch's running-sum kernel (which PyTorch keeps) produces: channels
    c - r + 1 .. c + r - 1 with r = (size - 1) // 2 + 1, and channel 0 never leaves the sum once it is in,
    so LocalResponseNorm's (symmetric, zero-padded) window differs from it.
    """
    if input.dim() != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
    channels, reach = input.shape[1], int((size - 1) / 2 + 1)
    square = input * input
    running = cat([square[:, :1] * 0, square.cumsum(1)], 1)  # running[c] = sum of squares of channels < c
    high = tensor([min(channels, c + reach) for c in range(channels)], device=input.device)
    low = tensor([max(0, c - reach + 1) for c in range(channels)], device=input.device)
    sums = running.index_select(1, high) - running.index_select(1, low)
    stuck = tensor([float(c >= reach) for c in range(channels)], dtype=input.dtype, device=input.device)
    sums = sums + square[:, :1] * stuck.reshape(1, channels, 1, 1)
    return input * (sums * (alpha / size) + k).pow(-beta)


class CrossMapLRN2d(Module):
    """Local response normalisation across channels of (N, C, H, W) input, Lua Torch's formulation."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return _cross_map_lrn2d(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)
