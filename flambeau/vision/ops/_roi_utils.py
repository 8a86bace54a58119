"""What the RoI operators share: the boxes' two accepted forms, and the separable sampling matrices.

Every RoI operator but roi_pool is linear in the input and separable in y and x: the value of bin (p, q)
of RoI k is  sum_{h,w} wy[k, p, h] * wx[k, q, w] * input[batch[k], c, h, w], where wy averages the
bilinear (or box) weights of the bin's sample rows and wx those of its columns. The matrices depend on
the boxes only (which get no gradient, as in torchvision), so they are built in NumPy; the contraction
runs as flambeau matmuls, one pair per image, and gradients w.r.t. the input come from those.
"""
from __future__ import annotations

import numpy as np

import flambeau
from flambeau import Tensor


def check_roi_boxes_shape(boxes) -> None:
    """torchvision's check: a Tensor[K, 5] or a list of Tensor[L, 4]."""
    if isinstance(boxes, (list, tuple)):
        for tensor in boxes:
            if tensor.size(1) != 4:
                raise AssertionError("The shape of the tensor in the boxes list is not correct as List[Tensor[L, 4]]")
    elif isinstance(boxes, Tensor):
        if boxes.size(1) != 5:
            raise AssertionError("The boxes tensor shape is not correct as Tensor[K, 5]")
    else:
        raise AssertionError("boxes is expected to be a Tensor[L, 5] or a List[Tensor[K, 4]]")


def convert_boxes_to_roi_format(boxes: list[Tensor]) -> Tensor:
    """A list of per-image Tensor[L, 4] as one Tensor[K, 5] whose first column is the image index."""
    concat_boxes = flambeau.cat(list(boxes), dim=0)
    ids = flambeau.cat([flambeau.full_like(b[:, :1], i) for i, b in enumerate(boxes)], dim=0)
    return flambeau.cat([ids, concat_boxes], dim=1)


def as_rois(input: Tensor, boxes) -> Tensor:
    """The boxes as Tensor[K, 5], checked against the input as torchvision's kernels check them."""
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, Tensor) else convert_boxes_to_roi_format(boxes)
    if rois.dtype != input.dtype:
        raise RuntimeError(f"input should have the same type as rois, got {input.dtype} and {rois.dtype}")
    return rois


def check_ps_channels(input: Tensor, out_h: int, out_w: int) -> None:
    if input.shape[1] % (out_h * out_w) != 0:
        raise RuntimeError(f"input channels must be a multiple of pooling height * pooling width, got "
                           f"{input.shape[1]} channels for a {out_h}x{out_w} output")


def pair(size) -> tuple[int, int]:
    if isinstance(size, (list, tuple)):
        return (int(size[0]), int(size[1])) if len(size) > 1 else (int(size[0]), int(size[0]))
    return int(size), int(size)


def rois_array(rois: Tensor, dtype) -> np.ndarray:
    """The boxes as a NumPy array in the input's precision (torchvision computes coordinates in it)."""
    return np.asarray(rois.detach().cpu().numpy(), dtype=dtype)


def round_half_away(x: np.ndarray) -> np.ndarray:
    """C's round (torchvision's rounding of box corners), not NumPy's round-half-to-even."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def bilinear_matrix(start: np.ndarray, bin_size: np.ndarray, grid: np.ndarray, pooled: int,
                    size: int) -> np.ndarray:
    """[K, pooled, size]: row p averages the linear-interpolation weights of bin p's grid[k] samples.

    Sample g of bin p sits at start + p * bin_size + (g + 0.5) * bin_size / grid, computed in the order
    and precision torchvision uses; samples outside [-1, size] count as 0, others clamp at 0 and size - 1.
    """
    dtype = start.dtype
    k = start.shape[0]
    g_max = max(int(grid.max()), 1) if k else 1
    start, bin_size, grid = start[:, None, None], bin_size[:, None, None], grid[:, None, None]
    p = np.arange(pooled, dtype=dtype)[None, :, None]
    g = np.arange(g_max)[None, None, :]
    denom = np.maximum(grid, 1).astype(dtype)
    coord = start + p * bin_size + (g + 0.5).astype(dtype) * bin_size / denom
    weight = ((g < grid) & (coord >= -1) & (coord <= size)) / denom
    coord = np.maximum(coord, 0)
    low = np.floor(coord).astype(np.int64)
    edge = low >= size - 1
    low = np.where(edge, size - 1, low)
    high = np.where(edge, size - 1, low + 1)
    frac = np.where(edge, 0, coord - low).astype(dtype)
    row = (np.arange(k)[:, None, None] * pooled + np.arange(pooled)[None, :, None]) * size
    index = np.concatenate([(row + low).ravel(), (row + high).ravel()])
    weights = np.concatenate([((1 - frac) * weight).ravel(), (frac * weight).ravel()])
    return np.bincount(index, weights, minlength=k * pooled * size).reshape(k, pooled, size).astype(dtype)


def box_matrix(start: np.ndarray, end: np.ndarray, size: int, dtype) -> np.ndarray:
    """[K, pooled, size]: row p averages positions [start, end) (all zero where the bin is empty)."""
    pos = np.arange(size)[None, None, :]
    inside = (pos >= start[..., None]) & (pos < end[..., None])
    return (inside / np.maximum(end - start, 1)[..., None]).astype(dtype)


def _groups(batch: np.ndarray):
    """(image index, positions of its RoIs) for each image that has RoIs; one empty group when none do."""
    if batch.size == 0:
        return [(0, batch)]
    return [(int(n), np.flatnonzero(batch == n)) for n in np.unique(batch)]


def _in_roi_order(parts: list[Tensor], groups) -> Tensor:
    if len(parts) == 1:
        return parts[0]
    order = np.concatenate([idx for _, idx in groups])
    return flambeau.cat(parts, dim=0)[flambeau.tensor(np.argsort(order, kind="stable"))]


def _const(a: np.ndarray, like: Tensor) -> Tensor:
    return flambeau.tensor(a, dtype=like.dtype, device=like.device)


def pool_separable(input: Tensor, batch: np.ndarray, wy: np.ndarray, wx: np.ndarray) -> Tensor:
    """out[k, c, p, q] = sum_{h,w} wy[k, p, h] * wx[k, q, w] * input[batch[k], c, h, w]."""
    _, c, h, w = input.shape
    groups = _groups(batch)
    parts = []
    for n, idx in groups:
        k, ph, pw = len(idx), wy.shape[1], wx.shape[1]
        rows = _const(wy[idx].reshape(k * ph, h), input) @ input[n].permute(1, 0, 2).reshape(h, c * w)
        cols = rows.reshape(k, ph * c, w) @ _const(wx[idx].transpose(0, 2, 1), input)
        parts.append(cols.reshape(k, ph, c, pw).permute(0, 2, 1, 3))
    return _in_roi_order(parts, groups)


def pool_separable_ps(input: Tensor, batch: np.ndarray, wy: np.ndarray, wx: np.ndarray) -> Tensor:
    """Position-sensitive pool_separable: bin (p, q) of output channel c reads input channel (c*P + p)*Q + q."""
    _, c_in, h, w = input.shape
    ph, pw = wy.shape[1], wx.shape[1]
    c = c_in // (ph * pw)
    groups = _groups(batch)
    parts = []
    for n, idx in groups:
        k = len(idx)
        # contract w per column q: [Q, C*P*H, W] @ [Q, W, K] -> [Q, C, P, H, K]
        x = input[n].reshape(c, ph, pw, h, w).permute(2, 0, 1, 3, 4).reshape(pw, c * ph * h, w)
        cols = (x @ _const(wx[idx].transpose(1, 2, 0), input)).reshape(pw, c, ph, h, k)
        # contract h per row p and RoI k: [P, K, Q*C, H] @ [P, K, H, 1]
        cols = cols.permute(2, 4, 0, 1, 3).reshape(ph, k, pw * c, h)
        out = cols @ _const(wy[idx].transpose(1, 0, 2)[..., None], input)
        parts.append(out.reshape(ph, k, pw, c).permute(1, 3, 0, 2))
    return _in_roi_order(parts, groups)
