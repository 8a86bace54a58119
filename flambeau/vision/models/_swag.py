"""ImageNet-1K entries of the SWAG checkpoints (weakly supervised pre-training, Singh et al., 2022) shared by
the RegNetY and ViT weights enums."""
from __future__ import annotations

from ..transforms.functional import InterpolationMode
from ._api import Weights
from ._utils import _imagenet1k_weights

_LICENSE = "https://github.com/facebookresearch/SWAG/blob/main/LICENSE"


def _swag_weights(url: str, crop: int, num_params: int, acc1: float, acc5: float, ops: float, file_size: float,
                  e2e: bool) -> Weights:
    """Fine-tuned end to end (e2e) at `crop` pixels, or a linear classifier learnt on the frozen trunk."""
    weights = _imagenet1k_weights(
        url, num_params, acc1, acc5, ops, file_size, min_size=(1, 1),
        recipe="https://github.com/facebookresearch/SWAG" if e2e else "https://github.com/pytorch/vision/pull/5793",
        docs="These weights are learnt via transfer learning by end-to-end fine-tuning the original SWAG weights on "
             "ImageNet-1K data." if e2e else
             "These weights are composed of the original frozen SWAG trunk weights and a linear classifier learnt "
             "on top of them trained on ImageNet-1K data.",
        crop_size=crop, resize_size=crop, interpolation=InterpolationMode.BICUBIC)
    weights.meta["license"] = _LICENSE
    return weights
