"""torchvision.tv_tensors: Tensor subclasses that tell the v2 transforms what each tensor of a sample is."""
from __future__ import annotations

from typing import Any

from flambeau import Tensor

from ._bounding_boxes import BoundingBoxes, BoundingBoxFormat, is_rotated_bounding_format
from ._image import Image
from ._keypoints import KeyPoints
from ._mask import Mask
from ._return_type import set_return_type
from ._tv_tensor import TVTensor
from ._video import Video

__all__ = ["BoundingBoxes", "BoundingBoxFormat", "Image", "KeyPoints", "Mask", "TVTensor", "Video",
           "is_rotated_bounding_format", "set_return_type", "wrap"]


def wrap(wrappee: Tensor, *, like: TVTensor, **kwargs: Any) -> TVTensor:
    """`wrappee` as the TVTensor subclass of `like`, with `like`'s metadata unless `kwargs` overrides it."""
    wrap_method = getattr(type(like), "wrap", None)
    if wrap_method is not None:
        return wrap_method(wrappee, like, **kwargs)
    return wrappee.as_subclass(type(like))
