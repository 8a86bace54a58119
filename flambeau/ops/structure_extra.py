"""Structural odds and ends PyTorch users expect: index generators (tril/triu_indices, unravel_index,
cartesian_prod, combinations, vander), the *_scatter inverses of select/slice/diagonal, small Tensor
predicates, conjugate transposes, and the legacy torch.svd / torch.cholesky wrappers.

All are composites of existing ops, so their gradients come from those ops.
"""
from __future__ import annotations

import itertools
import warnings
from collections import namedtuple

import numpy as np

from .._dispatch import update_inplace
from .._dtype import int64, to_dtype
from .._runtime import is_nonzero
from .._tensor import Tensor
from .conversion import clone
from .creation import tensor, zeros
from .elementwise_rounding import floor_divide, remainder
from .joining import split, stack
from .linalg import diagonal
from .reduction import normalize_dims
from .scatter_gather import scatter_reduce
from .shape import meshgrid, narrow

__all__ = ["cartesian_prod", "cholesky", "combinations", "diagonal_scatter", "index_reduce", "is_same_size",
           "narrow_copy", "select_scatter", "slice_scatter", "split_with_sizes", "svd", "tril_indices", "triu_indices",
           "unravel_index", "vander"]


def _vector(input: Tensor, op: str) -> None:
    if input.ndim != 1:
        raise RuntimeError(f"{op}: Expect a 1D vector, but got shape {list(input.shape)}")


# ------------------------------------------------------------------------------- index generators

def _triangle_indices(which, op: str, row: int, col: int, offset: int, dtype, device) -> Tensor:
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    dtype = int64 if dtype is None else to_dtype(dtype)
    if dtype not in (to_dtype("int32"), int64):
        raise NotImplementedError(f'"{op}" not implemented for {dtype}')
    rows, cols = which(row, offset, col)
    return tensor(np.stack([rows, cols]), dtype=dtype, device=device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    return _triangle_indices(np.tril_indices, "tril_indices", row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    return _triangle_indices(np.triu_indices, "triu_indices", row, col, offset, dtype, device)


def unravel_index(indices: Tensor, shape) -> tuple:
    """Row-major coordinates of flat indices; like PyTorch, out-of-range indices wrap (floor arithmetic)."""
    if indices.is_floating_point() or indices.dtype.is_complex or indices.dtype == to_dtype("bool"):
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if 0 in shape and indices.numel():
        raise ValueError(f"'shape' cannot have zero dimensions when 'indices' is non-empty, but got {shape}")
    rest, coords = indices.to(int64), []
    for size in reversed(shape):
        coords.append(remainder(rest, size))
        rest = floor_divide(rest, size)
    return tuple(reversed(coords))


def cartesian_prod(*tensors: Tensor) -> Tensor:
    for t in tensors:
        _vector(t, "cartesian_prod")
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.flatten() for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    _vector(input, "combinations")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return input[tensor(index, device=input.device)]


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """Columns x**(N-1) ... x**0 (or increasing), by repeated products so gradients stay finite at 0."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if not (x.is_floating_point() or x.dtype.is_complex):
        x = x.to(int64)  # NOTE: PyTorch computes integer and bool Vandermonde matrices in int64
    powers = [x.new_ones(x.shape)] if N else []
    for _ in range(N - 1):
        powers.append(powers[-1] * x)
    return stack(powers if increasing else powers[::-1], 1) if N else x.new_empty((x.shape[0], 0))


# ------------------------------------------------------------------------------- *_scatter

def _scatter_into(input: Tensor, src: Tensor, region) -> Tensor:
    """A copy of input with `region(copy)` (a view) replaced by src, which must have the view's shape."""
    out = clone(input)
    view = region(out)
    if tuple(src.shape) != tuple(view.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(view.shape)}")
    view.copy_(src)
    return out


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    return _scatter_into(input, src, lambda t: t.select(dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    def region(t):
        key = [slice(None)] * t.ndim
        key[dim] = slice(start, end, step)
        return t[tuple(key)]
    return _scatter_into(input, src, region)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return _scatter_into(input, src, lambda t: diagonal(t, offset, dim1, dim2))


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """Reduce source's slices i into input's slices index[i]: scatter_reduce with the index spread along dim."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    dim = normalize_dims(dim, max(input.ndim, 1))[0]
    if index.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                         f"{index.dtype} and size: {list(index.shape)}")
    if index.dtype not in (to_dtype("int32"), int64):
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: {index.dtype}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_reduce_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                           "scalar type")
    along = source.shape[dim] if source.ndim else 1
    if index.numel() != along:
        raise RuntimeError(f"index_reduce_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({along}), for dim: {dim}")
    if _except_dim(source.shape, dim) != _except_dim(input.shape, dim):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    size = input.shape[dim] if input.ndim else 1
    if index.numel() and not bool(((index >= 0) & (index < size)).all()):
        raise IndexError("index out of range in self")
    spread = [1] * source.ndim
    spread[dim] = -1
    index = index.to(int64).reshape(spread).expand(source.shape) if source.ndim else index.reshape(())
    return scatter_reduce(input, dim, index, source, reduce, include_self=include_self)


def _except_dim(shape, dim: int) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i != dim)


def _index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    return update_inplace(self, index_reduce(self, dim, index, source, reduce, include_self=include_self))


# ------------------------------------------------------------------------------- splitting, copies, predicates

def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    total = input.shape[dim] if input.ndim else 0
    if sum(split_sizes) != total:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {total} (input tensor's size at "
                           f"dimension {dim}), but got split_sizes={list(split_sizes)}")
    return split(input, list(split_sizes), dim)


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    return clone(narrow(input, dim, start, length))


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(input.shape) == tuple(other.shape)


def _is_signed(self: Tensor) -> bool:
    return self.dtype.is_signed


def _get_device(self: Tensor) -> int:
    return -1 if self.device.type == "cpu" else self.device.index


def _is_inference(self: Tensor) -> bool:
    return False  # NOTE: flambeau's inference_mode does not mark the tensors it creates


def _conj_transpose(self: Tensor) -> Tensor:
    return self.transpose(-2, -1).conj() if self.dtype.is_complex else self.transpose(-2, -1)


def _H(self: Tensor) -> Tensor:
    if self.ndim == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return self
    if self.ndim != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")
    return _conj_transpose(self)


def _adjoint(self: Tensor) -> Tensor:
    if self.ndim == 0:
        warnings.warn("adjoint() is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return self.conj().view(())
    if self.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return _conj_transpose(self)


# ------------------------------------------------------------------------------- legacy linalg

SVDLegacy = namedtuple("svd", ["U", "S", "V"])


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None) -> SVDLegacy:
    """torch.svd: V (not V^H); without compute_uv, U and V are zero matrices of the full sizes."""
    from .. import linalg as _linalg  # on first use: `import flambeau` does not load flambeau.linalg
    if not compute_uv:
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return SVDLegacy(zeros(batch + (m, m), dtype=input.dtype, device=input.device), _linalg.svdvals(input),
                         zeros(batch + (n, n), dtype=input.dtype, device=input.device))
    U, S, Vh = _linalg.svd(input, full_matrices=not some)
    return SVDLegacy(U, S, _conj_transpose(Vh))


def cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """Removed from PyTorch (since 1.9); kept so code calling it gets PyTorch's pointer to the replacement."""
    raise RuntimeError("This function was deprecated since version 1.9 and is now removed. `torch.cholesky` is "
                       "deprecated in favor of `torch.linalg.cholesky`.\nL = torch.cholesky(A) should be replaced "
                       "with:\nL = torch.linalg.cholesky(A)\nU = torch.cholesky(A, upper=True) should be replaced "
                       "with:\nU = torch.linalg.cholesky(A).mH")


TENSOR_METHODS = {
    "select_scatter": select_scatter, "slice_scatter": slice_scatter, "diagonal_scatter": diagonal_scatter,
    "index_reduce": index_reduce, "index_reduce_": _index_reduce_,
    "split_with_sizes": split_with_sizes, "narrow_copy": narrow_copy, "is_same_size": is_same_size,
    "is_signed": _is_signed, "get_device": _get_device, "is_inference": _is_inference, "is_nonzero": is_nonzero,
    "H": property(_H), "adjoint": _adjoint, "svd": svd, "cholesky": cholesky,
}
