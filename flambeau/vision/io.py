"""flambeau.vision.io: read, decode, encode and write images as (C, H, W) uint8 tensors, through Pillow.

Encoded images are 1-d uint8 tensors of the file's bytes, as in torchvision.io. Decoding follows
torchvision's C++ decoders (libpng/libjpeg) where they differ from Pillow's defaults: grayscale from
an RGB PNG uses libpng's truncating integer weights, grayscale from a JPEG is libjpeg's luma plane,
and alpha is dropped (not composited) when a mode without alpha is asked for. Errors are
RuntimeErrors with torchvision's wording.
"""
from __future__ import annotations

import io
import pathlib
from enum import Enum
from typing import Any, Union

import numpy as np

import flambeau
from flambeau import Tensor

from ._pil import pil_image
from ._png16 import decode_png16, needs_png16

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_jpeg", "decode_png", "decode_gif",
           "decode_webp", "encode_jpeg", "encode_png", "read_image", "write_jpeg", "write_png"]

PathLike = Union[str, pathlib.Path]


class ImageReadMode(Enum):
    """The channels to decode to: as stored (UNCHANGED), GRAY, GRAY_ALPHA, RGB or RGB_ALPHA (alias RGBA)."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


ModeLike = Union[ImageReadMode, str]


def _mode(mode: ModeLike) -> ImageReadMode:
    return ImageReadMode[mode.upper()] if isinstance(mode, str) else mode


# ------------------------------------------------------------------------------------ files
def read_file(path: PathLike) -> Tensor:
    """The bytes of the file at `path` as a 1-d uint8 tensor."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise RuntimeError(str(e)) from e
    return flambeau.from_numpy(np.frombuffer(bytearray(data), np.uint8))


def write_file(filename: PathLike, data: Tensor) -> None:
    """Write a 1-d uint8 tensor of bytes to `filename`."""
    _check_encoded(data)
    with open(filename, "wb") as f:
        f.write(data.numpy(force=True).tobytes())


def _check_encoded(data: Any) -> bytes:
    if not isinstance(data, Tensor) or data.dtype != flambeau.uint8:
        raise RuntimeError("Expected a torch.uint8 tensor")
    if data.dim() != 1 or data.numel() == 0:
        raise RuntimeError("Expected a non empty 1-dimensional tensor")
    return data.numpy(force=True).tobytes()


# ------------------------------------------------------------------------------------ decoding
# libpng's rgb-to-gray weights (0.2989, 0.587, 0.114 in 1/32768ths, as torchvision's decoder sets them)
_PNG_GRAY_WEIGHTS = np.array([9794, 19234, 3740], np.int64)


def _open(data: bytes, what: str) -> Any:
    try:
        image = pil_image().open(io.BytesIO(data))
        image.load()
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError... for bad data
        raise RuntimeError(f"{what}: could not decode the image: {e}") from e
    return image


def _to_array(image: Any) -> np.ndarray:
    """(H, W, C) array of an 8-bit L/LA/RGB/RGBA image or a 16-bit grayscale one."""
    if image.mode.startswith("I;16"):
        # NOTE: flambeau has no uint16 dtype (torchvision returns one); int32 holds every value exactly
        return np.asarray(image).astype(np.int32)[:, :, None]
    array = np.asarray(image)
    return array[:, :, None] if array.ndim == 2 else array


def _png_gray(rgb: np.ndarray) -> np.ndarray:
    weighted = rgb.astype(np.int64) @ _PNG_GRAY_WEIGHTS
    # libpng truncates 8-bit samples and rounds 16-bit ones (int32 holds flambeau's 16-bit samples)
    weighted = (weighted + (16384 if rgb.dtype == np.int32 else 0)) >> 15
    grey = (rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])  # and keeps grey pixels as they are
    return np.where(grey, rgb[..., 0], weighted).astype(rgb.dtype)[:, :, None]


def _convert(array: np.ndarray, mode: ImageReadMode) -> np.ndarray:
    """Add or drop channels of an (H, W, 1|2|3|4) array to reach `mode`."""
    channels = array.shape[2]
    if mode == ImageReadMode.UNCHANGED:
        return array
    alpha = array[:, :, channels - 1:] if channels in (2, 4) else None
    if mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA):
        colour = array[:, :, :1] if channels <= 2 else _png_gray(array[:, :, :3])
    else:
        colour = np.repeat(array[:, :, :1], 3, axis=2) if channels <= 2 else array[:, :, :3]
    if mode in (ImageReadMode.GRAY, ImageReadMode.RGB):
        return colour
    if alpha is None:
        opaque = 65535 if array.dtype == np.int32 else 255  # int32 holds 16-bit samples
        alpha = np.full(array.shape[:2] + (1,), opaque, array.dtype)
    return np.concatenate([colour, alpha], axis=2)


def _to_tensor(array: np.ndarray) -> Tensor:
    return flambeau.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def _exif(image: Any, apply: bool) -> Any:
    if not apply:
        return image
    from PIL import ImageOps

    return ImageOps.exif_transpose(image)


def decode_png(input: Tensor, mode: ModeLike = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = False) -> Tensor:
    """Decode PNG bytes to a (C, H, W) uint8 tensor (int32 for 16-bit PNGs, where torchvision gives uint16)."""
    data, mode = _check_encoded(input), _mode(mode)
    if len(data) < 8:
        raise RuntimeError("Content is too small for png!")
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise RuntimeError("Content is not png!")
    if len(data) < 33:  # signature + IHDR chunk
        raise RuntimeError("decode_png: Out of bound read in decode_png. Probably, the input image is corrupted")
    if needs_png16(data):  # Pillow would drop the low byte of these
        if apply_exif_orientation:
            raise RuntimeError("decode_png: apply_exif_orientation is not supported for 16-bit PNGs with colour "
                               "or alpha")
        return _to_tensor(_convert(decode_png16(data).astype(np.int32), mode))
    image = _exif(_open(data, "decode_png"), apply_exif_orientation)
    if image.mode in ("P", "PA"):  # palette: expanded, with alpha where the file marks transparent entries
        image = image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else "RGB")
    elif image.mode == "1":  # 1-bit grayscale: libpng expands it to 0/255 as Pillow does
        image = image.convert("L")
    return _to_tensor(_convert(_to_array(image), mode))


def _decode_one_jpeg(data: bytes, mode: ImageReadMode, apply_exif_orientation: bool) -> Tensor:
    if mode in (ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA):
        raise RuntimeError("The provided mode is not supported for JPEG files")
    if data[:3] != b"\xff\xd8\xff":
        raise RuntimeError(f"Not a JPEG file: starts with 0x{data[0]:02x} 0x{data[1] if len(data) > 1 else 0:02x}")
    try:
        image = pil_image().open(io.BytesIO(data))
        if mode == ImageReadMode.GRAY:
            image.draft("L", image.size)  # libjpeg emits its luma plane directly, as torchvision's decoder asks
        image.load()
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError... for bad data
        raise RuntimeError(f"decode_jpeg: could not decode the image: {e}") from e
    image = _exif(image, apply_exif_orientation)
    if image.mode == "CMYK":
        return _to_tensor(_cmyk(image, mode))
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    return _to_tensor(_convert(_to_array(image), mode))


def _cmyk(image: Any, mode: ImageReadMode) -> np.ndarray:
    """A CMYK JPEG as torchvision returns it: libjpeg's raw channels for UNCHANGED (Pillow inverts
    Adobe files, libjpeg does not), otherwise converted to RGB, and to gray from that RGB by the
    ITU-R 601 weights (Pillow's "L")."""
    if mode == ImageReadMode.UNCHANGED:
        array = np.asarray(image)
        return 255 - array if "adobe" in image.info else array
    rgb = image.convert("RGB")
    return _to_array(rgb.convert("L") if mode == ImageReadMode.GRAY else rgb)


def decode_jpeg(input: Union[Tensor, list[Tensor]], mode: ModeLike = ImageReadMode.UNCHANGED,
                device: Union[str, flambeau.device] = "cpu",
                apply_exif_orientation: bool = False) -> Union[Tensor, list[Tensor]]:
    """Decode JPEG bytes (or a list of them) to (C, H, W) uint8 tensors placed on `device`: C is 1 or 3
    (4 for a CMYK JPEG with UNCHANGED)."""
    mode = _mode(mode)
    if isinstance(input, list):
        if not input:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        return [_decode_one_jpeg(_check_encoded(t), mode, apply_exif_orientation).to(device) for t in input]
    return _decode_one_jpeg(_check_encoded(input), mode, apply_exif_orientation).to(device)


def decode_gif(input: Tensor) -> Tensor:
    """Decode a GIF to an RGB uint8 tensor: (C, H, W) for one frame, (N, C, H, W) for an animation."""
    image = _open(_check_encoded(input), "decode_gif")
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(_to_tensor(np.asarray(image.convert("RGB"))))
    return frames[0] if len(frames) == 1 else flambeau.stack(frames)


def decode_webp(input: Tensor, mode: ModeLike = ImageReadMode.UNCHANGED) -> Tensor:
    """Decode a WEBP image to a (C, H, W) uint8 tensor: RGB, or RGBA when it has (or `mode` asks for) alpha."""
    mode = _mode(mode)
    if mode not in (ImageReadMode.UNCHANGED, ImageReadMode.RGB, ImageReadMode.RGB_ALPHA):
        raise RuntimeError("Unsupported mode for webp files")
    image = _open(_check_encoded(input), "decode_webp")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    target = "RGBA" if mode == ImageReadMode.RGB_ALPHA or (mode == ImageReadMode.UNCHANGED and has_alpha) else "RGB"
    return _to_tensor(np.asarray(image.convert(target)))


def decode_image(input: Union[Tensor, PathLike], mode: ModeLike = ImageReadMode.UNCHANGED,
                 apply_exif_orientation: bool = False) -> Tensor:
    """Decode a JPEG, PNG, GIF or WEBP image (bytes tensor or file path), detecting the format from its bytes."""
    if not isinstance(input, Tensor):
        input = read_file(input)
    data, mode = _check_encoded(input), _mode(mode)
    if data[:3] == b"\xff\xd8\xff":
        return _decode_one_jpeg(data, mode, apply_exif_orientation)
    if data[:4] == b"\x89PNG":
        return decode_png(input, mode, apply_exif_orientation)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return decode_gif(input)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return decode_webp(input, mode)
    raise RuntimeError("Unsupported image file. Only jpeg, png, webp and gif are currently supported. For avif and "
                       "heic format, please rely on `decode_avif` and `decode_heic` directly.")


def read_image(path: PathLike, mode: ModeLike = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Read and decode the image file at `path` (see decode_image)."""
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)


# ------------------------------------------------------------------------------------ encoding
def _pil_from_chw(input: Tensor, what: str) -> Any:
    if not isinstance(input, Tensor) or input.dtype != flambeau.uint8:
        raise RuntimeError(f"{what}: Input tensor dtype should be uint8")
    if input.dim() != 3:
        raise RuntimeError(f"{what}: Input data should be a 3-dimensional tensor")
    if input.size(0) not in (1, 3):
        raise RuntimeError(f"{what}: The number of channels should be 1 or 3, got: {input.size(0)}")
    array = input.permute(1, 2, 0).numpy(force=True)
    return pil_image().fromarray(np.ascontiguousarray(array[:, :, 0] if input.size(0) == 1 else array))


def _save(image: Any, **options) -> Tensor:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return flambeau.from_numpy(np.frombuffer(bytearray(buffer.getvalue()), np.uint8))


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG bytes of a (C, H, W) uint8 image, C 1 or 3, zlib `compression_level` 0-9."""
    if not 0 <= compression_level <= 9:
        raise RuntimeError("encode_png: Compression level should be between 0 and 9")
    return _save(_pil_from_chw(input, "encode_png"), format="PNG", compress_level=compression_level)


def encode_jpeg(input: Union[Tensor, list[Tensor]], quality: int = 75) -> Union[Tensor, list[Tensor]]:
    """JPEG bytes of a (C, H, W) uint8 image (or of each in a list), C 1 or 3, `quality` 1-100."""
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [encode_jpeg(image, quality) for image in input]
    return _save(_pil_from_chw(input, "encode_jpeg"), format="JPEG", quality=quality)


def write_png(input: Tensor, filename: PathLike, compression_level: int = 6) -> None:
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input: Tensor, filename: PathLike, quality: int = 75) -> None:
    write_file(filename, encode_jpeg(input, quality))
