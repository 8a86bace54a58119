"""convert_conv2d_weight_memory_format / convert_conv3d_weight_memory_format.

PyTorch re-lays a convolution's weight in the given memory format (channels_last, ...). flambeau's tensors
have one layout, NumPy's row-major order, so there is nothing to move: the module comes back as it went in,
computing the same numbers, as PyTorch's does.
"""
from __future__ import annotations

from ..modules.module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def convert_conv2d_weight_memory_format(module: Module, memory_format) -> Module:
    return module


def convert_conv3d_weight_memory_format(module: Module, memory_format) -> Module:
    return module
