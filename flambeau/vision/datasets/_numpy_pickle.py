"""Read pickles of plain containers and numpy arrays (CIFAR's python batches) without running code.

The files are pickles, which could name any callable. This goes through flambeau's allow-list
unpickler, which resolves only: numpy's array and scalar reconstruction (`_reconstruct`,
`ndarray`, `scalar`), `dtype` (never object dtypes, whose arrays would hold arbitrary Python
objects), and `_codecs.encode` for the latin-1 bytes of Python 3 pickles at protocol 2. Anything
else is refused before it is called. Python 2 strings decode as latin-1, as
`pickle.load(encoding="latin1")` does.
"""
from __future__ import annotations

import codecs
import os
from typing import Any

import numpy as np

from flambeau.serialization.errors import UnsafeFileError
from flambeau.serialization.safe_unpickler import RestrictedUnpickler

_multiarray = np._core.multiarray if hasattr(np, "_core") else np.core.multiarray


def _dtype(spec: Any, align: bool = False, copy: bool = False) -> np.dtype:
    dt = np.dtype(spec, align, copy)
    if dt.hasobject:
        raise UnsafeFileError("<pickle>", f"refusing a numpy array of Python objects (dtype {dt})")
    return dt


class _NdarrayName:
    """Stands for `numpy.ndarray` in the pickle: only `_reconstruct` accepts it, and it cannot be called,
    so a file cannot allocate an array of any shape it likes by calling ndarray(shape) itself."""


_NDARRAY = _NdarrayName()


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> np.ndarray:
    # numpy pickles an array as an empty _reconstruct(ndarray, (0,), b'b') whose BUILD state carries
    # shape, dtype and data; __setstate__ then checks the data fills the shape
    if cls is not _NDARRAY or tuple(shape) != (0,):
        raise UnsafeFileError("<pickle>", "_reconstruct is only allowed as numpy pickles arrays: "
                                          "_reconstruct(numpy.ndarray, (0,), b'b')")
    return _multiarray._reconstruct(np.ndarray, (0,), typecode)


def _encode(text: str, encoding: str = "utf-8") -> bytes:
    if encoding != "latin1":
        raise UnsafeFileError("<pickle>", f"_codecs.encode is only allowed for latin1, not {encoding!r}")
    return codecs.encode(text, "latin1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): _multiarray.scalar,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): _encode,
}


def load_numpy_pickle(path: str) -> Any:
    """Unpickle `path`, building only containers, scalars, strings and numeric numpy arrays."""
    path = os.fspath(path)

    def find_global(module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise UnsafeFileError(repr(path), f"refusing to load: the pickle names {module}.{name}, which is not "
                                              "a numpy array constructor")
        return _ALLOWED[module, name]

    with open(path, "rb") as f:
        return RestrictedUnpickler(f, repr(path), find_global, setstate_types=(np.ndarray, np.dtype)).load()
