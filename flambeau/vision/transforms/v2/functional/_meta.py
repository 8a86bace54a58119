"""Metadata functionals (dimensions, sizes, frame counts) and the bounding box / keypoint conversions and
clamps of transforms.v2."""
from __future__ import annotations

import math
from typing import Any, Optional, Union

import flambeau
from flambeau import Tensor
from flambeau.vision import tv_tensors
from flambeau.vision.tv_tensors import BoundingBoxFormat, is_rotated_bounding_format
from flambeau.vision.tv_tensors._bounding_boxes import CLAMPING_MODE_TYPE

from ... import _image as _v1_image
from ._meta_rotated import _clamp_rotated_bounding_boxes
from ._utils import _get_kernel, _register_kernel_internal, _register_pil_kernel, is_pure_tensor

__all__ = ["get_dimensions", "get_dimensions_image", "get_dimensions_video", "get_num_channels",
           "get_num_channels_image", "get_num_channels_video", "get_image_num_channels", "get_size",
           "get_size_image", "get_size_video", "get_size_mask", "get_size_bounding_boxes", "get_size_keypoints",
           "get_num_frames", "get_num_frames_video", "convert_bounding_box_format", "clamp_bounding_boxes",
           "clamp_keypoints"]


def _last_dims(image: Tensor, n: int) -> list[int]:
    dims = list(image.shape[-n:])
    if len(dims) < 2:
        raise TypeError(f"Input tensor should have at least two dimensions, but got {len(dims)}")
    return dims


# ---------------------------------------------------------------- dimensions, channels, sizes, frames
def get_dimensions(inpt: Tensor) -> list[int]:
    """[channels, height, width] of an image or video (a 2-D tensor has one channel)."""
    return _get_kernel(get_dimensions, type(inpt))(inpt)


@_register_kernel_internal(get_dimensions, Tensor)
@_register_kernel_internal(get_dimensions, tv_tensors.Image, tv_tensor_wrapper=False)
def get_dimensions_image(image: Tensor) -> list[int]:
    chw = _last_dims(image, 3)
    return chw if len(chw) == 3 else [1] + chw


@_register_kernel_internal(get_dimensions, tv_tensors.Video, tv_tensor_wrapper=False)
def get_dimensions_video(video: Tensor) -> list[int]:
    return get_dimensions_image(video)


def get_num_channels(inpt: Tensor) -> int:
    return _get_kernel(get_num_channels, type(inpt))(inpt)


@_register_kernel_internal(get_num_channels, Tensor)
@_register_kernel_internal(get_num_channels, tv_tensors.Image, tv_tensor_wrapper=False)
def get_num_channels_image(image: Tensor) -> int:
    return get_dimensions_image(image)[0]


@_register_kernel_internal(get_num_channels, tv_tensors.Video, tv_tensor_wrapper=False)
def get_num_channels_video(video: Tensor) -> int:
    return get_num_channels_image(video)


get_image_num_channels = get_num_channels


def get_size(inpt: Tensor) -> list[int]:
    """[height, width] of an image, video or mask, or the canvas of boxes and keypoints."""
    return _get_kernel(get_size, type(inpt))(inpt)


@_register_kernel_internal(get_size, Tensor)
@_register_kernel_internal(get_size, tv_tensors.Image, tv_tensor_wrapper=False)
def get_size_image(image: Tensor) -> list[int]:
    return _last_dims(image, 2)


@_register_kernel_internal(get_size, tv_tensors.Video, tv_tensor_wrapper=False)
def get_size_video(video: Tensor) -> list[int]:
    return get_size_image(video)


@_register_kernel_internal(get_size, tv_tensors.Mask, tv_tensor_wrapper=False)
def get_size_mask(mask: Tensor) -> list[int]:
    return get_size_image(mask)


@_register_kernel_internal(get_size, tv_tensors.BoundingBoxes, tv_tensor_wrapper=False)
def get_size_bounding_boxes(bounding_box: tv_tensors.BoundingBoxes) -> list[int]:
    return list(bounding_box.canvas_size)


@_register_kernel_internal(get_size, tv_tensors.KeyPoints, tv_tensor_wrapper=False)
def get_size_keypoints(keypoints: tv_tensors.KeyPoints) -> list[int]:
    return list(keypoints.canvas_size)


def _get_size_image_pil(image: Any) -> list[int]:
    width, height = _v1_image.get_image_size(image)
    return [height, width]


_register_pil_kernel(get_dimensions)(_v1_image.get_dimensions)
_register_pil_kernel(get_num_channels)(_v1_image.get_image_num_channels)
_register_pil_kernel(get_size)(_get_size_image_pil)


def get_num_frames(inpt: Tensor) -> int:
    return _get_kernel(get_num_frames, type(inpt))(inpt)


@_register_kernel_internal(get_num_frames, Tensor)
@_register_kernel_internal(get_num_frames, tv_tensors.Video, tv_tensor_wrapper=False)
def get_num_frames_video(video: Tensor) -> int:
    return video.shape[-4]


# ---------------------------------------------------------------- bounding box formats
def _halve(t: Tensor, divisor: int = 2) -> Tensor:
    """t / divisor, floored for integer boxes (torchvision keeps their dtype)."""
    return t.div(divisor, rounding_mode=None if t.is_floating_point() else "floor")


def _xywh_to_xyxy(b: Tensor) -> Tensor:
    return flambeau.cat([b[..., :2], b[..., :2] + b[..., 2:]], dim=-1)


def _xyxy_to_xywh(b: Tensor) -> Tensor:
    return flambeau.cat([b[..., :2], b[..., 2:] - b[..., :2]], dim=-1)


def _xywh_to_cxcywh(b: Tensor) -> Tensor:
    return flambeau.cat([b[..., :2] + _halve(b[..., 2:]), b[..., 2:]], dim=-1)


def _xyxy_to_cxcywh(b: Tensor) -> Tensor:
    wh = b[..., 2:] - b[..., :2]
    return flambeau.cat([_halve(b[..., :2] * 2 + wh), wh], dim=-1)


def _cxcywh_corners(b: Tensor) -> tuple[Tensor, Tensor]:
    """Top-left and bottom-right corners, in floating point (integer boxes are truncated afterwards)."""
    f = b if b.is_floating_point() else b.float()
    top_left = f[..., :2] - f[..., 2:] / 2
    return top_left, top_left + f[..., 2:]


def _cxcywh_to_xyxy(b: Tensor) -> Tensor:
    return flambeau.cat(_cxcywh_corners(b), dim=-1).to(b.dtype)


def _cxcywh_to_xywh(b: Tensor) -> Tensor:
    if b.is_floating_point():
        return flambeau.cat([_cxcywh_corners(b)[0], b[..., 2:]], dim=-1)
    # integer boxes: width and height follow the truncated corners, as the path through XYXY gives
    return _xyxy_to_xywh(_cxcywh_to_xyxy(b))


def _angle_cos_sin(b: Tensor) -> tuple[Tensor, Tensor]:
    radians = b[..., 4].mul(math.pi).div(180.0)
    return radians.cos(), radians.sin()


def _half_sides(b: Tensor) -> tuple[Tensor, Tensor]:
    half = _halve(b[..., 2:4], -2).abs()
    return half[..., 0], half[..., 1]


def _shift_by_half_box(b: Tensor, sign: int) -> Tensor:
    """Rotated boxes with their anchor moved by half the rotated box: corner to centre (sign 1) or back (-1)."""
    cos, sin = _angle_cos_sin(b)
    hw, hh = _half_sides(b)
    x = b[..., 0].add(hw.mul(cos).mul(sign)).add(hh.mul(sin).mul(sign))
    y = b[..., 1].sub(hw.mul(sin).mul(sign)).add(hh.mul(cos).mul(sign))
    return flambeau.cat([flambeau.stack([x, y], dim=-1).to(b.dtype), b[..., 2:]], dim=-1)


def _cxcywhr_to_xywhr(b: Tensor) -> Tensor:
    return _shift_by_half_box(b, -1)


def _xywhr_to_cxcywhr(b: Tensor) -> Tensor:
    return _shift_by_half_box(b, 1)


def _xywhr_to_xyxyxyxy(b: Tensor) -> Tensor:
    cos, sin = _angle_cos_sin(b)
    x1, y1, w, h = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    corners = [x1, y1,
               x1.add(w.mul(cos)), y1.sub(w.mul(sin)),
               x1.add(w.mul(cos).add(h.mul(sin))), y1.sub(w.mul(sin).sub(h.mul(cos))),
               x1.add(h.mul(sin)), y1.add(h.mul(cos))]
    return flambeau.stack(corners, dim=-1).to(b.dtype)


def _xyxyxyxy_to_xywhr(b: Tensor) -> Tensor:
    f = b if b.dtype in (flambeau.float32, flambeau.float64) else b.to(flambeau.float32)  # squares overflow
    x1, y1, x2, y2, x3, y3 = f.unbind(-1)[:6]
    angle = flambeau.atan2(y1.sub(y2), x2.sub(x1)).div(math.pi).mul(180.0)
    w = (x2 - x1).pow(2).add((y2 - y1).pow(2)).sqrt()
    h = (x3 - x2).pow(2).add((y3 - y2).pow(2)).sqrt()
    return flambeau.stack([x1, y1, w, h, angle], dim=-1).to(b.dtype)


_TO_XYXY = {"XYWH": _xywh_to_xyxy, "CXCYWH": _cxcywh_to_xyxy}
_FROM_XYXY = {"XYWH": _xyxy_to_xywh, "CXCYWH": _xyxy_to_cxcywh}
_TO_XYWHR = {"CXCYWHR": _cxcywhr_to_xywhr, "XYXYXYXY": _xyxyxyxy_to_xywhr}
_FROM_XYWHR = {"CXCYWHR": _xywhr_to_cxcywhr, "XYXYXYXY": _xywhr_to_xyxyxyxy}
_DIRECT = {("XYWH", "CXCYWH"): _xywh_to_cxcywh, ("CXCYWH", "XYWH"): _cxcywh_to_xywh}


def _convert_bounding_box_format(bounding_boxes: Tensor, old_format: BoundingBoxFormat,
                                 new_format: BoundingBoxFormat, inplace: bool = False) -> Tensor:
    """Boxes converted between formats through XYXY (XYWHR for rotated formats); with inplace, the
    result is written into the input when the shapes agree."""
    if new_format == old_format:
        return bounding_boxes
    if is_rotated_bounding_format(old_format) ^ is_rotated_bounding_format(new_format):
        raise ValueError("Cannot convert between rotated and unrotated bounding boxes.")
    old, new = old_format.value, new_format.value
    direct = _DIRECT.get((old, new))
    if direct is not None:
        out = direct(bounding_boxes)
    else:
        to_base, from_base = (_TO_XYWHR, _FROM_XYWHR) if is_rotated_bounding_format(old) else (_TO_XYXY, _FROM_XYXY)
        out = bounding_boxes
        if old in to_base:
            out = to_base[old](out)
        if new in from_base:
            out = from_base[new](out)
    if inplace and out.shape == bounding_boxes.shape:
        return bounding_boxes.copy_(out)
    return out


def _as_format(format: BoundingBoxFormat | str | None) -> BoundingBoxFormat | None:
    return BoundingBoxFormat[format.upper()] if isinstance(format, str) else format


def convert_bounding_box_format(inpt: Tensor, old_format: Optional[BoundingBoxFormat] = None,
                                new_format: Optional[BoundingBoxFormat] = None, inplace: bool = False) -> Tensor:
    """Boxes in `new_format`: a BoundingBoxes knows its format, a plain tensor needs `old_format`."""
    if new_format is None:  # a default only so that old_format can have one: mimic a missing argument
        raise TypeError("convert_bounding_box_format() missing 1 required argument: 'new_format'")
    old_format, new_format = _as_format(old_format), _as_format(new_format)
    if is_pure_tensor(inpt):
        if old_format is None:
            raise ValueError("For pure tensor inputs, `old_format` has to be passed.")
        return _convert_bounding_box_format(inpt, old_format, new_format, inplace)
    if isinstance(inpt, tv_tensors.BoundingBoxes):
        if old_format is not None:
            raise ValueError("For bounding box tv_tensor inputs, `old_format` must not be passed.")
        output = _convert_bounding_box_format(inpt.as_subclass(Tensor), inpt.format, new_format, inplace)
        return tv_tensors.wrap(output, like=inpt, format=new_format)
    raise TypeError(f"Input can either be a plain tensor or a bounding box tv_tensor, but got {type(inpt)} instead.")


# ---------------------------------------------------------------- clamping
def _clamp_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                          clamping_mode: CLAMPING_MODE_TYPE) -> Tensor:
    """Unrotated boxes clamped to the canvas (soft and hard clamping agree for them), in XYXY float."""
    if clamping_mode is None:
        return bounding_boxes.clone()
    floats = bounding_boxes if bounding_boxes.is_floating_point() else bounding_boxes.float()
    xyxy = _convert_bounding_box_format(floats, format, BoundingBoxFormat.XYXY)
    height, width = canvas_size
    xs, ys = xyxy[..., 0::2].clamp(0, width), xyxy[..., 1::2].clamp(0, height)
    xyxy = flambeau.stack([xs[..., 0], ys[..., 0], xs[..., 1], ys[..., 1]], dim=-1)
    return _convert_bounding_box_format(xyxy, BoundingBoxFormat.XYXY, format).to(bounding_boxes.dtype)


def clamp_bounding_boxes(inpt: Tensor, format: Optional[BoundingBoxFormat] = None,
                         canvas_size: Optional[tuple[int, int]] = None,
                         clamping_mode: Union[CLAMPING_MODE_TYPE, str] = "auto") -> Tensor:
    """Boxes clamped to their canvas; "auto" takes a BoundingBoxes' own clamping_mode."""
    if clamping_mode is not None and clamping_mode not in ("soft", "hard", "auto"):
        raise ValueError(f"clamping_mode must be soft, hard, auto or None, got {clamping_mode}")
    if is_pure_tensor(inpt):
        if format is None or canvas_size is None or clamping_mode == "auto":
            raise ValueError("For pure tensor inputs, `format`, `canvas_size` and `clamping_mode` have to be passed.")
        return _clamp_any(inpt, _as_format(format), canvas_size, clamping_mode)
    if isinstance(inpt, tv_tensors.BoundingBoxes):
        if format is not None or canvas_size is not None:
            raise ValueError("For bounding box tv_tensor inputs, `format` and `canvas_size` must not be passed.")
        if clamping_mode == "auto":
            clamping_mode = inpt.clamping_mode
        output = _clamp_any(inpt.as_subclass(Tensor), inpt.format, inpt.canvas_size, clamping_mode)
        return tv_tensors.wrap(output, like=inpt)
    raise TypeError(f"Input can either be a plain tensor or a bounding box tv_tensor, but got {type(inpt)} instead.")


def _clamp_any(boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
               clamping_mode: CLAMPING_MODE_TYPE) -> Tensor:
    clamp = _clamp_rotated_bounding_boxes if is_rotated_bounding_format(format) else _clamp_bounding_boxes
    return clamp(boxes, format, canvas_size, clamping_mode)


def _clamp_keypoints(keypoints: Tensor, canvas_size: tuple[int, int]) -> Tensor:
    """Points clamped to the pixel grid: x in [0, width - 1], y in [0, height - 1]."""
    floats = keypoints if keypoints.is_floating_point() else keypoints.float()
    x = floats[..., 0].clamp(0, canvas_size[1] - 1)
    y = floats[..., 1].clamp(0, canvas_size[0] - 1)
    return flambeau.stack([x, y], dim=-1).to(keypoints.dtype)


def clamp_keypoints(inpt: Tensor, canvas_size: Optional[tuple[int, int]] = None) -> Tensor:
    if is_pure_tensor(inpt):
        if canvas_size is None:
            raise ValueError("For pure tensor inputs, `canvas_size` has to be passed.")
        return _clamp_keypoints(inpt, canvas_size)
    if isinstance(inpt, tv_tensors.KeyPoints):
        if canvas_size is not None:
            raise ValueError("For keypoints tv_tensor inputs, `canvas_size` must not be passed.")
        return tv_tensors.wrap(_clamp_keypoints(inpt.as_subclass(Tensor), inpt.canvas_size), like=inpt)
    raise TypeError(f"Input can either be a plain tensor or a keypoints tv_tensor, but got {type(inpt)} instead.")
