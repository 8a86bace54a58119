"""vision.io against torchvision.io on the same files.

PNG decoding is exact. JPEG: flambeau decodes through Pillow's libjpeg-turbo and torchvision through
its own; with both builds here the output is identical, and the test asserts that (a different
libjpeg build could differ by a few levels per pixel). Encoded PNG bytes depend on the zlib
settings and are compared by decoding them; JPEG bytes at the same quality are compared exactly.
"""
import io
import re

import numpy as np
import pytest
import torch
import torchvision.io as tio
from PIL import Image

import flambeau
from flambeau.vision import io as fio

RNG = np.random.default_rng(0)
MODES = ["UNCHANGED", "GRAY", "GRAY_ALPHA", "RGB", "RGB_ALPHA"]

# torchvision 0.29 deprecates its image io (for TorchCodec); the oracle still works
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def encoded(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def both(data: bytes):
    ours = flambeau.from_numpy(np.frombuffer(bytearray(data), np.uint8))
    return ours, torch.frombuffer(bytearray(data), dtype=torch.uint8)


def assert_equal(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _pngs():
    smooth = np.clip(np.cumsum(RNG.integers(-4, 5, (9, 11, 4)), axis=1) + 128, 0, 255).astype(np.uint8)
    palette = Image.fromarray(smooth[:, :, :3]).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    transparent = palette.copy()
    transparent.info["transparency"] = 3
    return {
        "L": Image.fromarray(smooth[:, :, 0]),
        "LA": Image.fromarray(smooth[:, :, :2], mode="LA"),
        "RGB": Image.fromarray(smooth[:, :, :3]),
        "RGBA": Image.fromarray(smooth),
        "1": Image.fromarray(smooth[:, :, 0] > 128),
        "P": palette,
        "P+tRNS": transparent,
        "random RGB": Image.fromarray(RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)),
    }


PNGS = {name: encoded(img, "PNG", transparency=img.info.get("transparency")) if "transparency" in img.info
        else encoded(img, "PNG") for name, img in _pngs().items()}


# torchvision 0.29 returns wrong data here: palette indices (or garbage) for UNCHANGED palette PNGs,
# scrambled channels for GRAY_ALPHA/RGB_ALPHA of palette PNGs without transparency, and alpha 1
# instead of 255 for 1-bit PNGs. flambeau expands the palette as torchvision's RGB/RGB_ALPHA do and
# adds an opaque alpha of 255; the oracle for these is torchvision's own correct modes.
TORCHVISION_BUGS = {("P", "UNCHANGED"): ("RGB", False), ("P+tRNS", "UNCHANGED"): ("RGB_ALPHA", False),
                    ("P", "GRAY_ALPHA"): ("GRAY", True), ("P", "RGB_ALPHA"): ("RGB", True),
                    ("1", "GRAY_ALPHA"): ("GRAY", True), ("1", "RGB_ALPHA"): ("RGB", True)}


@pytest.mark.parametrize("name", list(PNGS))
@pytest.mark.parametrize("mode", MODES)
def test_decode_png_matches_torchvision(name, mode):
    ours, theirs = both(PNGS[name])
    decoded = fio.decode_png(ours, mode)
    assert_equal(fio.decode_image(ours, fio.ImageReadMode[mode]), decoded)
    if (name, mode) not in TORCHVISION_BUGS:
        assert_equal(decoded, tio.decode_png(theirs, mode))
        assert_equal(decoded, tio.decode_image(theirs, tio.ImageReadMode[mode]))
        return
    good_mode, opaque_alpha_added = TORCHVISION_BUGS[name, mode]
    reference = tio.decode_png(theirs, good_mode)
    if opaque_alpha_added:
        reference = torch.cat([reference, torch.full_like(reference[:1], 255)])
    assert_equal(decoded, reference)


def test_decode_16bit_gray_png():
    values = RNG.integers(0, 65536, (4, 5), dtype=np.uint16)
    ours, theirs = both(encoded(Image.fromarray(values), "PNG"))
    decoded, reference = fio.decode_png(ours), tio.decode_png(theirs)
    # flambeau has no uint16: the same values come back as int32
    assert decoded.dtype == flambeau.int32 and reference.dtype == torch.uint16
    np.testing.assert_array_equal(decoded.numpy(), reference.numpy().astype(np.int32))
    np.testing.assert_array_equal(decoded.numpy()[0], values)


def _jpegs():
    smooth = np.clip(np.cumsum(RNG.integers(-3, 4, (17, 23, 4)), axis=1) + 128, 0, 255).astype(np.uint8)
    return {"RGB 4:2:0": encoded(Image.fromarray(smooth[:, :, :3]), "JPEG", quality=85),
            "RGB 4:4:4": encoded(Image.fromarray(smooth[:, :, :3]), "JPEG", quality=60, subsampling=0),
            "L": encoded(Image.fromarray(smooth[:, :, 0]), "JPEG"),
            "CMYK": encoded(Image.fromarray(smooth, mode="CMYK"), "JPEG", quality=95)}


JPEGS = _jpegs()


@pytest.mark.parametrize("name", list(JPEGS))
@pytest.mark.parametrize("mode", ["UNCHANGED", "GRAY", "RGB"])
def test_decode_jpeg_matches_torchvision(name, mode):
    ours, theirs = both(JPEGS[name])
    assert_equal(fio.decode_jpeg(ours, mode), tio.decode_jpeg(theirs, mode))
    assert_equal(fio.decode_image(ours, mode), tio.decode_image(theirs, mode))
    ours_list, theirs_list = fio.decode_jpeg([ours, ours], mode), tio.decode_jpeg([theirs, theirs], mode)
    assert len(ours_list) == 2 and all(assert_equal(a, b) is None for a, b in zip(ours_list, theirs_list))


def test_exif_orientation():
    img = Image.fromarray(RNG.integers(0, 256, (6, 9, 3), dtype=np.uint8))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise
    for fmt in ("PNG", "JPEG"):
        ours, theirs = both(encoded(img, fmt, exif=exif))
        for apply in (False, True):
            assert_equal(fio.decode_image(ours, apply_exif_orientation=apply),
                         tio.decode_image(theirs, apply_exif_orientation=apply))


def _outcome(fn, *args, **kwargs):
    """(exception type, message) without the op prefix ("op, file.cpp:line, " in torchvision, "op: " in flambeau)."""
    try:
        fn(*args, **kwargs)
    except Exception as e:
        return type(e), re.sub(r"^[\w()]+(, \S+:\d+,|:) ", "", str(e))
    return None


BAD = {"not png": JPEGS["L"], "too small": PNGS["L"][:5], "truncated png": PNGS["random RGB"][:-30],
       "garbage": b"\x89PNG\r\n\x1a\n" + bytes(40)}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_png_raises_runtime_error(name):
    ours, theirs = both(BAD[name])
    mine, ref = _outcome(fio.decode_png, ours), _outcome(tio.decode_png, theirs)
    assert mine[0] is ref[0] is RuntimeError
    if name in ("not png", "too small"):
        assert mine == ref


@pytest.mark.parametrize("data,mode,same_message", [(PNGS["RGB"], "UNCHANGED", True),
                                                    (JPEGS["L"][:200], "UNCHANGED", False),  # Pillow's wording
                                                    (JPEGS["L"], "RGB_ALPHA", True), (JPEGS["L"], "GRAY_ALPHA", True)])
def test_bad_jpeg_raises_like_torchvision(data, mode, same_message):
    ours, theirs = both(data)
    mine, ref = _outcome(fio.decode_jpeg, ours, mode), _outcome(tio.decode_jpeg, theirs, mode)
    assert mine[0] is ref[0] is RuntimeError
    if same_message:
        assert mine == ref


@pytest.mark.parametrize("make", [lambda t: t.float(), lambda t: t[None], lambda t: t[:0], lambda t: t[:10]])
def test_decode_image_input_checks(make):
    ours, theirs = both(PNGS["L"])
    mine, ref = _outcome(fio.decode_image, make(ours)), _outcome(tio.decode_image, make(theirs))
    assert mine[0] is ref[0] is RuntimeError
    assert mine[1].split(".")[0] == ref[1].split(".")[0]


def test_gif_and_webp():
    frames = [Image.fromarray(RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)).convert("P") for _ in range(3)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    single = encoded(frames[0], "GIF")
    for data in (gif.getvalue(), single):
        ours, theirs = both(data)
        assert_equal(fio.decode_image(ours), tio.decode_image(theirs))
    rgba = Image.fromarray(RNG.integers(0, 256, (5, 7, 4), dtype=np.uint8))
    for img in (rgba, rgba.convert("RGB")):
        ours, theirs = both(encoded(img, "WEBP", lossless=True))
        for mode in ("UNCHANGED", "RGB", "RGB_ALPHA"):
            assert_equal(fio.decode_image(ours, mode), tio.decode_image(theirs, mode))


@pytest.mark.parametrize("channels", [1, 3])
def test_encode_png_roundtrip_and_torchvision_reads_it(channels, tmp_path):
    image = RNG.integers(0, 256, (channels, 6, 8), dtype=np.uint8)
    ours = fio.encode_png(flambeau.from_numpy(image), compression_level=9)
    assert ours.dtype == flambeau.uint8 and ours.dim() == 1
    np.testing.assert_array_equal(fio.decode_png(ours).numpy(), image)
    np.testing.assert_array_equal(tio.decode_png(torch.from_numpy(ours.numpy().copy())).numpy(), image)
    fio.write_png(flambeau.from_numpy(image), tmp_path / "x.png")
    assert_equal(fio.read_image(str(tmp_path / "x.png")), tio.read_image(str(tmp_path / "x.png")))


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("quality", [75, 95, 10])
def test_encode_jpeg_same_bytes_as_torchvision(channels, quality, tmp_path):
    image = np.clip(np.cumsum(RNG.integers(-3, 4, (channels, 16, 20)), axis=2) + 128, 0, 255).astype(np.uint8)
    ours = fio.encode_jpeg(flambeau.from_numpy(image), quality)
    theirs = tio.encode_jpeg(torch.from_numpy(image), quality)
    assert_equal(ours, theirs)
    fio.write_jpeg(flambeau.from_numpy(image), tmp_path / "a.jpg", quality)
    tio.write_jpeg(torch.from_numpy(image), str(tmp_path / "b.jpg"), quality)
    assert (tmp_path / "a.jpg").read_bytes() == (tmp_path / "b.jpg").read_bytes()


@pytest.mark.parametrize("fn,args", [("encode_png", (np.zeros((4, 2, 2), np.uint8),)),
                                     ("encode_png", (np.zeros((2, 2), np.uint8),)),
                                     ("encode_png", (np.zeros((3, 2, 2), np.float32),)),
                                     ("encode_png", (np.zeros((3, 2, 2), np.uint8), 10)),
                                     ("encode_jpeg", (np.zeros((2, 2, 2), np.uint8),)),
                                     ("encode_jpeg", (np.zeros((3, 2, 2), np.uint8), 0)),
                                     ("encode_jpeg", ([],))])
def test_encode_errors_match_torchvision(fn, args):
    def convert(lib, a):
        if isinstance(a, np.ndarray):
            return flambeau.from_numpy(a) if lib is fio else torch.from_numpy(a)
        return a
    mine = _outcome(getattr(fio, fn), *[convert(fio, a) for a in args])
    ref = _outcome(getattr(tio, fn), *[convert(tio, a) for a in args])
    assert mine == ref


def test_read_and_write_file(tmp_path):
    data = bytes(range(256)) * 3
    (tmp_path / "f").write_bytes(data)
    assert_equal(fio.read_file(str(tmp_path / "f")), tio.read_file(str(tmp_path / "f")))
    fio.write_file(str(tmp_path / "g"), fio.read_file(str(tmp_path / "f")))
    assert (tmp_path / "g").read_bytes() == data
    mine, ref = _outcome(fio.read_file, str(tmp_path / "missing")), _outcome(tio.read_file, str(tmp_path / "missing"))
    assert mine == ref
