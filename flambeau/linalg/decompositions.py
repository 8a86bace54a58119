"""Factorizations: cholesky, qr, svd/svdvals, eigh/eigvalsh.

A factorization with several outputs runs LAPACK once in its public function; each output is a
`Factor` primitive whose backward is that output's share of the standard matrix-calculus formula
(the engine adds the shares up), written in flambeau ops so it can itself be differentiated.
"""
from __future__ import annotations

import numpy as np

from .. import _dispatch
from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ._common import (CholeskyExResult, EighResult, Factor, LinAlgError, QRResult, SVDResult, batched_eye,
                      batched_over_leading_dims, check_matrix, require_phase_invariance, write_outs)
from .info import NOT_PD, cholesky_arrays, info_tensor, raise_for_info
from .inverse import solve
from .triangular import solve_triangular

def _real(A: Tensor):
    """The real dtype of A's eigenvalues and singular values (float64 for complex128)."""
    return np.finfo(A._data.dtype).dtype


def _row(v: Tensor) -> Tensor:
    """(..., k) -> (..., 1, k): scales the columns of a matrix it multiplies."""
    return v.reshape(v._data.shape[:-1] + (1, v._data.shape[-1]))


def _col(v: Tensor) -> Tensor:
    return v.reshape(v._data.shape + (1,))


def _gap_inverse(d: Tensor) -> Tensor:
    """F[i, j] = 1 / (d[j] - d[i]) off the diagonal and 0 on it."""
    eye = batched_eye(d._data.shape[-1], d)
    return (1 - eye) / (_row(d) - _col(d) + eye)


# ------------------------------------------------------------------------------- cholesky

class Cholesky(Primitive):
    """L of A = L L^H, computed by the public function (the arg): cholesky_ex must not raise."""
    save_output = True

    @staticmethod
    def forward(a, factor):
        return factor

    def backward(ctx, g):
        # A = L L^H:  gA = L^-H sym(Phi) L^-1 / 2 with Phi = tril(L^H gL), its diagonal halved, and
        # sym(X) = X + X^H (Murray 2016; the Hermitian form serves complex A with PyTorch's convention)
        L = ctx.output
        phi = (L.mH @ g).tril() * (1 - 0.5 * batched_eye(L._data.shape[-1], L))
        x = solve_triangular(L.mH, phi + phi.mH, upper=True)
        return (solve_triangular(L, x, upper=False, left=False) * 0.5,)


@batched_over_leading_dims
def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None) -> CholeskyExResult:
    """(L, info): info is 0, or the order of the first leading minor that is not positive-definite."""
    return write_outs(_cholesky(A, upper, check_errors, "linalg.cholesky_ex"), out)


@batched_over_leading_dims
def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    return _out(_cholesky(A, upper, True, "linalg.cholesky").L, out)


def _cholesky(A: Tensor, upper: bool, check_errors: bool, name: str) -> CholeskyExResult:
    check_matrix(A, name, square=True, kernel="cholesky_cpu")
    factor, info = cholesky_arrays(A._data)
    if check_errors:
        raise_for_info(info, NOT_PD, name, LinAlgError)
    L = apply(Cholesky, (A,), factor.astype(A._data.dtype, copy=False))
    return CholeskyExResult(L.mH if upper else L, info_tensor(info))


# ------------------------------------------------------------------------------- eigh

class EighValues(Factor):
    index = 0

    def backward(ctx, g):
        _, v = ctx.factors(eigh)
        return ((v * _row(g)) @ v.mH,)


class EighVectors(Factor):
    index = 1

    def backward(ctx, g):
        # gA = V (F o skew(V^H gV)) V^H, skew(X) = (X - X^H) / 2: PyTorch's gradient, projected onto the
        # Hermitian matrices A lives in
        w, v = ctx.factors(eigh)
        vhg = v.mH @ g
        require_phase_invariance(vhg, "linalg_eigh_backward")
        return (v @ (_gap_inverse(w) * ((vhg - vhg.mH) * 0.5)) @ v.mH,)


def _eigh_arrays(A: Tensor, UPLO: str, name: str):
    check_matrix(A, name, square=True, kernel="linalg_eigh_cpu", kernel_integers=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    w, v = np.linalg.eigh(A._data, UPLO=UPLO)
    return w.astype(_real(A), copy=False), v.astype(A._data.dtype, copy=False)


@batched_over_leading_dims
def eigh(A: Tensor, UPLO: str = "L", *, out=None) -> EighResult:
    cache = _eigh_arrays(A, UPLO, "linalg.eigh")
    return write_outs(EighResult(apply(EighValues, (A,), UPLO, cache), apply(EighVectors, (A,), UPLO, cache)), out)


@batched_over_leading_dims
def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    return _out(apply(EighValues, (A,), UPLO, _eigh_arrays(A, UPLO, "linalg.eigvalsh")), out)


# ------------------------------------------------------------------------------- svd

class SvdU(Factor):
    index = 0

    def backward(ctx, g):
        u, s, vh = _thin(ctx.factors(svd))
        k = s._data.shape[-1]
        g = g[..., :k]
        uhg = u.mH @ g
        inner = (_gap_inverse(s * s) * (uhg - uhg.mH)) * _row(s)
        if uhg.is_complex():
            # the phases: a loss blind to U -> U D, Vh -> D^H Vh (D diagonal unitary) has
            # Im diag(V^H gV) = -Im diag(U^H gU), and the whole phase term i Im diag(U^H gU) / S goes here
            inner = inner + (1j * uhg.diagonal(0, -2, -1).imag / s).diag_embed()
        ga = u @ inner @ vh
        if u._data.shape[-2] > k:  # the part of gU outside U's span (tall A)
            ga = ga + (g - u @ uhg) @ (vh / _col(s))
        return (ga,)


class SvdS(Factor):
    index = 1

    def backward(ctx, g):
        u, _, vh = _thin(ctx.factors(svd))
        return ((u * _row(g)) @ vh,)


class SvdVh(Factor):
    index = 2

    def backward(ctx, g):
        u, s, vh = _thin(ctx.factors(svd))
        k = s._data.shape[-1]
        gv = g[..., :k, :].mH
        v = vh.mH
        vhg = v.mH @ gv
        inner = _col(s) * (_gap_inverse(s * s) * (vhg - vhg.mH))
        ga = u @ inner @ vh
        if v._data.shape[-2] > k:  # the part of gV outside V's span (wide A)
            ga = ga + (u / _row(s)) @ (gv - v @ vhg).mH
        return (ga,)


def _thin(factors) -> tuple:
    """U, S, Vh cut to the k = min(m, n) singular vectors that the gradient depends on."""
    u, s, vh = factors
    k = s._data.shape[-1]
    return u[..., :k], s, vh[..., :k, :]


@batched_over_leading_dims
def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None) -> SVDResult:
    check_matrix(A, "linalg.svd", kernel="linalg_svd_cpu")
    u, s, vh = np.linalg.svd(A._data, full_matrices=full_matrices)
    dt = A._data.dtype
    cache = (u.astype(dt, copy=False), s.astype(_real(A), copy=False), vh.astype(dt, copy=False))
    return write_outs(SVDResult(*(apply(p, (A,), full_matrices, cache) for p in (SvdU, SvdS, SvdVh))), out)


@batched_over_leading_dims
def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    check_matrix(A, "linalg.svdvals", kernel="linalg_svd_cpu")
    if not A._rg and _dispatch.interpose is None:  # a transform level (forward AD, vmap) must see the op
        return _out(Tensor._wrap(np.linalg.svd(A._data, compute_uv=False).astype(_real(A), copy=False)), out)
    return _out(svd(A, full_matrices=False).S, out)


# ------------------------------------------------------------------------------- qr

class QrQ(Factor):
    index = 0

    def backward(ctx, g):
        return (_qr_backward(ctx, g, None),)


class QrR(Factor):
    index = 1

    def backward(ctx, g):
        return (_qr_backward(ctx, None, g),)


def _qr_backward(ctx, gq: Tensor | None, gr: Tensor | None) -> Tensor:
    mode = ctx.args[0]
    m, n = ctx.metas[0][0][-2:]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                           "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                           "linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    q, r = ctx.factors(qr)
    if m >= n:
        return _qr_tall(q, r, gq, gr)
    # wide A = [X | Y] with X square: X = Q R[:, :m] is a square QR and Y = Q R[:, m:]
    from ..ops.joining import cat
    a = ctx.inputs[0]
    if gr is None:
        return cat([_qr_tall(q, r[..., :m], gq, None), a[..., m:] * 0], -1)
    gv = gr[..., m:]
    return cat([_qr_tall(q, r[..., :m], a[..., m:] @ gv.mH, gr[..., :m]), q @ gv], -1)


def _qr_tall(q: Tensor, r: Tensor, gq: Tensor | None, gr: Tensor | None) -> Tensor:
    """gA for A = QR with m >= n (Walter & Lehmann): M = R gR^H - gQ^H Q, b = gQ + Q copyltu(M),
    gA = b R^-H; either gradient may be absent."""
    m = -(gq.mH @ q) if gq is not None else None
    if gr is not None:
        m = r @ gr.mH if m is None else m + r @ gr.mH
    b = q @ _copyltu(m)
    if gq is not None:
        b = b + gq
    return solve(r.mH, b, left=False)


def _copyltu(m: Tensor) -> Tensor:
    """The Hermitian matrix with m's strictly lower triangle and the real part of its diagonal (LAPACK's R
    has a real diagonal, which fixes the phases of Q's columns)."""
    low = m.tril(-1)
    diagonal = m.diagonal(0, -2, -1)
    return low + low.mH + (diagonal.real if diagonal.is_complex() else diagonal).diag_embed()


@batched_over_leading_dims
def qr(A: Tensor, mode: str = "reduced", *, out=None) -> QRResult:
    check_matrix(A, "linalg.qr", kernel="geqrf_cpu")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    q, r = np.linalg.qr(A._data, mode="complete" if mode == "complete" else "reduced")
    dt = A._data.dtype
    cache = (q.astype(dt, copy=False), r.astype(dt, copy=False))
    R = apply(QrR, (A,), mode, cache)
    Q = Tensor._wrap(np.zeros((0,), dtype=dt)) if mode == "r" else apply(QrQ, (A,), mode, cache)
    return write_outs(QRResult(Q, R), out)


def _out(result, out):
    if out is None:
        return result
    from ..ops.elementwise import _out as copy_out
    return copy_out(result, out)
