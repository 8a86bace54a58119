"""v2 geometry kernels for key points: tensors [..., 2] of (x, y) pixel coordinates on a canvas (height, width).

Kernels that change the canvas return (points, new canvas_size), as torchvision's do. Points are not clamped:
a point that leaves the canvas keeps its coordinates (ClampKeyPoints / SanitizeKeyPoints deal with those).
"""
from __future__ import annotations

from typing import Optional, Union

import flambeau

from ....._tensor import Tensor
from ... import _functional_geometry as F1
from . import _geometry_points as P
from ._geometry_image import _compute_resized_output_size, _parse_pad_padding, _perspective_coefficients


def horizontal_flip_keypoints(keypoints: Tensor, canvas_size: tuple[int, int]) -> Tensor:
    # NOTE: points sit on pixel centres' indices, so the mirror of x is (width - 1) - x, not width - x as for boxes
    x, y = keypoints[..., :1], keypoints[..., 1:]
    return flambeau.cat(((canvas_size[1] - 1) - x, y), -1)


def vertical_flip_keypoints(keypoints: Tensor, canvas_size: tuple[int, int]) -> Tensor:
    x, y = keypoints[..., :1], keypoints[..., 1:]
    return flambeau.cat((x, (canvas_size[0] - 1) - y), -1)


def resize_keypoints(keypoints: Tensor, size: Optional[list[int]], canvas_size: tuple[int, int],
                     max_size: Optional[int] = None) -> tuple[Tensor, tuple[int, int]]:
    new_height, new_width = _compute_resized_output_size(canvas_size, size, max_size)
    if (new_height, new_width) == tuple(canvas_size):
        return keypoints, canvas_size
    ratios = flambeau.tensor([new_width / canvas_size[1], new_height / canvas_size[0]], device=keypoints.device)
    return (keypoints * ratios).to(keypoints.dtype), (new_height, new_width)


def crop_keypoints(keypoints: Tensor, top: int, left: int, height: int,
                   width: int) -> tuple[Tensor, tuple[int, int]]:
    return keypoints - flambeau.tensor([left, top], dtype=keypoints.dtype, device=keypoints.device), (height, width)


def center_crop_keypoints(keypoints: Tensor, canvas_size: tuple[int, int],
                          output_size: Union[int, list[int]]) -> tuple[Tensor, tuple[int, int]]:
    crop_height, crop_width = F1._square(output_size)
    top = int(round((canvas_size[0] - crop_height) / 2.0))
    left = int(round((canvas_size[1] - crop_width) / 2.0))
    return crop_keypoints(keypoints, top, left, crop_height, crop_width)


def resized_crop_keypoints(keypoints: Tensor, top: int, left: int, height: int, width: int,
                           size: list[int]) -> tuple[Tensor, tuple[int, int]]:
    keypoints, canvas_size = crop_keypoints(keypoints, top, left, height, width)
    return resize_keypoints(keypoints, size, canvas_size)


def pad_keypoints(keypoints: Tensor, canvas_size: tuple[int, int], padding: Union[int, list[int]],
                  padding_mode: str = "constant") -> tuple[Tensor, tuple[int, int]]:
    if padding_mode != "constant":
        raise ValueError(f"Padding mode '{padding_mode}' is not supported with KeyPoints (supported modes are "
                         "constant)")
    left, right, top, bottom = _parse_pad_padding(padding)
    shift = flambeau.tensor([left, top], dtype=keypoints.dtype, device=keypoints.device)
    return keypoints + shift, (canvas_size[0] + top + bottom, canvas_size[1] + left + right)


def _affine_keypoints_with_expand(keypoints: Tensor, canvas_size: tuple[int, int], angle: float,
                                  translate: list[float], scale: float, shear: Union[float, list[float]],
                                  center: Optional[list[float]], expand: bool) -> tuple[Tensor, tuple[int, int]]:
    if keypoints.numel() == 0:
        return keypoints, canvas_size
    points = keypoints.reshape(-1, 2).to(P._float_dtype(keypoints))
    moved, canvas_size = P.affine_points(points, canvas_size, angle, translate, scale, shear, center, expand)
    return moved.reshape(keypoints.shape).to(keypoints.dtype), canvas_size


def affine_keypoints(keypoints: Tensor, canvas_size: tuple[int, int], angle: float, translate: list[float],
                     scale: float, shear: Union[float, list[float]],
                     center: Optional[list[float]] = None) -> tuple[Tensor, tuple[int, int]]:
    return _affine_keypoints_with_expand(keypoints, canvas_size, angle, translate, scale, shear, center, False)


def rotate_keypoints(keypoints: Tensor, canvas_size: tuple[int, int], angle: float, expand: bool = False,
                     center: Optional[list[float]] = None) -> tuple[Tensor, tuple[int, int]]:
    # affine turns clockwise, rotate counter-clockwise
    return _affine_keypoints_with_expand(keypoints, canvas_size, -angle, [0.0, 0.0], 1.0, [0.0, 0.0], center, expand)


def perspective_keypoints(keypoints: Tensor, canvas_size: tuple[int, int], startpoints: Optional[list],
                          endpoints: Optional[list], coefficients: Optional[list[float]] = None) -> Tensor:
    if keypoints.numel() == 0:
        return keypoints
    coefficients = _perspective_coefficients(startpoints, endpoints, coefficients)
    moved = P.perspective_points(keypoints.reshape(-1, 2), coefficients, "keypoints")
    return moved.to(keypoints.dtype).reshape(keypoints.shape)


def elastic_keypoints(keypoints: Tensor, canvas_size: tuple[int, int], displacement: Tensor) -> Tensor:
    P.check_displacement(displacement, canvas_size)
    if keypoints.numel() == 0:
        return keypoints
    moved = P.elastic_points(keypoints.reshape(-1, 2), canvas_size, displacement)
    return moved.to(keypoints.dtype).reshape(keypoints.shape)
