"""flambeau.save / flambeau.load (PyTorch's torch.serialization).

Formats (see docs/serialization.md):
- flambeau's own (the default for saving): a zip of a JSON manifest and raw tensor buffers, no pickle;
- PyTorch's (save(..., format="torch"), and read by load): torch.save's zip archive or legacy stream,
  read through an allow-list unpickler that builds only tensors and containers;
- safetensors (save(..., format="safetensors"), save_file/load_file/safe_open, and read by load).
"""
from __future__ import annotations

import contextlib
import io
import os
import pickle
import struct
from typing import Any, BinaryIO, Iterable, Union

from . import safetensors as _safetensors
from ._zip import open_for_read
from .errors import CorruptFileError, UnsafeFileError, source_name  # noqa: F401  (public)
from .native import MANIFEST, load_native, save_native
from .safetensors import load_file, safe_open, save_file  # noqa: F401  (flambeau.serialization.save_file...)
from .torch_format import LEGACY_HEAD, load_legacy, load_zip, safe_globals as _safe_globals, save_legacy, save_zip, \
    zip_prefix

DEFAULT_PROTOCOL = 2
FileLike = Union[str, os.PathLike, BinaryIO]


@contextlib.contextmanager
def _opened(f, mode: str):
    if isinstance(f, (str, os.PathLike)):
        with open(f, mode) as fh:
            yield fh
    else:
        yield f


def save(obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False, *,
         format: str = "flambeau", allow_pickle: bool = False) -> None:
    """Save `obj` (tensors, state_dicts, nested dicts/lists/tuples/sets, numbers, strings) to a path or
    a writable binary file object.

    format: "flambeau" (default: zip of a JSON manifest + raw buffers, no pickle), "torch" (PyTorch's
    checkpoint format, loadable by torch.load(weights_only=True); with
    _use_new_zipfile_serialization=False its legacy format) or "safetensors" (obj: a dict of tensors).
    allow_pickle: in flambeau's format, pickle objects it cannot store otherwise (loading such a file
    then needs weights_only=False); without it they raise TypeError.
    """
    if format == "flambeau":
        with _opened(f, "wb") as fh:
            save_native(obj, fh, allow_pickle, pickle_module, pickle_protocol)
    elif format == "torch":
        with _opened(f, "wb") as fh:
            (save_zip if _use_new_zipfile_serialization else save_legacy)(obj, fh)
    elif format == "safetensors":
        with _opened(f, "wb") as fh:
            fh.write(_safetensors.save(obj))
    else:
        raise ValueError(f"format must be 'flambeau', 'torch' or 'safetensors', got {format!r}")


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load what save (or torch.save, or a safetensors writer) wrote; the format is recognised from the bytes.

    map_location: None (tensors go back to the device they were saved from), a device or string
    (everything there), a dict mapping saved locations to new ones, or a callable(storage, location)
    returning a tensor or None. weights_only (default True) builds only tensors and containers;
    weights_only=False also unpickles arbitrary objects, which can run code: only for trusted files.
    """
    if mmap:
        raise NotImplementedError("flambeau.load does not support mmap=True yet")
    trusted = weights_only is False
    if pickle_module is not None and not trusted:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    source = source_name(f)
    with _opened(f, "rb") as fh:
        if not (hasattr(fh, "seekable") and fh.seekable()):
            fh = io.BytesIO(fh.read())
        start = fh.tell()
        head = fh.read(16)
        size = fh.seek(0, io.SEEK_END) - start
        fh.seek(start)
        if not head:
            raise CorruptFileError(source, "the file is empty")
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            with open_for_read(fh, source) as zf:
                if MANIFEST in zf.namelist():
                    return load_native(zf, source, map_location, not trusted, pickle_module or pickle)
                prefix = zip_prefix(zf)
                if prefix is None:
                    raise CorruptFileError(source, "a zip archive with neither a flambeau manifest nor a PyTorch "
                                                   "data.pkl record")
                return load_zip(zf, prefix, source, map_location, not trusted)
        if head.startswith(LEGACY_HEAD[:2]):  # a pickle stream: PyTorch's legacy format
            return load_legacy(fh, size, source, map_location, not trusted)
        if len(head) > 8 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] <= size - 8:
            return _safetensors.load(fh.read(), map_location or "cpu", source=source)
        raise CorruptFileError(source, f"not a flambeau, PyTorch or safetensors checkpoint (it starts with {head[:8]!r})")


# ---------------------------------------------------------------- the allow-list, extended by the user

def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allow more globals in weights-only loading of PyTorch checkpoints: objects (named by their
    module and qualified name) or (object, "module.name") pairs."""
    for g in safe_globals:
        obj, name = g if isinstance(g, tuple) else (g, f"{g.__module__}.{g.__qualname__}")
        _safe_globals[name] = obj


def get_safe_globals() -> list[Any]:
    return list(_safe_globals.values())


def clear_safe_globals() -> None:
    _safe_globals.clear()


class safe_globals:
    """Context manager: the given globals are allowed inside the block only."""

    def __init__(self, safe_globals: Iterable[Any]):
        self.globals = list(safe_globals)

    def __enter__(self) -> None:
        self.saved = dict(_safe_globals)
        add_safe_globals(self.globals)

    def __exit__(self, *exc) -> None:
        _safe_globals.clear()
        _safe_globals.update(self.saved)


__all__ = ["save", "load"]
