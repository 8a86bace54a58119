"""roi_align and RoIAlign: bilinear RoI pooling (Mask R-CNN), torchvision's exact sampling grid."""
from __future__ import annotations

import numpy as np

from flambeau import Tensor, nn

from ._roi_utils import as_rois, bilinear_matrix, pair, pool_separable, rois_array

__all__ = ["roi_align", "RoIAlign"]


def _axis_matrix(start, end, pooled: int, size: int, sampling_ratio: int, aligned: bool):
    """The [K, pooled, size] sampling matrix of one axis from the boxes' scaled start and end coordinates."""
    length = end - start
    if not aligned:  # NOTE: torchvision's legacy mode forces malformed RoIs to be 1x1
        length = np.maximum(length, 1)
    bin_size = length / length.dtype.type(pooled)
    grid = np.full(len(start), sampling_ratio) if sampling_ratio > 0 else np.ceil(bin_size).astype(np.int64)
    return bilinear_matrix(start, bin_size, grid, pooled, size)


def roi_align(input: Tensor, boxes: Tensor | list[Tensor], output_size: int | tuple[int, int],
              spatial_scale: float = 1.0, sampling_ratio: int = -1, aligned: bool = False) -> Tensor:
    """Average of bilinear samples on a regular grid in each of the output_size bins of every RoI.

    boxes: Tensor[K, 5] (batch index, x1, y1, x2, y2) or a list of per-image Tensor[L, 4].
    Gradients flow to `input`, not to the boxes (as in torchvision).
    """
    rois = as_rois(input, boxes)
    out_h, out_w = pair(output_size)
    _, _, height, width = input.shape
    r = rois_array(rois, input.dtype.np)
    dtype = r.dtype.type
    offset = dtype(0.5) if aligned else dtype(0)
    scaled = r[:, 1:] * dtype(spatial_scale) - offset
    wy = _axis_matrix(scaled[:, 1], scaled[:, 3], out_h, height, sampling_ratio, aligned)
    wx = _axis_matrix(scaled[:, 0], scaled[:, 2], out_w, width, sampling_ratio, aligned)
    return pool_separable(input, r[:, 0].astype(np.int64), wy, wx)


class RoIAlign(nn.Module):
    """See :func:`roi_align`."""

    def __init__(self, output_size: int | tuple[int, int], spatial_scale: float, sampling_ratio: int,
                 aligned: bool = False):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input: Tensor, rois: Tensor | list[Tensor]) -> Tensor:
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned})")
