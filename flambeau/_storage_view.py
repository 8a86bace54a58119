"""Tensor.untyped_storage() and Tensor.storage(): the memory behind a tensor, shared with it.

A storage is a 1-D array over the whole allocation the tensor views (from the start of its storage,
storage_offset() elements before its first element, to the end of the allocation), so writes through
the storage show in the tensor and in every other view of that memory, as in PyTorch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._device import data_ptr, device_of, to_device, xp_for
from ._dtype import FROM_NP, dtype as Dtype, uint8


def _allocation_bytes(t) -> Any:
    """A uint8 array over the tensor's storage: from its storage offset to the end of the allocation."""
    arr = t._data
    root = arr
    while isinstance(root.base, type(arr)):
        root = root.base
    if not root.flags.c_contiguous:
        raise RuntimeError("storage(): the tensor's memory is not one contiguous allocation")
    flat = root.reshape(-1).view(xp_for(device_of(arr)).uint8)
    start = data_ptr(arr) - t.storage_offset() * arr.itemsize - data_ptr(root)
    return flat[start:]


def _index(i, size: int, storage) -> int:
    if not isinstance(i, (int, np.integer)):
        raise RuntimeError(f"can't index a {type(storage)} with {type(i)}")
    if not -size <= i < size:
        raise IndexError(f"index {i} out of range for storage of size {size}")
    return int(i) % size


class _StorageBase:
    """What typed and untyped storages share; `_array` is the 1-D array of their elements."""
    __slots__ = ("_array",)

    def size(self) -> int:
        return int(self._array.size)

    def __len__(self) -> int:
        return int(self._array.size)

    def nbytes(self) -> int:
        return int(self._array.nbytes)

    def element_size(self) -> int:
        return self._array.itemsize

    def data_ptr(self) -> int:
        return data_ptr(self._array)

    @property
    def device(self):
        return device_of(self._array)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    is_sparse = False

    def is_shared(self) -> bool:
        return False

    def is_pinned(self, device=None) -> bool:
        return False

    def __getitem__(self, i):
        return self._array[_index(i, len(self), self)].item()

    def __setitem__(self, i, value) -> None:
        if isinstance(i, slice):
            self._array[i] = value
        else:
            self._array[_index(i, len(self), self)] = value

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self) -> list:
        return self._array.tolist()

    def fill_(self, value):
        self._array[...] = value
        return self

    def copy_(self, source: "_StorageBase", non_blocking: bool | None = None):
        if source.nbytes() != self.nbytes():
            raise RuntimeError(f"size mismatch: copying a storage of {source.nbytes()} bytes into one of "
                               f"{self.nbytes()} bytes")
        self._array.view(np.uint8)[...] = source._array.view(np.uint8)
        return self

    def _lines(self) -> str:
        return "".join(f" {v}\n" for v in self.tolist())


class UntypedStorage(_StorageBase):
    """Bytes: PyTorch's torch.UntypedStorage. UntypedStorage(n) allocates n zero bytes."""
    __slots__ = ()

    def __init__(self, size: int = 0, *, device=None):
        self._array = xp_for(to_device(device or "cpu")).zeros(int(size), np.uint8)

    @classmethod
    def _over(cls, array) -> "UntypedStorage":
        s = cls.__new__(cls)
        s._array = array
        return s

    def __getitem__(self, i):
        if isinstance(i, slice):  # PyTorch slices bytes into a storage sharing them
            return UntypedStorage._over(self._array[i])
        return super().__getitem__(i)

    def untyped(self) -> "UntypedStorage":
        return self

    def clone(self) -> "UntypedStorage":
        return UntypedStorage._over(self._array.copy())

    def __repr__(self) -> str:
        return f"{self._lines()}[torch.storage.UntypedStorage(device={self.device}) of size {len(self)}]"


class TypedStorage(_StorageBase):
    """Elements of one dtype: what Tensor.storage() returns (PyTorch's torch.TypedStorage)."""
    __slots__ = ()

    @classmethod
    def _over(cls, array) -> "TypedStorage":
        s = cls.__new__(cls)
        s._array = array
        return s

    @property
    def dtype(self) -> Dtype:
        return FROM_NP[self._array.dtype]

    def __getitem__(self, i):
        if isinstance(i, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        return super().__getitem__(i)

    def untyped(self) -> UntypedStorage:
        return UntypedStorage._over(self._array.view(uint8.np))

    def clone(self) -> "TypedStorage":
        return TypedStorage._over(self._array.copy())

    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is not None:
            raise NotImplementedError("TypedStorage.type(dtype) is not supported; convert the tensor instead")
        return f"torch.{_STORAGE_NAMES.get(self.dtype.name, self.dtype.name)}Storage"

    def __repr__(self) -> str:
        return f"{self._lines()}[torch.storage.TypedStorage(dtype={self.dtype}, device={self.device}) of size " \
               f"{len(self)}]"


_STORAGE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                  "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                  "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def untyped_storage_of(t) -> UntypedStorage:
    """The bytes of the tensor's storage, shared with the tensor."""
    return UntypedStorage._over(_allocation_bytes(t))


def typed_storage_of(t) -> TypedStorage:
    """The elements of the tensor's storage (of its dtype), shared with the tensor."""
    raw = _allocation_bytes(t)
    item = t._data.itemsize
    return TypedStorage._over(raw[:raw.size - raw.size % item].view(t._data.dtype))


def is_storage(obj) -> bool:
    return isinstance(obj, _StorageBase)


def tensor_over(storage: _StorageBase, dt: Dtype):
    """A 1-D tensor of dtype dt over all of a storage's memory (x.new(storage))."""
    from ._tensor import Tensor
    if isinstance(storage, TypedStorage) and storage.dtype is not dt:
        raise RuntimeError(f"Expected a Storage of type {_STORAGE_NAMES.get(dt.name, dt.name)} or an UntypedStorage, "
                           f"but got type {_STORAGE_NAMES.get(storage.dtype.name, storage.dtype.name)} for argument 1 "
                           "'storage'")
    raw = storage._array.view(np.uint8)
    return Tensor._wrap(raw[:raw.size - raw.size % dt.itemsize].view(dt.np))

