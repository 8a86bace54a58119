"""16-bit PNGs (which Pillow reads as 8 bits) against torchvision.io: every row filter, every colour type
and read mode. flambeau returns int32 where torchvision returns uint16 (flambeau has no uint16)."""
import zlib

import numpy as np
import pytest
import torch
import torchvision.io as tio

import flambeau
from flambeau.vision import io as fio
from png16_util import png16

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
RNG = np.random.default_rng(0)
MODES = ["UNCHANGED", "GRAY", "GRAY_ALPHA", "RGB", "RGB_ALPHA"]


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
