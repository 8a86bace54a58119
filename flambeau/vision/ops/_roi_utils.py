"""What the RoI operators share: the boxes' two accepted forms, and the separable sampling matrices.

Every RoI operator but roi_pool is linear in the input and separable in y and x: the value of bin (p, q)
of RoI k is  sum_{h,w} wy[k, p, h] * wx[k, q, w] * input[batch[k], c, h, w], where wy averages the
bilinear (or box) weights of the bin's sample rows and wx those of its columns. The matrices depend on
the boxes only (which get no gradient, as in torchvision), so they are built in NumPy; the contraction
runs as flambeau ops on each RoI's window of the input, and gradients w.r.t. the input come from those.
"""
from __future__ import annotations

import numpy as np

import flambeau
from flambeau import Tensor
from flambeau._dispatch import Primitive, apply


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


# NOTE: bound on the elements of the input windows gathered at once (64 MiB of float32)
_CHUNK = 1 << 24


def _band(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions [K, S] of the narrowest band holding every RoI's nonzero weights, and m cut to it [K, P, S].

    Positions past the map repeat its last one with weight 0, so all RoIs share the band's width S.
    """
    k, _, size = m.shape
    nonzero = (m != 0).any(axis=1)  # [K, size]
    has = nonzero.any(axis=1)
    first = np.where(has, nonzero.argmax(axis=1), 0)
    last = np.where(has, size - 1 - nonzero[:, ::-1].argmax(axis=1), 0)
    span = int((last - first).max()) + 1 if k else 1
    pos = first[:, None] + np.arange(span)
    inside = pos < size
    pos = np.minimum(pos, size - 1)
    band = np.where(inside[:, None, :], np.take_along_axis(m, pos[:, None, :], axis=2), 0).astype(m.dtype)
    return pos, band


def _const(a: np.ndarray, like: Tensor) -> Tensor:
    return flambeau.tensor(a, dtype=like.dtype, device=like.device)


class GatherRows(Primitive):
    """x[index] for a 2-D x and an integer array index: whole rows (pixels' channel vectors)."""

    @staticmethod
    def forward(x, index):
        return x[index]

    def backward(ctx, g):
        (index,) = ctx.args
        return (apply(ScatterAddRows, (g,), index, ctx.metas[0][0][0]),)


class ScatterAddRows(Primitive):
    """The sum of the rows of g into `rows` rows at `index`: sorted segments summed by np.add.reduceat,
    much faster than np.add.at when the windows of many RoIs overlap."""

    @staticmethod
    def forward(g, index, rows):
        flat = index.ravel()
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        out = np.zeros((rows, g.shape[-1]), g.dtype)
        if flat.size:
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            out[ordered[starts]] = np.add.reduceat(g.reshape(-1, g.shape[-1])[order], starts, axis=0)
        return out

    def backward(ctx, g):
        (index, _) = ctx.args
        return (apply(GatherRows, (g,), index),)


def _windowed(input: Tensor, batch: np.ndarray, wy: np.ndarray, wx: np.ndarray, contract) -> Tensor:
    """Gather each RoI's window of the input (channels last, [k, Sy, Sx, C]) and reduce it with
    contract(window, wy band, wx band), a chunk of RoIs at a time: the work grows with the RoIs' areas,
    not with the map's."""
    rows, wy = _band(wy)
    cols, wx = _band(wx)
    n, c, h, w = input.shape
    pixels = input.permute(0, 2, 3, 1).reshape(n * h * w, c)  # channels last: one gather of whole rows
    k = len(batch)
    step = max(1, _CHUNK // (rows.shape[1] * cols.shape[1] * max(c, 1)))
    parts = []
    for s in range(0, max(k, 1), step):
        chunk = slice(s, s + step)
        index = (batch[chunk, None, None] * h + rows[chunk, :, None]) * w + cols[chunk, None, :]
        window = apply(GatherRows, (pixels,), index)
        parts.append(contract(window, _const(wy[chunk], input), _const(wx[chunk], input)))
    return parts[0] if len(parts) == 1 else flambeau.cat(parts, dim=0)


def _contract(window: Tensor, wy: Tensor, wx: Tensor) -> Tensor:
    k, sy, sx, c = window.shape
    rows = (wy @ window.reshape(k, sy, sx * c)).reshape(k, wy.shape[1], sx, c)  # [k, P, Sx, C]
    # NOTE: k*P matmuls of [Q, Sx] @ [Sx, C] are BLAS-friendly; k of [P*C, Sx] @ [Sx, Q] are 5-10x slower
    return (wx[:, None] @ rows).permute(0, 3, 1, 2)


def _contract_ps(window: Tensor, wy: Tensor, wx: Tensor) -> Tensor:
    k, sy, sx, c_in = window.shape
    ph, pw = wy.shape[1], wx.shape[1]
    window = window.reshape(k, sy, sx, c_in // (ph * pw), ph, pw)
    rows = (window * wy.permute(0, 2, 1).reshape(k, sy, 1, 1, ph, 1)).sum(1)  # [k, Sx, C, P, Q]
    return (rows * wx.permute(0, 2, 1).reshape(k, sx, 1, 1, pw)).sum(1)


def pool_separable(input: Tensor, batch: np.ndarray, wy: np.ndarray, wx: np.ndarray) -> Tensor:
    """out[k, c, p, q] = sum_{h,w} wy[k, p, h] * wx[k, q, w] * input[batch[k], c, h, w]."""
    return _windowed(input, batch, wy, wx, _contract)


def pool_separable_ps(input: Tensor, batch: np.ndarray, wy: np.ndarray, wx: np.ndarray) -> Tensor:
    """Position-sensitive pool_separable: bin (p, q) of output channel c reads input channel (c*P + p)*Q + q."""
    return _windowed(input, batch, wy, wx, _contract_ps)
