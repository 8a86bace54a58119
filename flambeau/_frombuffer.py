"""torch.frombuffer and torch.from_file: a 1-D tensor over the memory of an object that exposes the buffer
protocol, or over the contents of a file."""
from __future__ import annotations

import os
import warnings

import numpy as np

from ._dtype import get_default_dtype, to_dtype
from ._tensor import Tensor

__all__ = ["frombuffer", "from_file"]


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """The elements of `buffer` from byte `offset` on (`count` of them, or all), sharing its memory."""
    view = memoryview(buffer).cast("B")
    length, item = view.nbytes, to_dtype(dtype).itemsize
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % item:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({item})")
        count = (length - offset) // item
    elif offset + count * item > length:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must not "
                         f"be greater than actual buffer length ({length} bytes)")
    array = np.frombuffer(view, dtype=to_dtype(dtype).np, count=count, offset=offset)
    if view.readonly:
        warnings.warn("The given buffer is not writable, and PyTorch does not support non-writable tensors. This "
                      "means you can write to the underlying (supposedly non-writable) buffer using the tensor. "
                      "You may want to copy the buffer to protect its data or make it writable before converting "
                      "it to a tensor. This type of warning will be suppressed for the rest of this program.",
                      UserWarning, stacklevel=2)
        array = array.copy()  # NOTE: NumPy refuses writes through a read-only buffer; a copy keeps the tensor usable
    return Tensor._wrap(array).requires_grad_(requires_grad)


def from_file(filename: str, shared: bool | None = None, size: int | None = 0, *, dtype=None, layout=None,
              device=None, pin_memory: bool | None = False) -> Tensor:
    """The first `size` elements of a file; with shared=True the tensor maps the file, so writes reach it."""
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    size = size or 0
    try:
        length = os.path.getsize(filename)
    except OSError as e:
        raise RuntimeError(f"unable to open file <{filename}> in read-only mode: {e.strerror} ({e.errno})") from None
    if length < size * dt.itemsize:
        raise RuntimeError(f"file <{filename}> size <{length}> is smaller than the required mapping size "
                           f"<{size * dt.itemsize}>")
    if shared and size:
        array = np.asarray(np.memmap(filename, dtype=dt.np, mode="r+", shape=(size,)))  # a plain view of the map
    else:
        array = np.fromfile(filename, dtype=dt.np, count=size)
    return Tensor._wrap(array).to(device) if device is not None else Tensor._wrap(array)
