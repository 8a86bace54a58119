"""Creation functions: tensor, as_tensor, from_numpy, zeros/ones/full/empty and their *_like and new_*
forms, ranges (arange, linspace, logspace) and eye."""
from __future__ import annotations

import math

import numpy as np

from .._device import device_of, to_device, xp_for
from .._dtype import (FLOAT, bool_, complex64, complex128, dtype as _dtype_cls, float64, from_numpy_dtype,
                      get_default_dtype, int64, promote_types, scalar_dtype, to_dtype)
from .._tensor import Size, Tensor
from ._promote import check_fill_value
from .shape import size_args

_wrap = Tensor._wrap


# ------------------------------------------------------------------------------------ data -> array

_PY_NUMBERS = frozenset((bool, int, float, complex))
_BY_RANK = (complex, float, int, bool)  # the first present decides a list of plain Python numbers


def _leaf_dtype(x) -> _dtype_cls | None:
    """The dtype PyTorch infers for Python data: the promotion of its leaves' dtypes, where Python
    floats take the default dtype, ints int64, bools bool, and tensors / NumPy values their own."""
    if isinstance(x, (list, tuple)):
        types = set(map(type, x))
        if types <= _PY_NUMBERS:  # fast path: a flat list of Python numbers, typed in C
            for kind in _BY_RANK:
                if kind in types:
                    return scalar_dtype(kind(0))
            return None
        result = None
        for item in x:
            d = _leaf_dtype(item)
            if d is not None:
                result = d if result is None else promote_types(result, d)
        return result
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return from_numpy_dtype(x.dtype)
    if isinstance(x, (bool, int, float, complex)):
        return scalar_dtype(x)
    if isinstance(x, str):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _plain(x):
    """Nested data with tensors replaced by Python values (one-element tensors count as scalars)."""
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x.item()
    if isinstance(x, (list, tuple)) and not set(map(type, x)) <= _PY_NUMBERS:
        return [_plain(item) for item in x]
    return x


def _host_array(data, dt: _dtype_cls | None) -> np.ndarray:
    """Python data, a NumPy array or a tensor -> a host ndarray of dtype `dt` (inferred when None);
    ndarrays of the right dtype are returned as they are (no copy)."""
    if isinstance(data, Tensor):
        arr = data._data if isinstance(data._data, np.ndarray) else data._data.get()
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        from_numpy_dtype(arr.dtype)  # refuses unsupported dtypes with PyTorch's message
    else:
        natural = _leaf_dtype(data) or get_default_dtype()
        if dt is None or dt.category >= FLOAT:
            return _python_array(data, (dt or natural).np)
        return _checked_int_cast(_python_array(data, None), dt)
    return arr if dt is None else arr.astype(dt.np, copy=False)


def _python_array(data, np_dtype) -> np.ndarray:
    try:
        return np.array(_plain(data), dtype=np_dtype)
    except ValueError as e:
        if "inhomogeneous" in str(e) or "sequence" in str(e):
            raise ValueError(f"expected sequences of equal length to make a tensor: {e}") from None
        raise
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def _checked_int_cast(arr: np.ndarray, dt: _dtype_cls) -> np.ndarray:
    """Python numbers into an integer dtype: out-of-range values are an error, as in PyTorch (which lets
    floats keep a fractional part below max + 1, and negative ints wrap into uint8)."""
    if arr.dtype.kind in "uO":  # Python ints beyond int64
        raise ValueError("Overflow when unpacking long long")
    if dt is not bool_ and arr.size and arr.dtype.kind in "fiu":
        info = np.iinfo(dt.np)
        low = -int(info.max) if info.min == 0 and arr.dtype.kind != "f" else int(info.min)
        high = int(info.max) + 1 if arr.dtype.kind == "f" else int(info.max) + 0.5
        if arr.min() < low or arr.max() >= high:
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    return arr.astype(dt.np)


def _finish(array, device, requires_grad: bool) -> Tensor:
    dev = to_device(device)
    if dev.type != "cpu":
        array = xp_for(dev).asarray(array)
    t = _wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _refuse_negative_strides(arr: np.ndarray) -> None:
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, scalars, NumPy arrays or tensors)."""
    arr = _host_array(data, to_dtype(dtype) if dtype is not None else None)
    return _finish(np.array(arr, copy=True), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like tensor(), but shares memory with a tensor or NumPy array when dtype and device allow."""
    if isinstance(data, Tensor):
        out = data if dtype is None else data.to(to_dtype(dtype))
        return out if device is None else out.to(device)
    if isinstance(data, np.ndarray):
        _refuse_negative_strides(data)
    return _finish(_host_array(data, to_dtype(dtype) if dtype is not None else None), device, False)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with `ndarray`."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _refuse_negative_strides(ndarray)
    from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray)


def from_dlpack(ext) -> Tensor:
    if isinstance(ext, Tensor):
        return ext
    kind, _ = ext.__dlpack_device__()
    if kind == 1:  # kDLCPU
        return _wrap(np.from_dlpack(ext))
    return _wrap(xp_for(to_device("cuda")).from_dlpack(ext))


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    np_dtype = to_dtype(dtype).np if dtype is not None else get_default_dtype().np
    return _finish(np.asarray(s, dtype=np_dtype), device, requires_grad)


# ------------------------------------------------------------------------------------ filled tensors

def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or get_default_dtype()).np
    return to_dtype(dtype).np


def _check_shape(shape: tuple, name: str) -> None:
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{name}: Dimension size must be non-negative.")


def _filled(fill, shape: tuple, np_dtype, device, requires_grad: bool, out: Tensor | None = None) -> Tensor:
    if out is not None:
        return _fill_out(out, fill, shape)
    xp = xp_for(to_device(device))
    arr = xp.empty(shape, dtype=np_dtype) if fill is None else xp.full(shape, fill, dtype=np_dtype)
    return _finish_grad(_wrap(arr), requires_grad)


def _finish_grad(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


def _fill_out(out: Tensor, fill, shape: tuple) -> Tensor:
    """The out= form: resize `out` to `shape` if needed and fill it (a write PyTorch counts as a version bump)."""
    if out._data.shape != tuple(shape):
        out._data = xp_for(out.device).empty(shape, dtype=out._data.dtype)
    if fill is not None:
        out._data[...] = fill
    out._vc[0] += 1
    return out


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    shape = size_args(size)
    _check_shape(shape, "zeros")
    return _filled(0, shape, _np_dtype(dtype), device, requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    shape = size_args(size)
    _check_shape(shape, "ones")
    return _filled(1, shape, _np_dtype(dtype), device, requires_grad, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    shape = size_args(size)
    _check_shape(shape, "empty")
    return _filled(None, shape, _np_dtype(dtype), device, requires_grad, out)


def _fill_scalar(fill_value):
    if isinstance(fill_value, (Tensor, np.generic)):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (bool, int, float, complex)):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not {type(fill_value).__name__}")
    return fill_value


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value`; its dtype follows the value (bool, int64, default float) unless given."""
    fill_value = _fill_scalar(fill_value)
    shape = size_args((size,))
    _check_shape(shape, "full")
    np_dtype = _np_dtype(dtype, scalar_dtype(fill_value))
    check_fill_value(fill_value, np_dtype)
    return _filled(_cast_fill(fill_value, np_dtype), shape, np_dtype, device, requires_grad, out)


def _cast_fill(value, np_dtype):
    # NOTE: a float fill in an integer tensor truncates toward zero, like a C cast
    if np_dtype.kind in "iu" and isinstance(value, float) and math.isfinite(value):
        return int(value)
    if np_dtype.kind == "u" and isinstance(value, int) and value < 0:  # (checked: wraps as in PyTorch)
        return np.asarray(value).astype(np_dtype)
    return value


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    shape, strides = size_args((size,)), size_args((stride,))
    np_dtype = _np_dtype(dtype)
    span = 1 + sum((n - 1) * s for n, s in zip(shape, strides)) if all(shape) else 0
    buffer = xp_for(to_device(device)).empty(span, dtype=np_dtype)
    arr = np.lib.stride_tricks.as_strided(buffer, shape, tuple(s * np_dtype.itemsize for s in strides))
    return _finish_grad(_wrap(arr), requires_grad)


def _like(fill, input: Tensor, dtype, device, requires_grad) -> Tensor:
    np_dtype = to_dtype(dtype).np if dtype is not None else input._data.dtype
    device = device if device is not None else device_of(input._data)
    return _filled(fill, input._data.shape, np_dtype, device, requires_grad)


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    return _like(0, input, dtype, device, requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    return _like(1, input, dtype, device, requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    return _like(None, input, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    np_dtype = to_dtype(dtype).np if dtype is not None else input._data.dtype
    return _like(_cast_fill(_fill_scalar(fill_value), np_dtype), input, dtype, device, requires_grad)


def _new(fill):
    def method(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
        np_dtype = to_dtype(dtype).np if dtype is not None else self._data.dtype
        device = device if device is not None else device_of(self._data)
        shape = size_args(size)
        _check_shape(shape, "new_empty" if fill is None else "new_zeros" if fill == 0 else "new_ones")
        return _filled(fill, shape, np_dtype, device, requires_grad)
    return method


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
             layout=None, pin_memory: bool = False) -> Tensor:
    np_dtype = to_dtype(dtype).np if dtype is not None else self._data.dtype
    device = device if device is not None else device_of(self._data)
    shape = size_args((size,))
    _check_shape(shape, "full")
    return _filled(_cast_fill(_fill_scalar(fill_value), np_dtype), shape, np_dtype, device, requires_grad)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype = dtype if dtype is not None else self.dtype
    device = device if device is not None else device_of(self._data)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def new_empty_strided(self: Tensor, size, stride, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return empty_strided(size, stride, dtype=dtype if dtype is not None else self.dtype,
                         device=device if device is not None else device_of(self._data), requires_grad=requires_grad)


# ------------------------------------------------------------------------------------ ranges

def _number(x):
    return x.item() if isinstance(x, (Tensor, np.generic)) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values start, start+step, ... below end: int64 for integer arguments, the default float otherwise."""
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    if dtype is None:
        floating = any(isinstance(v, float) for v in (start, end, step))
        dt = get_default_dtype() if floating else int64
    else:
        dt = to_dtype(dtype)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = max(0, math.ceil((end - start) / step))
    if dt.category <= 1:  # integral results: PyTorch casts start and step to the dtype first
        start, step = int(start), int(step)
    arr = (start + np.arange(n, dtype=np.float64 if dt.category >= 2 else np.int64) * step).astype(dt.np)
    return _range_result(arr, out, device, requires_grad)


def _range_result(arr: np.ndarray, out, device, requires_grad: bool) -> Tensor:
    if out is not None:
        _fill_out(out, None, arr.shape)
        out._data[...] = arr
        return out
    return _finish(arr, device, requires_grad)


def _linspace_values(start, end, steps: int, np_dtype) -> np.ndarray:
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = _number(start), _number(end)
    if np_dtype.kind in "biu":  # integral results: PyTorch casts the endpoints to the dtype first
        start, end = int(start), int(end)
    work = np.complex128 if np_dtype.kind == "c" else np.float64
    if steps == 1:
        return np.array([start], dtype=work)
    i = np.arange(steps)
    step = (end - start) / (steps - 1)
    # NOTE: the second half counts back from `end`, so the last value is exactly `end` (PyTorch's rule)
    return np.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i)).astype(work)


def _range_dtype(dtype, *values):
    if dtype is not None:
        return to_dtype(dtype).np
    if any(isinstance(_number(v), complex) for v in values):
        return (complex128 if get_default_dtype() is float64 else complex64).np
    return get_default_dtype().np


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    np_dtype = _range_dtype(dtype, start, end)
    return _range_result(_linspace_values(start, end, steps, np_dtype).astype(np_dtype), out, device, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    np_dtype = _range_dtype(dtype, start, end)
    values = np.power(_number(base), _linspace_values(start, end, steps, np_dtype))
    return _range_result(values.astype(np_dtype), out, device, requires_grad)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    arr = xp_for(to_device(device)).eye(n, n if m is None else m, dtype=_np_dtype(dtype))
    if out is not None:
        return _range_result(arr, out, device, requires_grad)
    return _finish_grad(_wrap(arr), requires_grad)


TENSOR_METHODS = {
    "new_zeros": _new(0), "new_ones": _new(1), "new_empty": _new(None), "new_full": new_full,
    "new_tensor": new_tensor, "new_empty_strided": new_empty_strided,
}


def legacy_tensor_data(args: tuple, device, dt: _dtype_cls | None = None):
    """Data for the legacy constructor Tensor(*args) (dt: the default float) and x.new(*args) (dt: x's dtype):
    sizes make uninitialised values, a sequence copies."""
    dt = dt or get_default_dtype()
    if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):  # Tensor(Size) means a shape
        if isinstance(args[0], (float, complex, bool)):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        return np.array(_host_array(args[0], dt), copy=True)
    shape = size_args(args) if args else (0,)
    if any(d < 0 for d in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {next(d for d in shape if d < 0)}: {list(shape)}")
    return xp_for(to_device(device)).zeros(shape, dtype=dt.np)


def new(self: Tensor, *args, device=None) -> Tensor:
    """The legacy x.new(...) in x's dtype: sizes give uninitialised values, a sequence or array is copied,
    a tensor of x's dtype is aliased and a storage is viewed."""
    from .._storage_view import is_storage, tensor_over
    device = device if device is not None else device_of(self._data)
    if len(args) == 1 and isinstance(args[0], Tensor):
        if args[0].dtype is not self.dtype:
            raise TypeError(f"expected {self.dtype} (got {args[0].dtype})")
        return args[0].view(args[0].shape)
    if len(args) == 1 and is_storage(args[0]):
        return tensor_over(args[0], self.dtype)
    return _finish(legacy_tensor_data(args, device, self.dtype), device, False)


TENSOR_METHODS["new"] = new


def rebuild_tensor(array, requires_grad: bool) -> Tensor:
    """Unpickling (copy, multiprocessing) target of Tensor.__reduce_ex__."""
    t = _wrap(array)
    t._rg = requires_grad
    return t


__all__ = ['arange', 'as_tensor', 'asarray', 'empty', 'empty_like', 'empty_strided', 'eye', 'from_dlpack',
           'from_numpy', 'full', 'full_like', 'linspace', 'logspace', 'ones', 'ones_like', 'scalar_tensor', 'tensor',
           'zeros', 'zeros_like']
