"""linalg.tensorinv and linalg.tensorsolve: inverse and solve of a tensor read as a square matrix
(its leading dims as rows, the rest as columns); composites of reshape with inv and solve."""
from __future__ import annotations

import math

from .._tensor import Tensor, _wrap_dim
from ._common import write_out
from .inverse import inv, solve


def _check_square(rows: int, cols: int, what: str) -> None:
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[{what}:]) == "
                           f"prod(self.shape[:{what}]), but got {cols} != {rows}")


def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """The tensor X of shape A.shape[ind:] + A.shape[:ind] with tensordot(A, X, ind) = I."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A._data.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    _check_square(rows, cols, "ind")
    result = inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind])
    return write_out(result, out)


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """The tensor X of shape A.shape[B.ndim:] with tensordot(A, X, X.ndim) = B (`dims` of A moved last)."""
    if dims is not None:
        nd = A._data.ndim
        dims = [_wrap_dim(d, nd) for d in dims]
        A = A.movedim(dims, list(range(nd - len(dims), nd)))
    shape = tuple(A._data.shape)
    k = B._data.ndim
    rows, cols = math.prod(shape[:k]), math.prod(shape[k:])
    _check_square(rows, cols, "other.ndim")
    result = solve(A.reshape(rows, cols), B.reshape(rows)).reshape(shape[k:])
    return write_out(result, out)
