"""v2 augmentation functionals: erase (RandomErasing's kernel) and jpeg (a JPEG encode/decode round trip), for
tensors [..., C, H, W], Image, Video and PIL images."""
from __future__ import annotations

import io
from typing import Any

import flambeau

from ....._tensor import Tensor
from ....tv_tensors import Image, Video
from ..._color_tensor import erase as _erase_tensor
from ..._functional_conversion import pil_to_tensor, to_pil_image
from ._utils import _get_kernel, _register_kernel_internal, _register_pil_kernel

__all__ = ["erase", "erase_image", "erase_video", "jpeg", "jpeg_image", "jpeg_video"]


def erase(inpt: Any, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Any:
    """See RandomErasing: the box [i:i+h, j:j+w] of the image set to v."""
    return _get_kernel(erase, type(inpt))(inpt, i=i, j=j, h=h, w=w, v=v, inplace=inplace)


@_register_kernel_internal(erase, Tensor)
@_register_kernel_internal(erase, Image)
def erase_image(image: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    return _erase_tensor(image, i, j, h, w, v, inplace)


@_register_pil_kernel(erase)
def _erase_image_pil(image: Any, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Any:
    return to_pil_image(erase_image(pil_to_tensor(image), i, j, h, w, v), mode=image.mode)


@_register_kernel_internal(erase, Video)
def erase_video(video: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    return erase_image(video, i, j, h, w, v, inplace)


def jpeg(image: Any, quality: int) -> Any:
    """See JPEG: the image after a JPEG encode and decode at this quality (1 to 100)."""
    return _get_kernel(jpeg, type(image))(image, quality=quality)


@_register_kernel_internal(jpeg, Tensor)
@_register_kernel_internal(jpeg, Image)
def jpeg_image(image: Tensor, quality: int) -> Tensor:
    """uint8 images [..., C, H, W] (C 1 or 3), each encoded and decoded on its own."""
    from ....io import decode_jpeg, encode_jpeg
    images = image.reshape(-1, *image.shape[-3:])
    if images.shape[0] == 0:
        return image.clone()
    return flambeau.stack([decode_jpeg(encode_jpeg(one, quality=quality)) for one in images]).view(image.shape)


@_register_kernel_internal(jpeg, Video)
def jpeg_video(video: Tensor, quality: int) -> Tensor:
    return jpeg_image(video, quality)


@_register_pil_kernel(jpeg)
def _jpeg_image_pil(image: Any, quality: int) -> Any:
    from PIL import Image as PILImage
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return PILImage.open(buffer).copy()
