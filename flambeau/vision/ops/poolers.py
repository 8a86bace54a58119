"""MultiScaleRoIAlign: RoIAlign over a feature pyramid, each RoI pooled from the level its size maps to (FPN)."""
from __future__ import annotations

import numpy as np

import flambeau
from flambeau import Tensor, nn

from ._roi_utils import convert_boxes_to_roi_format
from .roi_align import roi_align

__all__ = ["MultiScaleRoIAlign", "LevelMapper", "initLevelMapper"]


def initLevelMapper(k_min: int, k_max: int, canonical_scale: int = 224, canonical_level: int = 4,  # noqa: N802
                    eps: float = 1e-6) -> LevelMapper:
    return LevelMapper(k_min, k_max, canonical_scale, canonical_level, eps)


class LevelMapper:
    """The FPN level of each RoI (eq. 1 of the FPN paper): floor(lvl0 + log2(sqrt(area) / s0)), clamped,
    counted from k_min."""

    def __init__(self, k_min: int, k_max: int, canonical_scale: int = 224, canonical_level: int = 4,
                 eps: float = 1e-6):
        self.k_min = k_min
        self.k_max = k_max
        self.s0 = canonical_scale
        self.lvl0 = canonical_level
        self.eps = eps

    def __call__(self, boxlists: list[Tensor]) -> Tensor:
        boxes = flambeau.cat(list(boxlists), dim=0)
        s = flambeau.sqrt((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
        target = flambeau.floor(self.lvl0 + flambeau.log2(s / self.s0) + flambeau.tensor(self.eps, dtype=s.dtype))
        target = flambeau.clamp(target, min=self.k_min, max=self.k_max)
        return target.to(flambeau.int64) - self.k_min


def _infer_scale(feature: Tensor, original_size: list[int]) -> float:
    """The power of two nearest to feature size / image size (rounded in float32, as torchvision)."""
    approx = np.float32(float(feature.shape[-2]) / float(original_size[0]))
    return 2 ** float(np.round(np.log2(approx)))


def _setup_scales(features: list[Tensor], image_shapes: list[tuple[int, int]], canonical_scale: int,
                  canonical_level: int) -> tuple[list[float], LevelMapper]:
    if not image_shapes:
        raise ValueError("images list should not be empty")
    original_input_shape = (max(s[0] for s in image_shapes), max(s[1] for s in image_shapes))
    scales = [_infer_scale(feat, original_input_shape) for feat in features]
    lvl_min = -float(np.log2(np.float32(scales[0])))
    lvl_max = -float(np.log2(np.float32(scales[-1])))
    return scales, initLevelMapper(int(lvl_min), int(lvl_max), canonical_scale=canonical_scale,
                                   canonical_level=canonical_level)


def _filter_input(x: dict[str, Tensor], featmap_names: list[str]) -> list[Tensor]:
    return [v for k, v in x.items() if k in featmap_names]


def _multiscale_roi_align(x_filtered: list[Tensor], boxes: list[Tensor], output_size: tuple[int, int],
                          sampling_ratio: int, scales: list[float] | None, mapper: LevelMapper | None) -> Tensor:
    if scales is None or mapper is None:
        raise ValueError("scales and mapper should not be None")
    rois = convert_boxes_to_roi_format(boxes)
    if len(x_filtered) == 1:
        return roi_align(x_filtered[0], rois, output_size=output_size, spatial_scale=scales[0],
                         sampling_ratio=sampling_ratio)
    levels = mapper(boxes).numpy()
    parts, order = [], []
    for level, (feature, scale) in enumerate(zip(x_filtered, scales)):
        idx = np.flatnonzero(levels == level)
        parts.append(roi_align(feature, rois[flambeau.tensor(idx)], output_size=output_size, spatial_scale=scale,
                               sampling_ratio=sampling_ratio))
        order.append(idx)
    # NOTE: RoIs are pooled level by level; putting them back in input order is one gather (no in-place writes)
    inverse = np.argsort(np.concatenate(order), kind="stable")
    return flambeau.cat(parts, dim=0)[flambeau.tensor(inverse)]


class MultiScaleRoIAlign(nn.Module):
    """Multi-scale RoIAlign: the scale of each level is inferred from its size relative to the images', and
    each RoI is pooled from the level LevelMapper assigns it (canonical_scale x canonical_scale boxes go to
    canonical_level)."""

    __annotations__ = {"scales": list[float] | None, "map_levels": LevelMapper | None}

    def __init__(self, featmap_names: list[str], output_size: int | tuple[int] | list[int], sampling_ratio: int, *,
                 canonical_scale: int = 224, canonical_level: int = 4):
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales = None
        self.map_levels = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(self, x: dict[str, Tensor], boxes: list[Tensor], image_shapes: list[tuple[int, int]]) -> Tensor:
        x_filtered = _filter_input(x, self.featmap_names)
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(x_filtered, image_shapes, self.canonical_scale,
                                                         self.canonical_level)
        return _multiscale_roi_align(x_filtered, boxes, self.output_size, self.sampling_ratio, self.scales,
                                     self.map_levels)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(featmap_names={self.featmap_names}, "
                f"output_size={self.output_size}, sampling_ratio={self.sampling_ratio})")
