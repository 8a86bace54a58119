"""The IDX ("SN3 Pascal Vincent") files of MNIST and its relatives.

Layout: 2 zero bytes, a dtype code, the number of dimensions; then one big-endian uint32 per
dimension; then the values, big-endian, row-major. Every field is checked, so a truncated or
corrupt file raises a RuntimeError naming the file and the problem instead of a wrong array.
Files ending in .gz or .xz are decompressed on the fly.
"""
from __future__ import annotations

import gzip
import lzma
import os
import zlib

import numpy as np

import flambeau

# dtype code -> big-endian element type on disk
_IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_OPENERS = {".gz": gzip.open, ".xz": lzma.open}


def _read_bytes(path: str) -> bytes:
    opener = _OPENERS.get(os.path.splitext(path)[1], open)
    try:
        with opener(path, "rb") as f:
            return f.read()
    except (EOFError, gzip.BadGzipFile, lzma.LZMAError, zlib.error) as e:
        raise RuntimeError(f"{path}: corrupt or truncated compressed file ({type(e).__name__}: {e})") from e


def read_sn3_pascalvincent_tensor(path: str, strict: bool = True) -> flambeau.Tensor:
    """Read an IDX file into a tensor of its stored dtype and shape.

    With strict=False, bytes after the last value are ignored; missing bytes are always an error."""
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise RuntimeError(f"{path}: not an IDX file: {len(data)} bytes, shorter than the 4-byte magic number")
    if data[0] != 0 or data[1] != 0:
        raise RuntimeError(f"{path}: not an IDX file: the magic number must start with two zero bytes, "
                           f"got {data[:4].hex()}")
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        raise RuntimeError(f"{path}: unknown IDX dtype code 0x{code:02x} (known: "
                           f"{', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)})")
    if not 1 <= ndim <= 3:
        raise RuntimeError(f"{path}: IDX files of MNIST-style datasets have 1 to 3 dimensions, the header says {ndim}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise RuntimeError(f"{path}: truncated IDX header: {len(data)} bytes, {ndim} dimensions need {header}")
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, 4))
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(shape)) * dtype.itemsize
    found = len(data) - header
    if found < expected or (strict and found != expected):
        problem = "truncated" if found < expected else "trailing data"
        raise RuntimeError(f"{path}: the IDX header announces shape {shape} of {dtype.name} ({expected} bytes of "
                           f"data) but the file holds {found} bytes ({problem})")
    values = np.frombuffer(data, dtype, expected // dtype.itemsize, header)
    return flambeau.from_numpy(values.astype(dtype.newbyteorder("="), copy=True).reshape(shape))


def _read_checked(path: str, ndim: int) -> flambeau.Tensor:
    x = read_sn3_pascalvincent_tensor(path, strict=False)
    if x.dtype != flambeau.uint8:
        raise TypeError(f"{path}: expected uint8 data, the file holds {x.dtype}")
    if x.ndim != ndim:
        raise ValueError(f"{path}: expected {ndim} dimension(s), the file holds {x.ndim}")
    return x


def read_label_file(path: str) -> flambeau.Tensor:
    """A 1-d uint8 IDX file of class labels, as int64."""
    return _read_checked(path, 1).long()


def read_image_file(path: str) -> flambeau.Tensor:
    """A 3-d (N, H, W) uint8 IDX file of images."""
    return _read_checked(path, 3)
