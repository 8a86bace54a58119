"""Tensor printing in PyTorch's format (placeholder: the full formatter lands with the creation/printing work)."""
import numpy as np


def tensor_repr(t) -> str:
    return f"tensor({np.array2string(np.asarray(t._data, dtype=np.float64) if t._data.dtype.kind == 'f' else t._data, separator=', ')})"
