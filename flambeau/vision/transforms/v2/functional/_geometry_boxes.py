"""v2 geometry kernels for bounding boxes: tensors [..., K] in a BoundingBoxFormat on a canvas (height, width).

Kernels that change the canvas return (boxes, new canvas_size), as torchvision's do, and boxes are clamped to
the canvas afterwards by clamping_mode ("soft", "hard" or None: see clamp_bounding_boxes). Warps move the
corners (_geometry_points) and fit the smallest upright box around them; rotated boxes keep their four
corners and are squared up into a rectangle again.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Union

import flambeau

from ....._tensor import Tensor
from ....tv_tensors import BoundingBoxFormat, is_rotated_bounding_format
from ....tv_tensors._bounding_boxes import CLAMPING_MODE_TYPE
from ... import _functional_geometry as F1
from . import _geometry_points as P
from ._geometry_image import _compute_resized_output_size, _parse_pad_padding, _perspective_coefficients
from ._meta import clamp_bounding_boxes, convert_bounding_box_format

Format = BoundingBoxFormat


def _clamp(boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
           clamping_mode: CLAMPING_MODE_TYPE) -> Tensor:
    return clamp_bounding_boxes(boxes, format=format, canvas_size=canvas_size, clamping_mode=clamping_mode)


def _convert(boxes: Tensor, old: BoundingBoxFormat, new: BoundingBoxFormat) -> Tensor:
    return convert_bounding_box_format(boxes, old_format=old, new_format=new)


# ----------------------------------------------------------------------------------------------- flips

def _radians(degrees: Tensor) -> Tensor:
    return degrees * math.pi / 180


def _mirror_x(b: Tensor, format: BoundingBoxFormat, width: int) -> list[Tensor]:
    """The columns of boxes b (N, K) mirrored left-right on a canvas of this width."""
    c = list(b.unbind(-1))
    if format == Format.XYXY:
        return [width - c[2], c[1], width - c[0], c[3]]
    if format == Format.XYWH:
        return [width - (c[0] + c[2]), c[1], c[2], c[3]]
    if format == Format.CXCYWH:
        return [width - c[0]] + c[1:]
    if format == Format.CXCYWHR:
        return [width - c[0]] + c[1:4] + [-c[4]]
    if format == Format.XYWHR:  # the mirrored box starts at the mirror of its top-right corner
        angle = _radians(c[4])
        return [width - (c[0] + c[2] * angle.cos()), c[1] - c[2] * angle.sin(), c[2], c[3], -c[4]]
    # XYXYXYXY: the corners swap in pairs to keep their order around the box
    xs = [width - x for x in c[0::2]]
    return [xs[1], c[3], xs[0], c[1], xs[3], c[7], xs[2], c[5]]


def _mirror_y(b: Tensor, format: BoundingBoxFormat, height: int) -> list[Tensor]:
    """The columns of boxes b (N, K) mirrored top-bottom on a canvas of this height."""
    c = list(b.unbind(-1))
    if format == Format.XYXY:
        return [c[0], height - c[3], c[2], height - c[1]]
    if format == Format.XYWH:
        return [c[0], height - (c[1] + c[3]), c[2], c[3]]
    if format == Format.CXCYWH:
        return [c[0], height - c[1]] + c[2:]
    if format == Format.CXCYWHR:
        return [c[0], height - c[1]] + c[2:4] + [180 - c[4]]
    if format == Format.XYWHR:
        angle = _radians(c[4])
        return [c[0] + c[2] * angle.cos(), height - (c[1] - c[2] * angle.sin()), c[2], c[3], 180 - c[4]]
    ys = [height - y for y in c[1::2]]
    return [c[2], ys[1], c[0], ys[0], c[6], ys[3], c[4], ys[2]]


def _flip(boxes: Tensor, mirror: Callable[[Tensor], list[Tensor]]) -> Tensor:
    columns = mirror(boxes.reshape(-1, boxes.shape[-1]))
    return flambeau.stack([col.to(boxes.dtype) for col in columns], -1).reshape(boxes.shape)


def horizontal_flip_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat,
                                   canvas_size: tuple[int, int]) -> Tensor:
    return _flip(bounding_boxes, lambda b: _mirror_x(b, format, canvas_size[1]))


def vertical_flip_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat,
                                 canvas_size: tuple[int, int]) -> Tensor:
    return _flip(bounding_boxes, lambda b: _mirror_y(b, format, canvas_size[0]))


# ---------------------------------------------------------------------------------- resize, crop, pad

def resize_bounding_boxes(bounding_boxes: Tensor, canvas_size: tuple[int, int], size: Optional[list[int]],
                          max_size: Optional[int] = None, format: BoundingBoxFormat = Format.XYXY,
                          clamping_mode: CLAMPING_MODE_TYPE = "soft") -> tuple[Tensor, tuple[int, int]]:
    new_canvas = tuple(_compute_resized_output_size(canvas_size, size, max_size))
    if new_canvas == tuple(canvas_size):
        return bounding_boxes, canvas_size
    w_ratio, h_ratio = new_canvas[1] / canvas_size[1], new_canvas[0] / canvas_size[0]
    if not is_rotated_bounding_format(format):
        ratios = flambeau.tensor([w_ratio, h_ratio] * 2, device=bounding_boxes.device)
        return (bounding_boxes * ratios).to(bounding_boxes.dtype), new_canvas
    # rotated boxes: scale the corners, which makes a parallelogram unless the box is upright
    corners = _convert(bounding_boxes, format, Format.XYXYXYXY).reshape(-1, 8)
    corners = corners * flambeau.tensor([w_ratio, h_ratio] * 4, device=bounding_boxes.device)
    out = _clamp(P.parallelogram_to_rectangle(corners), Format.XYXYXYXY, new_canvas, clamping_mode)
    return _convert(out, Format.XYXYXYXY, format).to(bounding_boxes.dtype).reshape(bounding_boxes.shape), new_canvas


def _shift(format: BoundingBoxFormat, dx: int, dy: int) -> list[int]:
    """What to add to each coordinate of a box to move it by (dx, dy)."""
    if format == Format.XYXYXYXY:
        return [dx, dy] * 4
    if format == Format.XYXY:
        return [dx, dy] * 2
    return [dx, dy, 0, 0] + [0] * is_rotated_bounding_format(format)  # sizes (and angles) stay


def crop_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, top: int, left: int, height: int,
                        width: int, clamping_mode: CLAMPING_MODE_TYPE = "soft") -> tuple[Tensor, tuple[int, int]]:
    shift = flambeau.tensor(_shift(format, left, top), dtype=bounding_boxes.dtype, device=bounding_boxes.device)
    boxes = bounding_boxes - shift
    if format == Format.XYXYXYXY:
        boxes = P.parallelogram_to_rectangle(boxes)
    return _clamp(boxes, format, (height, width), clamping_mode), (height, width)


def center_crop_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                               output_size: Union[int, list[int]],
                               clamping_mode: CLAMPING_MODE_TYPE = "soft") -> tuple[Tensor, tuple[int, int]]:
    crop_height, crop_width = F1._square(output_size)
    top = int(round((canvas_size[0] - crop_height) / 2.0))
    left = int(round((canvas_size[1] - crop_width) / 2.0))
    return crop_bounding_boxes(bounding_boxes, format, top, left, crop_height, crop_width, clamping_mode)


def resized_crop_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, top: int, left: int, height: int,
                                width: int, size: list[int],
                                clamping_mode: CLAMPING_MODE_TYPE = "soft") -> tuple[Tensor, tuple[int, int]]:
    boxes, canvas_size = crop_bounding_boxes(bounding_boxes, format, top, left, height, width, clamping_mode)
    return resize_bounding_boxes(boxes, canvas_size, size, format=format, clamping_mode=clamping_mode)


def pad_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                       padding: Union[int, list[int]], padding_mode: str = "constant",
                       clamping_mode: CLAMPING_MODE_TYPE = "soft") -> tuple[Tensor, tuple[int, int]]:
    if padding_mode != "constant":
        raise ValueError(f"Padding mode '{padding_mode}' is not supported with bounding boxes")
    left, right, top, bottom = _parse_pad_padding(padding)
    shift = flambeau.tensor(_shift(format, left, top), dtype=bounding_boxes.dtype, device=bounding_boxes.device)
    canvas_size = (canvas_size[0] + top + bottom, canvas_size[1] + left + right)
    return _clamp(bounding_boxes + shift, format, canvas_size, clamping_mode), canvas_size


# ---------------------------------------------------------------------------------------------- warps

def _warp(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
          move: Callable[[Tensor], tuple[Tensor, tuple[int, int]]], clamping_mode: CLAMPING_MODE_TYPE,
          float_first: bool) -> tuple[Tensor, tuple[int, int]]:
    """Boxes whose corners `move` sends elsewhere (returning the new canvas size), refitted and clamped.

    Upright boxes become the smallest upright box around their moved corners, rotated boxes the rectangle
    closest to the parallelogram their corners make. Integer boxes are moved in float32, converted to the
    corner format before (float_first, as torchvision's affine does) or after that cast (its perspective)."""
    rotated = is_rotated_bounding_format(format)
    middle = Format.XYXYXYXY if rotated else Format.XYXY
    boxes = bounding_boxes.to(P._float_dtype(bounding_boxes)) if float_first else bounding_boxes
    boxes = _convert(boxes, format, middle).reshape(-1, 8 if rotated else 4)
    boxes = boxes.to(P._float_dtype(boxes))
    corners = boxes.reshape(-1, 2) if rotated else P.xyxy_corners(boxes)
    moved, canvas_size = move(corners)
    out = P.parallelogram_to_rectangle(moved.reshape(-1, 8)) if rotated else P.xyxy_around(moved)
    out = _clamp(out, middle, canvas_size, clamping_mode)
    out = _convert(out, middle, format).reshape(bounding_boxes.shape)
    return out.to(bounding_boxes.dtype), canvas_size


def _affine_bounding_boxes_with_expand(bounding_boxes: Tensor, format: BoundingBoxFormat,
                                       canvas_size: tuple[int, int], angle: float, translate: list[float],
                                       scale: float, shear: Union[float, list[float]], center: Optional[list[float]],
                                       expand: bool, clamping_mode: CLAMPING_MODE_TYPE) -> tuple[Tensor, tuple]:
    if bounding_boxes.numel() == 0:
        return bounding_boxes, canvas_size
    return _warp(bounding_boxes, format, canvas_size,
                 lambda p: P.affine_points(p, canvas_size, angle, translate, scale, shear, center, expand),
                 clamping_mode, float_first=True)


def affine_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                          angle: float, translate: list[float], scale: float, shear: Union[float, list[float]],
                          center: Optional[list[float]] = None,
                          clamping_mode: CLAMPING_MODE_TYPE = "soft") -> Tensor:
    return _affine_bounding_boxes_with_expand(bounding_boxes, format, canvas_size, angle, translate, scale, shear,
                                              center, False, clamping_mode)[0]


def rotate_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                          angle: float, expand: bool = False, center: Optional[list[float]] = None,
                          clamping_mode: CLAMPING_MODE_TYPE = "soft") -> tuple[Tensor, tuple[int, int]]:
    # affine turns clockwise, rotate counter-clockwise
    return _affine_bounding_boxes_with_expand(bounding_boxes, format, canvas_size, -angle, [0.0, 0.0], 1.0,
                                              [0.0, 0.0], center, expand, clamping_mode)


def perspective_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                               startpoints: Optional[list], endpoints: Optional[list],
                               coefficients: Optional[list[float]] = None,
                               clamping_mode: CLAMPING_MODE_TYPE = "soft") -> Tensor:
    if bounding_boxes.numel() == 0:
        return bounding_boxes
    coefficients = _perspective_coefficients(startpoints, endpoints, coefficients)
    return _warp(bounding_boxes, format, canvas_size,
                 lambda p: (P.perspective_points(p, coefficients, "bounding boxes"), canvas_size), clamping_mode,
                 float_first=False)[0]


def elastic_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                           displacement: Tensor, clamping_mode: CLAMPING_MODE_TYPE = "soft") -> Tensor:
    """Boxes moved by the elastic displacement, approximately: upright boxes through their corners, rotated
    boxes by their centre alone (their size and angle stay)."""
    P.check_displacement(displacement, canvas_size)
    if bounding_boxes.numel() == 0:
        return bounding_boxes
    rotated = is_rotated_bounding_format(format)
    middle = Format.CXCYWHR if rotated else Format.XYXY
    boxes = _convert(bounding_boxes, format, middle).reshape(-1, 5 if rotated else 4)
    points = boxes[:, :2] if rotated else P.xyxy_corners(boxes)
    if points.is_floating_point():
        points = points.ceil()  # NOTE: box corners are read at the next pixel, key points at the truncated one
    moved = P.elastic_points(points, canvas_size, displacement)
    out = flambeau.cat((moved, boxes[:, 2:].to(moved.dtype)), 1) if rotated else P.xyxy_around(moved)
    out = _clamp(out.to(boxes.dtype), middle, canvas_size, clamping_mode)
    return _convert(out, middle, format).reshape(bounding_boxes.shape)
