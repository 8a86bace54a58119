"""flambeau.utils.dlpack (torch.utils.dlpack): tensors to and from DLPack capsules, sharing memory.

Objects that speak the DLPack protocol (__dlpack__/__dlpack_device__: NumPy, PyTorch, JAX, CuPy) need no
capsule: pass them to flambeau.from_dlpack. A capsule is the older hand-off, and can be consumed once.
"""
from __future__ import annotations

import ctypes

import numpy as np

from .._tensor import Tensor
from ..ops.creation import from_dlpack as _from_protocol

_is_valid = ctypes.pythonapi.PyCapsule_IsValid
_is_valid.restype = ctypes.c_int
_is_valid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]

# Where DLDevice (two int32: device type, device id) lies in each kind of capsule's struct: after DLTensor's
# data pointer, and in the versioned struct after version, manager_ctx, deleter and flags.
_DEVICE_OFFSET = {b"dltensor": 8, b"dltensor_versioned": 40}


def to_dlpack(tensor: Tensor):
    """A DLPack capsule viewing `tensor`'s memory (its data, even when it requires grad, as in PyTorch)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack(): argument 'data' (position 1) must be Tensor, not {type(tensor).__name__}")
    return tensor.detach().__dlpack__()


class _Capsule:
    """A capsule dressed as a DLPack producer, so the protocol's consumers (np.from_dlpack) accept it."""

    def __init__(self, capsule, device: tuple[int, int]):
        self.capsule = capsule
        self.device = device

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return self.device


class _Writable:
    """The memory of a read-only array, offered writable; it keeps the array (and so the capsule) alive."""

    def __init__(self, array: np.ndarray):
        self.owner = array
        self.__array_interface__ = {**array.__array_interface__, "data": (array.__array_interface__["data"][0], False)}


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with `ext`: a DLPack capsule, or any object with __dlpack__."""
    if hasattr(ext, "__dlpack__"):
        return _from_protocol(ext)
    for name, offset in _DEVICE_OFFSET.items():
        if _is_valid(ext, name):
            kind, index = (ctypes.c_int32 * 2).from_address(_get_pointer(ext, name) + offset)
            tensor = _from_protocol(_Capsule(ext, (kind, index)))
            if isinstance(tensor._data, np.ndarray) and not tensor._data.flags.writeable and name == b"dltensor":
                # NumPy marks what an unversioned capsule holds read-only (it cannot say); PyTorch writes to it
                tensor._data = np.asarray(_Writable(tensor._data))
            return tensor
    raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules can be consumed only "
                       "once, so you might have already constructed a tensor from it")


__all__ = ["to_dlpack", "from_dlpack"]
