"""The safetensors format, read and written directly (no dependency on the `safetensors` package).

A file is: 8 bytes (little-endian u64) N, a JSON header of N bytes (padded with spaces), then the
data. The header maps each tensor name to {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}
(offsets into the data) and may hold "__metadata__": {str: str}. Tensors are C-contiguous,
little-endian, and tile the data with no gaps or overlaps. The API mirrors `safetensors.torch`.
"""
from __future__ import annotations

import json
import os
import struct
from typing import Any

import numpy as np

from .._dtype import (bfloat16, bool_, complex64, dtype as Dtype, float16, float32, float64, int8, int16, int32,
                      int64, uint8)
from .._tensor import Tensor
from ..ops.creation import rebuild_tensor as wrap_array
from ._storage import relocate
from .errors import CorruptFileError, source_name

DTYPES: dict[str, Dtype] = {"BOOL": bool_, "U8": uint8, "I8": int8, "I16": int16, "I32": int32, "I64": int64,
                            "F16": float16, "BF16": bfloat16, "F32": float32, "F64": float64, "C64": complex64}
_CODES = {d.name: code for code, d in DTYPES.items()}
MAX_HEADER = 100_000_000  # the reference implementation's limit


def save(tensors: dict[str, Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The bytes of a safetensors file holding `tensors`."""
    if not isinstance(tensors, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in tensors.items()):
        raise TypeError("safetensors holds a dict of str -> Tensor")
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("safetensors metadata must be a dict of str -> str")
    arrays = {}
    for name, t in tensors.items():
        if t.dtype.name not in _CODES:
            raise ValueError(f"safetensors cannot store {t.dtype} (tensor {name!r})")
        a = t._data if isinstance(t._data, np.ndarray) else t._data.get()
        arrays[name] = np.ascontiguousarray(a).reshape(a.shape)  # ascontiguousarray makes a 0-d array 1-d
    # the reference writer orders by alignment (largest first), then name
    order = sorted(arrays, key=lambda k: (-arrays[k].itemsize, k))
    header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
    offset = 0
    for name in order:
        a = arrays[name]
        header[name] = {"dtype": _CODES[tensors[name].dtype.name], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return b"".join([struct.pack("<Q", len(text)), text] + [arrays[n].reshape(-1).view(np.uint8).tobytes()
                                                            for n in order])


def save_file(tensors: dict[str, Tensor], filename: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    data = save(tensors, metadata)
    with open(filename, "wb") as f:
        f.write(data)


def _parse(data, source: str) -> tuple[dict, dict, int]:
    """(tensor entries, metadata, start of the data) after checking the header against the spec."""
    if len(data) < 8:
        raise CorruptFileError(source, "safetensors file too small for its header length")
    (n,) = struct.unpack("<Q", bytes(data[:8]))
    if n > MAX_HEADER:
        raise CorruptFileError(source, f"safetensors header too large ({n} bytes)")
    if 8 + n > len(data):
        raise CorruptFileError(source, f"safetensors header length {n} runs past the end of the file "
                                       f"({len(data)} bytes): truncated?")
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise CorruptFileError(source, f"safetensors header is not valid JSON: {e}") from None
    if type(header) is not dict:
        raise CorruptFileError(source, "safetensors header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if type(metadata) is not dict or not all(type(v) is str for v in metadata.values()):
        raise CorruptFileError(source, "safetensors __metadata__ must map str to str")
    size = len(data) - 8 - n
    end = 0
    for name, e in sorted(header.items(), key=lambda kv: _offsets(kv, source)[0]):
        begin, stop = _offsets((name, e), source)
        if type(e.get("dtype")) is not str or e["dtype"] not in DTYPES:
            raise CorruptFileError(source, f"tensor {name!r} has unsupported dtype {e.get('dtype')!r}")
        shape = e.get("shape")
        if type(shape) is not list or not all(type(s) is int and s >= 0 for s in shape):
            raise CorruptFileError(source, f"tensor {name!r} has an invalid shape {shape!r}")
        nbytes = int(np.prod(shape, dtype=np.int64)) * DTYPES[e["dtype"]].itemsize
        if begin != end or stop - begin != nbytes:
            raise CorruptFileError(source, f"tensor {name!r} has data_offsets [{begin}, {stop}], expected "
                                           f"[{end}, {end + nbytes}] (offsets must tile the data without gaps)")
        end = stop
    if end != size:
        raise CorruptFileError(source, f"the header describes {end} bytes of data but the file holds {size}")
    return header, metadata, 8 + n


def _offsets(item, source: str) -> tuple[int, int]:
    name, e = item
    offs = e.get("data_offsets") if type(e) is dict else None
    if type(offs) is not list or len(offs) != 2 or not all(type(o) is int and o >= 0 for o in offs) or offs[1] < offs[0]:
        raise CorruptFileError(source, f"tensor {name!r} has invalid data_offsets {offs!r}")
    return offs[0], offs[1]


def _tensor(buffer: np.ndarray, start: int, e: dict, map_location, source: str) -> Tensor:
    dt = DTYPES[e["dtype"]]
    b, s = e["data_offsets"]
    chunk = buffer[start + b:start + s]
    if (start + b) % dt.itemsize:  # keep element access aligned
        chunk = chunk.copy()
    array = relocate(chunk.view(dt.np).reshape(e["shape"]), "cpu", map_location, source)
    return wrap_array(array, False)


def load(data: bytes, device: Any = "cpu", *, source: str = "<bytes>") -> dict[str, Tensor]:
    """The tensors of a safetensors file's bytes, in file order, on `device`."""
    buffer = np.frombuffer(bytearray(data), np.uint8)  # writable: loaded tensors may be changed in place
    header, _, start = _parse(buffer, source)
    return {name: _tensor(buffer, start, e, device, source) for name, e in header.items()}


def load_file(filename: str | os.PathLike, device: Any = "cpu") -> dict[str, Tensor]:
    with open(filename, "rb") as f:
        return load(f.read(), device, source=source_name(filename))


class safe_open:
    """A minimal `safetensors.safe_open`: reads the header, then tensors one at a time on request."""

    def __init__(self, filename: str | os.PathLike, framework: str = "pt", device: Any = "cpu"):
        self._source = source_name(filename)
        self._buffer = np.memmap(filename, np.uint8, mode="c") if os.path.getsize(filename) else np.zeros(0, np.uint8)
        self._header, self._metadata, self._start = _parse(self._buffer, self._source)
        self._device = device

    def __enter__(self) -> "safe_open":
        return self

    def __exit__(self, *exc) -> None:
        self._buffer = None

    def keys(self) -> list[str]:
        return sorted(self._header)

    def metadata(self) -> dict[str, str]:
        return dict(self._metadata)

    def get_tensor(self, name: str) -> Tensor:
        if name not in self._header:
            raise KeyError(f"no tensor named {name!r} in {self._source}")
        t = _tensor(self._buffer, self._start, self._header[name], self._device, self._source)
        return wrap_array(np.array(t._data), False) if isinstance(t._data, np.memmap) else t
