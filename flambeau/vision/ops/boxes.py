"""torchvision.ops' box utilities: non-maximum suppression, format conversion, areas and the IoU family.

The IoU functions are written with flambeau ops, so they carry gradients and run on either device; nms
is a compiled loop (flambeau/_kernels/nms.py) on the host.
"""
from __future__ import annotations

import math

import numpy as np

from ... import (atan, atan2, bfloat16, cos, float16, float32, float64, int8, int16, int32, int64, maximum,
                 minimum, no_grad, sin, stack, tensor, uint8, unique, where, zeros, zeros_like)
from ..._tensor import Tensor

__all__ = ["nms", "batched_nms", "remove_small_boxes", "clip_boxes_to_image", "box_convert", "box_area", "box_iou",
           "generalized_box_iou", "complete_box_iou", "distance_box_iou", "masks_to_boxes"]

_AXIS_ALIGNED_FMTS = ("xyxy", "xywh", "cxcywh")
_ROTATED_FMTS = ("cxcywhr", "xywhr", "xyxyxyxy")


def _upcast(t: Tensor) -> Tensor:
    """Protect products from overflow: small floats go to float32, small integers to int32 (torchvision's rule)."""
    if t.is_floating_point():
        return t if t.dtype in (float32, float64) else t.float()
    return t if t.dtype in (int32, int64) else t.int()


# ---------------------------------------------------------------- non-maximum suppression

_TORCH_SCALAR_NAMES = {float16: "Half", bfloat16: "BFloat16", int64: "Long", int32: "Int", int16: "Short",
                       int8: "Char", uint8: "Byte"}


def _check_nms_inputs(boxes: Tensor, scores: Tensor) -> None:
    """The checks of torchvision's CPU kernel, in its order and with its messages (RuntimeError)."""
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.shape[1] != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.shape[1]}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}D")
    if boxes.shape[0] != scores.shape[0]:
        raise RuntimeError("boxes and scores should have same number of elements in dimension 0, "
                           f"got {boxes.shape[0]} and {scores.shape[0]}")
    if boxes.dtype != scores.dtype:
        raise RuntimeError("dets should have the same type as scores")
    if boxes.dtype not in (float32, float64):  # the CPU kernel's types; CUDA's also takes half
        name = _TORCH_SCALAR_NAMES.get(boxes.dtype, str(boxes.dtype))
        raise RuntimeError(f'"nms_kernel" not implemented for \'{name}\'')


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Indices (int64, by decreasing score) of the boxes kept after greedily dropping those whose IoU with a kept,
    higher-scoring box is > iou_threshold. Equal scores keep their input order (the CPU kernel's stable sort)."""
    from ..._kernels.nms import greedy_nms
    _check_nms_inputs(boxes, scores)
    x1, y1, x2, y2 = np.ascontiguousarray(boxes.detach().cpu().numpy().T)
    order = scores.detach().sort(stable=True, descending=True)[1].cpu().numpy()
    keep = np.empty(order.size, np.int64)
    count = greedy_nms(x1, y1, x2, y2, order, float(iou_threshold), keep)
    return tensor(keep[:count], dtype=int64, device=boxes.device)


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """nms run independently per category idxs; kept indices by decreasing score."""
    # torchvision's CPU threshold between the two strategies (they agree except for float rounding of the offsets)
    if boxes.numel() > (4000 if boxes.device.type == "cpu" else 100_000):
        return _batched_nms_vanilla(boxes, scores, idxs, iou_threshold)
    return _batched_nms_coordinate_trick(boxes, scores, idxs, iou_threshold)


def _batched_nms_coordinate_trick(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """Shift each category's boxes by a category-dependent offset so that boxes of different categories never
    overlap, then one nms does all categories."""
    if boxes.numel() == 0:
        return zeros((0,), dtype=int64, device=boxes.device)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + tensor(1).to(boxes))
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def _batched_nms_vanilla(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """One nms per category (a loop over categories, not boxes), then all kept indices by decreasing score."""
    keep_mask = zeros_like(scores, dtype=bool)
    for class_id in unique(idxs):
        curr_indices = where(idxs == class_id)[0]
        curr_keep = nms(boxes[curr_indices], scores[curr_indices], iou_threshold)
        keep_mask[curr_indices[curr_keep]] = True
    keep_indices = where(keep_mask)[0]
    return keep_indices[scores[keep_indices].sort(descending=True, stable=True)[1]]


# ---------------------------------------------------------------- simple box utilities

def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices of the xyxy boxes whose width and height are both >= min_size."""
    ws, hs = boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]
    return where((ws >= min_size) & (hs >= min_size))[0]


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """Clamp xyxy boxes into an image of size (height, width)."""
    height, width = size
    boxes_x = boxes[..., 0::2].clamp(min=0, max=width)
    boxes_y = boxes[..., 1::2].clamp(min=0, max=height)
    return stack((boxes_x, boxes_y), dim=boxes.dim()).reshape(boxes.shape)


def masks_to_boxes(masks: Tensor) -> Tensor:
    """The xyxy bounding box (float32) of each of the N masks [N, H, W]; empty masks give [0, 0, 0, 0]."""
    if masks.numel() == 0:
        return zeros((0, 4), device=masks.device, dtype=float32)
    _, h, w = masks.shape
    masks_bool = masks.bool()
    non_zero_rows = masks_bool.any(dim=2).float()
    non_zero_cols = masks_bool.any(dim=1).float()
    empty_masks = ~(non_zero_rows.any(dim=1))
    # argmax returns the first maximum: from the front it is the first set row, from the flipped end the last
    y1 = non_zero_rows.argmax(dim=1)
    x1 = non_zero_cols.argmax(dim=1)
    y2 = (h - 1) - non_zero_rows.flip(1).argmax(dim=1)
    x2 = (w - 1) - non_zero_cols.flip(1).argmax(dim=1)
    bounding_boxes = stack([x1, y1, x2, y2], dim=1).float()
    bounding_boxes[empty_masks] = 0
    return bounding_boxes


# ---------------------------------------------------------------- format conversion

def _cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    cx, cy, w, h = boxes.unbind(-1)
    return stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def _xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2 = boxes.unbind(-1)
    return stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def _xywh_to_xyxy(boxes: Tensor) -> Tensor:
    x, y, w, h = boxes.unbind(-1)
    return stack([x, y, x + w, y + h], dim=-1)


def _xyxy_to_xywh(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2 = boxes.unbind(-1)
    return stack((x1, y1, x2 - x1, y2 - y1), dim=-1)


def _rotated(convert):
    """Integer rotated boxes are converted in floating point, then rounded back (torchvision's rule)."""
    def wrapper(boxes: Tensor) -> Tensor:
        out = convert(boxes)
        if not boxes.is_floating_point():
            out = out.round().to(boxes.dtype)
        return out
    return wrapper


def _cos_sin(r: Tensor) -> tuple[Tensor, Tensor]:
    r_rad = r * math.pi / 180.0
    return cos(r_rad), sin(r_rad)


@_rotated
def _cxcywhr_to_xywhr(boxes: Tensor) -> Tensor:
    cx, cy, w, h, r = boxes.unbind(-1)
    c, s = _cos_sin(r)
    return stack((cx - w / 2 * c - h / 2 * s, cy - h / 2 * c + w / 2 * s, w, h, r), dim=-1)


@_rotated
def _xywhr_to_cxcywhr(boxes: Tensor) -> Tensor:
    x1, y1, w, h, r = boxes.unbind(-1)
    c, s = _cos_sin(r)
    return stack([x1 + w / 2 * c + h / 2 * s, y1 - w / 2 * s + h / 2 * c, w, h, r], dim=-1)


@_rotated
def _xywhr_to_xyxyxyxy(boxes: Tensor) -> Tensor:
    x1, y1, w, h, r = boxes.unbind(-1)
    c, s = _cos_sin(r)
    x2, y2 = x1 + w * c, y1 - w * s
    return stack((x1, y1, x2, y2, x2 + h * s, y2 + h * c, x1 + h * s, y1 + h * c), dim=-1)


@_rotated
def _xyxyxyxy_to_xywhr(boxes: Tensor) -> Tensor:
    x1, y1, x2, y2, x3, y3, _, _ = boxes.unbind(-1)
    r = atan2(y1 - y2, x2 - x1) * 180 / math.pi
    w = ((x2 - x1) ** 2 + (y1 - y2) ** 2).sqrt()
    h = ((x3 - x2) ** 2 + (y3 - y2) ** 2).sqrt()
    return stack((x1, y1, w, h, r), dim=-1)


def _cxcywhr_to_xyxyxyxy(boxes: Tensor) -> Tensor:
    # the intermediate is cast back to the input dtype (it matters for integer boxes only)
    return _xywhr_to_xyxyxyxy(_cxcywhr_to_xywhr(boxes).to(boxes.dtype))


def _xyxyxyxy_to_cxcywhr(boxes: Tensor) -> Tensor:
    return _xywhr_to_cxcywhr(_xyxyxyxy_to_xywhr(boxes).to(boxes.dtype))


_CONVERSIONS = {
    ("xywh", "xyxy"): _xywh_to_xyxy,
    ("cxcywh", "xyxy"): _cxcywh_to_xyxy,
    ("xyxy", "xywh"): _xyxy_to_xywh,
    ("xyxy", "cxcywh"): _xyxy_to_cxcywh,
    ("xywh", "cxcywh"): lambda b: _xyxy_to_cxcywh(_xywh_to_xyxy(b)),
    ("cxcywh", "xywh"): lambda b: _xyxy_to_xywh(_cxcywh_to_xyxy(b)),
    ("cxcywhr", "xywhr"): _cxcywhr_to_xywhr,
    ("xywhr", "cxcywhr"): _xywhr_to_cxcywhr,
    ("cxcywhr", "xyxyxyxy"): _cxcywhr_to_xyxyxyxy,
    ("xyxyxyxy", "cxcywhr"): _xyxyxyxy_to_cxcywhr,
    ("xywhr", "xyxyxyxy"): _xywhr_to_xyxyxyxy,
    ("xyxyxyxy", "xywhr"): _xyxyxyxy_to_xywhr,
}


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert boxes [..., K] between 'xyxy', 'xywh', 'cxcywh' (K=4) and 'xywhr', 'cxcywhr' (K=5), 'xyxyxyxy' (K=8)."""
    allowed = _AXIS_ALIGNED_FMTS + _ROTATED_FMTS
    if in_fmt not in allowed or out_fmt not in allowed:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    convert = _CONVERSIONS.get((in_fmt, out_fmt))
    if convert is None:  # between an axis-aligned and a rotated format
        raise NotImplementedError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} "
                                  f"and out_fmt {out_fmt}")
    return convert(boxes)


# ---------------------------------------------------------------- areas and the IoU family

def box_area(boxes: Tensor, fmt: str = "xyxy") -> Tensor:
    """Area of each box [..., 4] given in 'xyxy', 'xywh' or 'cxcywh'."""
    if fmt not in _AXIS_ALIGNED_FMTS:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _corners(boxes: Tensor, fmt: str) -> tuple[Tensor, Tensor]:
    """Top-left and bottom-right corners [..., 2] of boxes in an axis-aligned format."""
    if fmt == "xyxy":
        return boxes[..., :2], boxes[..., 2:]
    if fmt == "xywh":
        return boxes[..., :2], boxes[..., :2] + boxes[..., 2:]
    return boxes[..., :2] - boxes[..., 2:] / 2, boxes[..., :2] + boxes[..., 2:] / 2


def _box_inter_union(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> tuple[Tensor, Tensor]:
    """Pairwise intersection and union areas [..., N, M] of boxes1 [..., N, 4] and boxes2 [..., M, 4]."""
    area1 = box_area(boxes1, fmt=fmt)
    area2 = box_area(boxes2, fmt=fmt)
    lt1, rb1 = _corners(boxes1, fmt)
    lt2, rb2 = _corners(boxes2, fmt)
    lt = maximum(lt1[..., :, None, :], lt2[..., None, :, :])
    rb = minimum(rb1[..., :, None, :], rb2[..., None, :, :])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = area1[..., None] + area2[..., None, :] - inter
    return inter, union


def box_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> Tensor:
    """Pairwise intersection-over-union [..., N, M] of boxes1 [..., N, 4] and boxes2 [..., M, 4]."""
    if fmt in _ROTATED_FMTS:
        raise NotImplementedError(f"box_iou for rotated boxes ('{fmt}') is not implemented in flambeau")
    if fmt not in _AXIS_ALIGNED_FMTS:
        raise ValueError(f"Unsupported format '{fmt}'. Supported axis-aligned formats: {_AXIS_ALIGNED_FMTS}. "
                         f"Supported rotated formats: {_ROTATED_FMTS}.")
    inter, union = _box_inter_union(boxes1, boxes2, fmt=fmt)
    return inter / union


def _enclosing_wh(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Width and height [..., N, M, 2] of the smallest box enclosing each pair of xyxy boxes."""
    lti = minimum(boxes1[..., :, None, :2], boxes2[..., None, :, :2])
    rbi = maximum(boxes1[..., :, None, 2:], boxes2[..., None, :, 2:])
    return _upcast(rbi - lti).clamp(min=0)


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Pairwise generalized IoU [..., N, M]: IoU minus the share of the enclosing box outside the union."""
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    whi = _enclosing_wh(boxes1, boxes2)
    areai = whi[..., 0] * whi[..., 1]
    return iou - (areai - union) / areai


def _box_diou_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> tuple[Tensor, Tensor]:
    """Pairwise distance IoU and IoU: IoU minus squared center distance over squared enclosing diagonal."""
    iou = box_iou(boxes1, boxes2)
    whi = _enclosing_wh(boxes1, boxes2)
    diagonal_distance_squared = (whi[..., 0] ** 2) + (whi[..., 1] ** 2) + eps
    x_p = (boxes1[..., 0] + boxes1[..., 2]) / 2
    y_p = (boxes1[..., 1] + boxes1[..., 3]) / 2
    x_g = (boxes2[..., 0] + boxes2[..., 2]) / 2
    y_g = (boxes2[..., 1] + boxes2[..., 3]) / 2
    centers_distance_squared = ((_upcast(x_p[..., :, None] - x_g[..., None, :]) ** 2)
                                + (_upcast(y_p[..., :, None] - y_g[..., None, :]) ** 2))
    return iou - (centers_distance_squared / diagonal_distance_squared), iou


def distance_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise distance IoU [..., N, M] of xyxy boxes."""
    diou, _ = _box_diou_iou(_upcast(boxes1), _upcast(boxes2), eps=eps)
    return diou


def complete_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """Pairwise complete IoU [..., N, M]: distance IoU further penalised by the aspect-ratio mismatch."""
    boxes1 = _upcast(boxes1)
    boxes2 = _upcast(boxes2)
    diou, iou = _box_diou_iou(boxes1, boxes2, eps)
    w_pred = boxes1[..., :, None, 2] - boxes1[..., :, None, 0]
    h_pred = boxes1[..., :, None, 3] - boxes1[..., :, None, 1]
    w_gt = boxes2[..., None, :, 2] - boxes2[..., None, :, 0]
    h_gt = boxes2[..., None, :, 3] - boxes2[..., None, :, 1]
    v = (4 / (math.pi ** 2)) * (atan(w_pred / h_pred) - atan(w_gt / h_gt)) ** 2
    with no_grad():  # alpha is a weight, not differentiated (as in the paper and torchvision)
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v
