"""flambeau.vision.utils: make_grid, save_image, and (from _utils_draw, _utils_flow) the drawing helpers.

The arithmetic follows torchvision step by step (same ops, same dtypes, same order), so results
are bit-identical; drawing goes through Pillow's ImageDraw like torchvision's.
"""
from __future__ import annotations

import math
import pathlib
from typing import BinaryIO, Optional, Union

import flambeau
from flambeau import Tensor

from ._pil import pil_image
from ._utils_draw import draw_bounding_boxes, draw_keypoints, draw_segmentation_masks
from ._utils_flow import flow_to_image

__all__ = ["make_grid", "save_image", "draw_bounding_boxes", "draw_segmentation_masks", "draw_keypoints",
           "flow_to_image"]


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
