"""Primitives and public functions, one family per module.

Each family module lists its public functions in `__all__` (exported as flambeau.<name>) and its
Tensor methods in TENSOR_METHODS; `bind_methods` attaches those to the Tensor class, so
`_tensor.py` stays about the tensor object itself.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._numpy_names import accept_numpy_names
from . import (activation, complex, conv, conversion, creation, elementwise, elementwise_math, elementwise_rounding, filling,
               einsum, index_ops, indexing, joining, linalg, loss, matmul, norm, pool, random, reduction, scan,
               rnn, scatter_gather, search, shape, sorting, spectral, special, special_gamma, special_igamma, math_extra, statistics, structure_extra, stats_extra,
               windows)

FAMILIES = [elementwise, elementwise_math, elementwise_rounding, special, special_gamma, special_igamma, math_extra, reduction, statistics, scan, sorting,
            shape, joining, indexing, scatter_gather, index_ops, search, matmul, einsum, linalg, creation, random,
            conversion, filling, windows, activation, conv, pool, norm, rnn, loss,
            structure_extra,
            stats_extra, complex, spectral]


def bind_methods(families) -> None:
    """Attach each family's methods to Tensor; its functions and methods with a `dim` take NumPy's names too."""
    for module in families:
        for name, fn in module.TENSOR_METHODS.items():
            setattr(Tensor, name, accept_numpy_names(fn, name, method=True))
        for name in module.__all__:
            setattr(module, name, accept_numpy_names(getattr(module, name), name))


bind_methods(FAMILIES)
