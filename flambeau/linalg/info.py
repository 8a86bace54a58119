"""How factorizations report failure: LAPACK's `info` per matrix (0, or the 1-based place where the
factorization broke down), the int32 tensors of the *_ex functions, and the errors of the plain forms.

NumPy's LAPACK wrappers only say that some matrix of a batch failed, so on failure the factorization is
redone here column by column to find which and where, as LAPACK's unblocked routines do.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .lu import lu_arrays, permutation_arrays
from .triangular import substitute

NOT_PD = ("{name}: {where}The factorization could not be completed because the input is not positive-definite "
          "(the leading minor of order {info} is not positive-definite).")
SINGULAR = ("{name}: {where}The diagonal element {info} is zero, the inversion could not be completed because the "
            "input matrix is singular.")


def raise_for_info(info, message: str, name: str, error: type) -> None:
    """Raise `error` with `message` for the first matrix whose info is not 0 (naming it when batched)."""
    flat = info.reshape(-1)
    bad = np.flatnonzero(flat)
    if bad.size:
        first = int(bad[0])
        where = f"(Batch element {first}): " if info.ndim else ""
        raise error(message.format(name=name, where=where, info=int(flat[first])))


def cholesky_arrays(a):
    """(L, info) of a batch of Hermitian matrices from their lower triangles. Where the leading minor of
    order j is not positive-definite, info is j and L stops there as LAPACK's potf2 leaves it (the
    failing pivot on the diagonal, the columns after it untouched)."""
    try:
        return np.linalg.cholesky(a), np.zeros_like(a, shape=a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    n = a.shape[-1]
    L = np.tril(a)
    info = np.zeros_like(a, shape=a.shape[:-2], dtype=np.int32)
    for j in range(n):
        alive = (info == 0)[..., None]
        row = L[..., j, :j]
        pivot = (a[..., j, j] - np.sum(row * row.conj(), axis=-1)).real
        failed = ~(pivot > 0)  # nan fails too
        info[(info == 0) & failed] = j + 1
        ok = alive[..., 0] & ~failed
        d = np.sqrt(np.where(ok, pivot, 1))
        L[..., j, j] = np.where(alive[..., 0], np.where(ok, d, pivot), L[..., j, j])
        below = (a[..., j + 1:, j] - np.matmul(L[..., j + 1:, :j], row.conj()[..., None])[..., 0]) / d[..., None]
        L[..., j + 1:, j] = np.where(ok[..., None], below, L[..., j + 1:, j])
    return L, info


def inverse_arrays(a):
    """(A^-1, info) of a batch of square matrices; singular ones get LAPACK's getrf info and inf/nan values."""
    try:
        return np.linalg.inv(a), np.zeros_like(a, shape=a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype, like=a), a.shape)
    x, info = lu_solve_arrays(a, eye)
    return x, info


def solve_arrays(a, b):
    """(X with A X = B, info of A's LU), B a batch of matrices broadcasting against A."""
    try:
        return np.linalg.solve(a, b), np.zeros_like(a, shape=a.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        return lu_solve_arrays(a, b)


def lu_solve_arrays(a, b):
    """Solve through our own LU, which (like LAPACK's getrs) divides by a zero pivot instead of raising."""
    lu, pivots, info = lu_arrays(a)
    p = permutation_arrays(pivots, a.shape[-1], a.dtype)
    y = substitute(lu, np.matmul(np.swapaxes(p, -1, -2), b), upper=False, unit=True)
    return substitute(lu, y, upper=True, unit=False), info


def info_tensor(info) -> Tensor:
    return Tensor._wrap(np.asarray(info, dtype=np.int32))
