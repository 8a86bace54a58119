"""Randomized low-rank SVD and PCA: torch.svd_lowrank and torch.pca_lowrank (Halko, Martinsson & Tropp 2011,
"Finding structure with randomness"). Composites of matmul, qr and svd, so they are differentiable.

The random test matrix comes from flambeau's generator, so the results equal PyTorch's (up to the signs of
singular vectors) where the approximation is exact, i.e. when q is at least A's rank.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..ops.random import randn
from .decompositions import qr, svd


def _range_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """An orthonormal (..., m, q) basis that approximately spans the range of A - M (subspace iteration)."""
    def times(x: Tensor) -> Tensor:
        return A @ x if M is None else A @ x - M @ x

    def adjoint_times(x: Tensor) -> Tensor:
        return A.mH @ x if M is None else A.mH @ x - M.mH @ x

    test = randn(A.shape[-1], q, dtype=A.dtype, device=A.device)
    basis = qr(times(test)).Q
    for _ in range(niter):
        basis = qr(times(qr(adjoint_times(basis)).Q)).Q
    return basis


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None) -> tuple:
    """(U, S, V) with A - M ~ U diag(S) V^H, U (..., m, q), S (..., q), V (..., n, q)."""
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n or n > q:
        # work on A^H so that the small matrix B is q x m
        basis = _range_basis(A.mH, q, niter, None if M is None else M.mH)
        b = A @ basis if M is None else A @ basis - M @ basis
        u, s, vh = svd(b, full_matrices=False)
        return u, s, basis @ vh.mH
    basis = _range_basis(A, q, niter, M)
    b = basis.mH @ A if M is None else basis.mH @ A - basis.mH @ M
    u, s, vh = svd(b, full_matrices=False)
    return basis @ u, s, vh.mH


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """(U, S, V) of the centred data A (rows are samples): its principal directions are V's columns."""
    m, n = A.shape[-2:]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(-2, keepdim=True)
    return svd_lowrank(A, q, niter)
