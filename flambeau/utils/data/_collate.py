"""default_collate / default_convert (torch.utils.data._utils.collate): merge a list of samples into a
batch, structure preserved: tensors are stacked, NumPy arrays and scalars become tensors, Python floats
float64 tensors, ints int64 (bools bool) tensors, strings stay lists; mappings, namedtuples and
sequences are collated field by field."""
from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

from ..._dtype import float64
from ..._tensor import Tensor
from ...ops.creation import as_tensor, tensor
from ...ops.joining import stack

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

# NumPy dtype kinds that are not numbers: bytes, unicode, object
_NOT_NUMERIC = re.compile("[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _rebuild(container, values: dict | list):
    """A container of container's type holding `values`: a shallow copy updated in place where it is
    mutable (keeps subclass attributes), else built from values; a plain dict/list when neither works."""
    try:
        if isinstance(container, collections.abc.MutableMapping):
            clone = copy.copy(container)
            clone.update(values)
            return clone
        if isinstance(container, collections.abc.MutableSequence):
            clone = copy.copy(container)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(container)(values)
    except TypeError:
        return values


def default_convert(data):
    """Turn NumPy arrays and scalars inside `data` into tensors, without batching."""
    t = type(data)
    if isinstance(data, Tensor):
        return data
    if t.__module__ == "numpy" and t.__name__ not in ("str_", "string_"):
        if isinstance(data, np.ndarray) and _NOT_NUMERIC.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return t(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild(data, [default_convert(d) for d in data])
    return data


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate `batch` with the function registered in collate_fn_map for the first element's type
    (exact type first, then isinstance), recursing into mappings, namedtuples and sequences."""
    elem = batch[0]
    t = type(elem)
    if collate_fn_map is not None:
        if t in collate_fn_map:
            return collate_fn_map[t](batch, collate_fn_map=collate_fn_map)
        for key, fn in collate_fn_map.items():
            if isinstance(elem, key):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild(elem, {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return t(*(collate(list(field), collate_fn_map=collate_fn_map) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(list(field), collate_fn_map=collate_fn_map) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild(elem, fields)
    raise TypeError(_ERR.format(t))


def _collate_tensor(batch, *, collate_fn_map=None):
    return stack(batch, 0)


def _collate_ndarray(batch, *, collate_fn_map=None):
    if _NOT_NUMERIC.search(batch[0].dtype.str):
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_numpy_scalar(batch, *, collate_fn_map=None):
    return as_tensor(np.asarray(batch))


def _collate_float(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=float64)


def _collate_int(batch, *, collate_fn_map=None):
    return tensor(batch)


def _collate_str(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: _collate_tensor,
    np.ndarray: _collate_ndarray,
    (np.bool_, np.number, np.object_): _collate_numpy_scalar,
    float: _collate_float,
    int: _collate_int,
    str: _collate_str,
    bytes: _collate_str,
}


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring); the DataLoader's default."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
