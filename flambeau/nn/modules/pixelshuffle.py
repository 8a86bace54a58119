"""PixelShuffle and PixelUnshuffle: channels to space and back."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module, ModuleInputError

__all__ = ["PixelShuffle", "PixelUnshuffle"]


def _check(module: Module, input: Tensor) -> None:
    if input.dim() < 3:
        raise ModuleInputError(module, f"expected an input (*, C, H, W) with at least 3 dims, "
                                       f"got shape {tuple(input.shape)}")


class PixelShuffle(Module):
    __constants__ = ["upscale_factor"]

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        _check(self, input)
        r2 = self.upscale_factor ** 2
        if input.shape[-3] % r2:
            raise ModuleInputError(self, f"expected the channel dim (-3) to be divisible by upscale_factor**2 = {r2}, "
                                         f"got shape {tuple(input.shape)}")
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    __constants__ = ["downscale_factor"]

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        _check(self, input)
        r = self.downscale_factor
        if input.shape[-1] % r or input.shape[-2] % r:
            raise ModuleInputError(self, f"expected height and width divisible by downscale_factor {r}, "
                                         f"got shape {tuple(input.shape)}")
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
