"""ChannelShuffle: interleave the channels of `groups` groups (ShuffleNet)."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module, ModuleInputError

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    __constants__ = ["groups"]

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() <= 2 or (self.groups > 0 and input.shape[1] % self.groups):
            raise ModuleInputError(self, f"expected an input (N, C, *) with C divisible by {self.groups}, "
                                         f"got shape {tuple(input.shape)}")
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
