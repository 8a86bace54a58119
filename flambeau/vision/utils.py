"""flambeau.vision.utils: make_grid, save_image, draw_bounding_boxes, draw_segmentation_masks.

The arithmetic follows torchvision step by step (same ops, same dtypes, same order), so results
are bit-identical; drawing goes through Pillow's ImageDraw like torchvision's.
"""
from __future__ import annotations

import math
import pathlib
import warnings
from typing import BinaryIO, Optional, Union

import numpy as np

import flambeau
from flambeau import Tensor

from ._pil import pil_image

__all__ = ["make_grid", "save_image", "draw_bounding_boxes", "draw_segmentation_masks"]

Color = Union[str, tuple[int, int, int]]
Colors = Optional[Union[list[Color], Color]]


def _as_batch(tensor: Union[Tensor, list[Tensor]]) -> Tensor:
    """A (B, C, H, W) batch with 3 channels where the input had 1, as make_grid lays out."""
    if isinstance(tensor, list):
        for t in tensor:
            if not flambeau.is_tensor(t):
                raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        tensor = flambeau.stack(tensor, dim=0)
    elif not flambeau.is_tensor(tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if tensor.dim() == 2:  # one H x W image
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # one C x H x W image
        if tensor.size(0) == 1:
            tensor = flambeau.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = flambeau.cat((tensor, tensor, tensor), 1)
    return tensor


def _normalize_(img: Tensor, value_range: Optional[tuple[float, float]]) -> None:
    low, high = value_range if value_range is not None else (float(img.min()), float(img.max()))
    img.clamp_(min=low, max=high)
    img.sub_(low).div_(max(high - low, 1e-5))


@flambeau.no_grad()
def make_grid(tensor: Union[Tensor, list[Tensor]], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: Optional[tuple[float, float]] = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a (B, C, H, W) batch (or a list of same-sized images) into one (C, H', W') image,
    `nrow` images per row with `padding` pixels of `pad_value` around each.

    With `normalize`, values are clamped to `value_range` (default: the tensor's min and max, per
    image with `scale_each`) and shifted to [0, 1]."""
    tensor = _as_batch(tensor)
    if normalize is True:
        tensor = tensor.clone()  # normalizing must not touch the caller's tensor
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        for img in (tensor if scale_each is True else (tensor,)):
            _normalize_(img, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    count = tensor.size(0)
    xmaps = min(nrow, count)
    ymaps = int(math.ceil(float(count) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    for k in range(count):
        y, x = divmod(k, xmaps)
        grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding,
                                                                     width - padding).copy_(tensor[k])
    return grid


@flambeau.no_grad()
def save_image(tensor: Union[Tensor, list[Tensor]], fp: Union[str, pathlib.Path, BinaryIO],
               format: Optional[str] = None, **kwargs) -> None:
    """Save an image (or a batch, laid out by make_grid with **kwargs) with values in [0, 1] to `fp`;
    the format comes from the file name unless `format` is given (needed for file objects)."""
    grid = make_grid(tensor, **kwargs)
    # + 0.5 before the truncating cast rounds to the nearest byte
    array = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(flambeau.uint8).numpy(force=True)
    pil_image().fromarray(array).save(fp, format=format)


# ------------------------------------------------------------------------------------ drawing
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


def _float_to_uint8(image: Tensor) -> Tensor:
    # torchvision's to_dtype(scale=True): * (255 + 1 - 1e-3) then truncate, so only values near 1.0 reach 255
    return image.mul(255 + 1.0 - 1e-3).to(flambeau.uint8)


@flambeau.no_grad()
def draw_bounding_boxes(image: Tensor, boxes: Tensor, labels: Optional[list[str]] = None, colors: Colors = None,
                        fill: Optional[bool] = False, width: int = 1, font: Optional[str] = None,
                        font_size: Optional[int] = None, label_colors: Colors = None,
                        label_background_colors: Colors = None, fill_labels: bool = False) -> Tensor:
    """Draw (xmin, ymin, xmax, ymax) boxes, and optional text labels, on a (C, H, W) uint8 or float image
    (C 1 or 3); returns a 3-channel image of the input's dtype."""
    from PIL import ImageDraw, ImageFont

    _check_image(image, "Tensor expected")
    if image.size(0) not in {1, 3}:
        raise ValueError("Only grayscale and RGB images are supported")
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"boxes must be of shape (N, 4) in (xmin, ymin, xmax, ymax) format, got {tuple(boxes.shape)}"
                         " (flambeau does not draw rotated (N, 8) boxes)")
    if (boxes[:, 0] > boxes[:, 2]).any() or (boxes[:, 1] > boxes[:, 3]).any():
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
    original_dtype = image.dtype
    if image.is_floating_point():
        image = _float_to_uint8(image)
    canvas = pil_image().fromarray(np.ascontiguousarray(image.permute(1, 2, 0).numpy(force=True)))
    draw = ImageDraw.Draw(canvas, "RGBA" if fill else None)
    margin = width + 1  # text sits 1 pixel inside the box outline
    for box, color, label, label_color, label_bg in zip(boxes.to(flambeau.int64).tolist(), colors, labels,
                                                        label_colors, label_background_colors):
        draw.rectangle(box, width=width, outline=color, fill=color + (100,) if fill else None)
        if label is not None:
            origin = (box[0] + margin, box[1] + margin)
            if fill_labels:
                left, top, right, bottom = draw.textbbox(origin, label, font=text_font)
                draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=label_bg)
            draw.text(origin, label, fill=label_color, font=text_font)
    out = flambeau.from_numpy(np.array(canvas).transpose(2, 0, 1).copy())
    if original_dtype.is_floating_point:
        out = out.to(original_dtype).mul_(1.0 / 255)
    return out


@flambeau.no_grad()
def draw_segmentation_masks(image: Tensor, masks: Tensor, alpha: float = 0.8, colors: Colors = None) -> Tensor:
    """Blend boolean (N, H, W) or (H, W) masks onto a (3, H, W) uint8 or float image with opacity `alpha`;
    pixels covered by more than one mask are blended with black."""
    _check_image(image, "The image must be a tensor")
    if image.size()[0] != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")
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
