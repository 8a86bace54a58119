"""Zip records: aligned writing (as PyTorch does, so storages can be memory-mapped) and reading
with every failure reported as a CorruptFileError naming the file and the record."""
from __future__ import annotations

import struct
import zipfile

import numpy as np

from .errors import CorruptFileError

ALIGNMENT = 64


def open_for_read(fileobj, source: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(fileobj, "r")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise CorruptFileError(source, f"not a readable zip archive (truncated or corrupt?): {e}") from None


def _info(zf: zipfile.ZipFile, name: str, source: str) -> zipfile.ZipInfo:
    try:
        return zf.getinfo(name)
    except KeyError:
        raise CorruptFileError(source, f"the archive has no record '{name}' (truncated or incomplete file?)") from None


def read_record(zf: zipfile.ZipFile, name: str, source: str) -> bytes:
    info = _info(zf, name, source)
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise CorruptFileError(source, f"cannot read record '{name}': {e}") from None


def read_array(zf: zipfile.ZipFile, name: str, nbytes: int, source: str) -> np.ndarray:
    """A record's bytes in a fresh, writable uint8 array, after checking its size."""
    info = _info(zf, name, source)
    if info.file_size != nbytes:
        raise CorruptFileError(source, f"record '{name}' holds {info.file_size} bytes, expected {nbytes}")
    out = np.empty(nbytes, np.uint8)
    view, done = memoryview(out), 0
    try:
        with zf.open(info) as r:
            while done < nbytes:
                n = r.readinto(view[done:])
                if not n:
                    break
                done += n
            r.read(1)  # reaching the end makes zipfile check the CRC
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise CorruptFileError(source, f"cannot read record '{name}': {e}") from None
    if done != nbytes:
        raise CorruptFileError(source, f"record '{name}' is truncated: {done} of {nbytes} bytes")
    return out


def write_record(zf: zipfile.ZipFile, name: str, data, align: bool = False) -> None:
    """Store `data` (bytes or a contiguous buffer) uncompressed; with `align`, pad the local header so
    the data starts at a multiple of 64 bytes (PyTorch's 'FB' padding field)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    if align:
        start = zf.start_dir + 30 + len(name.encode()) + 4
        pad = -start % ALIGNMENT
        info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    zf.writestr(info, data)
