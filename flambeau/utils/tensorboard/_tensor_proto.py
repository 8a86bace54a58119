"""A whole tensor as a TensorProto, in the typed value field TensorBoard's readers expect for its dtype."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto


def _values(array: np.ndarray) -> list[Any]:
    return array.reshape(-1).tolist()


def _bits(array: np.ndarray) -> list[int]:
    """16-bit floats are stored as their bit patterns (TensorFlow's convention for half_val)."""
    return array.reshape(-1).view(np.uint16).tolist()


def _interleaved(array: np.ndarray) -> list[float]:
    """Complex numbers as real, imaginary, real, imaginary, ..."""
    return np.ascontiguousarray(array).reshape(-1).view(array.real.dtype).tolist()


# NumPy dtype name -> (TensorProto dtype, value field, values for that field)
_FIELDS: dict[str, tuple[str, str, Callable[[np.ndarray], list[Any]]]] = {
    "float16": ("DT_HALF", "half_val", _bits),
    "bfloat16": ("DT_BFLOAT16", "half_val", _bits),
    "float32": ("DT_FLOAT", "float_val", _values),
    "float64": ("DT_DOUBLE", "double_val", _values),
    "int8": ("DT_INT8", "int_val", _values),
    "uint8": ("DT_UINT8", "int_val", _values),
    "int16": ("DT_INT16", "int_val", _values),
    "int32": ("DT_INT32", "int_val", _values),
    "int64": ("DT_INT64", "int64_val", _values),
    "bool": ("DT_BOOL", "bool_val", _values),
    "complex64": ("DT_COMPLEX64", "scomplex_val", _interleaved),
    "complex128": ("DT_COMPLEX128", "dcomplex_val", _interleaved),
}


def make_tensor_proto(tag: str, array: np.ndarray) -> TensorProto:
    """`array` with its shape and dtype; ValueError for a dtype TensorBoard cannot hold or over 2 GB."""
    if array.nbytes >= 1 << 31:
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    if array.dtype.name not in _FIELDS:
        raise ValueError(f"{tag} has unsupported tensor dtype {array.dtype}")
    dtype, field, values = _FIELDS[array.dtype.name]
    return TensorProto(dtype=dtype, tensor_shape=shape_proto(array.shape), **{field: values(array)})


def shape_proto(sizes: Any) -> TensorShapeProto:
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=size) for size in sizes])
