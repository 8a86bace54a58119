"""RegNetY and RegNetX ("Designing Network Design Spaces", Radosavovic et al., 2020), as torchvision.

A RegNet is generated from a handful of numbers (depth, w_0, w_a, w_m, group width, SE ratio): block widths
grow linearly, are quantized in log space, and consecutive blocks of equal width form a stage.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from functools import partial
from typing import Any, Callable

import numpy as np

from ... import nn
from ..._tensor import Tensor
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ._api import Weights, WeightsEnum, register_model
from ._swag import _swag_weights
from ._utils import _build_model, _imagenet1k_weights, _make_divisible, handle_legacy_interface

__all__ = ["RegNet", "RegNet_Y_400MF_Weights", "RegNet_Y_800MF_Weights", "RegNet_Y_1_6GF_Weights",
           "RegNet_Y_3_2GF_Weights", "RegNet_Y_8GF_Weights", "RegNet_Y_16GF_Weights", "RegNet_Y_32GF_Weights",
           "RegNet_Y_128GF_Weights", "RegNet_X_400MF_Weights", "RegNet_X_800MF_Weights", "RegNet_X_1_6GF_Weights",
           "RegNet_X_3_2GF_Weights", "RegNet_X_8GF_Weights", "RegNet_X_16GF_Weights", "RegNet_X_32GF_Weights",
           "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf",
           "regnet_y_32gf", "regnet_y_128gf", "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf",
           "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf"]


class SimpleStemIN(Conv2dNormActivation):
    """Simple stem for ImageNet: 3x3 stride-2 conv, BN, ReLU."""

    def __init__(self, width_in: int, width_out: int, norm_layer: Callable[..., nn.Module],
                 activation_layer: Callable[..., nn.Module]) -> None:
        super().__init__(width_in, width_out, kernel_size=3, stride=2, norm_layer=norm_layer,
                         activation_layer=activation_layer)


class BottleneckTransform(nn.Sequential):
    """Bottleneck transformation: 1x1 (a), grouped 3x3 (b) [+ squeeze-excitation (se)], 1x1 (c)."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer: Callable[..., nn.Module],
                 activation_layer: Callable[..., nn.Module], group_width: int, bottleneck_multiplier: float,
                 se_ratio: float | None) -> None:
        w_b = int(round(width_out * bottleneck_multiplier))
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        layers["a"] = Conv2dNormActivation(width_in, w_b, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=activation_layer)
        layers["b"] = Conv2dNormActivation(w_b, w_b, kernel_size=3, stride=stride, groups=w_b // group_width,
                                           norm_layer=norm_layer, activation_layer=activation_layer)
        if se_ratio:
            # squeeze width follows the block's input width, not the bottleneck's
            layers["se"] = SqueezeExcitation(input_channels=w_b, squeeze_channels=int(round(se_ratio * width_in)),
                                             activation=activation_layer)
        layers["c"] = Conv2dNormActivation(w_b, width_out, kernel_size=1, stride=1, norm_layer=norm_layer,
                                           activation_layer=None)
        super().__init__(layers)


class ResBottleneckBlock(nn.Module):
    """Residual bottleneck block: activation(x + f(x)), with a 1x1 projection of x when the shape changes."""

    def __init__(self, width_in: int, width_out: int, stride: int, norm_layer: Callable[..., nn.Module],
                 activation_layer: Callable[..., nn.Module], group_width: int = 1,
                 bottleneck_multiplier: float = 1.0, se_ratio: float | None = None) -> None:
        super().__init__()
        self.proj = None
        if width_in != width_out or stride != 1:
            self.proj = Conv2dNormActivation(width_in, width_out, kernel_size=1, stride=stride, norm_layer=norm_layer,
                                             activation_layer=None)
        self.f = BottleneckTransform(width_in, width_out, stride, norm_layer, activation_layer, group_width,
                                     bottleneck_multiplier, se_ratio)
        self.activation = activation_layer(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        shortcut = x if self.proj is None else self.proj(x)
        return self.activation(shortcut + self.f(x))


class AnyStage(nn.Sequential):
    """A stage: `depth` blocks with the same output width; only the first one strides."""

    def __init__(self, width_in: int, width_out: int, stride: int, depth: int,
                 block_constructor: Callable[..., nn.Module], norm_layer: Callable[..., nn.Module],
                 activation_layer: Callable[..., nn.Module], group_width: int, bottleneck_multiplier: float,
                 se_ratio: float | None = None, stage_index: int = 0) -> None:
        super().__init__()
        for i in range(depth):
            self.add_module(f"block{stage_index}-{i}",
                            block_constructor(width_in if i == 0 else width_out, width_out, stride if i == 0 else 1,
                                              norm_layer, activation_layer, group_width, bottleneck_multiplier,
                                              se_ratio))


class BlockParams:
    """Per-stage depths, widths, group widths, bottleneck multipliers and strides (plus the SE ratio)."""

    def __init__(self, depths: list[int], widths: list[int], group_widths: list[int],
                 bottleneck_multipliers: list[float], strides: list[int], se_ratio: float | None = None) -> None:
        self.depths = depths
        self.widths = widths
        self.group_widths = group_widths
        self.bottleneck_multipliers = bottleneck_multipliers
        self.strides = strides
        self.se_ratio = se_ratio

    @classmethod
    def from_init_params(cls, depth: int, w_0: int, w_a: float, w_m: float, group_width: int,
                         bottleneck_multiplier: float = 1.0, se_ratio: float | None = None,
                         **kwargs: Any) -> "BlockParams":
        """Quantized linear widths: log(width) = log(w_0) + w_m-stepped capacity, multiples of 8."""
        quant, stride = 8, 2
        if w_a < 0 or w_0 <= 0 or w_m <= 1 or w_0 % 8 != 0:
            raise ValueError("Invalid RegNet settings")
        # NOTE: float32 as torchvision computes it, so the rounding (hence every width) matches
        f32 = np.float32
        widths_cont = np.arange(depth, dtype=f32) * f32(w_a) + f32(w_0)
        capacity = np.round(np.log(widths_cont / f32(w_0)) / f32(math.log(w_m)))
        block_widths = (np.round(f32(w_0) * np.power(f32(w_m), capacity) / f32(quant)) * quant).astype(int).tolist()
        # a new stage starts wherever the width changes
        starts = [i for i in range(depth + 1) if i == 0 or i == depth or block_widths[i] != block_widths[i - 1]]
        stage_widths = [block_widths[i] for i in starts[:-1]]
        stage_depths = [b - a for a, b in zip(starts, starts[1:])]
        num_stages = len(stage_widths)
        multipliers = [bottleneck_multiplier] * num_stages
        stage_widths, group_widths = cls._adjust_widths_groups_compatibilty(stage_widths, multipliers,
                                                                            [group_width] * num_stages)
        return cls(depths=stage_depths, widths=stage_widths, group_widths=group_widths,
                   bottleneck_multipliers=multipliers, strides=[stride] * num_stages, se_ratio=se_ratio)

    def _get_expanded_params(self):
        return zip(self.widths, self.strides, self.depths, self.group_widths, self.bottleneck_multipliers)

    @staticmethod
    def _adjust_widths_groups_compatibilty(stage_widths: list[int], bottleneck_ratios: list[float],
                                           group_widths: list[int]) -> tuple[list[int], list[int]]:
        """Make each bottleneck width a multiple of its (possibly reduced) group width."""
        widths = [int(w * b) for w, b in zip(stage_widths, bottleneck_ratios)]
        group_widths_min = [min(g, w_bot) for g, w_bot in zip(group_widths, widths)]
        ws_bot = [_make_divisible(w_bot, g) for w_bot, g in zip(widths, group_widths_min)]
        return [int(w_bot / b) for w_bot, b in zip(ws_bot, bottleneck_ratios)], group_widths_min


class RegNet(nn.Module):
    def __init__(self, block_params: BlockParams, num_classes: int = 1000, stem_width: int = 32,
                 stem_type: Callable[..., nn.Module] | None = None, block_type: Callable[..., nn.Module] | None = None,
                 norm_layer: Callable[..., nn.Module] | None = None,
                 activation: Callable[..., nn.Module] | None = None) -> None:
        super().__init__()
        stem_type = stem_type or SimpleStemIN
        norm_layer = norm_layer or nn.BatchNorm2d
        block_type = block_type or ResBottleneckBlock
        activation = activation or nn.ReLU
        self.stem = stem_type(3, stem_width, norm_layer, activation)
        current_width = stem_width
        blocks = []
        for i, (width_out, stride, depth, group_width, multiplier) in enumerate(block_params._get_expanded_params()):
            blocks.append((f"block{i + 1}", AnyStage(current_width, width_out, stride, depth, block_type, norm_layer,
                                                     activation, group_width, multiplier, block_params.se_ratio,
                                                     stage_index=i + 1)))
            current_width = width_out
        self.trunk_output = nn.Sequential(OrderedDict(blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(in_features=current_width, out_features=num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, mean=0.0, std=math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, mean=0.0, std=0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.trunk_output(self.stem(x)))
        return self.fc(x.flatten(start_dim=1))


def _regnet(weights: WeightsEnum | None, progress: bool, depth: int, w_0: int, w_a: float, w_m: float,
            group_width: int, se_ratio: float | None = None, **kwargs: Any) -> RegNet:
    # like torchvision, kwargs reach both the generator (which ignores what it does not know) and the model
    params = BlockParams.from_init_params(depth=depth, w_0=w_0, w_a=w_a, w_m=w_m, group_width=group_width,
                                          se_ratio=se_ratio, **kwargs)
    norm_layer = kwargs.pop("norm_layer", partial(nn.BatchNorm2d, eps=1e-05, momentum=0.1))
    return _build_model(partial(RegNet, params, norm_layer=norm_layer), weights, progress, **kwargs)


_ROOT = "https://download.pytorch.org/models/"
_RECIPES = {"small": "https://github.com/pytorch/vision/tree/main/references/classification#small-models",
            "medium": "https://github.com/pytorch/vision/tree/main/references/classification#medium-models",
            "large": "https://github.com/pytorch/vision/tree/main/references/classification#large-models",
            "new": "https://github.com/pytorch/vision/issues/3995#new-recipe",
            "fixres": "https://github.com/pytorch/vision/issues/3995#new-recipe-with-fixres"}


def _v1(file: str, num_params: int, acc1: float, acc5: float, ops: float, size: float, recipe: str) -> Weights:
    """The original ImageNet-1K weights (224 crop of a 256 resize)."""
    return _imagenet1k_weights(_ROOT + file, num_params, acc1, acc5, ops, size, recipe=_RECIPES[recipe],
                               docs="These weights reproduce closely the results of the paper using a simple "
                                    "training recipe.")


def _v2(file: str, num_params: int, acc1: float, acc5: float, ops: float, size: float,
        recipe: str = "new") -> Weights:
    """Weights from TorchVision's new training recipe (224 crop of a 232 resize)."""
    return _imagenet1k_weights(_ROOT + file, num_params, acc1, acc5, ops, size, recipe=_RECIPES[recipe],
                               docs="These weights improve upon the results of the original paper by using a "
                                    "modified version of TorchVision's new training recipe.", resize_size=232)


def _swag(file: str, num_params: int, acc1: float, acc5: float, ops: float, size: float, e2e: bool) -> Weights:
    return _swag_weights(_ROOT + file, 384 if e2e else 224, num_params, acc1, acc5, ops, size, e2e)


class RegNet_Y_400MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_400mf-c65dace8.pth", 4344144, 74.046, 91.716, 0.402, 16.806, "small")
    IMAGENET1K_V2 = _v2("regnet_y_400mf-e6988f5f.pth", 4344144, 75.804, 92.742, 0.402, 16.806)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_800MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_800mf-1b27b58c.pth", 6432512, 76.420, 93.136, 0.834, 24.774, "small")
    IMAGENET1K_V2 = _v2("regnet_y_800mf-58fc7688.pth", 6432512, 78.828, 94.502, 0.834, 24.774)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_1_6GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_1_6gf-b11a554e.pth", 11202430, 77.950, 93.966, 1.612, 43.152, "small")
    IMAGENET1K_V2 = _v2("regnet_y_1_6gf-0d7bc02a.pth", 11202430, 80.876, 95.444, 1.612, 43.152)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_3_2GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_3_2gf-b5a9779c.pth", 19436338, 78.948, 94.576, 3.176, 74.567, "medium")
    IMAGENET1K_V2 = _v2("regnet_y_3_2gf-9180c971.pth", 19436338, 81.982, 95.972, 3.176, 74.567)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_8GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_8gf-d0d0e4a8.pth", 39381472, 80.032, 95.048, 8.473, 150.701, "medium")
    IMAGENET1K_V2 = _v2("regnet_y_8gf-dc2b1b54.pth", 39381472, 82.828, 96.330, 8.473, 150.701)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_16GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_16gf-9e6ed7dd.pth", 83590140, 80.424, 95.240, 15.912, 319.49, "large")
    IMAGENET1K_V2 = _v2("regnet_y_16gf-3e4a00f9.pth", 83590140, 82.886, 96.328, 15.912, 319.49)
    IMAGENET1K_SWAG_E2E_V1 = _swag("regnet_y_16gf_swag-43afe44d.pth", 83590140, 86.012, 98.054, 46.735, 319.49,
                                   e2e=True)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("regnet_y_16gf_lc_swag-f3ec0043.pth", 83590140, 83.976, 97.244, 15.912,
                                      319.49, e2e=False)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_32GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_y_32gf-4dee3f7a.pth", 145046770, 80.878, 95.340, 32.28, 554.076, "large")
    IMAGENET1K_V2 = _v2("regnet_y_32gf-8db6d4b5.pth", 145046770, 83.368, 96.498, 32.28, 554.076)
    IMAGENET1K_SWAG_E2E_V1 = _swag("regnet_y_32gf_swag-04fdfa75.pth", 145046770, 86.838, 98.362, 94.826, 554.076,
                                   e2e=True)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("regnet_y_32gf_lc_swag-e1583746.pth", 145046770, 84.622, 97.480, 32.28,
                                      554.076, e2e=False)
    DEFAULT = IMAGENET1K_V2


class RegNet_Y_128GF_Weights(WeightsEnum):
    IMAGENET1K_SWAG_E2E_V1 = _swag("regnet_y_128gf_swag-c8ce3e52.pth", 644812894, 88.228, 98.682, 374.57,
                                   2461.564, e2e=True)
    IMAGENET1K_SWAG_LINEAR_V1 = _swag("regnet_y_128gf_lc_swag-cbe8ce12.pth", 644812894, 86.068, 97.844, 127.518,
                                      2461.564, e2e=False)
    DEFAULT = IMAGENET1K_SWAG_E2E_V1


class RegNet_X_400MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_400mf-adf1edd5.pth", 5495976, 72.834, 90.950, 0.414, 21.258, "small")
    IMAGENET1K_V2 = _v2("regnet_x_400mf-62229a5f.pth", 5495976, 74.864, 92.322, 0.414, 21.257, "fixres")
    DEFAULT = IMAGENET1K_V2


class RegNet_X_800MF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_800mf-ad17e45c.pth", 7259656, 75.212, 92.348, 0.8, 27.945, "small")
    IMAGENET1K_V2 = _v2("regnet_x_800mf-94a99ebd.pth", 7259656, 77.522, 93.826, 0.8, 27.945, "fixres")
    DEFAULT = IMAGENET1K_V2


class RegNet_X_1_6GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_1_6gf-e3633e7f.pth", 9190136, 77.040, 93.440, 1.603, 35.339, "small")
    IMAGENET1K_V2 = _v2("regnet_x_1_6gf-a12f2b72.pth", 9190136, 79.668, 94.922, 1.603, 35.339, "fixres")
    DEFAULT = IMAGENET1K_V2


class RegNet_X_3_2GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_3_2gf-f342aeae.pth", 15296552, 78.364, 93.992, 3.177, 58.756, "medium")
    IMAGENET1K_V2 = _v2("regnet_x_3_2gf-7071aa85.pth", 15296552, 81.196, 95.430, 3.177, 58.756)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_8GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_8gf-03ceed89.pth", 39572648, 79.344, 94.686, 7.995, 151.456, "medium")
    IMAGENET1K_V2 = _v2("regnet_x_8gf-2b70d774.pth", 39572648, 81.682, 95.678, 7.995, 151.456)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_16GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_16gf-2007eb11.pth", 54278536, 80.058, 94.944, 15.941, 207.627, "medium")
    IMAGENET1K_V2 = _v2("regnet_x_16gf-ba3796d7.pth", 54278536, 82.716, 96.196, 15.941, 207.627)
    DEFAULT = IMAGENET1K_V2


class RegNet_X_32GF_Weights(WeightsEnum):
    IMAGENET1K_V1 = _v1("regnet_x_32gf-9d47f8d0.pth", 107811560, 80.622, 95.248, 31.736, 412.039, "large")
    IMAGENET1K_V2 = _v2("regnet_x_32gf-6eb8fdc6.pth", 107811560, 83.014, 96.288, 31.736, 412.039)
    DEFAULT = IMAGENET1K_V2


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_Y_400MF_Weights.IMAGENET1K_V1))
def regnet_y_400mf(*, weights: RegNet_Y_400MF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_400MF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_400MF_Weights.verify(weights), progress, depth=16, w_0=48, w_a=27.89, w_m=2.09,
                   group_width=8, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_Y_800MF_Weights.IMAGENET1K_V1))
def regnet_y_800mf(*, weights: RegNet_Y_800MF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_800MF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_800MF_Weights.verify(weights), progress, depth=14, w_0=56, w_a=38.84, w_m=2.4,
                   group_width=16, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_Y_1_6GF_Weights.IMAGENET1K_V1))
def regnet_y_1_6gf(*, weights: RegNet_Y_1_6GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_1.6GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_1_6GF_Weights.verify(weights), progress, depth=27, w_0=48, w_a=20.71, w_m=2.65,
                   group_width=24, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_Y_3_2GF_Weights.IMAGENET1K_V1))
def regnet_y_3_2gf(*, weights: RegNet_Y_3_2GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_3.2GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_3_2GF_Weights.verify(weights), progress, depth=21, w_0=80, w_a=42.63, w_m=2.66,
                   group_width=24, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_Y_8GF_Weights.IMAGENET1K_V1))
def regnet_y_8gf(*, weights: RegNet_Y_8GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_8GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_8GF_Weights.verify(weights), progress, depth=17, w_0=192, w_a=76.82, w_m=2.19,
                   group_width=56, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_Y_16GF_Weights.IMAGENET1K_V1))
def regnet_y_16gf(*, weights: RegNet_Y_16GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_16GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_16GF_Weights.verify(weights), progress, depth=18, w_0=200, w_a=106.23, w_m=2.48,
                   group_width=112, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_Y_32GF_Weights.IMAGENET1K_V1))
def regnet_y_32gf(*, weights: RegNet_Y_32GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_32GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_32GF_Weights.verify(weights), progress, depth=20, w_0=232, w_a=115.89, w_m=2.53,
                   group_width=232, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", None))
def regnet_y_128gf(*, weights: RegNet_Y_128GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetY_128GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_Y_128GF_Weights.verify(weights), progress, depth=27, w_0=456, w_a=160.83, w_m=2.52,
                   group_width=264, se_ratio=0.25, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_X_400MF_Weights.IMAGENET1K_V1))
def regnet_x_400mf(*, weights: RegNet_X_400MF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetX_400MF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_X_400MF_Weights.verify(weights), progress, depth=22, w_0=24, w_a=24.48, w_m=2.54,
                   group_width=16, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_X_800MF_Weights.IMAGENET1K_V1))
def regnet_x_800mf(*, weights: RegNet_X_800MF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetX_800MF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_X_800MF_Weights.verify(weights), progress, depth=16, w_0=56, w_a=35.73, w_m=2.28,
                   group_width=16, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_X_1_6GF_Weights.IMAGENET1K_V1))
def regnet_x_1_6gf(*, weights: RegNet_X_1_6GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetX_1.6GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_X_1_6GF_Weights.verify(weights), progress, depth=18, w_0=80, w_a=34.01, w_m=2.25,
                   group_width=24, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_X_3_2GF_Weights.IMAGENET1K_V1))
def regnet_x_3_2gf(*, weights: RegNet_X_3_2GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetX_3.2GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_X_3_2GF_Weights.verify(weights), progress, depth=25, w_0=88, w_a=26.31, w_m=2.25,
                   group_width=48, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_X_8GF_Weights.IMAGENET1K_V1))
def regnet_x_8gf(*, weights: RegNet_X_8GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetX_8GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_X_8GF_Weights.verify(weights), progress, depth=23, w_0=80, w_a=49.56, w_m=2.88,
                   group_width=120, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_X_16GF_Weights.IMAGENET1K_V1))
def regnet_x_16gf(*, weights: RegNet_X_16GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetX_16GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_X_16GF_Weights.verify(weights), progress, depth=22, w_0=216, w_a=55.59, w_m=2.1,
                   group_width=128, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", RegNet_X_32GF_Weights.IMAGENET1K_V1))
def regnet_x_32gf(*, weights: RegNet_X_32GF_Weights | None = None, progress: bool = True, **kwargs: Any) -> RegNet:
    """RegNetX_32GF; kwargs go to RegNet (num_classes, norm_layer, activation...)."""
    return _regnet(RegNet_X_32GF_Weights.verify(weights), progress, depth=23, w_0=320, w_a=69.86, w_m=2.0,
                   group_width=168, **kwargs)
