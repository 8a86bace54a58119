"""Drawing on image tensors through Pillow's ImageDraw: boxes, segmentation masks, keypoints
(torchvision.utils' draw_* functions, re-exported by flambeau.vision.utils)."""
from __future__ import annotations

import math
import warnings
from typing import Any, Optional, Union

import numpy as np

import flambeau
from flambeau import Tensor

from ._pil import pil_image

Color = Union[str, tuple[int, int, int]]
Colors = Optional[Union[list[Color], Color]]


def _palette(count: int) -> list[tuple[int, int, int]]:
    """torchvision's default colors: (i * (2**25-1, 2**15-1, 2**21-1)) % 255 for object i."""
    return [tuple((i * p) % 255 for p in (2**25 - 1, 2**15 - 1, 2**21 - 1)) for i in range(count)]


def _parse_colors(colors: Colors, count: int, floating: bool = False) -> list[tuple]:
    """One RGB tuple per object (0..255, or 0..1 for float images) from a color, a list of them, or None."""
    from PIL import ImageColor

    if colors is None:
        colors = _palette(count)
    elif isinstance(colors, list):
        if len(colors) < count:
            raise ValueError(f"Number of colors must be equal or larger than the number of objects, but got "
                             f"{len(colors)} < {count}.")
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(f"colors must be a tuple or a string, or a list thereof, but got {colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got {colors}.")
    else:
        colors = [colors] * count
    colors = [ImageColor.getrgb(c) if isinstance(c, str) else tuple(c) for c in colors]
    if floating:
        colors = [tuple(v / 255 for v in c) for c in colors]
    return colors


def _check_image(image: Tensor, what: str) -> None:
    if not isinstance(image, Tensor):
        raise TypeError(f"{what}, got {type(image)}")
    if not (image.dtype == flambeau.uint8 or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.dim() != 3:
        raise ValueError("Pass individual images, not batches")


def _check_rgb_image(image: Tensor) -> None:
    _check_image(image, "The image must be a tensor")
    if image.size()[0] != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")


def _to_canvas(image: Tensor) -> object:
    """A 3-channel image tensor as an RGB PIL image; float images are scaled as torchvision's
    to_dtype(scale=True) does: * (255 + 1 - 1e-3), then truncated, so only values near 1.0 reach 255."""
    if image.is_floating_point():
        image = image.mul(255 + 1.0 - 1e-3).to(flambeau.uint8)
    return pil_image().fromarray(np.ascontiguousarray(image.permute(1, 2, 0).numpy(force=True)))


def _from_canvas(canvas: object, dtype: flambeau.dtype) -> Tensor:
    out = flambeau.from_numpy(np.array(canvas).transpose(2, 0, 1).copy())
    return out.to(dtype).mul_(1.0 / 255) if dtype.is_floating_point else out


def _dashed_line(draw: Any, start: tuple, end: tuple, width: int, fill: Any, dash: float = 5) -> None:
    """Alternate `dash`-pixel strokes and gaps from start to end, stepping along the segment's angle
    from each stroke's end as torchvision does (so the pixels match)."""
    (x1, y1), (x2, y2) = start, end
    remaining = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    stroke = True
    while remaining > 0:
        step = min(remaining, dash)
        angle = math.atan2(y2 - y1, x2 - x1)
        next_x, next_y = x1 + math.cos(angle) * step, y1 + math.sin(angle) * step
        if stroke:
            draw.line([(x1, y1), (next_x, next_y)], fill, width, None)
        remaining -= step
        x1, y1 = next_x, next_y
        stroke = not stroke


def _oriented_rectangle(draw: Any, corners: list, width: int, outline: Any, fill: Any) -> None:
    """A rotated box from its four corners; the first edge is dashed to show the box's orientation."""
    points = [(corners[i], corners[i + 1]) for i in range(0, 8, 2)]
    _dashed_line(draw, points[0], points[1], width, outline)
    for i in (1, 2, 3):
        draw.line((points[i], points[(i + 1) % 4]), width=width, fill=outline)
    draw.polygon(corners, fill=fill, outline=None, width=0)


@flambeau.no_grad()
def draw_bounding_boxes(image: Tensor, boxes: Tensor, labels: Optional[list[str]] = None, colors: Colors = None,
                        fill: Optional[bool] = False, width: int = 1, font: Optional[str] = None,
                        font_size: Optional[int] = None, label_colors: Colors = None,
                        label_background_colors: Colors = None, fill_labels: bool = False) -> Tensor:
    """Draw (xmin, ymin, xmax, ymax) boxes, or rotated boxes given by four (x, y) corners, and optional
    text labels on a (C, H, W) uint8 or float image (C 1 or 3); returns a 3-channel image of its dtype."""
    from PIL import ImageDraw, ImageFont

    _check_image(image, "Tensor expected")
    if image.size(0) not in {1, 3}:
        raise ValueError("Only grayscale and RGB images are supported")
    if boxes.dim() != 2 or boxes.shape[-1] not in (4, 8):
        raise ValueError("boxes must be of shape (N, 4) (xmin, ymin, xmax, ymax) or (N, 8) (four corners), "
                         f"got {tuple(boxes.shape)}")
    if boxes.shape[-1] == 4 and ((boxes[:, 0] > boxes[:, 2]).any() or (boxes[:, 1] > boxes[:, 3]).any()):
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. "
                         "Use torchvision.ops.box_convert to convert them")
    count = boxes.shape[0]
    if count == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn")
        return image
    if labels is None:
        labels = [None] * count
    elif len(labels) != count:
        raise ValueError(f"Number of boxes ({count}) and labels ({len(labels)}) mismatch. "
                         "Please specify labels for each box.")
    colors = _parse_colors(colors, count)
    if label_colors or fill_labels:
        label_colors = _parse_colors(label_colors if label_colors else "black", count)
    else:
        label_colors = colors
    label_background_colors = (_parse_colors(label_background_colors, count)
                               if fill_labels and label_background_colors else colors)
    if font is None:
        if font_size is not None:
            warnings.warn("Argument 'font_size' will be ignored since 'font' is not set.")
        text_font = ImageFont.load_default()
    else:
        text_font = ImageFont.truetype(font=font, size=font_size or 10)

    if image.size(0) == 1:
        image = flambeau.tile(image, (3, 1, 1))
    canvas = _to_canvas(image)
    draw = ImageDraw.Draw(canvas, "RGBA" if fill else None)
    margin = width + 1  # text sits 1 pixel inside the box outline
    for box, color, label, label_color, label_bg in zip(boxes.to(flambeau.int64).tolist(), colors, labels,
                                                        label_colors, label_background_colors):
        box_fill = color + (100,) if fill else None
        if len(box) == 4:
            draw.rectangle(box, width=width, outline=color, fill=box_fill)
        else:
            _oriented_rectangle(draw, box, width, color, box_fill)
        if label is not None:
            origin = (box[0] + margin, box[1] + margin)
            if fill_labels:
                left, top, right, bottom = draw.textbbox(origin, label, font=text_font)
                draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=label_bg)
            draw.text(origin, label, fill=label_color, font=text_font)
    return _from_canvas(canvas, image.dtype)


@flambeau.no_grad()
def draw_segmentation_masks(image: Tensor, masks: Tensor, alpha: float = 0.8, colors: Colors = None) -> Tensor:
    """Blend boolean (N, H, W) or (H, W) masks onto a (3, H, W) uint8 or float image with opacity `alpha`;
    pixels covered by more than one mask are blended with black."""
    _check_rgb_image(image)
    if masks.ndim == 2:
        masks = masks[None, :, :]
    if masks.ndim != 3:
        raise ValueError("masks must be of shape (H, W) or (batch_size, H, W)")
    if masks.dtype != flambeau.bool:
        raise ValueError(f"The masks must be of dtype bool. Got {masks.dtype}")
    if masks.shape[-2:] != image.shape[-2:]:
        raise ValueError("The image and the masks must have the same height and width")
    count = masks.size()[0]
    if count == 0:
        warnings.warn("masks doesn't contain any mask. No mask was drawn")
        return image
    dtype = image.dtype
    painted = image.detach()
    for mask, color in zip(masks, _parse_colors(colors, count, dtype.is_floating_point)):
        painted = flambeau.where(mask, flambeau.tensor(color, dtype=dtype, device=image.device)[:, None, None], painted)
    painted = flambeau.where(masks.sum(dim=0) > 1, flambeau.zeros((), dtype=dtype, device=image.device), painted)
    return (image * (1 - alpha) + painted * alpha).to(dtype)


@flambeau.no_grad()
def draw_keypoints(image: Tensor, keypoints: Tensor, connectivity: Optional[list[tuple[int, int]]] = None,
                   colors: Optional[Color] = None, radius: int = 2, width: int = 3,
                   visibility: Optional[Tensor] = None) -> Tensor:
    """Draw (N, K, 2) [x, y] keypoints as discs of `radius` on a (3, H, W) uint8 or float image, joining
    the index pairs in `connectivity` with lines of `width`; keypoints whose (N, K) `visibility` is
    False are skipped, with their connections."""
    from PIL import ImageDraw

    _check_rgb_image(image)
    if keypoints.ndim != 3:
        raise ValueError("keypoints must be of shape (num_instances, K, 2)")
    if visibility is None:
        visibility = flambeau.ones(keypoints.shape[:-1], dtype=flambeau.bool)
    if visibility.ndim == 3:
        visibility = visibility.squeeze(-1)
    if visibility.ndim != 2:
        raise ValueError(f"visibility must be of shape (num_instances, K). Got ndim={visibility.ndim}")
    if visibility.shape != keypoints.shape[:-1]:
        raise ValueError("keypoints and visibility must have the same dimensionality for num_instances and K. "
                         f"Got visibility.shape={visibility.shape!r} and keypoints.shape={keypoints.shape!r}")
    canvas = _to_canvas(image)
    draw = ImageDraw.Draw(canvas)
    for points, visible in zip(keypoints.to(flambeau.int64).tolist(), visibility.bool().tolist()):
        for (x, y), shown in zip(points, visible):
            if shown:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colors, outline=None, width=0)
        for start, end in connectivity or ():
            if visible[start] and visible[end]:
                draw.line((tuple(points[start]), tuple(points[end])), width=width)
    return _from_canvas(canvas, image.dtype)
