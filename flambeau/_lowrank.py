"""torch.svd_lowrank and torch.pca_lowrank: randomized truncated SVD (Halko, Martinsson and Tropp 2009,
algorithm 4.4: a random range finder with `niter` subspace iterations, then the SVD of a small matrix)."""
from __future__ import annotations

from . import linalg
from ._tensor import Tensor
from .ops.random import randn

__all__ = ["svd_lowrank", "pca_lowrank"]


def _orthonormal_range(A: Tensor, q: int, niter: int) -> Tensor:
    """An (m, q) orthonormal basis approximately spanning A's dominant column space."""
    omega = randn(*A.shape[:-2], A.shape[-1], q, dtype=A.dtype, device=A.device)
    Q = linalg.qr(A.matmul(omega)).Q
    for _ in range(niter):
        Q = linalg.qr(A.mT.matmul(Q)).Q
        Q = linalg.qr(A.matmul(Q)).Q
    return Q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int = 2, M: Tensor | None = None) -> tuple:
    """(U, S, V) with A - M ~= U diag(S) V^T, of rank q; exact (but for rounding) when rank(A - M) <= q."""
    q = 6 if q is None else q
    if M is not None:
        A = A - M
    if A.shape[-2] < A.shape[-1]:  # work on the tall side
        V, S, U = svd_lowrank(A.mT, q, niter)
        return U, S, V
    Q = _orthonormal_range(A, q, niter)
    U, S, Vh = linalg.svd(Q.mT.matmul(A), full_matrices=False)
    return Q.matmul(U), S, Vh.mT


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """(U, S, V) of the principal components of the rows of A, centred on their mean when `center`."""
    m, n = A.shape[-2:]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter)
    return svd_lowrank(A, q, niter, A.mean(-2, keepdim=True))
