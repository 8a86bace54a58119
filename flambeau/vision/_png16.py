"""A decoder for 16-bit PNGs with colour or alpha (RGB, RGBA, gray+alpha), which Pillow reads as 8 bits.

Only what those files need: the IHDR/IDAT chunks, zlib, the five row filters, no interlacing.
Sub and Up rows are unfiltered with numpy; Average and Paeth depend on the byte just decoded to
their left, so they run byte by byte.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {2: 3, 4: 2, 6: 4}  # colour type -> channels


def needs_png16(data: bytes) -> bool:
    """Whether PNG bytes announce 16-bit RGB, RGBA or gray+alpha in their IHDR."""
    return len(data) >= 26 and data[:8] == _SIGNATURE and data[24] == 16 and data[25] in _CHANNELS


def _chunks(data: bytes):
    offset = 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if len(body) != length:
            raise RuntimeError("decode_png: truncated PNG chunk")
        yield kind, body
        offset += 12 + length


def _unfilter_row(kind: int, raw: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    if kind == 0:
        return raw
    if kind == 1:  # Sub: a running sum per byte lane
        return (np.cumsum(raw.reshape(-1, bpp), axis=0, dtype=np.uint64) % 256).astype(np.uint8).ravel()
    if kind == 2:  # Up
        return raw + prev  # uint8 arithmetic wraps modulo 256, as the format wants
    if kind not in (3, 4):
        raise RuntimeError(f"decode_png: invalid PNG filter type {kind}")
    row, above = bytearray(raw.tobytes()), prev.tobytes()
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up = above[i]
        if kind == 3:  # Average
            row[i] = (row[i] + ((left + up) >> 1)) & 255
        else:  # Paeth: the neighbour closest to left + up - upper-left
            upper_left = above[i - bpp] if i >= bpp else 0
            p = left + up - upper_left
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
            row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upper_left)) & 255
    return np.frombuffer(bytes(row), np.uint8)


def decode_png16(data: bytes) -> np.ndarray:
    """The (H, W, C) uint16 pixels of a non-interlaced 16-bit RGB, RGBA or gray+alpha PNG."""
    header, idat = None, []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise RuntimeError("decode_png: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 16 or colour not in _CHANNELS:
        raise RuntimeError("decode_png: not a 16-bit RGB, RGBA or gray+alpha PNG")
    if interlace:
        raise RuntimeError("decode_png: interlaced 16-bit PNGs with colour or alpha are not supported")
    bpp = 2 * _CHANNELS[colour]
    stride = width * bpp
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise RuntimeError(f"decode_png: corrupt image data ({e})") from e
    if len(raw) < height * (stride + 1):
        raise RuntimeError("decode_png: Out of bound read in decode_png. Probably, the input image is corrupted")
    rows = np.frombuffer(raw, np.uint8, height * (stride + 1)).reshape(height, stride + 1)
    out = np.empty((height, stride), np.uint8)
    prev = np.zeros(stride, np.uint8)
    for y in range(height):
        prev = out[y] = _unfilter_row(int(rows[y, 0]), rows[y, 1:], prev, bpp)
    return out.view(">u2").reshape(height, width, _CHANNELS[colour]).astype(np.uint16)
