"""Inverses and determinants: inv, det, slogdet, solve, pinv, lstsq, matrix_power, multi_dot."""
from __future__ import annotations

import numpy as np

from .._dispatch import OUTPUT, Primitive, apply
from .._tensor import Tensor
from ..ops.conjugate import holomorphic
from ..ops.matmul import matmul
from ._common import (Factor, InvExResult, LinAlgError, LstsqResult, SlogdetResult, SolveExResult, batched_eye,
                      batched_over_leading_dims, check_float, check_matrix, unsqueeze2, write_outs)
from .info import SINGULAR, info_tensor, inverse_arrays, raise_for_info, solve_arrays

_SOLVE_SINGULAR = "{name}: {where}The solver failed because the input matrix is singular."


@holomorphic
class Inv(Primitive):
    """A^-1, computed by the public function (the arg): inv_ex must not raise."""
    save_output = True

    @staticmethod
    def forward(a, inverse):
        return inverse

    def backward(ctx, g):
        x = ctx.output.mT
        return (-(x @ g @ x),)


@holomorphic
class Det(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(a):
        return np.linalg.det(a).astype(a.dtype, copy=False)

    def backward(ctx, g):
        # NOTE: d det(A) = det(A) tr(A^-1 dA); like this it needs an invertible A (PyTorch goes through
        # an SVD for singular ones): a singular A raises LinAlgError instead of a wrong gradient
        return (unsqueeze2(g * ctx.output) * inv(ctx.inputs[0]).mT,)


class SlogdetSign(Factor):
    index = 0

    def backward(ctx, g):
        a = ctx.inputs[0]
        if not a.is_complex():
            return (None,)  # the sign of a real determinant is piecewise constant
        # sign = e^{i theta} with d theta = Im tr(A^-1 dA): gA = -i Im(conj(g) sign) A^-H
        sign = ctx.factors(slogdet)[0]
        return (unsqueeze2(-1j * (g.conj() * sign).imag) * inv(a).mH,)


class LogAbsDet(Factor):
    index = 1

    def backward(ctx, g):
        return (unsqueeze2(g) * inv(ctx.inputs[0]).mH,)


@holomorphic
class Solve(Primitive):
    """X with A X = B, computed by the public function (the arg): solve_ex must not raise."""
    save_inputs = True
    save_output = True
    reads = ((0, OUTPUT), (0,))  # B's gradient needs A only; A's needs A and X

    @staticmethod
    def forward(a, b, x):
        return x

    def backward(ctx, g):
        a = ctx.inputs[0]
        gb = solve(a.mT, g)
        ga = -(gb @ ctx.output.mT) if ctx.needs_input_grad(0) else None
        return ga, gb


class Pinv(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(a, atol, rtol, hermitian):
        if a.size == 0:
            return np.zeros_like(a, shape=a.shape[:-2] + (a.shape[-1], a.shape[-2]))
        u, s, vh = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
        smax = np.abs(s).max(axis=-1, keepdims=True)
        cutoff = np.maximum(atol, rtol * smax)
        keep = np.abs(s) > cutoff
        s_inv = np.where(keep, 1 / np.where(keep, s, 1), 0)
        return np.matmul(np.swapaxes(vh, -1, -2).conj() * s_inv[..., None, :], np.swapaxes(u, -1, -2).conj()).astype(
            a.dtype)

    def backward(ctx, g):
        # d A+ = -A+ dA A+ + A+ A+^T dA^T (I - A A+) + (I - A+ A) dA^T A+^T A+  (Golub & Pereyra),
        # transposed into the gradient
        a, x = ctx.inputs[0], ctx.output
        m, n = a._data.shape[-2:]
        gt = g.mH
        left = batched_eye(m, a) - a @ x
        right = batched_eye(n, a) - x @ a
        return (-(x.mH @ g @ x.mH) + left @ gt @ (x @ x.mH) + (x.mH @ x) @ gt @ right,)


@batched_over_leading_dims
def inv_ex(A: Tensor, *, check_errors: bool = False, out=None) -> InvExResult:
    """(A^-1, info): info is 0, or the 1-based place of the first zero pivot of A's LU."""
    return write_outs(_inv(A, check_errors, "linalg.inv_ex"), out)


@batched_over_leading_dims
def inv(A: Tensor, *, out=None) -> Tensor:
    return _out(_inv(A, True, "linalg.inv").inverse, out)


def _inv(A: Tensor, check_errors: bool, name: str) -> InvExResult:
    check_matrix(A, name, square=True)
    inverse, info = inverse_arrays(A._data)
    if check_errors:
        raise_for_info(info, SINGULAR, name, LinAlgError)
    return InvExResult(apply(Inv, (A,), inverse.astype(A._data.dtype, copy=False)), info_tensor(info))


def det(A: Tensor, *, out=None) -> Tensor:
    check_matrix(A, "linalg.det", square=True, kernel="lu_cpu")
    return _out(apply(Det, (A,)), out)


@batched_over_leading_dims
def slogdet(A: Tensor, *, out=None) -> SlogdetResult:
    check_matrix(A, "linalg.slogdet", square=True)
    sign, logabs = np.linalg.slogdet(A._data)
    cache = (np.asarray(sign, dtype=A._data.dtype), np.asarray(logabs, dtype=np.finfo(A._data.dtype).dtype))
    return write_outs(SlogdetResult(apply(SlogdetSign, (A,), cache), apply(LogAbsDet, (A,), cache)), out)


@batched_over_leading_dims
def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None) -> SolveExResult:
    """(X, info): info is 0, or the 1-based place of the first zero pivot of A's LU."""
    return write_outs(_solve(A, B, left, check_errors, "linalg.solve_ex", "torch.linalg.solve_ex"), out)


@batched_over_leading_dims
def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    return _out(_solve(A, B, left, True, "linalg.solve", "torch.linalg.solve").result, out)


def _solve(A: Tensor, B: Tensor, left: bool, check_errors: bool, name: str, error_name: str) -> SolveExResult:
    check_matrix(A, name, square=True, kernel="lu_cpu")
    check_float(B, name)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")
    n = A._data.shape[-1]
    # B is a (batch of) vector(s) when it is 1-D or has A's batch shape with one dim less, like PyTorch
    vector = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])
    b = B.reshape(B._data.shape + (1,)) if vector else B
    if not left:
        A, b = A.mT, b.mT
    if b._data.shape[-2] != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {b._data.shape[-2]}x{b._data.shape[-1]})")
    x, info = solve_arrays(A._data, b._data)
    if check_errors:
        raise_for_info(info, _SOLVE_SINGULAR, error_name, LinAlgError)
    x = apply(Solve, (A, b), x.astype(A._data.dtype, copy=False))
    if not left:
        x = x.mT
    return SolveExResult(x.reshape(x._data.shape[:-1]) if vector else x, info_tensor(info))


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    check_matrix(A, "linalg.pinv")
    if rtol is None:  # PyTorch: eps * max(m, n) unless only atol is given
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(A._data.dtype).eps * max(A._data.shape[-2:])
    return _out(apply(Pinv, (A,), float(atol or 0.0), float(rtol), hermitian), out)


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver: str | None = None) -> LstsqResult:
    """Least squares through the pseudo-inverse (full-rank inputs: the QR-based 'gelsy' solution)."""
    check_matrix(A, "linalg.lstsq")
    check_float(B, "linalg.lstsq")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if not 0 <= A._data.ndim - B._data.ndim <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    vector = B._data.ndim == A._data.ndim - 1
    b = B.reshape(B._data.shape + (1,)) if vector else B
    if b._data.shape[-2] != A._data.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = A._data.shape[-2:]
    rtol = np.finfo(A._data.dtype).eps * max(m, n) if rcond is None else rcond
    x = pinv(A, rtol=rtol) @ b
    s = np.linalg.svd(A._data, compute_uv=False)
    rank = Tensor._wrap(np.asarray((s > rtol * s.max(axis=-1, keepdims=True)).sum(-1)))
    real = np.finfo(A._data.dtype).dtype  # residuals and singular values are real for complex A too
    empty = Tensor._wrap(np.zeros((0,), dtype=real))
    driver = driver or "gelsy"
    residuals = x.reshape(-1)[:0].abs()  # empty, but part of the graph like PyTorch's
    if driver != "gelsy" and m > n and bool((rank._data == n).all()):
        r = A @ x - b
        residuals = ((r.abs() if r.is_complex() else r) ** 2).sum(-2)
    sv = Tensor._wrap(s.astype(real)) if driver in ("gelsd", "gelss") else empty
    if driver == "gels":
        rank = Tensor._wrap(np.zeros((0,), dtype=np.int64))
    return LstsqResult(x.reshape(x._data.shape[:-1]) if vector else x, residuals, rank, sv)


def matrix_power(A: Tensor, n: int) -> Tensor:
    if A._data.ndim < 2 or A._data.shape[-1] != A._data.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A._data.shape[-2] if A._data.ndim > 1 else 1} by {A._data.shape[-1]} matrices")
    if n == 0:
        eye = batched_eye(A._data.shape[-1], A).expand(A._data.shape)
        # NOTE: A * 0 gives the identity a zero gradient towards A, like PyTorch (a nan in A would show)
        return A * 0 + eye if A._rg else eye.clone()
    if n < 0:
        A, n = inv(A), -n
    result, square = None, A
    while n:  # binary powering: log2(n) products
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if n:
            square = square @ square
    return result


def multi_dot(tensors, *, out=None) -> Tensor:
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        allowed = (1, 2) if i in (0, len(tensors) - 1) else (2,)
        if t._data.ndim not in allowed:
            where = "first" if i == 0 else ("last" if i == len(tensors) - 1 else None)
            raise RuntimeError(f"multi_dot(): the {where} tensor must be 1D or 2D but got {t._data.ndim}D"
                               if where else f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    result = tensors[0]
    for t in tensors[1:]:
        result = matmul(result, t)
    return _out(result, out)


def _out(result: Tensor, out) -> Tensor:
    if out is None:
        return result
    from ..ops.elementwise import _out as copy_out
    return copy_out(result, out)
