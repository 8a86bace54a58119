"""Norms and related reductions: vector_norm (from ops.statistics), matrix_norm, norm, matrix_rank,
vecdot, cross."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, _wrap_dim
from ..ops.elementwise import where
from ..ops.linalg import linalg_cross as cross
from ..ops.statistics import vector_norm
from ._common import check_float, check_matrix
from .decompositions import svdvals

_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    check_matrix(A, "linalg.matrix_norm")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        from .._dtype import to_dtype
        A = A.to(to_dtype(dtype))
    nd = A._data.ndim
    d0, d1 = (_wrap_dim(d, nd) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        # singular values of the matrices spanned by (d0, d1): move those dims last
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
    else:
        # 1 / -1: max / min column sum of |A|; inf / -inf: max / min row sum
        summed, kept = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(summed, keepdim=True)
        r = sums.amax(kept, keepdim=True) if ord > 0 else sums.amin(kept, keepdim=True)
        r = r.reshape([s for i, s in enumerate(r._data.shape) if i not in (d0, d1)])
    if keepdim:
        shape = list(r._data.shape)
        for d in sorted((d0, d1)):
            shape.insert(d, 1)
        r = r.reshape(shape)
    return _out(r, out)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or dim is None and ord is not None and A._data.ndim == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim if dim is not None else (-2, -1), keepdim,
                           dtype=dtype, out=out)
    if dim is None and ord is not None and A._data.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A._data.ndim}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return _out(vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype), out)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    check_matrix(A, "linalg.matrix_rank")
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else np.finfo(a.dtype).eps * max(a.shape[-2:])
    smax = s.max(axis=-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    tol = np.maximum(atol or 0.0, rtol * smax)
    return _out(Tensor._wrap(np.asarray((s > tol).sum(-1), dtype=np.int64)), out)


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """The condition number of A in the norm `p`: from the singular values for None/2/-2/'nuc'; for the
    others ||A|| ||A^-1||, inf where A is singular (like PyTorch)."""
    if p not in (None,) + _MATRIX_ORDS:
        raise ValueError(f"linalg.cond got an invalid norm type: {p}")
    name = f"linalg.cond(ord={p})"
    if A._data.ndim >= 2 and 0 in A._data.shape[-2:]:  # PyTorch: the condition number of an empty matrix is 0
        check_float(A, name)
        return _out(A.new_zeros(A._data.shape[:-2]), out)
    if p in (None, 2, -2):
        check_matrix(A, "linalg.svd", kernel="linalg_svd_cpu")
        s = svdvals(A)
        return _out(s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1], out)
    check_matrix(A, name, square=True)
    if p == "nuc":
        s = svdvals(A)
        return _out(s.sum(-1) * (1 / s).sum(-1), out)
    from .inverse import inv_ex
    inverse, info = inv_ex(A)
    result = matrix_norm(A, p) * matrix_norm(inverse, p)
    return _out(where(info > 0, math.inf, result), out)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    check_float(x, "linalg.vecdot") if x._data.dtype.kind == "b" else None
    if x.is_complex():
        x = x.conj()
    return _out((x * y).sum(dim), out)


def _out(result, out):
    if out is None:
        return result
    from ..ops.elementwise import _out as copy_out
    return copy_out(result, out)


__all__ = ["vector_norm", "matrix_norm", "norm", "cond", "matrix_rank", "vecdot", "cross"]
