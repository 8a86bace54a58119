"""Padding layers: constant (zero), reflection, replication and circular padding of 1-3 spatial dims."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module
from .pooling import check_spatial_input

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _amounts(padding, nsp: int) -> tuple:
    """An int pads every side; a sequence lists (left, right, top, bottom, front, back)."""
    return tuple(padding) if isinstance(padding, (list, tuple)) else (padding,) * (2 * nsp)


class _PadNd(Module):
    __constants__ = ["padding"]
    mode = "constant"
    nsp = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _amounts(padding, self.nsp)

    def forward(self, input: Tensor) -> Tensor:
        check_spatial_input(self, input, self.nsp)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)  # any number of leading dims, as PyTorch

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    nsp = 1


class ConstantPad2d(_ConstantPadNd):
    nsp = 2


class ConstantPad3d(_ConstantPadNd):
    nsp = 3


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    mode, nsp = "reflect", 1


class ReflectionPad2d(_PadNd):
    mode, nsp = "reflect", 2


class ReflectionPad3d(_PadNd):
    mode, nsp = "reflect", 3


class ReplicationPad1d(_PadNd):
    mode, nsp = "replicate", 1


class ReplicationPad2d(_PadNd):
    mode, nsp = "replicate", 2


class ReplicationPad3d(_PadNd):
    mode, nsp = "replicate", 3


class CircularPad1d(_PadNd):
    mode, nsp = "circular", 1


class CircularPad2d(_PadNd):
    mode, nsp = "circular", 2


class CircularPad3d(_PadNd):
    mode, nsp = "circular", 3
