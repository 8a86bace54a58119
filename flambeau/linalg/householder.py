"""Products of Householder reflectors H_i = I - tau_i v_i v_i^H (v_i: a 1 at i, column i of A below it):
linalg.householder_product (torch.orgqr), torch.ormqr, and torch.geqrf that produces them.

The products are composites (one rank-one update per reflector), so their gradients come for free.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._tensor import Tensor
from ._common import batched_eye, batched_over_leading_dims, check_float, check_kernel, write_out, write_outs

GeqrfResult = namedtuple("geqrf", ["a", "tau"])


def _check(A: Tensor, tau: Tensor, name: str, kernel: str) -> None:
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if tau._data.ndim != A._data.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau._data.ndim} and input.ndim is equal to {A._data.ndim}")
    if tau._data.shape[:-1] != A._data.shape[:-2]:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau._data.shape[:-1])}")
    check_kernel(A, kernel, integers=True)
    check_float(A, name)
    if tau._data.dtype != A._data.dtype:
        raise RuntimeError(f"{name}: tau dtype {_title(tau)} does not match input dtype {_title(A)}")


def _title(t: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}.get(t._data.dtype.name, t._data.dtype.name)


def _reflectors(A: Tensor, k: int) -> Tensor:
    """The vectors v_i as columns: A's strictly lower part of the first k columns, ones on the diagonal."""
    return A[..., :, :k].tril(-1) + batched_eye(A._data.shape[-2], A)[:, :k]


def _apply_q(A: Tensor, tau: Tensor, C: Tensor, adjoint: bool) -> Tensor:
    """Q C (or Q^H C) for Q = H_1 ... H_k."""
    k = tau._data.shape[-1]
    v = _reflectors(A, k)
    # Q C = H_1 (H_2 (... H_k C)): the last reflector first; Q^H C applies H_i^H (tau conjugated) in order
    order = range(k) if adjoint else range(k - 1, -1, -1)
    t = tau.conj() if adjoint else tau
    for i in order:
        vi = v[..., :, i:i + 1]
        C = C - (t[..., i:i + 1].unsqueeze(-1) * vi) @ (vi.mH @ C)
    return C


def householder_product(A: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first n columns of H_1 ... H_k for A (..., m, n) and tau (..., k), k <= n <= m."""
    name = "torch.linalg.householder_product"
    _check(A, tau, name, "orgqr_cpu")
    m, n = A._data.shape[-2:]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if n < tau._data.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    identity = batched_eye(m, A)[:, :n].expand(A._data.shape)
    result = _apply_q(A, tau, identity, adjoint=False)
    return write_out(result, out)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False, *,
          out=None) -> Tensor:
    """op(Q) C (left) or C op(Q), Q = H_1 ... H_k from geqrf's (input, tau); op is the adjoint when transpose."""
    name = "torch.ormqr"
    _check(input, tau, name, "ormqr_cpu")
    if other._data.ndim < 2:
        raise RuntimeError(f"{name}: other must have at least 2 dimensions.")
    size = other._data.shape[-2 if left else -1]
    if input._data.shape[-2] != size:
        raise RuntimeError(f"{name}: other.shape[{-2 if left else -1}] must be equal to input.shape[-2]")
    if left:
        result = _apply_q(input, tau, other, adjoint=transpose)
    else:  # C op(Q) = (op(Q)^H C^H)^H
        result = _apply_q(input, tau, other.mH, adjoint=not transpose).mH
    return write_out(result, out)


@batched_over_leading_dims
def geqrf(input: Tensor, *, out=None) -> GeqrfResult:
    """LAPACK's QR in Householder form: R above the diagonal, the reflectors below, and their tau
    (not differentiable, as in PyTorch)."""
    if input._data.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    check_kernel(input, "geqrf_cpu", integers=True)
    check_float(input, "torch.geqrf")
    h, tau = np.linalg.qr(input._data, mode="raw")
    dtype = input._data.dtype
    result = GeqrfResult(Tensor._wrap(np.ascontiguousarray(np.swapaxes(h, -1, -2)).astype(dtype, copy=False)),
                         Tensor._wrap(tau.astype(dtype, copy=False)))
    return write_outs(result, out)
