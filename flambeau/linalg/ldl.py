"""LDL^T (LDL^H) with Bunch-Kaufman pivoting: linalg.ldl_factor(_ex) and linalg.ldl_solve.

NumPy has no sytrf, so this is LAPACK's unblocked sytf2/hetf2 on the lower triangle, one matrix at a
time, and sytrs/hetrs to solve: the same pivots (1-based int32, negative for a 2x2 block of D) and the
same compact LD as PyTorch. As in PyTorch, neither function is differentiable.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._tensor import Tensor
from ._common import LinAlgError, batched_over_leading_dims, check_float, check_matrix, pivot_size, write_out, write_outs

LDLFactorResult = namedtuple("linalg_ldl_factor", ["LD", "pivots"])
LDLFactorExResult = namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"])

_ALPHA = (1 + 17 ** 0.5) / 8  # Bunch-Kaufman's growth bound


def _sytf2(a, hermitian: bool):
    """(compact LD, pivots, info) of one matrix, as LAPACK's ?sytf2 / ?hetf2 with uplo='L'."""
    n = a.shape[-1]
    a = np.tril(a).copy()
    herm = hermitian and np.iscomplexobj(a)
    cj = np.conj if herm else (lambda x: x)
    if herm:
        a[np.diag_indices(n)] = a.diagonal().real
    pivots = np.zeros(n, dtype=np.int32)
    info, k = 0, 0
    while k < n:
        step = 1
        absakk = abs(a[k, k].real) if herm else pivot_size(a[k, k])
        if k < n - 1:
            imax = k + 1 + int(np.argmax(pivot_size(a[k + 1:, k])))
            colmax = pivot_size(a[imax, k])
        else:
            imax, colmax = k, 0.0
        zero_column = max(absakk, colmax) == 0 or np.isnan(absakk)
        if zero_column:
            info = info or k + 1  # D(k) = 0: nothing to eliminate, the column stays as it is
            kp = k
        elif absakk >= _ALPHA * colmax:
            kp = k
        else:
            rowmax = pivot_size(a[imax, k:imax]).max()
            if imax < n - 1:
                rowmax = max(rowmax, pivot_size(a[imax + 1:, imax]).max())
            if absakk >= _ALPHA * colmax * (colmax / rowmax):
                kp = k
            elif (abs(a[imax, imax].real) if herm else pivot_size(a[imax, imax])) >= _ALPHA * rowmax:
                kp = imax
            else:
                kp, step = imax, 2
        kk = k + step - 1
        if kp != kk:  # swap rows and columns kk and kp of the trailing lower triangle
            a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
            between = slice(kk + 1, kp)
            a[between, kk], a[kp, between] = cj(a[kp, between]).copy(), cj(a[between, kk]).copy()
            if herm:
                a[kp, kk] = np.conj(a[kp, kk])
            a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
            if step == 2:
                a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
        if step == 1:
            if k < n - 1 and not zero_column:
                d11 = 1 / (a[k, k].real if herm else a[k, k])
                x = a[k + 1:, k].copy()
                a[k + 1:, k + 1:] -= np.outer(x, cj(d11 * x))
                a[k + 1:, k] = x * d11
        elif k < n - 2:
            x = a[k + 2:, k:k + 2].copy()
            if herm:
                d = abs(a[k + 1, k])
                d11, d22 = a[k + 1, k + 1].real / d, a[k, k].real / d
                d21 = a[k + 1, k] / d
                scale = 1 / (d11 * d22 - 1) / d
                wk = scale * (d11 * x[:, 0] - d21 * x[:, 1])
                wkp1 = scale * (d22 * x[:, 1] - np.conj(d21) * x[:, 0])
            else:
                d21 = a[k + 1, k]
                d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                scale = 1 / (d11 * d22 - 1) / d21
                wk = scale * (d11 * x[:, 0] - x[:, 1])
                wkp1 = scale * (d22 * x[:, 1] - x[:, 0])
            a[k + 2:, k + 2:] -= np.outer(x[:, 0], cj(wk)) + np.outer(x[:, 1], cj(wkp1))
            a[k + 2:, k], a[k + 2:, k + 1] = wk, wkp1
        if herm:
            a[np.diag_indices(n)] = a.diagonal().real
        if step == 1:
            pivots[k] = kp + 1
        else:
            pivots[k] = pivots[k + 1] = -(kp + 1)
        k += step
    return np.tril(a), pivots, info


@batched_over_leading_dims
def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out=None) -> LDLFactorExResult:
    name = "torch.linalg.ldl_factor_ex"
    check_matrix(A, name, square=True, kernel="ldl_factor_kernel_cpu")
    a = A._data
    flat = a.reshape((int(np.prod(a.shape[:-2])),) + a.shape[-2:])
    results = [_sytf2(m, hermitian) for m in flat]
    LD = np.stack([r[0] for r in results]) if results else flat.copy()
    pivots = np.array([r[1] for r in results], dtype=np.int32).reshape(a.shape[:-1])
    info = np.array([r[2] for r in results], dtype=np.int32).reshape(a.shape[:-2])
    if check_errors and info.any():
        # NOTE: PyTorch fails here with an internal assert ("Unknown error code"); we name the problem
        raise LinAlgError(f"{name}: The factorization could not be completed because the block diagonal "
                          f"matrix D is exactly singular (D({int(info.reshape(-1)[np.flatnonzero(info)[0]])}) "
                          "is zero).")
    return write_outs(LDLFactorExResult(Tensor._wrap(LD.reshape(a.shape)), Tensor._wrap(pivots), Tensor._wrap(info)),
                      out)


@batched_over_leading_dims
def ldl_factor(A: Tensor, *, hermitian: bool = False, out=None) -> LDLFactorResult:
    LD, pivots, _ = ldl_factor_ex(A, hermitian=hermitian, check_errors=True)
    return write_outs(LDLFactorResult(LD, pivots), out)


def _sytrs(ld, pivots, b, hermitian: bool):
    """X with A X = B from one compact LD and its pivots (LAPACK's ?sytrs / ?hetrs, uplo='L')."""
    n = ld.shape[-1]
    herm = hermitian and np.iscomplexobj(ld)
    cj = np.conj if herm else (lambda x: x)
    b = b.copy()
    k = 0
    while k < n:  # L D Y = B, forward
        if pivots[k] > 0:
            kp = pivots[k] - 1
            b[[k, kp]] = b[[kp, k]]
            b[k + 1:] -= np.outer(ld[k + 1:, k], b[k])
            b[k] /= ld[k, k].real if herm else ld[k, k]
            k += 1
        else:
            kp = -pivots[k] - 1
            b[[k + 1, kp]] = b[[kp, k + 1]]
            b[k + 2:] -= np.outer(ld[k + 2:, k], b[k]) + np.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1, ak = ld[k, k] / cj(akm1k), ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = b[k] / cj(akm1k), b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = Y (L^H when Hermitian), backward
        if pivots[k] > 0:
            b[k] -= cj(ld[k + 1:, k]) @ b[k + 1:]
            kp = pivots[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            b[k] -= cj(ld[k + 1:, k]) @ b[k + 1:]
            b[k - 1] -= cj(ld[k + 1:, k - 1]) @ b[k + 1:]
            kp = -pivots[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


@batched_over_leading_dims
def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None) -> Tensor:
    name = "torch.linalg.ldl_solve"
    check_matrix(LD, name, square=True)
    if B._data.ndim < 2:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    check_float(B, name)
    n = LD._data.shape[-1]
    if B._data.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is {n} by {n} but each b matrix "
                           f"is {B._data.shape[-2]} by {B._data.shape[-1]}")
    if B._data.dtype != LD._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {B.dtype} and A of type "
                           f"{LD.dtype} instead.")
    if pivots._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: Expected pivots to be integers. Got {pivots.dtype}")
    batch = np.broadcast_shapes(LD._data.shape[:-2], pivots._data.shape[:-1], B._data.shape[:-2])
    count = int(np.prod(batch))
    ld = np.broadcast_to(LD._data, batch + (n, n)).reshape((count, n, n))
    piv = np.broadcast_to(pivots._data, batch + (n,)).reshape((count, n))
    b = np.broadcast_to(B._data, batch + B._data.shape[-2:]).reshape((count,) + B._data.shape[-2:])
    x = np.stack([_sytrs(*args, hermitian) for args in zip(ld, piv, b)]) if b.shape[0] else b.copy()
    return write_out(Tensor._wrap(x.reshape(batch + B._data.shape[-2:])), out)
