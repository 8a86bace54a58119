"""Creation functions: tensor, as_tensor, from_numpy, zeros/ones/full/empty and their *_like and new_* forms."""
from __future__ import annotations

import numpy as np

from .._device import CPU, device_of, to_device, xp_for
from .._dtype import bool_, get_default_dtype, int64, to_dtype
from .._tensor import Tensor
from .shape import size_args

_wrap = Tensor._wrap


def infer_np_dtype(data):
    """The dtype PyTorch infers for Python data: floats -> default dtype, ints -> int64, bools -> bool."""
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind == "f":
        return arr, get_default_dtype().np
    if kind in "iu":
        return arr, int64.np
    if kind == "b":
        return arr, bool_.np
    if kind == "c":
        return arr, np.dtype(np.complex128 if get_default_dtype().name == "float64" else np.complex64)
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _finish(array, device, requires_grad: bool) -> Tensor:
    dev = to_device(device)
    if dev is not CPU and dev.type != "cpu":
        array = xp_for(dev).asarray(array)
    t = _wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _host_array(data):
    """Python data (possibly holding tensors or arrays) -> an ndarray plus whether its dtype is explicit."""
    if isinstance(data, Tensor):
        return data._data if isinstance(data._data, np.ndarray) else data._data.get(), True
    if isinstance(data, np.ndarray):
        return data, True
    if isinstance(data, np.generic):
        return np.asarray(data), True
    if isinstance(data, (list, tuple)) and data and any(isinstance(x, Tensor) for x in _flatten_first(data)):
        data = _tensors_to_lists(data)
    try:
        arr, dt = infer_np_dtype(data)
    except (ValueError, TypeError) as e:
        raise (ValueError if "inhomogeneous" in str(e) else TypeError)(
            f"could not convert {type(data).__name__} to a tensor: {e}") from None
    return arr.astype(dt, copy=False), False


def _flatten_first(data):
    while isinstance(data, (list, tuple)) and data:
        yield data[0]
        data = data[0]


def _tensors_to_lists(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    arr, _ = _host_array(data)
    arr = np.array(arr, dtype=to_dtype(dtype).np if dtype is not None else None, copy=True)
    return _finish(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor):
        out = data
        if dtype is not None:
            out = out.to(to_dtype(dtype))
        return out.to(device) if device is not None else out
    arr, _ = _host_array(data)
    if dtype is not None:
        arr = arr.astype(to_dtype(dtype).np, copy=False)
    return _finish(arr, device, False)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    to_dtype(ndarray.dtype)  # refuses unsupported dtypes with PyTorch's message
    return _wrap(ndarray)


def from_dlpack(ext) -> Tensor:
    if isinstance(ext, Tensor):
        return ext
    kind, _ = ext.__dlpack_device__()
    if kind == 1:  # kDLCPU
        return _wrap(np.from_dlpack(ext))
    return _wrap(xp_for(to_device("cuda")).from_dlpack(ext))


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or get_default_dtype()).np
    return to_dtype(dtype).np


def _filled(fill, size, dtype, device, requires_grad, default=None) -> Tensor:
    shape = size_args(size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    xp = xp_for(to_device(device))
    np_dtype = _np_dtype(dtype, default)
    arr = xp.empty(shape, dtype=np_dtype) if fill is None else xp.full(shape, fill, dtype=np_dtype)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(0, size, dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(1, size, dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    return _filled(None, size, dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        from .._dtype import scalar_dtype
        default = scalar_dtype(fill_value.item() if isinstance(fill_value, (Tensor, np.generic)) else fill_value)
        return _filled(fill_value, (size,), None, device, requires_grad, default)
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def _like(fill, input: Tensor, dtype, device, requires_grad) -> Tensor:
    dtype = to_dtype(dtype) if dtype is not None else input.dtype
    device = device if device is not None else device_of(input._data)
    return _filled(fill, (input._data.shape,), dtype, device, requires_grad)


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
    return _like(fill_value, input, dtype, device, requires_grad)


def _new(fill):
    def method(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, **_) -> Tensor:
        dtype = dtype if dtype is not None else self.dtype
        device = device if device is not None else device_of(self._data)
        return _filled(fill, size, dtype, device, requires_grad)
    return method


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _new(fill_value)(self, size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype = dtype if dtype is not None else self.dtype
    device = device if device is not None else device_of(self._data)
    return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


TENSOR_METHODS = {
    "new_zeros": _new(0), "new_ones": _new(1), "new_empty": _new(None), "new_full": new_full,
    "new_tensor": new_tensor,
}


def legacy_tensor_data(args: tuple, device):
    """Data for the legacy constructor Tensor(*args): sizes make uninitialised floats, a sequence copies."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and not (
            isinstance(args[0], tuple) and all(isinstance(a, int) for a in args[0]) and type(args[0]) is not tuple):
        arr, _ = _host_array(args[0])
        return np.array(arr, dtype=get_default_dtype().np)
    shape = size_args(args) if args else (0,)
    return xp_for(to_device(device)).zeros(shape, dtype=get_default_dtype().np)


def rebuild_tensor(array, requires_grad: bool) -> Tensor:
    """Unpickling (copy, multiprocessing) target of Tensor.__reduce_ex__."""
    t = _wrap(array)
    t._rg = requires_grad
    return t

__all__ = ['as_tensor', 'asarray', 'empty', 'empty_like', 'from_dlpack', 'from_numpy', 'full', 'full_like', 'ones', 'ones_like', 'tensor', 'zeros', 'zeros_like']
