"""Clamping rotated boxes to the canvas (torchvision's algorithm, step for step, so results agree).

Each box is taken as 4 corners (XYXYXYXY). Four times over: the corners are cycled so the first has the
lowest x, the box is pulled inside the left edge by moving the lines through its sides (their slopes are
kept, so the angle is), and the canvas is turned a quarter so the next edge becomes the left one.
"soft" keeps the smallest such box holding the part of the box inside the canvas; "hard" the largest
one inside both.
"""
from __future__ import annotations

from typing import Optional

import flambeau
from flambeau import Tensor
from flambeau.vision.tv_tensors import BoundingBoxFormat


def _cycle_corners(boxes: Tensor, indices: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
    """Corners cycled by `indices`, or by default so that the first corner is the leftmost (then topmost).
    Returns the indices used and the cycled boxes."""
    if indices is None:
        x, y = boxes[..., 0::2], boxes[..., 1::2]
        y_max = y.abs().max(dim=1, keepdim=True)[0]
        x_max = x.abs().max(dim=1, keepdim=True)[0]
        first = (y / y_max + (x / x_max) * 100).min(dim=1)[1]
        indices = flambeau.ones_like(boxes)
        indices[..., 0] = first.mul(2)
        indices = indices.cumsum(1).remainder(8)
    return indices, boxes.gather(1, indices.to(flambeau.int64))


def _lines(boxes: Tensor) -> tuple[Tensor, Tensor]:
    """Slope a and intercept b (y = a x + b) of the side from corner i to corner i + 1 (cyclically)."""
    x, y = boxes[..., ::2], boxes[..., 1::2]
    a = y.diff(append=y[..., 0:1]) / x.diff(append=x[..., 0:1])
    return a, y - a * x


def _corners_of_lines(a: Tensor, b: Tensor) -> Tensor:
    """Corner i is where side i - 1 meets side i."""
    x = b.diff(prepend=b[..., 3:4]).neg() / a.diff(prepend=a[..., 3:4])
    y = a * x + b
    return flambeau.stack([x, y], dim=-1).reshape(a.shape[0], 8)


def _clamped_intercepts(boxes: Tensor, original: Tensor, canvas_size: tuple[int, int], mode: str) -> Tensor:
    a1, a2, a3, a4 = _lines(boxes)[0].unbind(-1)
    b1, b2, b3, b4 = _lines(boxes)[1].unbind(-1)
    b1m, b2m, b3m, b4m = _lines(original)[1].unbind(-1)
    height, width = canvas_size
    b1 = b2.clamp(b1, b3).clamp(0, height)
    b4 = b3.clamp(b2, b4).clamp(0, height)
    if mode == "hard":
        b1 = (b1 + b4) / 2
        b2 = flambeau.stack([b1 * a2 / a1, b3 * a2 / a3, (a1 - a2) * width + b1, (a3 - a2) * width + b3],
                            dim=1).max(dim=1)[0].clamp(max=b2)
        b3 = flambeau.stack([height * (1 - a3 / a4) + b1 * a3 / a4, height * (1 - a3 / a2) + b2 * a3 / a2,
                             (a2 - a3) * width + b2, (a4 - a3) * width + b1], dim=1).min(dim=1)[0].clamp(min=b3)
        # NOTE: torchvision's hard mode makes b1 and b4 one tensor, so both get both final clamps
        b1 = b4 = b1.clamp(b1m, b3m).clamp(b2m, b4m)
    else:
        b1 = b1.clamp(b1m, b3m)
        b4 = b4.clamp(b2m, b4m)
    return flambeau.stack([b1, b2.clamp(b2m, b4m), b3.clamp(b1m, b3m), b4], dim=-1)


def _clamp_left(boxes: Tensor, original: Tensor, canvas_size: tuple[int, int], mode: str) -> Tensor:
    """Boxes (first corner leftmost) pulled inside the left edge x = 0."""
    a, _ = _lines(boxes)
    x1, y1, x2, y2, x3, y3, x4, y4 = boxes.unbind(-1)
    moved = _corners_of_lines(a, _clamped_intercepts(boxes, original, canvas_size, mode))
    left_corners_at_zero = boxes.clone()
    left_corners_at_zero[..., 0] = left_corners_at_zero[..., 0].clamp(0)
    left_corners_at_zero[..., 6] = left_corners_at_zero[..., 6].clamp(0)
    use_moved = (x1 < 0) & ~moved.isnan().any(-1)
    flat_top = y1.isclose(y2) | y3.isclose(y4)
    gone = ((x1 <= 0) & (x2 <= 0) & (x3 <= 0) & (x4 <= 0)) | y1.isclose(y4) | y2.isclose(y3) | \
        (flat_top & x1.isclose(x2))
    for condition, case in ((use_moved, moved), (flat_top, left_corners_at_zero), (gone, flambeau.zeros_like(boxes))):
        boxes = flambeau.where(condition.unsqueeze(1), case, boxes)
    return boxes


def _quarter_turn(boxes: Tensor, width: int) -> Tensor:
    """Corners on the canvas turned 90 degrees counter-clockwise: (x, y) -> (y, width - x)."""
    x, y = boxes[:, ::2], boxes[:, 1::2]
    return flambeau.stack([y, width - x], dim=-1).reshape(boxes.shape)


def _clamp_rotated_bounding_boxes(bounding_boxes: Tensor, format: BoundingBoxFormat, canvas_size: tuple[int, int],
                                  clamping_mode: Optional[str]) -> Tensor:
    if clamping_mode is None:
        return bounding_boxes.clone()
    from ._meta import _convert_bounding_box_format
    corners = _convert_bounding_box_format(bounding_boxes, format, BoundingBoxFormat.XYXYXYXY).reshape(-1, 8)
    out, original = corners, corners.clone()
    for _ in range(4):
        indices, out = _cycle_corners(out)
        original = _cycle_corners(original, indices)[1]
        out = _clamp_left(out, original, canvas_size, clamping_mode)
        # NOTE: torchvision cycles by the same indices once more here (not back), which we follow
        out = _cycle_corners(out, indices)[1]
        original = _cycle_corners(original, indices)[1]
        out, original = _quarter_turn(out, canvas_size[1]), _quarter_turn(original, canvas_size[1])
        canvas_size = (canvas_size[1], canvas_size[0])
    return _convert_bounding_box_format(out, BoundingBoxFormat.XYXYXYXY, format).reshape(bounding_boxes.shape)
