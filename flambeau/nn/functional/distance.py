"""Distances: cosine_similarity, pairwise_distance and pdist, written as PyTorch's ATen composites."""
from __future__ import annotations

import numpy as np

from ..._dtype import FLOAT, FROM_NP
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops._promote import result_dtype
from ...ops.random import _title
from ...ops.statistics import vector_norm
from ...ops.shape import broadcast_tensors

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]

_wrap = Tensor._wrap


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    common = FROM_NP[result_dtype(x1, x2)]
    if common.category != FLOAT:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {_title(common)}")
    x1, x2 = broadcast_tensors(x1.to(common), x2.to(common))
    # each vector is divided by its norm first (stays within [-1, 1]); the norms are clamped to eps
    # outside autograd, so the gradient is that of the unclamped norm, as in PyTorch
    n1 = vector_norm(x1, 2, dim, keepdim=True).clone()
    n2 = vector_norm(x2, 2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    innermost = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, innermost, keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """Distances between every pair of rows i < j, in row-major order of (i, j)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input.dtype.category != FLOAT:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], 1)
    return vector_norm(input[_wrap(i)] - input[_wrap(j)], p, 1)
