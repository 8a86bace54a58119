"""torch.sparse: sparse COO tensors and the functions of the torch.sparse namespace (mm, sum, softmax)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..ops.creation import tensor
from ._coo import SparseCooTensor, _make, sparse_coo_tensor, to_sparse

__all__ = ["SparseCooTensor", "mm", "softmax", "sparse_coo_tensor", "sum", "to_sparse"]


def _check_sparse(op: str, input) -> None:
    if not isinstance(input, SparseCooTensor):
        raise RuntimeError(f"torch.sparse.{op}: expected a sparse COO tensor, got a {input.layout} one")


def mm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """sparse (n, m) @ dense (m, k) -> dense (n, k), or sparse @ sparse -> sparse (coalesced), differentiable in
    the sparse values and the dense matrix."""
    _check_sparse("mm", mat1)
    if mat2.is_sparse:
        return _mm_sparse(mat1, mat2)
    if mat1.sparse_dim() != 2 or mat1.dense_dim() != 0 or mat2.dim() != 2:
        raise RuntimeError(f"mm: expected a 2-D sparse matrix and a 2-D dense matrix, got {list(mat1.shape)} "
                           f"and {list(mat2.shape)}")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    rows, cols = mat1._indices()
    products = mat1._values().unsqueeze(1) * mat2[cols]  # one row of mat2 per stored entry, scaled
    out = products.new_zeros((mat1.shape[0], mat2.shape[1]))
    return out.index_add(0, rows, products)


def _mm_sparse(a: SparseCooTensor, b: SparseCooTensor) -> SparseCooTensor:
    """sparse (n, m) @ sparse (m, p): every stored a[i, k] meets every stored b[k, j]; products at the same
    (i, j) are summed by coalescing."""
    for m in (a, b):
        if m.sparse_dim() != 2 or m.dense_dim() != 0:
            raise RuntimeError(f"mm: expected 2-D sparse matrices, got {list(a.shape)} and {list(b.shape)}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    a, b = a.coalesce(), b.coalesce()
    (rows, inner), (b_rows, b_cols) = a._data.indices, b._data.indices
    starts = np.searchsorted(b_rows, np.arange(b.shape[0] + 1))  # b's entries of row k: starts[k]:starts[k + 1]
    counts = starts[inner + 1] - starts[inner]
    left = np.repeat(np.arange(len(inner)), counts)  # each a entry once per b entry it meets
    right = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(starts[inner], counts)
    values = a._values()[tensor(left)] * b._values()[tensor(right)]
    indices = np.stack([rows[left], b_cols[right]])
    return _make(indices, values, (a.shape[0], b.shape[1]), False).coalesce()


def sum(input: Tensor, dim=None, dtype=None) -> Tensor:
    """The sum over dim (all dimensions by default): dense when every sparse dimension is summed, else sparse."""
    _check_sparse("sum", input)
    values = input._values() if dtype is None else input._values().to(dtype)
    if dim is None:
        return values.sum()
    dims = sorted({d % input.dim() for d in ((dim,) if isinstance(dim, int) else dim)})
    sparse_dim = input.sparse_dim()
    dense_sums = tuple(d - sparse_dim + 1 for d in dims if d >= sparse_dim)
    if dense_sums:
        values = values.sum(dense_sums)
    kept = [d for d in range(sparse_dim) if d not in dims]
    if not kept:
        return values.sum(0)
    shape = tuple(input.shape[d] for d in kept) + tuple(values.shape[1:])
    return _make(input._data.indices[kept], values, shape, False).coalesce()


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Softmax over dim of the stored entries, unspecified entries counting as -inf (they stay unspecified)."""
    _check_sparse("softmax", input)
    s = input.coalesce()
    if s.dense_dim() != 0:
        raise NotImplementedError("flambeau: torch.sparse.softmax of a sparse tensor with dense dimensions")
    dim = dim % s.dim()
    values = s._values() if dtype is None else s._values().to(dtype)
    indices = s._data.indices
    # the entries sharing every index but dim's form one softmax group
    others = [d for d in range(s.dim()) if d != dim]
    keys = indices[others].T
    _, group = np.unique(keys, axis=0, return_inverse=True) if len(keys) else (None, np.zeros(0, np.int64))
    group = tensor(group.reshape(-1))
    n = int(group.max()) + 1 if group.numel() else 0
    peak = values.detach().new_full((n,), float("-inf")).scatter_reduce(0, group, values.detach(), "amax")
    e = (values - peak[group]).exp()
    total = e.new_zeros((n,)).index_add(0, group, e)
    return _make(indices, e / total[group], tuple(s.shape), True)
