"""Transforms of bounding box and keypoint metadata: format conversion, clamping, the clamping mode."""
from __future__ import annotations

from typing import Any, Union

from flambeau.vision import tv_tensors
from flambeau.vision.tv_tensors._bounding_boxes import CLAMPING_MODE_TYPE

from . import functional as F
from ._transform import Transform


class ConvertBoundingBoxFormat(Transform):
    """Bounding boxes converted to `format` (a BoundingBoxFormat or its name)."""

    _transformed_types = (tv_tensors.BoundingBoxes,)

    def __init__(self, format: Union[str, tv_tensors.BoundingBoxFormat]) -> None:
        super().__init__()
        self.format = format

    def transform(self, inpt: tv_tensors.BoundingBoxes, params: dict[str, Any]) -> tv_tensors.BoundingBoxes:
        return F.convert_bounding_box_format(inpt, new_format=self.format)


class ClampBoundingBoxes(Transform):
    """Bounding boxes clamped to their canvas ("auto": each box set's own clamping_mode)."""

    _transformed_types = (tv_tensors.BoundingBoxes,)

    def __init__(self, clamping_mode: Union[CLAMPING_MODE_TYPE, str] = "auto") -> None:
        super().__init__()
        self.clamping_mode = clamping_mode

    def transform(self, inpt: tv_tensors.BoundingBoxes, params: dict[str, Any]) -> tv_tensors.BoundingBoxes:
        return F.clamp_bounding_boxes(inpt, clamping_mode=self.clamping_mode)


class ClampKeyPoints(Transform):
    """Keypoints clamped to their canvas."""

    _transformed_types = (tv_tensors.KeyPoints,)

    def transform(self, inpt: tv_tensors.KeyPoints, params: dict[str, Any]) -> tv_tensors.KeyPoints:
        return F.clamp_keypoints(inpt)


class SetClampingMode(Transform):
    """Bounding boxes given another clamping_mode ("soft", "hard" or None); their values are unchanged."""

    _transformed_types = (tv_tensors.BoundingBoxes,)

    def __init__(self, clamping_mode: CLAMPING_MODE_TYPE) -> None:
        super().__init__()
        if clamping_mode not in (None, "soft", "hard"):
            raise ValueError(f"clamping_mode must be soft, hard or None, got {clamping_mode}")
        self.clamping_mode = clamping_mode

    def transform(self, inpt: tv_tensors.BoundingBoxes, params: dict[str, Any]) -> tv_tensors.BoundingBoxes:
        out = inpt.clone()  # keeps the type and metadata
        out.clamping_mode = self.clamping_mode
        return out
