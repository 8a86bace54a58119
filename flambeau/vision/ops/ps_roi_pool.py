"""ps_roi_pool and PSRoIPool: position-sensitive average pooling over integer bins (R-FCN)."""
from __future__ import annotations

import numpy as np

from flambeau import Tensor, nn

from ._roi_utils import as_rois, box_matrix, check_ps_channels, pair, pool_separable_ps, rois_array, round_half_away
from .roi_pool import integer_bins

__all__ = ["ps_roi_pool", "PSRoIPool"]


def ps_roi_pool(input: Tensor, boxes: Tensor | list[Tensor], output_size: int | tuple[int, int],
                spatial_scale: float = 1.0) -> Tensor:
    """Mean over each integer bin (p, q) of input channel (c * PH + p) * PW + q; 0 for empty bins.

    input: [N, C * PH * PW, H, W]; returns [K, C, PH, PW].
    """
    rois = as_rois(input, boxes)
    out_h, out_w = pair(output_size)
    check_ps_channels(input, out_h, out_w)
    _, _, height, width = input.shape
    r = rois_array(rois, input.dtype.np)
    corners = round_half_away(r[:, 1:] * r.dtype.type(spatial_scale)).astype(np.int64)
    size = np.maximum(corners[:, 2:] - corners[:, :2], 1).astype(r.dtype)  # NOTE: no +1, unlike roi_pool
    # NOTE: torchvision's forward clips the bins to size - 1 (the last row and column are never pooled) but
    # its backward to size; ours is the gradient of this forward, so it differs there (docs/differences.md)
    wy = box_matrix(*integer_bins(corners[:, 1], size[:, 1], out_h, height - 1), height, r.dtype)
    wx = box_matrix(*integer_bins(corners[:, 0], size[:, 0], out_w, width - 1), width, r.dtype)
    return pool_separable_ps(input, r[:, 0].astype(np.int64), wy, wx)


class PSRoIPool(nn.Module):
    """See :func:`ps_roi_pool`."""

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return ps_roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
