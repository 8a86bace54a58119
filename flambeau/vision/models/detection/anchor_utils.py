"""The reference boxes detectors regress from: R-CNN/RetinaNet anchors (AnchorGenerator) and SSD's default
boxes (DefaultBoxGenerator), tiled over every feature map location."""
from __future__ import annotations

import math

import flambeau
from flambeau import Tensor, nn

from ._utils import _assert
from .image_list import ImageList


class AnchorGenerator(nn.Module):
    """len(sizes[i]) * len(aspect_ratios[i]) anchors (aspect ratio = height / width) at every location of
    feature map i, centred on the location's top-left pixel of the input; one (sum of anchors, 4) tensor per
    image. A flat `sizes` means one size per feature map; a flat `aspect_ratios` is used for every map."""

    def __init__(self, sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)) -> None:
        super().__init__()
        if not isinstance(sizes[0], (list, tuple)):
            sizes = tuple((s,) for s in sizes)
        if not isinstance(aspect_ratios[0], (list, tuple)):
            aspect_ratios = (aspect_ratios,) * len(sizes)
        self.sizes = sizes
        self.aspect_ratios = aspect_ratios
        self.cell_anchors = [self.generate_anchors(size, ratios) for size, ratios in zip(sizes, aspect_ratios)]

    def generate_anchors(self, scales: list[int], aspect_ratios: list[float], dtype: flambeau.dtype = flambeau.float32,
                         device: flambeau.device = flambeau.device("cpu")) -> Tensor:
        """The anchors of one location, centred on 0 and rounded: (len(ratios) * len(scales), 4), ratio-major."""
        scales = flambeau.as_tensor(scales, dtype=dtype, device=device)
        aspect_ratios = flambeau.as_tensor(aspect_ratios, dtype=dtype, device=device)
        h_ratios = flambeau.sqrt(aspect_ratios)
        w_ratios = 1 / h_ratios
        ws = (w_ratios[:, None] * scales[None, :]).view(-1)
        hs = (h_ratios[:, None] * scales[None, :]).view(-1)
        return (flambeau.stack([-ws, -hs, ws, hs], dim=1) / 2).round()

    def set_cell_anchors(self, dtype: flambeau.dtype, device: flambeau.device) -> None:
        self.cell_anchors = [anchors.to(dtype=dtype, device=device) for anchors in self.cell_anchors]

    def num_anchors_per_location(self) -> list[int]:
        return [len(s) * len(a) for s, a in zip(self.sizes, self.aspect_ratios)]

    def grid_anchors(self, grid_sizes: list[list[int]], strides: list[list[Tensor]]) -> list[Tensor]:
        """For each feature map, its cell anchors shifted to every location: (H * W * A, 4), location-major."""
        _assert(len(grid_sizes) == len(strides) == len(self.cell_anchors),
                "Anchors should be Tuple[Tuple[int]] because each feature map could potentially have different "
                "sizes and aspect ratios. There needs to be a match between the number of feature maps passed and "
                "the number of sizes / aspect ratios specified.")
        anchors = []
        for (grid_height, grid_width), (stride_height, stride_width), base in zip(grid_sizes, strides,
                                                                                 self.cell_anchors):
            shifts_x = flambeau.arange(0, grid_width, dtype=flambeau.int32, device=base.device) * stride_width
            shifts_y = flambeau.arange(0, grid_height, dtype=flambeau.int32, device=base.device) * stride_height
            shift_y, shift_x = flambeau.meshgrid(shifts_y, shifts_x, indexing="ij")
            shift_x, shift_y = shift_x.reshape(-1), shift_y.reshape(-1)
            shifts = flambeau.stack((shift_x, shift_y, shift_x, shift_y), dim=1)
            anchors.append((shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4))
        return anchors

    def forward(self, image_list: ImageList, feature_maps: list[Tensor]) -> list[Tensor]:
        grid_sizes = [feature_map.shape[-2:] for feature_map in feature_maps]
        image_size = image_list.tensors.shape[-2:]
        dtype, device = feature_maps[0].dtype, feature_maps[0].device
        strides = [[flambeau.tensor(image_size[0] // g[0], dtype=flambeau.int64, device=device),
                    flambeau.tensor(image_size[1] // g[1], dtype=flambeau.int64, device=device)] for g in grid_sizes]
        self.set_cell_anchors(dtype, device)
        anchors = flambeau.cat(self.grid_anchors(grid_sizes, strides))
        # every image of the batch is padded to the same size, so they share one set of anchors
        return [anchors for _ in image_list.image_sizes]


class DefaultBoxGenerator(nn.Module):
    """SSD's default boxes: at every location of feature map k, two squares (scale s_k and sqrt(s_k * s_k+1))
    and a (w, h), (h, w) pair for each aspect ratio, in units of the image size (scales spread evenly between
    min_ratio and max_ratio unless given). steps fix the tiling stride in pixels; clip keeps w and h in [0, 1].
    Returns one (sum of boxes, 4) xyxy tensor per image, in pixels."""

    def __init__(self, aspect_ratios: list[list[int]], min_ratio: float = 0.15, max_ratio: float = 0.9,
                 scales: list[float] | None = None, steps: list[int] | None = None, clip: bool = True) -> None:
        super().__init__()
        if steps is not None and len(aspect_ratios) != len(steps):
            raise ValueError("aspect_ratios and steps should have the same length")
        self.aspect_ratios = aspect_ratios
        self.steps = steps
        self.clip = clip
        num_outputs = len(aspect_ratios)
        if scales is not None:
            self.scales = scales
        elif num_outputs > 1:
            range_ratio = max_ratio - min_ratio
            self.scales = [min_ratio + range_ratio * k / (num_outputs - 1.0) for k in range(num_outputs)]
            self.scales.append(1.0)
        else:
            self.scales = [min_ratio, max_ratio]
        self._wh_pairs = self._generate_wh_pairs(num_outputs)

    def _generate_wh_pairs(self, num_outputs: int, dtype: flambeau.dtype = flambeau.float32,
                           device: flambeau.device = flambeau.device("cpu")) -> list[Tensor]:
        wh_pairs = []
        for k in range(num_outputs):
            s_k = self.scales[k]
            s_prime_k = math.sqrt(self.scales[k] * self.scales[k + 1])
            pairs = [[s_k, s_k], [s_prime_k, s_prime_k]]
            for ar in self.aspect_ratios[k]:
                sq_ar = math.sqrt(ar)
                w, h = s_k * sq_ar, s_k / sq_ar
                pairs.extend([[w, h], [h, w]])
            wh_pairs.append(flambeau.as_tensor(pairs, dtype=dtype, device=device))
        return wh_pairs

    def num_anchors_per_location(self) -> list[int]:
        return [2 + 2 * len(r) for r in self.aspect_ratios]

    def _grid_default_boxes(self, grid_sizes: list[list[int]], image_size: list[int],
                            dtype: flambeau.dtype = flambeau.float32) -> Tensor:
        """All default boxes as (cx, cy, w, h) fractions of the image, location-major within each map."""
        default_boxes = []
        for k, f_k in enumerate(grid_sizes):
            if self.steps is not None:
                x_f_k, y_f_k = image_size[1] / self.steps[k], image_size[0] / self.steps[k]
            else:
                y_f_k, x_f_k = f_k
            shifts_x = ((flambeau.arange(0, f_k[1]) + 0.5) / x_f_k).to(dtype=dtype)
            shifts_y = ((flambeau.arange(0, f_k[0]) + 0.5) / y_f_k).to(dtype=dtype)
            shift_y, shift_x = flambeau.meshgrid(shifts_y, shifts_x, indexing="ij")
            centres = flambeau.stack((shift_x.reshape(-1), shift_y.reshape(-1)), dim=-1)
            num_pairs = len(self._wh_pairs[k])
            centres = centres.repeat_interleave(num_pairs, dim=0)
            wh = self._wh_pairs[k].clamp(min=0, max=1) if self.clip else self._wh_pairs[k]
            default_boxes.append(flambeau.cat((centres, wh.repeat(f_k[0] * f_k[1], 1)), dim=1))
        return flambeau.cat(default_boxes, dim=0)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(aspect_ratios={self.aspect_ratios}, clip={self.clip}, "
                f"scales={self.scales}, steps={self.steps})")

    def forward(self, image_list: ImageList, feature_maps: list[Tensor]) -> list[Tensor]:
        grid_sizes = [feature_map.shape[-2:] for feature_map in feature_maps]
        image_size = image_list.tensors.shape[-2:]
        dtype, device = feature_maps[0].dtype, feature_maps[0].device
        boxes = self._grid_default_boxes(grid_sizes, image_size, dtype=dtype).to(device)
        x_y_size = flambeau.tensor([image_size[1], image_size[0]], device=device)
        boxes = flambeau.cat([(boxes[:, :2] - 0.5 * boxes[:, 2:]) * x_y_size,
                              (boxes[:, :2] + 0.5 * boxes[:, 2:]) * x_y_size], -1)
        return [boxes for _ in image_list.image_sizes]
