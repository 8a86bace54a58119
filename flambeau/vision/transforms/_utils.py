"""Small helpers shared by the transform families: checks (image kind, dtype bound, channel count),
fill values and one-number draws from flambeau's RNG."""
from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Sequence
from typing import Any

import flambeau


def _is_pil_image(img: Any) -> bool:
    # A PIL image can only exist once PIL.Image is imported, so never import Pillow here.
    pil = sys.modules.get("PIL.Image")
    return pil is not None and isinstance(img, pil.Image)


def _max_value(dtype: flambeau.dtype) -> int:
    """Largest pixel value of an image of this dtype (1 for floating images)."""
    if dtype.is_floating_point or dtype == flambeau.bool:
        return 1
    return int(flambeau.iinfo(dtype).max)


def _assert_image_tensor(img: flambeau.Tensor) -> None:
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def _num_channels(img: flambeau.Tensor) -> int:
    return 1 if img.ndim == 2 else img.shape[-3]


def _assert_channels(img: flambeau.Tensor, permitted: list[int]) -> None:
    c = _num_channels(img)
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def _assert_at_least_3d(img: flambeau.Tensor) -> None:
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")


def _setup_size(size: Any, error_msg: str) -> tuple[int, int] | Any:
    """An int or 1-sequence becomes a pair; anything else must already have length 2."""
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


def _fill_for(img: Any, fill: Any, channels: int) -> Any:
    """Tensors take one float per channel; PIL images (and a None fill) take fill as given."""
    if not isinstance(img, flambeau.Tensor) or fill is None:
        return fill
    if isinstance(fill, (int, float)):
        return [float(fill)] * channels
    return [float(f) for f in fill]


# One draw each, as torchvision's torch.rand(1) / empty(1).uniform_ / randint(size=(1,)) calls.
def _coin(p: float) -> bool:
    """True with probability p."""
    return flambeau.rand(1).item() < p


def _uniform(low: float, high: float) -> float:
    return float(flambeau.empty(1).uniform_(low, high).item())


def _randint(low: int, high: int) -> int:
    return int(flambeau.randint(low, high, size=(1,)).item())


def _random_box_sides(area: float, scale: Sequence[float], log_ratio: Sequence[float]) -> tuple[int, int]:
    """A box of a random fraction (uniform in scale) of area and a log-uniform aspect ratio r:
    (round(sqrt(a * r)), round(sqrt(a / r))). The exp is taken in float32, as torchvision does,
    so the same draws give the same box."""
    box_area = area * _uniform(scale[0], scale[1])
    aspect_ratio = flambeau.exp(flambeau.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
    return int(round(math.sqrt(box_area * aspect_ratio))), int(round(math.sqrt(box_area / aspect_ratio)))
