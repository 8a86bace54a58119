"""v2 geometry functionals: each dispatches on its input's type (plain tensor, PIL image, Image, Video, Mask,
BoundingBoxes, KeyPoints) to the kernels of _geometry_image, _geometry_boxes and _geometry_keypoints.

Boxes and key points carry their canvas: their dispatchers read format, canvas_size and clamping_mode from the
input and give the result the kernel's new canvas size.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Union

from ....tv_tensors import BoundingBoxes, Image, KeyPoints, Mask, Video, wrap
from ....._tensor import Tensor
from . import _geometry_boxes as B
from . import _geometry_image as I
from . import _geometry_keypoints as K
from ._geometry_image import Fill, Interpolation, InterpolationMode
from ._geometry_boxes import (affine_bounding_boxes, center_crop_bounding_boxes, crop_bounding_boxes,  # noqa: F401
                              elastic_bounding_boxes, horizontal_flip_bounding_boxes, pad_bounding_boxes,
                              perspective_bounding_boxes, resize_bounding_boxes, resized_crop_bounding_boxes,
                              rotate_bounding_boxes, vertical_flip_bounding_boxes)
from ._geometry_image import (affine_image, affine_mask, affine_video, center_crop_image,  # noqa: F401
                              center_crop_mask, center_crop_video, crop_image, crop_mask, crop_video, elastic_image,
                              elastic_mask, elastic_video, five_crop_image, five_crop_video, horizontal_flip_image,
                              horizontal_flip_mask, horizontal_flip_video, pad_image, pad_mask, pad_video,
                              perspective_image, perspective_mask, perspective_video, resize_image, resize_mask,
                              resize_video, resized_crop_image, resized_crop_mask, resized_crop_video, rotate_image,
                              rotate_mask, rotate_video, ten_crop_image, ten_crop_video, vertical_flip_image,
                              vertical_flip_mask, vertical_flip_video)
from ._geometry_keypoints import (affine_keypoints, center_crop_keypoints, crop_keypoints,  # noqa: F401
                                  elastic_keypoints, horizontal_flip_keypoints, pad_keypoints,
                                  perspective_keypoints, resize_keypoints, resized_crop_keypoints, rotate_keypoints,
                                  vertical_flip_keypoints)
from ._utils import (_get_kernel, _register_five_ten_crop_kernel_internal, _register_kernel_internal,
                     _register_pil_kernel)


__all__ = ["affine", "affine_bounding_boxes", "affine_image", "affine_keypoints", "affine_mask", "affine_video",
           "center_crop", "center_crop_bounding_boxes", "center_crop_image", "center_crop_keypoints",
           "center_crop_mask", "center_crop_video", "crop", "crop_bounding_boxes", "crop_image",
           "crop_keypoints", "crop_mask", "crop_video", "elastic", "elastic_bounding_boxes",
           "elastic_image", "elastic_keypoints", "elastic_mask", "elastic_transform", "elastic_video",
           "five_crop", "five_crop_image", "five_crop_video", "hflip", "horizontal_flip",
           "horizontal_flip_bounding_boxes", "horizontal_flip_image", "horizontal_flip_keypoints",
           "horizontal_flip_mask", "horizontal_flip_video", "pad", "pad_bounding_boxes", "pad_image",
           "pad_keypoints", "pad_mask", "pad_video", "perspective", "perspective_bounding_boxes",
           "perspective_image", "perspective_keypoints", "perspective_mask", "perspective_video", "resize",
           "resize_bounding_boxes", "resize_image", "resize_keypoints", "resize_mask", "resize_video",
           "resized_crop", "resized_crop_bounding_boxes", "resized_crop_image", "resized_crop_keypoints",
           "resized_crop_mask", "resized_crop_video", "rotate", "rotate_bounding_boxes", "rotate_image",
           "rotate_keypoints", "rotate_mask", "rotate_video", "ten_crop", "ten_crop_image",
           "ten_crop_video", "vertical_flip", "vertical_flip_bounding_boxes", "vertical_flip_image",
           "vertical_flip_keypoints", "vertical_flip_mask", "vertical_flip_video", "vflip"]


def _register(functional: Callable, image: Callable, mask: Callable, boxes: Callable, keypoints: Callable,
              pil: Optional[Callable] = None) -> None:
    """The kernels of one functional: image kernels also serve plain tensors and videos."""
    for cls in (Tensor, Image, Video):
        _register_kernel_internal(functional, cls)(image)
    _register_kernel_internal(functional, Mask)(mask)
    _register_kernel_internal(functional, BoundingBoxes, tv_tensor_wrapper=False)(boxes)
    _register_kernel_internal(functional, KeyPoints, tv_tensor_wrapper=False)(keypoints)
    _register_pil_kernel(functional)(pil or image)


def _plain(inpt: Tensor) -> Tensor:
    return inpt.as_subclass(Tensor)


def _rewrap(inpt: Union[BoundingBoxes, KeyPoints], output: Union[Tensor, tuple]) -> Any:
    """A kernel's output as the input's type; a (tensor, canvas_size) output also sets the new canvas."""
    if isinstance(output, tuple):
        return wrap(output[0], like=inpt, canvas_size=output[1])
    return wrap(output, like=inpt)


def _box_args(inpt: BoundingBoxes) -> dict:
    return {"format": inpt.format, "clamping_mode": inpt.clamping_mode}


# ----------------------------------------------------------------------------------------------- flips

def horizontal_flip(inpt: Any) -> Any:
    """See RandomHorizontalFlip."""
    return _get_kernel(horizontal_flip, type(inpt))(inpt)


def vertical_flip(inpt: Any) -> Any:
    """See RandomVerticalFlip."""
    return _get_kernel(vertical_flip, type(inpt))(inpt)


hflip, vflip = horizontal_flip, vertical_flip

_register(horizontal_flip, I.horizontal_flip_image, I.horizontal_flip_image,
          lambda b: _rewrap(b, B.horizontal_flip_bounding_boxes(_plain(b), b.format, b.canvas_size)),
          lambda k: _rewrap(k, K.horizontal_flip_keypoints(_plain(k), k.canvas_size)),
          I._horizontal_flip_image_pil)
_register(vertical_flip, I.vertical_flip_image, I.vertical_flip_image,
          lambda b: _rewrap(b, B.vertical_flip_bounding_boxes(_plain(b), b.format, b.canvas_size)),
          lambda k: _rewrap(k, K.vertical_flip_keypoints(_plain(k), k.canvas_size)),
          I._vertical_flip_image_pil)


# ---------------------------------------------------------------------------------------------- resize

def resize(inpt: Any, size: Optional[list[int]], interpolation: Interpolation = InterpolationMode.BILINEAR,
           max_size: Optional[int] = None, antialias: Optional[bool] = True) -> Any:
    """See Resize."""
    return _get_kernel(resize, type(inpt))(inpt, size=size, interpolation=interpolation, max_size=max_size,
                                           antialias=antialias)


def _resize_mask_dispatch(inpt: Mask, size: Optional[list[int]], interpolation: Interpolation = "nearest",
                          max_size: Optional[int] = None, **kwargs: Any) -> Tensor:
    return I.resize_mask(inpt, size, interpolation, max_size)


_register(resize, I.resize_image, _resize_mask_dispatch,
          lambda b, size, max_size=None, **kw: _rewrap(b, B.resize_bounding_boxes(
              _plain(b), b.canvas_size, size, max_size, **_box_args(b))),
          lambda k, size, max_size=None, **kw: _rewrap(k, K.resize_keypoints(_plain(k), size, k.canvas_size,
                                                                              max_size)),
          I._resize_image_pil)


# ------------------------------------------------------------------------------------------- pad, crop

def pad(inpt: Any, padding: Union[int, list[int]], fill: Fill = None, padding_mode: str = "constant") -> Any:
    """See Pad."""
    return _get_kernel(pad, type(inpt))(inpt, padding=padding, fill=fill, padding_mode=padding_mode)


_register(pad, I.pad_image, I.pad_mask,
          lambda b, padding, padding_mode="constant", **kw: _rewrap(b, B.pad_bounding_boxes(
              _plain(b), canvas_size=b.canvas_size, padding=padding, padding_mode=padding_mode, **_box_args(b))),
          lambda k, padding, padding_mode="constant", **kw: _rewrap(k, K.pad_keypoints(
              _plain(k), k.canvas_size, padding, padding_mode)),
          I._pad_image_pil)


def crop(inpt: Any, top: int, left: int, height: int, width: int) -> Any:
    """See RandomCrop."""
    return _get_kernel(crop, type(inpt))(inpt, top=top, left=left, height=height, width=width)


_register(crop, I.crop_image, I.crop_mask,
          lambda b, top, left, height, width: _rewrap(b, B.crop_bounding_boxes(
              _plain(b), top=top, left=left, height=height, width=width, **_box_args(b))),
          lambda k, top, left, height, width: _rewrap(k, K.crop_keypoints(_plain(k), top, left, height, width)),
          I._crop_image_pil)


def center_crop(inpt: Any, output_size: Union[int, list[int]]) -> Any:
    """See CenterCrop."""
    return _get_kernel(center_crop, type(inpt))(inpt, output_size=output_size)


_register(center_crop, I.center_crop_image, I.center_crop_mask,
          lambda b, output_size: _rewrap(b, B.center_crop_bounding_boxes(
              _plain(b), canvas_size=b.canvas_size, output_size=output_size, **_box_args(b))),
          lambda k, output_size: _rewrap(k, K.center_crop_keypoints(_plain(k), k.canvas_size, output_size)))


def resized_crop(inpt: Any, top: int, left: int, height: int, width: int, size: list[int],
                 interpolation: Interpolation = InterpolationMode.BILINEAR, antialias: Optional[bool] = True) -> Any:
    """See RandomResizedCrop."""
    return _get_kernel(resized_crop, type(inpt))(inpt, top=top, left=left, height=height, width=width, size=size,
                                                 interpolation=interpolation, antialias=antialias)


_register(resized_crop, I.resized_crop_image,
          lambda m, top, left, height, width, size, **kw: I.resized_crop_mask(m, top, left, height, width, size),
          lambda b, top, left, height, width, size, **kw: _rewrap(b, B.resized_crop_bounding_boxes(
              _plain(b), top=top, left=left, height=height, width=width, size=size, **_box_args(b))),
          lambda k, top, left, height, width, size, **kw: _rewrap(k, K.resized_crop_keypoints(
              _plain(k), top, left, height, width, size)),
          I._resized_crop_image_pil)


def five_crop(inpt: Any, size: Union[int, list[int]]) -> tuple:
    """See FiveCrop."""
    return _get_kernel(five_crop, type(inpt))(inpt, size=size)


def ten_crop(inpt: Any, size: Union[int, list[int]], vertical_flip: bool = False) -> tuple:
    """See TenCrop."""
    return _get_kernel(ten_crop, type(inpt))(inpt, size=size, vertical_flip=vertical_flip)


for _functional, _kernel in ((five_crop, I.five_crop_image), (ten_crop, I.ten_crop_image)):
    for _cls in (Tensor, Image, Video):
        _register_five_ten_crop_kernel_internal(_functional, _cls)(_kernel)
    _register_pil_kernel(_functional)(_kernel)


# ---------------------------------------------------------------------------------------------- warps

def affine(inpt: Any, angle: float, translate: list[float], scale: float, shear: Union[float, list[float]],
           interpolation: Interpolation = InterpolationMode.NEAREST, fill: Fill = None,
           center: Optional[list[float]] = None) -> Any:
    """See RandomAffine."""
    return _get_kernel(affine, type(inpt))(inpt, angle=angle, translate=translate, scale=scale, shear=shear,
                                           interpolation=interpolation, fill=fill, center=center)


_register(affine, I.affine_image,
          lambda m, angle, translate, scale, shear, fill=None, center=None, **kw: I.affine_mask(
              m, angle, translate, scale, shear, fill, center),
          lambda b, angle, translate, scale, shear, center=None, **kw: _rewrap(b, B.affine_bounding_boxes(
              _plain(b), canvas_size=b.canvas_size, angle=angle, translate=translate, scale=scale, shear=shear,
              center=center, **_box_args(b))),
          lambda k, angle, translate, scale, shear, center=None, **kw: _rewrap(k, K.affine_keypoints(
              _plain(k), k.canvas_size, angle, translate, scale, shear, center)))


def rotate(inpt: Any, angle: float, interpolation: Interpolation = InterpolationMode.NEAREST, expand: bool = False,
           center: Optional[list[float]] = None, fill: Fill = None) -> Any:
    """See RandomRotation."""
    return _get_kernel(rotate, type(inpt))(inpt, angle=angle, interpolation=interpolation, expand=expand,
                                           center=center, fill=fill)


_register(rotate, I.rotate_image,
          lambda m, angle, expand=False, center=None, fill=None, **kw: I.rotate_mask(m, angle, expand, center, fill),
          lambda b, angle, expand=False, center=None, **kw: _rewrap(b, B.rotate_bounding_boxes(
              _plain(b), canvas_size=b.canvas_size, angle=angle, expand=expand, center=center, **_box_args(b))),
          lambda k, angle, expand=False, center=None, **kw: _rewrap(k, K.rotate_keypoints(
              _plain(k), k.canvas_size, angle, expand, center)))


def perspective(inpt: Any, startpoints: Optional[list], endpoints: Optional[list],
                interpolation: Interpolation = InterpolationMode.BILINEAR, fill: Fill = None,
                coefficients: Optional[list[float]] = None) -> Any:
    """See RandomPerspective."""
    return _get_kernel(perspective, type(inpt))(inpt, startpoints=startpoints, endpoints=endpoints,
                                                interpolation=interpolation, fill=fill, coefficients=coefficients)


_register(perspective, I.perspective_image,
          lambda m, startpoints, endpoints, fill=None, coefficients=None, **kw: I.perspective_mask(
              m, startpoints, endpoints, fill, coefficients),
          lambda b, startpoints, endpoints, coefficients=None, **kw: _rewrap(b, B.perspective_bounding_boxes(
              _plain(b), canvas_size=b.canvas_size, startpoints=startpoints, endpoints=endpoints,
              coefficients=coefficients, **_box_args(b))),
          lambda k, startpoints, endpoints, coefficients=None, **kw: _rewrap(k, K.perspective_keypoints(
              _plain(k), k.canvas_size, startpoints, endpoints, coefficients)))


def elastic(inpt: Any, displacement: Tensor, interpolation: Interpolation = InterpolationMode.BILINEAR,
            fill: Fill = None) -> Any:
    """See ElasticTransform."""
    return _get_kernel(elastic, type(inpt))(inpt, displacement=displacement, interpolation=interpolation, fill=fill)


elastic_transform = elastic

_register(elastic, I.elastic_image,
          lambda m, displacement, fill=None, **kw: I.elastic_mask(m, displacement, fill),
          lambda b, displacement, **kw: _rewrap(b, B.elastic_bounding_boxes(
              _plain(b), canvas_size=b.canvas_size, displacement=displacement, **_box_args(b))),
          lambda k, displacement, **kw: _rewrap(k, K.elastic_keypoints(_plain(k), k.canvas_size, displacement)))
