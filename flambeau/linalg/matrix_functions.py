"""Functions of a matrix: linalg.matrix_exp (also torch.matrix_exp and Tensor.matrix_exp), linalg.matrix_sqrth
and linalg.polar (composites of eigh and svd, differentiable through them).

matrix_exp is scaling and squaring with the degree-13 Padé approximant (Higham 2005, "The scaling and
squaring method for the matrix exponential revisited"); its gradient is the upper-right block of the
exponential of [[A^T, G], [0, A^T]] (Mathias 1996; `holomorphic` conjugates it for complex A), so it
is itself differentiable.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..ops.conjugate import holomorphic
from ..ops.creation import zeros_like
from ..ops.joining import cat
from ._common import check_matrix, write_outs
from .decompositions import eigh, svd

# b_0 .. b_13 of the [13/13] Padé approximant, and the largest 1-norm it serves to double precision
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800., 129060195264000.,
           10559470521600., 670442572800., 33522128640., 1323241920., 40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def expm_arrays(a):
    """exp of a batch of square matrices."""
    # NOTE: computed in double precision whatever the input (theta13 is the bound for doubles); float32 and
    # complex64 results are rounded back at the end
    work = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    norm = np.abs(work).sum(axis=-2).max(axis=-1) if a.shape[-1] else np.zeros(a.shape[:-2])
    squarings = np.maximum(0, np.ceil(np.log2(np.maximum(norm, 1e-300) / _THETA13))).astype(np.int64)
    work = work / (2.0 ** squarings)[..., None, None]
    b = _PADE13
    eye = np.eye(a.shape[-1], dtype=work.dtype, like=work)
    a2 = work @ work
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = work @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for k in range(int(squarings.max(initial=0))):  # each matrix squared as often as it was scaled
        r = np.where((squarings > k)[..., None, None], r @ r, r)
    return r.astype(a.dtype, copy=False)


@holomorphic
class MatrixExp(Primitive):
    save_inputs = True

    @staticmethod
    def forward(a):
        return expm_arrays(a)

    def backward(ctx, g):
        a = ctx.inputs[0].mT
        n = a._data.shape[-1]
        block = cat([cat([a, g], -1), cat([zeros_like(a), a], -1)], -2)
        return (matrix_exp(block)[..., :n, n:],)


def matrix_exp(A: Tensor) -> Tensor:
    name = "linalg.matrix_exp"
    if A._data.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A._data.dtype.name not in ("float16", "bfloat16"):  # which PyTorch accepts here
        check_matrix(A, name, square=True)
    elif A._data.shape[-1] != A._data.shape[-2]:
        check_matrix(A.float(), name, square=True)
    return apply(MatrixExp, (A,))


PolarResult = namedtuple("linalg_polar", ["U", "H"])


def matrix_sqrth(A: Tensor) -> Tensor:
    """The symmetric (Hermitian) positive-definite X with X X = A, from A's lower triangle."""
    check_matrix(A, "linalg.matrix_sqrth", square=True)
    w, v = eigh(A)
    return (v * w.sqrt().unsqueeze(-2)) @ v.mH


def polar(A: Tensor, *, out=None) -> PolarResult:
    """A = U H with U's columns orthonormal and H positive-semidefinite, for A (..., m, n) with m >= n."""
    check_matrix(A, "linalg.polar")
    m, n = A._data.shape[-2:]
    if m < n:
        raise RuntimeError(f"linalg.polar: input must have at least as many rows as columns, but got {m} by {n} "
                           "matrices")
    u, s, vh = svd(A, full_matrices=False)
    return write_outs(PolarResult(u @ vh, (vh.mH * s.unsqueeze(-2)) @ vh), out)
