"""Upsampling layers: Upsample and its deprecated nearest/bilinear forms."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module, ModuleInputError

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]

_MODE_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


class Upsample(Module):
    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name", "recompute_scale_factor"]

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        wanted = _MODE_DIMS.get(self.mode)
        if (wanted is not None and input.dim() != wanted) or input.dim() not in (3, 4, 5):
            expected = f"{wanted}D" if wanted else "3D, 4D or 5D"
            raise ModuleInputError(self, f"expected {expected} input (N, C, *spatial) for mode '{self.mode}', "
                                         f"got shape {tuple(input.shape)}")
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
