"""Where the geometric transforms send points (x, y) in pixel coordinates: shared by the key point kernels and
the bounding box kernels, which move a box's corners and then fit a box around them.
"""
from __future__ import annotations

import math
from typing import Optional, Union

import flambeau

from ....._tensor import Tensor
from ... import _functional_geometry as F1
from ... import _tensor_geometry as F_t
from ._geometry_image import _affine_parse_args


def _float_dtype(points: Tensor) -> flambeau.dtype:
    return points.dtype if points.is_floating_point() else flambeau.float32


def affine_points(points: Tensor, canvas_size: tuple[int, int], angle: float, translate: list[float], scale: float,
                  shear: Union[float, list[float]], center: Optional[list[float]] = None,
                  expand: bool = False) -> tuple[Tensor, tuple[int, int]]:
    """points (N, 2), floating, moved as affine_image moves pixels, and the canvas size afterwards (which only
    expand changes: the points are then shifted so the moved canvas starts at 0)."""
    angle, translate, shear, center = _affine_parse_args(angle, translate, scale, shear, center)
    height, width = canvas_size
    if center is None:
        center = [width * 0.5, height * 0.5]
    matrix = F1._get_inverse_affine_matrix(center, angle, translate, scale, shear, inverted=False)
    theta = flambeau.tensor(matrix, dtype=points.dtype, device=points.device).view(2, 3)
    moved = _apply(theta, points)
    if expand:
        corners = flambeau.tensor([[0.0, 0.0], [0.0, height], [width, height], [width, 0.0]], dtype=points.dtype,
                                  device=points.device)
        moved = moved - _apply(theta, corners).amin(0, keepdim=True)
        inverse = F1._get_inverse_affine_matrix(center, angle, translate, scale, shear)
        new_width, new_height = F_t._expanded_size(inverse, width, height)
        canvas_size = (new_height, new_width)
    return moved, canvas_size


def _apply(theta: Tensor, points: Tensor) -> Tensor:
    """theta (2, 3) applied to points (N, 2): x' = a x + b y + c, y' = d x + e y + f."""
    x, y = points[:, :1], points[:, 1:]
    return x * theta[:, 0] + y * theta[:, 1] + theta[:, 2]


def perspective_points(points: Tensor, coefficients: list[float], what: str) -> Tensor:
    """points (N, 2) moved as perspective_image moves pixels. The coefficients map output pixels to input
    pixels, so points go through their inverse; what names the input in the error for a singular map."""
    a, b, c, d, e, f, g, h = coefficients
    denom = a * e - b * d
    if denom == 0:
        raise RuntimeError(f"Provided perspective_coeffs {coefficients} can not be inverted to transform {what}. "
                           f"Denominator is zero, denom={denom}")
    inverse = [(e - f * h) / denom, (-b + c * h) / denom, (b * f - c * e) / denom,
               (-d + f * g) / denom, (a - c * g) / denom, (-a * f + c * d) / denom,
               (-e * g + d * h) / denom, (-a * h + b * g) / denom]
    dtype = _float_dtype(points)
    numerator = flambeau.tensor([inverse[0:3], inverse[3:6]], dtype=dtype, device=points.device)
    denominator = flambeau.tensor([[inverse[6], inverse[7], 1.0]] * 2, dtype=dtype, device=points.device)
    points = points.to(dtype)
    return _apply(numerator, points) / _apply(denominator, points)


def check_displacement(displacement: Tensor, canvas_size: tuple[int, int]) -> None:
    expected = (1, canvas_size[0], canvas_size[1], 2)
    if not isinstance(displacement, Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    if tuple(displacement.shape) != expected:
        raise ValueError(f"Argument displacement shape should be {expected}, but given {displacement.shape}")


def elastic_points(points: Tensor, canvas_size: tuple[int, int], displacement: Tensor) -> Tensor:
    """points (N, 2) moved by the elastic displacement, approximately: the image's grid is identity +
    displacement, and points go through identity - displacement read at their (truncated) pixel."""
    dtype = _float_dtype(points)
    displacement = displacement.to(dtype=dtype, device=points.device)
    height, width = canvas_size
    xs = flambeau.linspace((1 - width) / width, (width - 1) / width, width, dtype=dtype, device=points.device)
    ys = flambeau.linspace((1 - height) / height, (height - 1) / height, height, dtype=dtype, device=points.device)
    index = points.to(flambeau.long)
    column, row = index[:, 0].clamp(0, width - 1), index[:, 1].clamp(0, height - 1)
    inverse = flambeau.stack((xs[column], ys[row]), -1) - displacement[0, row, column]
    size = flambeau.tensor([width, height], dtype=dtype, device=points.device)
    return (inverse + 1) * (0.5 * size) - 0.5


def xyxy_corners(boxes: Tensor) -> Tensor:
    """(N, 4) boxes -> (N * 4, 2) corners: top-left, top-right, bottom-right, bottom-left."""
    x1, y1, x2, y2 = boxes.unbind(-1)
    return flambeau.stack((x1, y1, x2, y1, x2, y2, x1, y2), -1).reshape(-1, 2)


def xyxy_around(corners: Tensor) -> Tensor:
    """(N * 4, 2) corners -> (N, 4) smallest upright boxes holding each four."""
    corners = corners.reshape(-1, 4, 2)
    return flambeau.cat((corners.amin(1), corners.amax(1)), 1)


def parallelogram_to_rectangle(parallelogram: Tensor) -> Tensor:
    """(..., 8) parallelograms -> rectangles keeping the ends of the longer diagonal (points 1 and 3) where they
    are; integer input is computed in float32 and truncated back."""
    dtype = parallelogram.dtype
    if dtype not in (flambeau.float32, flambeau.float64):
        parallelogram = parallelogram.to(flambeau.float32)
    x1, y1, x2, y2, x3, y3, x4, y4 = parallelogram.unbind(-1)
    cx, cy = (x1 + x3) / 2, (y1 + y3) / 2
    # the sides from point 1 and the angle between them
    side12 = flambeau.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2)
    side14 = flambeau.sqrt((x4 - x1) ** 2 + (y4 - y1) ** 2)
    angle12 = flambeau.atan2(y1 - y2, x2 - x1)
    angle14 = flambeau.atan2(y1 - y4, x4 - x1)
    between = angle12 - angle14
    sign = flambeau.where(between > math.pi / 2, -1, 1)
    cos, sin = between.cos(), between.sin()
    # the rectangle's sides: the longer side is kept, the shorter one is its projection
    w = flambeau.where(side12 < side14, side12 * sin, side12 + side14 * cos * sign)
    h = flambeau.where(side12 > side14, side14 * sin, side14 + side12 * cos * sign)
    angle = flambeau.where(side14 > side12, angle14 + math.pi / 2, angle12)
    cos, sin = angle.cos(), angle.sin()
    half_w_cos, half_w_sin, half_h_cos, half_h_sin = w / 2 * cos, w / 2 * sin, h / 2 * cos, h / 2 * sin
    rectangle = flambeau.stack((cx - half_w_cos - half_h_sin, cy - half_h_cos + half_w_sin,
                                cx + half_w_cos - half_h_sin, cy - half_h_cos - half_w_sin,
                                cx + half_w_cos + half_h_sin, cy + half_h_cos - half_w_sin,
                                cx - half_w_cos + half_h_sin, cy + half_h_cos + half_w_sin), -1)
    return rectangle.to(dtype)
