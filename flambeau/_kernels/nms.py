"""Greedy non-maximum suppression (flambeau.vision.ops.nms): a loop over the boxes by decreasing score in
which each kept box suppresses every later box it overlaps by more than the threshold - torchvision's CPU
algorithm, step for step (IoU in the boxes' dtype, compared in float64; a NaN IoU suppresses nothing)."""
from __future__ import annotations

import numpy as np

from . import kernel


@kernel(fastmath=())  # IEEE order and comparisons: the kept set must be torchvision's exactly
def greedy_nms(x1, y1, x2, y2, order, threshold, keep) -> int:
    """Writes the kept box indices into keep (in order) and returns their count."""
    zero = x1.dtype.type(0)
    areas = (x2 - x1) * (y2 - y1)
    suppressed = np.zeros(x1.size, np.bool_)
    count = 0
    for a in range(order.size):
        i = order[a]
        if suppressed[i]:
            continue
        keep[count] = i
        count += 1
        for b in range(a + 1, order.size):
            j = order[b]
            if suppressed[j]:
                continue
            w = min(x2[i], x2[j]) - max(x1[i], x1[j])
            h = min(y2[i], y2[j]) - max(y1[i], y1[j])
            inter = (w if w > zero else zero) * (h if h > zero else zero)
            iou = inter / (areas[i] + areas[j] - inter)
            if np.float64(iou) > threshold:
                suppressed[j] = True
    return count
