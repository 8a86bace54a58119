"""BoundingBoxes: N boxes of one format on a canvas of (height, width); BoundingBoxFormat names the formats."""
from __future__ import annotations

from enum import Enum
from typing import Any, Optional

import flambeau
from flambeau import Tensor

from ._tv_tensor import TVTensor


class BoundingBoxFormat(Enum):
    """Coordinates of a box: corners (XYXY), corner and size (XYWH), centre and size (CXCYWH); the rotated
    formats add an angle in degrees (XYWHR, CXCYWHR) or list the four corners (XYXYXYXY)."""

    XYXY = "XYXY"
    XYWH = "XYWH"
    CXCYWH = "CXCYWH"
    XYWHR = "XYWHR"
    CXCYWHR = "CXCYWHR"
    XYXYXYXY = "XYXYXYXY"


_ROTATED = ("XYWHR", "CXCYWHR", "XYXYXYXY")


def is_rotated_bounding_format(format: BoundingBoxFormat | str) -> bool:
    if isinstance(format, BoundingBoxFormat):
        return format.value in _ROTATED
    if isinstance(format, str):
        return format in _ROTATED
    raise ValueError(f"format should be str or BoundingBoxFormat, got {type(format)}")


CLAMPING_MODE_TYPE = Optional[str]  # "soft", "hard" or None


class BoundingBoxes(TVTensor):
    """A tensor subclass for boxes of shape [N, K]: K is 4, or 5 / 8 for rotated formats.

    `canvas_size` is the (height, width) of the image the boxes lie on; `clamping_mode` ("soft", "hard" or
    None) says how transforms clamp boxes that leave the canvas.
    """

    _metadata = ("format", "canvas_size", "clamping_mode")
    format: BoundingBoxFormat
    canvas_size: tuple[int, int]
    clamping_mode: CLAMPING_MODE_TYPE

    @classmethod
    def _wrap(cls, tensor: Tensor, *, format: BoundingBoxFormat | str, canvas_size: tuple[int, int],
              clamping_mode: CLAMPING_MODE_TYPE = "soft", check_dims: bool = True) -> "BoundingBoxes":
        if check_dims:
            if tensor.ndim == 1:
                tensor = tensor.unsqueeze(0)
            elif tensor.ndim != 2:
                raise ValueError(f"Expected a 1D or 2D tensor, got {tensor.ndim}D")
        if clamping_mode is not None and clamping_mode not in ("hard", "soft"):
            raise ValueError(f"clamping_mode must be None, hard or soft, got {clamping_mode}.")
        if isinstance(format, str):
            format = BoundingBoxFormat[format.upper()]
        return super()._wrap(tensor, format=format, canvas_size=canvas_size, clamping_mode=clamping_mode)

    def __new__(cls, data: Any, *, format: BoundingBoxFormat | str, canvas_size: tuple[int, int],
                clamping_mode: CLAMPING_MODE_TYPE = "soft", dtype: flambeau.dtype | None = None,
                device: Any = None, requires_grad: bool | None = None) -> "BoundingBoxes":
        tensor = cls._to_tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        if not tensor.is_floating_point() and is_rotated_bounding_format(format):
            raise ValueError(f"Rotated bounding boxes should be floating point tensors, got {tensor.dtype}.")
        return cls._wrap(tensor, format=format, canvas_size=canvas_size, clamping_mode=clamping_mode)

    def __repr__(self) -> str:
        return self._make_repr(format=self.format, canvas_size=self.canvas_size, clamping_mode=self.clamping_mode)
