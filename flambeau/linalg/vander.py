"""linalg.vander: the Vandermonde matrix of increasing powers, x[..., i] ** j for j < N."""
from __future__ import annotations

from .._tensor import Tensor
from ..ops.joining import cat
from ..ops.scan import cumprod


def vander(x: Tensor, N: int | None = None) -> Tensor:
    if x._data.dtype.kind == "b":
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    n = x._data.shape[-1] if x._data.ndim else 0
    N = n if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    column = x.unsqueeze(-1)
    # NOTE: powers as running products (like PyTorch), so integer inputs stay exact and x = 0 has
    # finite gradients; integers are promoted to int64 like cumprod's result
    powers = cumprod(column.expand(x._data.shape + (N - 1,)), -1)
    return cat([powers.new_ones(x._data.shape + (1,)), powers], -1)
