"""torchvision.ops' detection losses: the generalized/distance/complete IoU box-regression losses and the focal loss."""
from __future__ import annotations

import math

from ... import atan, float32, float64, maximum, minimum, no_grad, where
from ..._tensor import Tensor
from ...nn.functional import binary_cross_entropy_with_logits

__all__ = ["generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss", "sigmoid_focal_loss"]


def _upcast_non_float(t: Tensor) -> Tensor:
    """Anything but float32/float64 is computed in float32."""
    return t if t.dtype in (float32, float64) else t.float()


def _reduce(loss: Tensor, reduction: str, empty_mean_is_zero: bool = True) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        # the box losses give 0 (still attached to the graph) for no boxes; the focal loss gives mean()'s nan
        if empty_mean_is_zero and loss.numel() == 0:
            return 0.0 * loss.sum()
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"Invalid Value for arg 'reduction': '{reduction} \n "
                     "Supported reduction modes: 'none', 'mean', 'sum'")


def _loss_inter_union(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    """Element-wise intersection and union areas of two sets of xyxy boxes [..., 4]."""
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1, ykis1 = maximum(x1, x1g), maximum(y1, y1g)
    xkis2, ykis2 = minimum(x2, x2g), minimum(y2, y2g)
    overlaps = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk = where(overlaps, (xkis2 - xkis1) * (ykis2 - ykis1), 0.0)
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def _enclosing_box(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Corners of the smallest box enclosing each pair of xyxy boxes."""
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    return minimum(x1, x1g), minimum(y1, y1g), maximum(x2, x2g), maximum(y2, y2g)


def generalized_box_iou_loss(boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """1 - GIoU of matching xyxy boxes [N, 4] (or [4]), with the reduction applied."""
    boxes1 = _upcast_non_float(boxes1)
    boxes2 = _upcast_non_float(boxes2)
    intsctk, unionk = _loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    xc1, yc1, xc2, yc2 = _enclosing_box(boxes1, boxes2)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    return _reduce(1 - miouk, reduction)


def _diou_iou_loss(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> tuple[Tensor, Tensor]:
    """1 - IoU + squared center distance over the enclosing box's squared diagonal; and the IoU."""
    intsct, union = _loss_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    xc1, yc1, xc2, yc2 = _enclosing_box(boxes1, boxes2)
    diagonal_distance_squared = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    x_p, y_p = (x2 + x1) / 2, (y2 + y1) / 2
    x_g, y_g = (x1g + x2g) / 2, (y1g + y2g) / 2
    centers_distance_squared = ((x_p - x_g) ** 2) + ((y_p - y_g) ** 2)
    return 1 - iou + (centers_distance_squared / diagonal_distance_squared), iou


def distance_box_iou_loss(boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """1 - DIoU of matching xyxy boxes [N, 4] (or [4]), with the reduction applied."""
    loss, _ = _diou_iou_loss(_upcast_non_float(boxes1), _upcast_non_float(boxes2), eps)
    return _reduce(loss, reduction)


def complete_box_iou_loss(boxes1: Tensor, boxes2: Tensor, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """1 - CIoU of matching xyxy boxes [N, 4] (or [4]), with the reduction applied."""
    boxes1 = _upcast_non_float(boxes1)
    boxes2 = _upcast_non_float(boxes2)
    # torchvision computes the DIoU part with the default eps, whatever eps is given
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    v = (4 / (math.pi ** 2)) * (atan((x2g - x1g) / (y2g - y1g)) - atan((x2 - x1) / (y2 - y1))) ** 2
    with no_grad():  # alpha is a weight, not differentiated
        alpha = v / (1 - iou + v + eps)
    return _reduce(diou_loss + alpha * v, reduction)


def sigmoid_focal_loss(inputs: Tensor, targets: Tensor, alpha: float = 0.25, gamma: float = 2,
                       reduction: str = "none") -> Tensor:
    """RetinaNet's focal loss: binary cross-entropy on logits scaled by (1 - p_t)**gamma and, if alpha >= 0, by
    alpha for positives and 1 - alpha for negatives (alpha = -1 turns the weighting off)."""
    if not (0 <= alpha <= 1) and alpha != -1:
        raise ValueError(f"Invalid alpha value: {alpha}. alpha must be in the range [0,1] or -1 for ignore.")
    p = inputs.sigmoid()
    ce_loss = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return _reduce(loss, reduction, empty_mean_is_zero=False)
