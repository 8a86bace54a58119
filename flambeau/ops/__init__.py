"""Primitives and public functions, one family per module.

Each family module lists its Tensor methods in TENSOR_METHODS; `bind_methods` attaches them
to the Tensor class, so `_tensor.py` stays about the tensor object itself.
"""
from __future__ import annotations

from .._tensor import Tensor
from . import conversion, creation, elementwise, reduction, shape

FAMILIES = [elementwise, reduction, shape, creation, conversion]


def bind_methods(families) -> None:
    for module in families:
        for name, fn in module.TENSOR_METHODS.items():
            setattr(Tensor, name, fn)


bind_methods(FAMILIES)
