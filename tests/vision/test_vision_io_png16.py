"""16-bit PNGs (which Pillow reads as 8 bits) against torchvision.io: every row filter, every colour type
and read mode. flambeau returns int32 where torchvision returns uint16 (flambeau has no uint16)."""
import struct
import zlib

import numpy as np
import pytest
import torch
import torchvision.io as tio

import flambeau
from flambeau.vision import io as fio

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
RNG = np.random.default_rng(0)
MODES = ["UNCHANGED", "GRAY", "GRAY_ALPHA", "RGB", "RGB_ALPHA"]


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


def both(data: bytes):
    ours = flambeau.from_numpy(np.frombuffer(bytearray(data), np.uint8))
    return ours, torch.frombuffer(bytearray(data), dtype=torch.uint8)


@pytest.mark.parametrize("colour_type,channels", [(2, 3), (6, 4), (4, 2), (0, 1)])
@pytest.mark.parametrize("mode", MODES)
def test_png16_matches_torchvision(colour_type, channels, mode):
    pixels = RNG.integers(0, 65536, (7, 9, channels), dtype=np.uint16)
    pixels[0, :3] = pixels[0, :3, :1]  # a few grey pixels (kept as they are by the gray conversion)
    ours, theirs = both(png16(pixels, colour_type))
    decoded, reference = fio.decode_png(ours, mode), tio.decode_png(theirs, mode)
    assert decoded.dtype == flambeau.int32 and reference.dtype == torch.uint16
    assert tuple(decoded.shape) == tuple(reference.shape)
    np.testing.assert_array_equal(decoded.numpy(), reference.numpy().astype(np.int32))
    if mode == "UNCHANGED":
        np.testing.assert_array_equal(decoded.numpy(), pixels.transpose(2, 0, 1))


def test_png16_corrupt_data():
    data = png16(RNG.integers(0, 65536, (3, 4, 3), dtype=np.uint16), 2)
    start = data.index(b"IDAT") + 4
    truncated_stream = data[:start] + zlib.compress(b"\0" * 10) + data[-12:]
    for bad in (data[:start + 5], truncated_stream):
        with pytest.raises(RuntimeError, match="decode_png"):
            fio.decode_png(both(bad)[0])
