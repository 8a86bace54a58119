"""Functionals along the time dimension of videos (..., T, C, H, W)."""
from __future__ import annotations

import flambeau
from flambeau import Tensor
from flambeau.vision import tv_tensors

from ._utils import _get_kernel, _register_kernel_internal

__all__ = ["uniform_temporal_subsample", "uniform_temporal_subsample_video"]


def uniform_temporal_subsample(inpt: Tensor, num_samples: int) -> Tensor:
    """num_samples frames evenly spaced from the first to the last."""
    return _get_kernel(uniform_temporal_subsample, type(inpt))(inpt, num_samples=num_samples)


@_register_kernel_internal(uniform_temporal_subsample, Tensor)
@_register_kernel_internal(uniform_temporal_subsample, tv_tensors.Video)
def uniform_temporal_subsample_video(video: Tensor, num_samples: int) -> Tensor:
    # frame indices truncated from an even float spacing, as pytorchvideo (and torchvision) do
    indices = flambeau.linspace(0, video.shape[-4] - 1, num_samples, device=video.device).long()
    return flambeau.index_select(video, -4, indices)
