"""torch.frombuffer: a 1-D tensor over the memory of an object that exposes the buffer protocol."""
from __future__ import annotations

import warnings

import numpy as np

from ._dtype import to_dtype
from ._tensor import Tensor

__all__ = ["frombuffer"]


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
