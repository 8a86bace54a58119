"""roi_pool and RoIPool: max pooling over integer bins of each RoI (Fast R-CNN), torchvision's rounding."""
from __future__ import annotations

import numpy as np

import flambeau
from flambeau import Tensor, nn

from ._roi_utils import as_rois, pair, round_half_away, rois_array

__all__ = ["roi_pool", "RoIPool"]

_LOWEST = -np.finfo(np.float32).max  # torchvision starts each max at -FLT_MAX, whatever the dtype


def integer_bins(start: np.ndarray, length: np.ndarray, pooled: int, size: int):
    """[K, pooled] first and one-past-last positions of each bin, clipped to [0, size]."""
    bin_size = (length / length.dtype.type(pooled))[:, None]
    p = np.arange(pooled, dtype=length.dtype)[None, :]
    lo = np.floor(p * bin_size).astype(np.int64) + start[:, None]
    hi = np.ceil((p + 1) * bin_size).astype(np.int64) + start[:, None]
    return np.clip(lo, 0, size), np.clip(hi, 0, size)


def _running_max(vals, valid, best, arg, pos):
    """Fold one more candidate into a running max; strict > keeps the first maximum, as torchvision."""
    better = valid & (vals > best)
    return np.where(better, vals, best), np.where(better, pos, arg)


def _argmax(x: np.ndarray, batch, hs, he, ws, we) -> np.ndarray:
    """[K, C, PH, PW] flat index into x of each bin's maximum (-1 where the bin is empty or all below -FLT_MAX).

    Separable: first the maximum over each bin's columns for every row the RoI spans, then over the bin's rows;
    first by rows then by columns matches torchvision's row-major scan.
    """
    n, c, h, w = x.shape
    k = len(batch)
    span = max(int((he[:, -1] - hs[:, 0]).max()), 0) if k else 0
    rows = np.minimum(hs[:, :1] + np.arange(span), h - 1)  # [K, R]: the rows each RoI spans
    best = np.full((k, ws.shape[1], span, c), _LOWEST, x.dtype)
    col = np.full(best.shape, -1)
    for j in range(max(int((we - ws).max()), 0) if k else 0):
        pos = np.minimum(ws + j, w - 1)  # [K, PW]
        vals = x[batch[:, None, None], :, rows[:, None, :], pos[:, :, None]]  # [K, PW, R, C]
        valid = (j < we - ws)[:, :, None, None]
        best, col = _running_max(vals, valid, best, col, pos[:, :, None, None])
    kk, qq = np.arange(k)[:, None, None], np.arange(ws.shape[1])[None, None, :]
    out_best = np.full((k, hs.shape[1], ws.shape[1], c), _LOWEST, x.dtype)
    flat = np.full(out_best.shape, -1)
    channels = (batch[:, None, None, None] * c + np.arange(c)) * h  # [K, 1, 1, C]
    for i in range(max(int((he - hs).max()), 0) if k else 0):
        rel = np.minimum(hs + i - hs[:, :1], max(span - 1, 0))[:, :, None]  # [K, PH, 1]
        vals, cols = best[kk, qq, rel], col[kk, qq, rel]  # [K, PH, PW, C]
        valid = (i < he - hs)[:, :, None, None] & (cols >= 0)
        index = (channels + (hs + i)[:, :, None, None]) * w + cols
        out_best, flat = _running_max(vals, valid, out_best, flat, index)
    return flat.transpose(0, 3, 1, 2)


def roi_pool(input: Tensor, boxes: Tensor | list[Tensor], output_size: int | tuple[int, int],
             spatial_scale: float = 1.0) -> Tensor:
    """Maximum over each of the output_size integer bins of every RoI; 0 for empty bins.

    boxes: Tensor[K, 5] (batch index, x1, y1, x2, y2) or a list of per-image Tensor[L, 4].
    """
    rois = as_rois(input, boxes)
    out_h, out_w = pair(output_size)
    _, channels, height, width = input.shape
    r = rois_array(rois, input.dtype.np)
    corners = round_half_away(r[:, 1:] * r.dtype.type(spatial_scale)).astype(np.int64)
    size = np.maximum(corners[:, 2:] - corners[:, :2] + 1, 1).astype(r.dtype)  # [K, 2] width, height
    hs, he = integer_bins(corners[:, 1], size[:, 1], out_h, height)
    ws, we = integer_bins(corners[:, 0], size[:, 0], out_w, width)
    flat = _argmax(input.detach().numpy(), r[:, 0].astype(np.int64), hs, he, ws, we)
    picked = input.reshape(-1)[flambeau.tensor(np.maximum(flat, 0))]
    empty = ((he <= hs)[:, None, :, None] | (we <= ws)[:, None, None, :])
    fill = flambeau.tensor(np.where(empty, 0, _LOWEST), dtype=input.dtype)
    return flambeau.where(flambeau.tensor(flat >= 0), picked, fill)


class RoIPool(nn.Module):
    """See :func:`roi_pool`."""

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
