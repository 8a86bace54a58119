"""Transforms along the time dimension of videos."""
from __future__ import annotations

from typing import Any

import flambeau

from . import functional as F
from ._transform import Transform


class UniformTemporalSubsample(Transform):
    """num_samples frames evenly spaced over a video [..., T, C, H, W] (repeated when T is smaller)."""

    _transformed_types = (flambeau.Tensor,)

    def __init__(self, num_samples: int) -> None:
        super().__init__()
        self.num_samples = num_samples

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.uniform_temporal_subsample, inpt, self.num_samples)
