"""Triangular systems: linalg.solve_triangular, and torch.triangular_solve / cholesky_solve /
cholesky_inverse built on it.

NumPy has no triangular solver, so the forward is back substitution one row at a time (each step a
batched matrix product): like LAPACK's trsm it never pivots and a zero on the diagonal gives
inf/nan rather than an error, as in PyTorch.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._dispatch import OUTPUT, Primitive, apply
from .._tensor import Tensor
from ..ops.conjugate import holomorphic
from ..ops.matmul import _broadcast_batch
from ._common import batched_eye, check_float, check_kernel, write_out, write_outs

TriangularSolveResult = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])


def substitute(a, b, upper: bool, unit: bool):
    """X with T X = B for the triangle T of `a` (batches broadcast); rows solved last-to-first when upper."""
    x = np.zeros_like(b, shape=np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:],
                      dtype=np.result_type(a, b))
    n = a.shape[-1]
    for i in (range(n - 1, -1, -1) if upper else range(n)):
        done = slice(i + 1, n) if upper else slice(0, i)
        row = b[..., i, :] - np.matmul(a[..., i:i + 1, done], x[..., done, :])[..., 0, :]
        x[..., i, :] = row if unit else row / a[..., i, i:i + 1]
    return x


@holomorphic
class SolveTriangular(Primitive):
    """X = T^-1 B for the (upper or lower, maybe unit) triangle T of A."""
    save_inputs = True
    save_output = True
    reads = ((0, OUTPUT), (0,))  # B's gradient needs A only; A's needs A and X

    @staticmethod
    def forward(a, b, upper, unit):
        return substitute(a, b, upper, unit)

    def backward(ctx, g):
        a = ctx.inputs[0]
        upper, unit = ctx.args
        gb = apply(SolveTriangular, (a.mT, g), not upper, unit)
        if not ctx.needs_input_grad(0):
            return None, gb
        ga = -(gb @ ctx.output.mT)
        # only the triangle that was read gets a gradient (not its diagonal when it is taken as ones)
        shift = int(unit)
        return (ga.triu(shift) if upper else ga.tril(-shift)), gb


def _check_pair(A: Tensor, B: Tensor, name: str, kernel: str, same_dtype: bool = True) -> None:
    for label, t in (("A", A), ("B", B)):
        if t._data.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor {label} must have at least 2 dimensions.")
    for t in (A, B):
        check_kernel(t, kernel, integers=True)
    check_float(A, name)
    check_float(B, name)
    if A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {A._data.shape[-2]} by "
                           f"{A._data.shape[-1]} matrices")
    if same_dtype and A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of type {A.dtype} and B "
                           f"of type {B.dtype} instead")


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None) -> Tensor:
    """linalg.solve_triangular: X with T X = B (left) or X T = B (right) for the triangle T of A."""
    name = "linalg.solve_triangular"
    _check_pair(A, B, name, "triangular_solve_cpu", same_dtype=False)
    if B._data.dtype != A._data.dtype:  # NOTE: PyTorch solves in A's dtype, whichever is wider
        B = B.to(A.dtype)
    n, rows = A._data.shape[-1], B._data.shape[-2 if left else -1]
    if rows != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'}"
                           f" ({n}x{n} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    _broadcast_batch(A._data.shape[:-2], B._data.shape[:-2])
    if left:
        x = apply(SolveTriangular, (A, B), upper, unitriangular)
    else:  # X T = B  <=>  T^T X^T = B^T
        x = apply(SolveTriangular, (A.mT, B.mT), not upper, unitriangular).mT
    return write_out(x, out)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None) -> TriangularSolveResult:
    """torch.triangular_solve (deprecated in PyTorch): (solution of op(T) X = b, a copy of A)."""
    _check_pair(A, b, "torch.triangular_solve", "triangular_solve_cpu")
    if transpose:
        A, upper = A.mT, not upper
    x = solve_triangular(A, b, upper=upper, unitriangular=unitriangular)
    coefficient = (A.mT if transpose else A).expand(x._data.shape[:-2] + A._data.shape[-2:]).clone()
    return write_outs(TriangularSolveResult(x, coefficient), out)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with A X = B for A = L L^H (or U^H U when upper), given the Cholesky factor."""
    _check_pair(L, B, "torch.cholesky_solve", "cholesky_solve_cpu")
    if upper:
        y = solve_triangular(L.mH, B, upper=False)
        return write_out(solve_triangular(L, y, upper=True), out)
    y = solve_triangular(L, B, upper=False)
    return write_out(solve_triangular(L.mH, y, upper=True), out)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """A^-1 for A = L L^H (or U^H U when upper), given the Cholesky factor."""
    if L._data.ndim < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 dimensions.")
    check_kernel(L, "cholesky_inverse_out_cpu", integers=True)
    eye = batched_eye(L._data.shape[-1], L).expand(L._data.shape)
    return write_out(cholesky_solve(eye, L, upper), out)

