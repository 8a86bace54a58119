"""ps_roi_align and PSRoIAlign: position-sensitive RoIAlign (R-FCN), bin (p, q) reads its own channel group."""
from __future__ import annotations

import numpy as np

import flambeau
from flambeau import Tensor, nn

from ._roi_utils import as_rois, bilinear_matrix, check_ps_channels, pair, pool_separable_ps, rois_array

__all__ = ["ps_roi_align", "PSRoIAlign"]


def _axis_matrix(start, end, pooled: int, size: int, sampling_ratio: int):
    """The [K, pooled, size] sampling matrix of one axis, and the number of samples per bin along it."""
    length = end - start  # NOTE: always the half-pixel offset, and no minimum size, unlike roi_align
    bin_size = length / length.dtype.type(pooled)
    grid = np.full(len(start), sampling_ratio) if sampling_ratio > 0 else np.ceil(bin_size).astype(np.int64)
    return bilinear_matrix(start, bin_size, grid, pooled, size), grid


def _nan_where_no_samples(out: Tensor, count: np.ndarray) -> Tensor:
    """torchvision divides by the sample count without a floor of 1: RoIs that have none give 0/0 = nan."""
    if not (count == 0).any():
        return out
    nan = np.where(count == 0, np.nan, 0)[:, None, None, None]
    return out + flambeau.tensor(nan, dtype=out.dtype, device=out.device)

def ps_roi_align(input: Tensor, boxes: Tensor | list[Tensor], output_size: int | tuple[int, int],
                 spatial_scale: float = 1.0, sampling_ratio: int = -1) -> Tensor:
    """RoIAlign where output channel c of bin (p, q) averages input channel (c * PH + p) * PW + q.

    input: [N, C * PH * PW, H, W]; returns [K, C, PH, PW].
    """
    rois = as_rois(input, boxes)
    out_h, out_w = pair(output_size)
    check_ps_channels(input, out_h, out_w)
    _, _, height, width = input.shape
    r = rois_array(rois, input.dtype.np)
    scaled = r[:, 1:] * r.dtype.type(spatial_scale) - r.dtype.type(0.5)
    wy, grid_h = _axis_matrix(scaled[:, 1], scaled[:, 3], out_h, height, sampling_ratio)
    wx, grid_w = _axis_matrix(scaled[:, 0], scaled[:, 2], out_w, width, sampling_ratio)
    out = pool_separable_ps(input, r[:, 0].astype(np.int64), wy, wx)
    return _nan_where_no_samples(out, grid_h * grid_w)


class PSRoIAlign(nn.Module):
    """See :func:`ps_roi_align`."""

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float, sampling_ratio: int):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return ps_roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio})")
