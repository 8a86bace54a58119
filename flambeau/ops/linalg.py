"""Matrix helpers: triangles, diagonals, trace, block_diag, kron, cross, cdist, and the torch.det & co.
aliases of torch.linalg functions (whose decompositions live in `flambeau/linalg/`).
"""
from __future__ import annotations

from string import ascii_letters

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor, _wrap_dim
from ._promote import promote, result_dtype
from .einsum import einsum
from .elementwise import _out, add_inplace_variants, cast, not_implemented, where
from .matmul import _broadcast_batch


# ------------------------------------------------------------------------------- primitives

class Tril(Primitive):
    forward = staticmethod(np.tril)

    def backward(ctx, g):
        return (apply(Tril, (g,), ctx.args[0]),)


class Triu(Primitive):
    forward = staticmethod(np.triu)

    def backward(ctx, g):
        return (apply(Triu, (g,), ctx.args[0]),)


class Diagonal(Primitive):
    """A writable view of a diagonal (numpy's own diagonal view is read-only)."""
    is_view = True

    @staticmethod
    def forward(x, offset, d1, d2):
        meta = np.diagonal(x, offset, d1, d2)
        start = [slice(None)] * x.ndim
        start[d1 if offset < 0 else d2] = slice(abs(offset), None)
        return np.lib.stride_tricks.as_strided(x[tuple(start)], meta.shape, meta.strides)

    def backward(ctx, g):
        return (apply(DiagonalScatter, (g,), ctx.metas[0][0], *ctx.args),)


class DiagonalScatter(Primitive):
    """Zeros of `shape` with `x` written onto the diagonal (offset, d1, d2): diagonal's backward and diag_embed."""

    @staticmethod
    def forward(x, shape, offset, d1, d2):
        out = np.zeros_like(x, shape=shape)
        Diagonal.forward(out, offset, d1, d2)[...] = x
        return out

    def backward(ctx, g):
        return (apply(Diagonal, (g,), *ctx.args[1:]),)


# ------------------------------------------------------------------------------- triangles, diagonals

def _need_matrix(input: Tensor, name: str) -> None:
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    _need_matrix(input, "tril")
    return _out(apply(Tril, (input,), diagonal), out)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    _need_matrix(input, "triu")
    return _out(apply(Triu, (input,), diagonal), out)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    n = input._data.ndim
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(Diagonal, (input,), offset, d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    n = input._data.ndim + 1
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    size = input._data.shape[-1] + abs(offset)
    rest = iter(input._data.shape[:-1])
    shape = tuple(size if k in (d1, d2) else next(rest) for k in range(n))
    return apply(DiagonalScatter, (input,), shape, offset, d1, d2)


def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    nd = input._data.ndim
    if nd == 1:
        return _out(diag_embed(input, diagonal), out)
    if nd != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")
    from .conversion import clone
    return _out(clone(apply(Diagonal, (input,), diagonal, 0, 1)), out)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    return diag_embed(input.reshape(-1), offset)


def trace(input: Tensor) -> Tensor:
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype == np.bool_:
        raise not_implemented("trace", input)
    return diagonal(input).sum()


def block_diag(*tensors) -> Tensor:
    from .creation import zeros
    from .joining import cat
    blocks = [t.reshape(1, -1) if t._data.ndim < 2 else t for t in tensors]
    for i, t in enumerate(blocks):
        if t._data.ndim != 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    if not blocks:
        return zeros(1, 0)
    dt = result_dtype(*blocks)
    blocks = [cast(t, dt) for t in blocks]
    dtype = blocks[0].dtype
    cols = sum(t._data.shape[1] for t in blocks)
    rows, left = [], 0
    for t in blocks:  # each block padded with zeros to the full width
        r, c = t._data.shape
        rows.append(cat([zeros(r, left, dtype=dtype), t, zeros(r, cols - left - c, dtype=dtype)], 1))
        left += c
    return cat(rows, 0)


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    # interleave the dims: a's dim i and b's dim i become neighbours, then merge each pair
    a = input.reshape([d for s in sa for d in (s, 1)])
    b = other.reshape([d for s in sb for d in (1, s)])
    return _out((a * b).reshape([x * y for x, y in zip(sa, sb)]), out)


_LEVI_CIVITA = np.zeros((3, 3, 3))
_LEVI_CIVITA[0, 1, 2] = _LEVI_CIVITA[1, 2, 0] = _LEVI_CIVITA[2, 0, 1] = 1
_LEVI_CIVITA[0, 2, 1] = _LEVI_CIVITA[2, 1, 0] = _LEVI_CIVITA[1, 0, 2] = -1


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    a, b = promote(input, other)
    if a._data.ndim != b._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, a._data.ndim)
    if a._data.shape[d] != 3 or b._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a._data.shape[d]} and "
                           f"{b._data.shape[d]}")
    _broadcast_batch(a._data.shape, b._data.shape)
    eps = Tensor._wrap(np.asarray(_LEVI_CIVITA, dtype=a._data.dtype))
    # c_i = eps_ijk a_j b_k along `dim`
    lab = ascii_letters[:a._data.ndim]
    j, k, i = lab[d], "X", "Y"
    r = einsum(f"{lab},{lab.replace(j, k)},{i}{j}{k}->{lab.replace(j, i)}", a, b, eps)
    return _out(r, out)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    if dim is None:  # the first dim of size 3, a deprecated default PyTorch keeps
        dim = next((i for i, s in enumerate(np.broadcast_shapes(input._data.shape, other._data.shape)) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    if np.bool_ in (input._data.dtype, other._data.dtype):
        raise not_implemented("cross", input)
    return linalg_cross(input, other, dim=dim, out=out)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R)."""
    from .statistics import vector_norm
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t._data.ndim}D")
        if t._data.dtype.kind not in "fcV":  # "V": ml_dtypes' bfloat16
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {t.dtype}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} "
                           f"X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    s1, s2 = x1._data.shape, x2._data.shape
    diff = x1.reshape(s1[:-1] + (1, s1[-1])) - x2.reshape(s2[:-2] + (1,) + s2[-2:])
    return vector_norm(diff, p if s1[-1] else 1, -1)  # no coordinates: 0 for every p (the inf norm would refuse)


# ------------------------------------------------------------------------------- torch.linalg re-exports
# torch.det & co. are aliases of torch.linalg functions, which live one level up.

def det(input: Tensor) -> Tensor:
    from ..linalg import det as f
    return f(input)


def logdet(input: Tensor) -> Tensor:
    from ..linalg import slogdet
    sign, logabs = slogdet(input)
    if sign.is_complex():  # log det = log|det| + i arg(det)
        return logabs + sign.log()
    return where(sign < 0, float("nan"), logabs)


def slogdet(input: Tensor):
    from ..linalg import slogdet as f
    return f(input)


def inverse(input: Tensor, *, out=None) -> Tensor:
    from ..linalg import inv
    return _out(inv(input), out)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    from ..linalg import pinv
    return pinv(input, rtol=rcond)


def matrix_power(input: Tensor, n: int) -> Tensor:
    from ..linalg import matrix_power as f
    return f(input, n)


def chain_matmul(*matrices) -> Tensor:
    from ..linalg import multi_dot
    return multi_dot(matrices)


def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    from ..linalg.triangular import cholesky_inverse as f
    return f(input, upper, out=out)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None) -> Tensor:
    from ..linalg.triangular import cholesky_solve as f
    return f(input, input2, upper, out=out)


def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    from ..linalg.triangular import triangular_solve as f
    return f(input, A, upper, transpose, unitriangular, out=out)


def geqrf(input: Tensor, *, out=None):
    from ..linalg.householder import geqrf as f
    return f(input, out=out)


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    from ..linalg.householder import householder_product
    return householder_product(input, tau)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False, *, out=None):
    from ..linalg.householder import ormqr as f
    return f(input, tau, other, left, transpose, out=out)


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None):
    from ..linalg.lowrank import svd_lowrank as f
    return f(A, q, niter, M)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2):
    from ..linalg.lowrank import pca_lowrank as f
    return f(A, q, center, niter)


def matrix_exp(input: Tensor) -> Tensor:
    from ..linalg.matrix_functions import matrix_exp as f
    return f(input)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    from ..linalg.lu import torch_lu
    return torch_lu(A, pivot, get_infos, out)


def lu_solve(input: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    from ..linalg.lu import torch_lu_solve
    return torch_lu_solve(input, LU_data, LU_pivots, out=out)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *, out=None):
    from ..linalg.lu import lu_unpack as f
    return f(LU_data, LU_pivots, unpack_data, unpack_pivots, out=out)


TENSOR_METHODS = {
    "kron": kron, "cross": cross, "trace": trace, "tril": tril, "triu": triu,
    "diag": diag, "diagonal": diagonal, "diag_embed": diag_embed, "diagflat": diagflat,
    "det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inverse, "pinverse": pinverse,
    "matrix_power": matrix_power, "cholesky_inverse": cholesky_inverse, "cholesky_solve": cholesky_solve,
    "triangular_solve": triangular_solve, "lu": lu, "lu_solve": lu_solve, "matrix_exp": matrix_exp,
    "geqrf": geqrf, "orgqr": orgqr, "ormqr": ormqr,
}
add_inplace_variants(TENSOR_METHODS, ("tril", "triu"))

__all__ = ["kron", "cross", "trace", "tril", "triu", "diag", "diagonal", "diag_embed", "diagflat", "block_diag",
           "cdist", "det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "chain_matmul",
           "cholesky_inverse", "cholesky_solve", "triangular_solve", "lu", "lu_solve", "lu_unpack", "matrix_exp", "geqrf", "orgqr", "ormqr", "svd_lowrank",
           "pca_lowrank"]
