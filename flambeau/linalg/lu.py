"""LU with partial pivoting: linalg.lu_factor(_ex), linalg.lu, linalg.lu_solve, torch.lu_unpack and the
deprecated torch.lu / torch.lu_solve.

NumPy has no LU, so `lu_arrays` is LAPACK's getf2 written over a batch: pivots are LAPACK's (1-based
int32 row swaps, the first largest |entry| of each column; |re| + |im| for complex, like izamax).
One primitive, `LuFactor`, carries the gradient of the packed factor; L, U and P are unpacked from it
with differentiable tril/triu, so lu and lu_solve are composites.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..ops.conjugate import holomorphic
from ..ops.creation import zeros_like
from ..ops.joining import cat
from ._common import batched_eye, batched_over_leading_dims, check_matrix, pivot_size, write_out, write_outs
from .triangular import solve_triangular

LUFactorResult = namedtuple("linalg_lu_factor", ["LU", "pivots"])
LUFactorExResult = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
LUResult = namedtuple("linalg_lu", ["P", "L", "U"])
LUUnpackResult = namedtuple("lu_unpack", ["P", "L", "U"])

_ZERO_PIVOT = ("{name}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. If "
               "you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
               "linalg.lu_factor_ex(A, pivot)")


def lu_arrays(a):
    """(packed LU, 1-based int32 pivots, int32 info) of a batch of m x n matrices: getf2 over the batch."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    lu = a.reshape((int(np.prod(batch)), m, n)).copy()
    pivots = np.zeros_like(a, shape=(lu.shape[0], k), dtype=np.int32)
    info = np.zeros_like(a, shape=(lu.shape[0],), dtype=np.int32)
    rows = np.arange(lu.shape[0], like=a)
    for j in range(k):
        p = j + np.argmax(pivot_size(lu[:, j:, j]), axis=-1)
        pivots[:, j] = p + 1
        swapped = lu[rows, p].copy()
        lu[rows, p] = lu[:, j]
        lu[:, j] = swapped
        pivot = lu[:, j, j:j + 1]
        zero = pivot[:, 0] == 0
        info[(info == 0) & zero] = j + 1
        # a zero pivot leaves its column unscaled, as getf2 does
        lu[:, j + 1:, j] /= np.where(pivot == 0, 1, pivot)
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(a.shape), pivots.reshape(batch + (k,)), info.reshape(batch)


def permutation_arrays(pivots, m: int, dtype):
    """P (..., m, m) with A = P L U from LAPACK's sequence of row swaps."""
    batch = pivots.shape[:-1]
    piv = pivots.reshape((int(np.prod(batch)), pivots.shape[-1])).astype(np.int64) - 1
    perm = np.broadcast_to(np.arange(m, like=pivots), (piv.shape[0], m)).copy()
    rows = np.arange(piv.shape[0], like=pivots)
    for j in range(piv.shape[-1]):
        swapped = perm[rows, piv[:, j]].copy()
        perm[rows, piv[:, j]] = perm[:, j]
        perm[:, j] = swapped
    # row j of P^T A is row perm[j] of A, so P[perm[j], j] = 1
    eye = np.eye(m, dtype=dtype, like=pivots)
    return np.swapaxes(eye[perm], -1, -2).reshape(batch + (m, m))


@holomorphic
class LuFactor(Primitive):
    """The packed LU of A (computed by the public function; the last arg holds LU and pivots)."""
    save_output = True

    @staticmethod
    def forward(a, cache):
        return cache[0]

    def backward(ctx, g):
        lu = ctx.output
        m, n = lu._data.shape[-2:]
        k = min(m, n)
        P = Tensor._wrap(permutation_arrays(ctx.args[0][1], m, lu._data.dtype))
        L = lu[..., :, :k].tril(-1) + batched_eye(m, lu)[:, :k]
        U = lu[..., :k, :].triu()
        gL, gU = g[..., :, :k].tril(-1), g[..., :k, :].triu()
        return (P @ _lu_backward(L, U, gL, gU, m, n, k),)


def _lu_backward(L: Tensor, U: Tensor, gL: Tensor, gU: Tensor, m: int, n: int, k: int) -> Tensor:
    """P^T gA for P^T A = L U (gL strictly lower, gU upper). Differentiating P^T dA = dL U + L dU:
    wide/square: M = L^-1 P^T dA gives gM = gU + [tril(L^T gL - gU U^T, -1) U1^-T, 0], gA = L^-T gM;
    tall: N = P^T dA U^-1 gives gN = gL + [L1^-T triu(gU U^T - L^T gL); 0], gA = gN U^-T."""
    if m <= n:
        U1 = U[..., :, :m]
        inner = solve_triangular(U1.mT, (L.mT @ gL - gU @ U.mT).tril(-1), upper=False, left=False)
        if n > m:
            inner = cat([inner, zeros_like(gU[..., :, m:])], -1)
        return solve_triangular(L.mT, gU + inner, upper=True, unitriangular=True)
    L1 = L[..., :n, :]
    inner = solve_triangular(L1.mT, (gU @ U.mT - L.mT @ gL).triu(), upper=True, unitriangular=True)
    inner = cat([inner, zeros_like(gL[..., n:, :])], -2)
    return solve_triangular(U.mT, gL + inner, upper=False, left=False)


def _factor(A: Tensor, pivot: bool, name: str):
    if A._data.ndim < 2:
        raise RuntimeError(f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A._data.shape)} instead")
    check_matrix(A, name, kernel="lu_cpu", kernel_integers=True)
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")
    lu, pivots, info = lu_arrays(A._data)
    return apply(LuFactor, (A,), (lu, pivots)), Tensor._wrap(pivots), Tensor._wrap(info)


def _raise_for_info(info: Tensor, name: str) -> None:
    bad = np.flatnonzero(info._data.reshape(-1))
    if bad.size:
        first = int(bad[0])
        where = f"(Batch element {first}): " if info._data.ndim else ""
        raise RuntimeError(_ZERO_PIVOT.format(name=name, where=where, i=int(info._data.reshape(-1)[first])))


@batched_over_leading_dims
def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None) -> LUFactorExResult:
    LU, pivots, info = _factor(A, pivot, "linalg.lu_factor_ex")
    if check_errors:
        _raise_for_info(info, "torch.linalg.lu_factor_ex")
    return write_outs(LUFactorExResult(LU, pivots, info), out)


@batched_over_leading_dims
def lu_factor(A: Tensor, *, pivot: bool = True, out=None) -> LUFactorResult:
    LU, pivots, info = _factor(A, pivot, "linalg.lu_factor")
    _raise_for_info(info, "torch.linalg.lu_factor")
    return write_outs(LUFactorResult(LU, pivots), out)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out=None) -> LUUnpackResult:
    """(P, L, U) from lu_factor's packed result; L and U carry LU_data's gradient."""
    if LU_pivots._data.dtype != np.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    m, n = LU_data._data.shape[-2:]
    k = min(m, n)
    empty = LU_data.new_zeros(0)
    if unpack_pivots:
        piv = LU_pivots._data
        if piv.size and (piv.min() < 1 or piv.max() > m):
            raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you "
                               "properly pass the result of lu_factor?")
        P = Tensor._wrap(permutation_arrays(piv, m, LU_data._data.dtype))
    else:
        P = empty
    if not unpack_data:
        nothing = LU_data.reshape(-1)[:0]  # empty, but part of the graph like PyTorch's
        return write_outs(LUUnpackResult(P, nothing, nothing), out)
    L = LU_data[..., :, :k].tril(-1) + batched_eye(m, LU_data)[:, :k]
    return write_outs(LUUnpackResult(P, L, LU_data[..., :k, :].triu()), out)


@batched_over_leading_dims
def lu(A: Tensor, *, pivot: bool = True, out=None) -> LUResult:
    LU, pivots, _ = _factor(A, pivot, "linalg.lu")
    return write_outs(LUResult(*lu_unpack(LU, pivots)), out)


@batched_over_leading_dims
def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out=None) -> Tensor:
    """X with A X = B (or X A = B when not left; A^H for adjoint) for A = P L U given by lu_factor."""
    name = "linalg.lu_solve"
    check_matrix(LU, name, square=True)
    if B._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    n = LU._data.shape[-1]
    if B._data.shape[-2 if left else -1] != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'}"
                           f" ({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    P, L, U = lu_unpack(LU, pivots)
    if not left:  # X op(A) = B  <=>  op(A)^H X^H = B^H
        return write_out(lu_solve(LU, pivots, B.mH, adjoint=not adjoint).mH, out)
    if adjoint:  # A^H = U^H L^H P^T
        y = solve_triangular(L.mH, solve_triangular(U.mH, B, upper=False), upper=True, unitriangular=True)
        return write_out(P @ y, out)
    y = solve_triangular(L, P.mT @ B, upper=False, unitriangular=True)
    return write_out(solve_triangular(U, y, upper=True), out)


# ------------------------------------------------------------------------------- deprecated torch.* forms

def torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None) -> tuple:
    """torch.lu (deprecated in PyTorch): (LU, pivots) or (LU, pivots, infos)."""
    result = lu_factor_ex(A, pivot=pivot)  # never raises for a singular A, unlike linalg.lu_factor
    result = tuple(result) if get_infos else tuple(result[:2])
    return result if out is None else tuple(write_out(r, o) for r, o in zip(result, out))


def torch_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """torch.lu_solve (deprecated in PyTorch): linalg.lu_solve with the right-hand side first."""
    return lu_solve(LU_data, LU_pivots, b, out=out)
