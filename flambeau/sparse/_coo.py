"""Sparse COO tensors (layout torch.sparse_coo): an int64 index array (sparse_dim, nnz) and a values tensor
(nnz, *dense dims) standing for a tensor of `size` that is zero elsewhere; repeated indices add up until
coalesce() sums them.

The values tensor carries autograd: a sparse tensor requires grad when its values do, and to_dense(),
sparse.mm and sums are composites of differentiable dense ops on the values, so gradients reach the
values (and a leaf sparse tensor's .grad is the sparse tensor of its values' gradient).
"""
from __future__ import annotations

import math

import numpy as np

from .._device import device_of
from .._dtype import float16, float32, float64, to_dtype
from .._layout import sparse_coo
from .._tensor import Tensor, _init


class _SparseData:
    """What a sparse tensor keeps where a dense one keeps its array. It answers shape/dtype/ndim/size
    like an array, so tensor metadata and the backward engine's checks work on sparse gradients."""
    __slots__ = ("indices", "values", "shape", "coalesced")

    def __init__(self, indices, values: Tensor, shape: tuple, coalesced: bool):
        self.indices, self.values, self.shape, self.coalesced = indices, values, shape, coalesced

    @property
    def dtype(self):
        return self.values._data.dtype

    @property
    def itemsize(self) -> int:
        return self.values._data.itemsize

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def __array__(self, dtype=None, copy=None):
        # a dense op reached a sparse tensor: refuse rather than compute on this object
        raise TypeError("this operation does not support sparse COO tensors; convert with .to_dense() first")


def _make(indices, values: Tensor, shape: tuple, coalesced: bool) -> "SparseCooTensor":
    t = SparseCooTensor.__new__(SparseCooTensor)
    _init(t, _SparseData(indices, values, tuple(int(s) for s in shape), coalesced))
    return t


def _long(indices: np.ndarray) -> Tensor:
    return Tensor._wrap(np.ascontiguousarray(indices, dtype=np.int64))


class SparseCooTensor(Tensor):
    """A tensor of layout torch.sparse_coo (see the module docstring)."""
    __slots__ = ()
    layout = sparse_coo
    is_sparse = True

    # ---------------------------------------------------------------- metadata
    @property
    def device(self):
        return device_of(self._data.values._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def requires_grad(self) -> bool:
        return self._data.values.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._data.values.requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> "SparseCooTensor":
        self._data.values.requires_grad_(requires_grad)
        return self

    @property
    def grad_fn(self):
        return self._data.values.grad_fn

    @grad_fn.setter
    def grad_fn(self, value) -> None:
        if value is not None:
            raise RuntimeError("a sparse tensor's autograd history is that of its values")

    @property
    def is_leaf(self) -> bool:
        return self._data.values.is_leaf

    @property
    def grad(self):
        if self._grad is not None:  # a gradient assigned or accumulated as a whole
            return self._grad
        g = self._data.values.grad
        if g is None:
            return None
        # PyTorch's gradient of a sparse leaf is the dense gradient at its (unique) positions: every entry
        # at one position receives that gradient, so one entry per position gives it
        indices, shape = self._data.indices, self._data.shape
        if not self._data.coalesced:
            flat = np.ravel_multi_index(tuple(indices), shape[:indices.shape[0]])
            unique, first = np.unique(flat, return_index=True)
            indices, g = indices[:, first], g[_long(first)]
        return _make(indices, g, shape, True)

    @grad.setter
    def grad(self, value) -> None:
        self._grad = value

    def sparse_dim(self) -> int:
        return self._data.indices.shape[0]

    def dense_dim(self) -> int:
        return self._data.values.dim() - 1

    def _nnz(self) -> int:
        return self._data.indices.shape[1]

    def is_coalesced(self) -> bool:
        return self._data.coalesced

    def _indices(self) -> Tensor:
        return _long(self._data.indices)

    def _values(self) -> Tensor:
        return self._data.values

    def indices(self) -> Tensor:
        self._require_coalesced("indices")
        return self._indices()

    def values(self) -> Tensor:
        self._require_coalesced("values")
        return self._values()

    def _require_coalesced(self, what: str) -> None:
        if not self._data.coalesced:
            raise RuntimeError(f"Cannot get {what} on an uncoalesced tensor, please call .coalesce() first")

    def stride(self, dim=None):
        raise RuntimeError("Sparse tensors do not have strides")

    def is_contiguous(self, memory_format=None) -> bool:
        raise RuntimeError("Sparse tensors do not have is_contiguous")

    def storage(self):
        raise NotImplementedError("Cannot access storage of SparseTensorImpl")

    untyped_storage = storage

    def numpy(self, *, force: bool = False):
        raise TypeError("can't convert sparse tensor to numpy: use .to_dense() first")

    # ---------------------------------------------------------------- conversions
    def coalesce(self) -> "SparseCooTensor":
        """Sorted, unique indices; values at repeated indices summed."""
        if self._data.coalesced:
            return self
        indices, values, shape = self._data.indices, self._data.values, self._data.shape
        sparse_shape = shape[:indices.shape[0]]
        flat = np.ravel_multi_index(tuple(indices), sparse_shape) if indices.size else np.zeros(0, np.int64)
        unique, inverse = np.unique(flat, return_inverse=True)
        summed = values.new_zeros((unique.size, *values.shape[1:])).index_add(0, _long(inverse.reshape(-1)), values)
        new_indices = np.stack(np.unravel_index(unique, sparse_shape)) if unique.size \
            else np.zeros((len(sparse_shape), 0), np.int64)
        return _make(new_indices.astype(np.int64).reshape(len(sparse_shape), -1), summed, shape, True)

    def to_dense(self, dtype=None, *, masked_grad: bool | None = None) -> Tensor:
        indices, values = self._data.indices, self._data.values
        dense = values.new_zeros(self._data.shape)
        out = dense.index_put(tuple(_long(row) for row in indices), values, accumulate=True)
        return out if dtype is None else out.to(to_dtype(dtype))

    def to_sparse(self, sparse_dim: int | None = None, **kwargs) -> "SparseCooTensor":
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError("to_sparse: conversion from Sparse to Sparse with sparse_dim argument !="
                               "self.sparse_dim() is not supported")
        return self

    def detach(self) -> "SparseCooTensor":
        return _make(self._data.indices, self._data.values.detach(), self._data.shape, self._data.coalesced)

    def clone(self, *, memory_format=None) -> "SparseCooTensor":
        return _make(self._data.indices.copy(), self._data.values.clone(), self._data.shape, self._data.coalesced)

    def zero_(self) -> "SparseCooTensor":
        """No stored entries left (nnz 0), as PyTorch's sparse zero_()."""
        values = self._data.values
        empty = values.detach().new_zeros((0, *values.shape[1:]))
        self._data = _SparseData(self._data.indices[:, :0], empty, self._data.shape, True)
        return self

    def __deepcopy__(self, memo) -> "SparseCooTensor":
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        out = _make(self._data.indices.copy(), self._data.values.__deepcopy__(memo), self._data.shape,
                    self._data.coalesced)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol):
        # like PyTorch's, an unpickled sparse tensor does not require grad
        return (_make, (self._data.indices, self._data.values.detach(), self._data.shape, self._data.coalesced))

    def to(self, *args, **kwargs) -> "SparseCooTensor":
        return _make(self._data.indices, self._data.values.to(*args, **kwargs), self._data.shape,
                     self._data.coalesced)

    def cpu(self, memory_format=None) -> "SparseCooTensor":
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> "SparseCooTensor":
        return self.to("cuda" if device is None else device)

    def double(self, memory_format=None) -> "SparseCooTensor":
        return self.to(float64)

    def float(self, memory_format=None) -> "SparseCooTensor":
        return self.to(float32)

    def half(self, memory_format=None) -> "SparseCooTensor":
        return self.to(float16)

    def t(self) -> "SparseCooTensor":
        if self.sparse_dim() != 2 or self.dense_dim() != 0:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                               f"{self.sparse_dim()} sparse and {self.dense_dim()} dense dimensions")
        return _make(self._data.indices[::-1].copy(), self._data.values, self._data.shape[::-1], False)

    # ---------------------------------------------------------------- arithmetic
    def _with_values(self, values: Tensor) -> "SparseCooTensor":
        return _make(self._data.indices, values, self._data.shape, self._data.coalesced)

    def __add__(self, other):
        if not isinstance(other, SparseCooTensor):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        if self.shape != other.shape:
            raise RuntimeError(f"sizes do not match: {list(self.shape)} vs {list(other.shape)}")
        from ..ops.joining import cat
        indices = np.concatenate([self._data.indices, other._data.indices], axis=1)
        out = _make(indices, cat([self._data.values, other._data.values]), self._data.shape, False)
        # PyTorch's sum of two coalesced tensors is coalesced
        return out.coalesce() if self._data.coalesced and other._data.coalesced else out

    def __radd__(self, other):
        """dense + sparse: a dense tensor (this runs before Tensor.__add__, as the subclass's reflection)."""
        if isinstance(other, Tensor):
            return other + self.to_dense()
        return NotImplemented

    def __sub__(self, other):
        return self + (-other)

    def __neg__(self) -> "SparseCooTensor":
        return self._with_values(-self._data.values)

    def __mul__(self, other):
        """sparse * number, sparse * dense (the dense values at the stored entries: a sparse result) and
        sparse * sparse (the entries stored in both)."""
        if isinstance(other, SparseCooTensor):
            return _mul_sparse(self, other)
        if isinstance(other, Tensor) and other.dim() > 0:
            if self.shape != other.shape:
                raise RuntimeError(f"mul(sparse, dense): sizes do not match: {list(self.shape)} vs "
                                   f"{list(other.shape)}")
            at_entries = other[tuple(_long(row) for row in self._data.indices)]
            return self._with_values(self._data.values * at_entries)
        return self._with_values(self._data.values * other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Tensor) and other.dim() > 0:
            raise NotImplementedError("flambeau: sparse / tensor is supported for scalars only")
        return self._with_values(self._data.values / other)

    def __matmul__(self, other):
        from . import mm
        return mm(self, other)

    def sum(self, dim=None, keepdim: bool = False, dtype=None):
        from . import sum as sparse_sum
        if keepdim:
            raise NotImplementedError("flambeau: sum(keepdim=True) of a sparse tensor")
        out = sparse_sum(self, dim) if dim is not None else sparse_sum(self)
        return out if dtype is None else out.to(to_dtype(dtype))

    # ---------------------------------------------------------------- printing
    def __repr__(self) -> str:
        # PyTorch prints the values without their dtype and names the dtype once, before the layout
        values = self._data.values.detach()
        dtype = f", dtype={values.dtype}"
        text = repr(values)
        shown = dtype in text
        def block(prefix: str, text: str) -> str:
            return prefix + text.replace("\n", "\n" + " " * len(prefix))
        lines = [block("tensor(indices=", repr(self._indices()).replace(", dtype=torch.int64", "")) + ",",
                 block("       values=", text.replace(dtype, "")) + ","]
        tail = f"       size={tuple(self._data.shape)}, nnz={self._nnz()}{dtype if shown else ''}, " \
               "layout=torch.sparse_coo"
        if self.grad_fn is not None:
            tail += f", grad_fn=<{self.grad_fn.name()}>"
        elif self.requires_grad:
            tail += ", requires_grad=True"
        return "\n".join(lines + [tail + ")"])

    __str__ = __repr__


def _mul_sparse(a: SparseCooTensor, b: SparseCooTensor) -> SparseCooTensor:
    """The elementwise product of two sparse tensors: an entry where both store one (after coalescing)."""
    if a.shape != b.shape or a.sparse_dim() != b.sparse_dim():
        raise RuntimeError(f"mul(sparse, sparse): sizes or sparse dims do not match: {list(a.shape)} vs "
                           f"{list(b.shape)}")
    a, b = a.coalesce(), b.coalesce()
    sparse_shape = a._data.shape[:a.sparse_dim()]
    keys_a = np.ravel_multi_index(tuple(a._data.indices), sparse_shape)
    keys_b = np.ravel_multi_index(tuple(b._data.indices), sparse_shape)
    _, in_a, in_b = np.intersect1d(keys_a, keys_b, assume_unique=True, return_indices=True)
    values = a._data.values[_long(in_a)] * b._data.values[_long(in_b)]
    return _make(a._data.indices[:, in_a], values, a._data.shape, True)


def to_sparse(input: Tensor, sparse_dim: int | None = None, *, layout=None, blocksize=None,
              dense_dim=None) -> SparseCooTensor:
    """The sparse COO tensor of a dense one: its nonzero entries (rows of its first sparse_dim
    dimensions with any nonzero value); coalesced."""
    if input.is_sparse:
        return input.to_sparse(sparse_dim)
    if layout is not None and layout is not sparse_coo:
        raise NotImplementedError(f"flambeau: to_sparse supports layout=torch.sparse_coo only, got {layout}")
    sparse_dim = input.dim() if sparse_dim is None else sparse_dim
    if not 0 <= sparse_dim <= input.dim():
        raise RuntimeError(f"sparse_dim argument must be in [0, {input.dim()}] range, but {sparse_dim} is given")
    if sparse_dim == 0:  # no sparse dimensions: one entry holding the whole tensor
        return _make(np.zeros((0, 1), np.int64), input.unsqueeze(0), tuple(input.shape), True)
    data = input.detach().cpu().numpy()
    mask = data != 0
    if sparse_dim < input.dim():
        mask = mask.reshape(*mask.shape[:sparse_dim], -1).any(-1)
    indices = np.stack(np.nonzero(mask)).astype(np.int64)
    values = input[tuple(_long(row) for row in indices)]
    return _make(indices, values, tuple(input.shape), True)


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory: bool = False,
                      requires_grad: bool = False, check_invariants: bool | None = None,
                      is_coalesced: bool | None = None) -> SparseCooTensor:
    """A sparse COO tensor of `size` whose entries indices[:, k] hold values[k]. Indices are always
    checked against size (PyTorch checks them only with check_invariants=True)."""
    from ..ops.creation import as_tensor
    idx = as_tensor(indices).detach().cpu().numpy()
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    idx = idx.astype(np.int64)
    values = values if isinstance(values, Tensor) else as_tensor(values, dtype=dtype)
    if dtype is not None or device is not None:
        values = values.to(device=device, dtype=dtype)
    if values.dim() == 0:
        values = values.reshape(1)
    sparse_dim, nnz = idx.shape
    if values.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                           f"values: {values.shape[0]}")
    dense_shape = tuple(values.shape[1:])
    if size is None:
        size = tuple(int(m) + 1 for m in idx.max(1)) if nnz else (0,) * sparse_dim
        size = size + dense_shape
    size = tuple(int(s) for s in size)
    if len(size) != sparse_dim + len(dense_shape):
        raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
                           f"sparse_dim = {sparse_dim}, dense_dim = {len(dense_shape)}")
    if size[sparse_dim:] != dense_shape:
        raise RuntimeError(f"values has incorrect size, expected {[nnz, *size[sparse_dim:]]}, got "
                           f"{[nnz, *dense_shape]}")
    for d in range(sparse_dim if nnz else 0):
        low, high = int(idx[d].min()), int(idx[d].max())
        if low < 0:
            raise RuntimeError(f"found negative index {low} for dim {d}")
        if high >= size[d]:
            raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found "
                               f"index {high}")
    if requires_grad:
        values = values.detach().requires_grad_(True)
    return _make(idx, values, size, bool(is_coalesced) or nnz <= 1)
