"""The general eigendecomposition: linalg.eig and linalg.eigvals, complex results for real or complex input
(complex64 for float32, complex128 for float64), from LAPACK's geev through numpy.linalg.eig.

Eigenvectors have unit norm and are defined up to a phase e^{i phi} each, so only losses that do not
depend on those phases have a gradient; like PyTorch, backward refuses a loss that does.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import apply
from .._tensor import Tensor
from ._common import (EigResult, Factor, batched_eye, batched_over_leading_dims, check_matrix,
                      require_phase_invariance, write_out, write_outs)
from .inverse import solve

_COMPLEX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def _diag(v: Tensor) -> Tensor:
    return v.diag_embed()


def _from_eigenbasis(A: Tensor, v: Tensor, inner: Tensor) -> Tensor:
    """gA = V^-H inner V^H, real for a real A (PyTorch keeps the real part)."""
    ga = solve(v.mH, inner @ v.mH)
    return ga if A.is_complex() else ga.real


class EigValues(Factor):
    index = 0

    def backward(ctx, g):
        A = ctx.inputs[0]
        _, v = ctx.factors(eig)
        return (_from_eigenbasis(A, v, _diag(g)),)


class EigVectors(Factor):
    index = 1

    def backward(ctx, g):
        A = ctx.inputs[0]
        w, v = ctx.factors(eig)
        vhg = v.mH @ g
        require_phase_invariance(vhg, "linalg_eig_backward")
        n = w._data.shape[-1]
        eye = batched_eye(n, w)
        # F[i, j] = 1 / conj(w[j] - w[i]) off the diagonal, 0 on it
        gaps = (w.unsqueeze(-2) - w.unsqueeze(-1)).conj() + eye
        inner = (vhg - (v.mH @ v) * vhg.diagonal(0, -2, -1).real.unsqueeze(-2)) * (1 - eye) / gaps
        return (_from_eigenbasis(A, v, inner),)


def _eig_arrays(A: Tensor, name: str):
    check_matrix(A, name, square=True, kernel="linalg_eig_out_cpu")
    a = A._data
    dtype = _COMPLEX.get(a.dtype, a.dtype)
    if not np.isfinite(a).all():
        raise RuntimeError(f"torch.{name}: input tensor should not contain infs or NaNs.")
    w, v = np.linalg.eig(a)
    return w.astype(dtype, copy=False), v.astype(dtype, copy=False)


@batched_over_leading_dims
def eig(A: Tensor, *, out=None) -> EigResult:
    """(eigenvalues, eigenvectors) with A V = V diag(eigenvalues), both complex."""
    cache = _eig_arrays(A, "linalg.eig")
    return write_outs(EigResult(apply(EigValues, (A,), cache), apply(EigVectors, (A,), cache)), out)


@batched_over_leading_dims
def eigvals(A: Tensor, *, out=None) -> Tensor:
    cache = _eig_arrays(A, "linalg.eigvals")
    return write_out(apply(EigValues, (A,), cache), out)
