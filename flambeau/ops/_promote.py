"""Operands for elementwise ops: Python scalars become tensors, dtypes follow PyTorch's promotion,
devices must agree."""
from __future__ import annotations

import math

import numpy as np

from .._dtype import FROM_NP, result_type_of, scalar_dtype
from .._tensor import Tensor

_wrap = Tensor._wrap
_ndarray = np.ndarray


def scalar_tensor(value, np_dtype, like: Tensor | None = None) -> Tensor:
    """A 0-d tensor holding a Python scalar, on the device of `like`."""
    try:
        arr = np.asarray(value, dtype=np_dtype)
    except OverflowError:  # PyTorch wraps out-of-range integers (uint8 + 300)
        arr = np.asarray(value).astype(np_dtype)
    if like is not None and not isinstance(like._data, np.ndarray):
        from .._device import xp_for
        arr = xp_for(like.device).asarray(arr)
    return _wrap(arr)


def result_dtype(*operands):
    """PyTorch's result_type over tensors and Python scalars, as a numpy dtype."""
    dims, zeros, scalars = [], [], []
    for x in operands:
        if isinstance(x, Tensor):
            (dims if x._data.ndim else zeros).append(FROM_NP[x._data.dtype])
        elif isinstance(x, (bool, int, float, complex, np.number, np.bool_)):
            scalars.append(scalar_dtype(x.item() if isinstance(x, np.generic) else x))
        else:
            raise TypeError(f"expected Tensor or Python scalar, but got {type(x).__name__}")
    return result_type_of(dims, zeros, scalars).np


def check_same_device(a: Tensor, b: Tensor) -> None:
    # isinstance, not type(): a NumPy subclass (np.memmap, as joblib loads pickled tensors) is still the CPU
    on_cpu = isinstance(a._data, np.ndarray)
    if on_cpu is not isinstance(b._data, np.ndarray) or (not on_cpu and a.device != b.device):
        # PyTorch lets a 0-d CPU tensor join a CUDA computation as a scalar
        if a._data.ndim and b._data.ndim:
            raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, "
                               f"{a.device} and {b.device}!")


def promote(a, b):
    """Two operands -> two tensors of the common dtype."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        da, db = a._data.dtype, b._data.dtype
        if da is db or da == db:
            if a._data.__class__ is not _ndarray or b._data.__class__ is not _ndarray:
                check_same_device(a, b)
            return a, b
        check_same_device(a, b)
        dt = result_dtype(a, b)
        return (a if da == dt else cast(a, dt)), (b if db == dt else cast(b, dt))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):  # NumPy arrays act as tensors, like torch
        return promote(_wrap(a) if isinstance(a, np.ndarray) else a, _wrap(b) if isinstance(b, np.ndarray) else b)
    if isinstance(a, Tensor):
        dt = result_dtype(a, b)
        return (a if a._data.dtype == dt else cast(a, dt)), scalar_tensor(b, dt, a)
    if isinstance(b, Tensor):
        dt = result_dtype(a, b)
        return scalar_tensor(a, dt, b), (b if b._data.dtype == dt else cast(b, dt))
    raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}")


_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
            "float32": "float"}


def check_fill_value(value, np_dtype) -> None:
    """A Python number that fills a tensor (fill_, index_fill, full) must fit its dtype: PyTorch refuses
    one that overflows (fill_(300) on uint8), where arithmetic would wrap it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or np_dtype.name not in _C_TYPES:
        return
    if np_dtype.kind in "iu":
        info = np.iinfo(np_dtype)
        # NOTE: like c10's overflow check, a negative integer down to -max still fits an unsigned type (it wraps)
        low = -int(info.max) if np_dtype.kind == "u" and isinstance(value, int) else info.min
        fits = math.isfinite(value) and low <= math.trunc(value) <= info.max
    else:  # float32: infinities and nan are values; finite numbers beyond its range are not
        fits = not math.isfinite(value) or abs(value) <= float(np.finfo(np_dtype).max)
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_C_TYPES[np_dtype.name]} without overflow")


def factor_for(value, t: Tensor):
    """A Python-number factor (addcmul's value, addmm's alpha and beta) as PyTorch applies it to `t`:
    converted to t's type, so a float factor of an integer tensor is truncated and never promotes it."""
    kind = t._data.dtype.kind
    if kind == "b" and isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, float) and kind in "iu":
        return int(value)
    return value


def as_tensor_operand(x, like: Tensor) -> Tensor:
    return x if isinstance(x, Tensor) else scalar_tensor(x, result_dtype(like, x), like)


def cast(t: Tensor, np_dtype) -> Tensor:
    from .elementwise import cast as _cast
    return _cast(t, np_dtype)
