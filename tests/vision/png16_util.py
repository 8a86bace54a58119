"""A 16-bit PNG writer for the tests (Pillow cannot write 16-bit colour): every row filter, from the spec."""
import struct
import zlib

import numpy as np


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _filter(kind, row, prev, bpp):
    """PNG filter `kind` applied to one row of bytes (the encoder's side, written from the spec)."""
    left = [0] * bpp + list(row[:-bpp])
    upper_left = [0] * bpp + list(prev[:-bpp])
    predict = {0: lambda i: 0, 1: lambda i: left[i], 2: lambda i: prev[i],
               3: lambda i: (left[i] + prev[i]) // 2, 4: lambda i: _paeth(left[i], prev[i], upper_left[i])}[kind]
    return bytes([kind] + [(row[i] - predict(i)) & 255 for i in range(len(row))])


def png16(pixels: np.ndarray, colour_type: int) -> bytes:
    """A 16-bit PNG of (H, W, C) pixels, its rows cycling through the five filters."""
    height, width, channels = pixels.shape
    rows = [pixels[y].astype(">u2").tobytes() for y in range(height)]
    prev = bytes(len(rows[0]))
    body = b""
    for y, row in enumerate(rows):
        body += _filter(y % 5, row, prev, 2 * channels)
        prev = row
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(body)) + _chunk(b"IEND", b"")
