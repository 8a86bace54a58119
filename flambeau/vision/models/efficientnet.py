"""EfficientNet B0-B7 (Tan & Le, 2019) and EfficientNetV2 S/M/L (Tan & Le, 2021), as torchvision."""
from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from ... import nn
from ..._tensor import Tensor
from ...ops.shape import flatten
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ..ops.stochastic_depth import StochasticDepth
from ..transforms.functional import InterpolationMode
from ._api import Weights, WeightsEnum, register_model
from ._utils import _build_model, _imagenet1k_weights, _make_divisible, handle_legacy_interface

__all__ = ["EfficientNet", "EfficientNet_B0_Weights", "EfficientNet_B1_Weights", "EfficientNet_B2_Weights",
           "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights", "EfficientNet_B6_Weights",
           "EfficientNet_B7_Weights", "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights",
           "EfficientNet_V2_L_Weights", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
           "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7", "efficientnet_v2_s",
           "efficientnet_v2_m", "efficientnet_v2_l"]


@dataclass
class _MBConvConfig:
    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: Callable[..., nn.Module]

    @staticmethod
    def adjust_channels(channels: int, width_mult: float, min_value: int | None = None) -> int:
        return _make_divisible(channels * width_mult, 8, min_value)


class MBConvConfig(_MBConvConfig):
    """A stage of MBConv blocks, widened by width_mult and deepened by depth_mult (compound scaling)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, width_mult: float = 1.0, depth_mult: float = 1.0,
                 block: Callable[..., nn.Module] | None = None) -> None:
        super().__init__(expand_ratio, kernel, stride, self.adjust_channels(input_channels, width_mult),
                         self.adjust_channels(out_channels, width_mult), self.adjust_depth(num_layers, depth_mult),
                         block or MBConv)

    @staticmethod
    def adjust_depth(num_layers: int, depth_mult: float) -> int:
        return int(math.ceil(num_layers * depth_mult))


class FusedMBConvConfig(_MBConvConfig):
    """A stage of FusedMBConv blocks (EfficientNetV2's early stages)."""

    def __init__(self, expand_ratio: float, kernel: int, stride: int, input_channels: int, out_channels: int,
                 num_layers: int, block: Callable[..., nn.Module] | None = None) -> None:
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                         block or FusedMBConv)


class _Residual(nn.Module):
    """A block whose output, when it keeps the input's shape, is stochastic_depth(block(x)) + x."""

    def forward(self, input: Tensor) -> Tensor:
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result


class MBConv(_Residual):
    """Expand 1x1 -> depthwise kxk -> squeeze-excitation -> project 1x1, SiLU activations."""

    def __init__(self, cnf: MBConvConfig, stochastic_depth_prob: float, norm_layer: Callable[..., nn.Module],
                 se_layer: Callable[..., nn.Module] = SqueezeExcitation) -> None:
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers: list[nn.Module] = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           groups=expanded, norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(se_layer(expanded, max(1, cnf.input_channels // 4), activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels


class FusedMBConv(_Residual):
    """One full kxk conv in place of expansion + depthwise, then a 1x1 projection when expanding."""

    def __init__(self, cnf: FusedMBConvConfig, stochastic_depth_prob: float,
                 norm_layer: Callable[..., nn.Module]) -> None:
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded != cnf.input_channels:
            layers = [Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=cnf.kernel, stride=cnf.stride,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU),
                      Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None)]
        else:
            layers = [Conv2dNormActivation(cnf.input_channels, cnf.out_channels, kernel_size=cnf.kernel,
                                           stride=cnf.stride, norm_layer=norm_layer, activation_layer=nn.SiLU)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels


class EfficientNet(nn.Module):
    def __init__(self, inverted_residual_setting: Sequence[MBConvConfig | FusedMBConvConfig], dropout: float,
                 stochastic_depth_prob: float = 0.2, num_classes: int = 1000,
                 norm_layer: Callable[..., nn.Module] | None = None, last_channel: int | None = None) -> None:
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not (isinstance(inverted_residual_setting, Sequence)
                and all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting)):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        layers: list[nn.Module] = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels,
                                                        kernel_size=3, stride=2, norm_layer=norm_layer,
                                                        activation_layer=nn.SiLU)]
        total_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage: list[nn.Module] = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # only a stage's first block changes channels or stride
                    block_cnf.input_channels = block_cnf.out_channels
                    block_cnf.stride = 1
                # the drop probability grows linearly with depth
                stage.append(block_cnf.block(block_cnf, stochastic_depth_prob * block_id / total_blocks,
                                             norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = inverted_residual_setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(last_out, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                init_range = 1.0 / math.sqrt(m.out_features)
                nn.init.uniform_(m.weight, -init_range, init_range)
                nn.init.zeros_(m.bias)

    def _forward_impl(self, x: Tensor) -> Tensor:
        return self.classifier(flatten(self.avgpool(self.features(x)), 1))

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def _efficientnet_conf(arch: str, **kwargs: Any) -> tuple[list[_MBConvConfig], int | None]:
    """Stage tables: V1's scaled by kwargs width_mult/depth_mult, V2's fixed per size."""
    if arch.startswith("efficientnet_b"):
        conf = partial(MBConvConfig, width_mult=kwargs.pop("width_mult"), depth_mult=kwargs.pop("depth_mult"))
        return [conf(1, 3, 1, 32, 16, 1), conf(6, 3, 2, 16, 24, 2), conf(6, 5, 2, 24, 40, 2), conf(6, 3, 2, 40, 80, 3),
                conf(6, 5, 1, 80, 112, 3), conf(6, 5, 2, 112, 192, 4), conf(6, 3, 1, 192, 320, 1)], None
    fused, mb = FusedMBConvConfig, MBConvConfig
    if arch.startswith("efficientnet_v2_s"):
        setting = [fused(1, 3, 1, 24, 24, 2), fused(4, 3, 2, 24, 48, 4), fused(4, 3, 2, 48, 64, 4),
                   mb(4, 3, 2, 64, 128, 6), mb(6, 3, 1, 128, 160, 9), mb(6, 3, 2, 160, 256, 15)]
    elif arch.startswith("efficientnet_v2_m"):
        setting = [fused(1, 3, 1, 24, 24, 3), fused(4, 3, 2, 24, 48, 5), fused(4, 3, 2, 48, 80, 5),
                   mb(4, 3, 2, 80, 160, 7), mb(6, 3, 1, 160, 176, 14), mb(6, 3, 2, 176, 304, 18),
                   mb(6, 3, 1, 304, 512, 5)]
    elif arch.startswith("efficientnet_v2_l"):
        setting = [fused(1, 3, 1, 32, 32, 4), fused(4, 3, 2, 32, 64, 7), fused(4, 3, 2, 64, 96, 7),
                   mb(4, 3, 2, 96, 192, 10), mb(6, 3, 1, 192, 224, 19), mb(6, 3, 2, 224, 384, 25),
                   mb(6, 3, 1, 384, 640, 7)]
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return setting, 1280


def _efficientnet(arch: str, default_dropout: float, weights: WeightsEnum | None, progress: bool,
                  conf: dict[str, float], **kwargs: Any) -> EfficientNet:
    setting, last_channel = _efficientnet_conf(arch, **conf)
    dropout = kwargs.pop("dropout", default_dropout)
    return _build_model(partial(EfficientNet, setting, dropout, last_channel=last_channel), weights, progress,
                        **kwargs)


_V1_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#efficientnet-v1"
_V2_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#efficientnet-v2"
_PORTED = "These weights are ported from the original paper's implementation."


def _weights(url: str, crop: int, resize: int, num_params: int, acc1: float, acc5: float, ops: float,
             file_size: float, v2: bool = False, interpolation: InterpolationMode = InterpolationMode.BICUBIC,
             recipe: str | None = None, docs: str = _PORTED, **transform_kwargs: Any) -> Weights:
    """One ImageNet-1K entry; EfficientNets are evaluated at their own crop and resize sizes."""
    return _imagenet1k_weights(url, num_params, acc1, acc5, ops, file_size,
                               recipe=recipe or (_V2_RECIPE if v2 else _V1_RECIPE), docs=docs,
                               min_size=(33, 33) if v2 else (1, 1), crop_size=crop, resize_size=resize,
                               interpolation=interpolation, **transform_kwargs)


_ROOT = "https://download.pytorch.org/models/"


class EfficientNet_B0_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b0_rwightman-7f5810bc.pth", 224, 256, 5288548, 77.692, 93.532,
                             0.386, 20.451)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B1_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b1_rwightman-bac287d4.pth", 240, 256, 7794184, 78.642, 94.186,
                             0.687, 30.134)
    IMAGENET1K_V2 = _weights(_ROOT + "efficientnet_b1-c27df63c.pth", 240, 255, 7794184, 79.838, 94.934, 0.687,
                             30.136, interpolation=InterpolationMode.BILINEAR,
                             recipe="https://github.com/pytorch/vision/issues/3995#new-recipe-with-lr-wd-crop-tuning",
                             docs="These weights improve upon the results of the original paper by using a modified "
                                  "version of TorchVision's new training recipe.")
    DEFAULT = IMAGENET1K_V2


class EfficientNet_B2_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b2_rwightman-c35c1473.pth", 288, 288, 9109994, 80.608, 95.31,
                             1.088, 35.174)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B3_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b3_rwightman-b3899882.pth", 300, 320, 12233232, 82.008, 96.054,
                             1.827, 47.184)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B4_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b4_rwightman-23ab8bcd.pth", 380, 384, 19341616, 83.384, 96.594,
                             4.394, 74.489)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B5_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b5_lukemelas-1a07897c.pth", 456, 456, 30389784, 83.444, 96.628,
                             10.266, 116.864)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B6_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b6_lukemelas-24a108a5.pth", 528, 528, 43040704, 84.008, 96.916,
                             19.068, 165.362)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_B7_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_b7_lukemelas-c5b4e57e.pth", 600, 600, 66347960, 84.122, 96.908,
                             37.746, 254.675)
    DEFAULT = IMAGENET1K_V1


_V2_DOCS = "These weights are trained from scratch using a modified version of TorchVision's new training recipe."


class EfficientNet_V2_S_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_v2_s-dd5fe13b.pth", 384, 384, 21458488, 84.228, 96.878, 8.366,
                             82.704, v2=True, interpolation=InterpolationMode.BILINEAR, docs=_V2_DOCS)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_V2_M_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_v2_m-dc08266a.pth", 480, 480, 54139356, 85.112, 97.156, 24.582,
                             208.01, v2=True, interpolation=InterpolationMode.BILINEAR, docs=_V2_DOCS)
    DEFAULT = IMAGENET1K_V1


class EfficientNet_V2_L_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights(_ROOT + "efficientnet_v2_l-59c71312.pth", 480, 480, 118515272, 85.808, 97.788, 56.08,
                             454.573, v2=True, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), docs=_PORTED)
    DEFAULT = IMAGENET1K_V1


_TF_NORM = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)  # B5-B7 were ported with TF's BatchNorm settings
_V2_NORM = partial(nn.BatchNorm2d, eps=1e-03)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B0_Weights.IMAGENET1K_V1))
def efficientnet_b0(*, weights: EfficientNet_B0_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B0; kwargs go to EfficientNet (num_classes, dropout, stochastic_depth_prob, norm_layer)."""
    return _efficientnet("efficientnet_b0", 0.2, EfficientNet_B0_Weights.verify(weights), progress,
                         {"width_mult": 1.0, "depth_mult": 1.0}, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B1_Weights.IMAGENET1K_V1))
def efficientnet_b1(*, weights: EfficientNet_B1_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B1; kwargs go to EfficientNet."""
    return _efficientnet("efficientnet_b1", 0.2, EfficientNet_B1_Weights.verify(weights), progress,
                         {"width_mult": 1.0, "depth_mult": 1.1}, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B2_Weights.IMAGENET1K_V1))
def efficientnet_b2(*, weights: EfficientNet_B2_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B2; kwargs go to EfficientNet."""
    return _efficientnet("efficientnet_b2", 0.3, EfficientNet_B2_Weights.verify(weights), progress,
                         {"width_mult": 1.1, "depth_mult": 1.2}, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B3_Weights.IMAGENET1K_V1))
def efficientnet_b3(*, weights: EfficientNet_B3_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B3; kwargs go to EfficientNet."""
    return _efficientnet("efficientnet_b3", 0.3, EfficientNet_B3_Weights.verify(weights), progress,
                         {"width_mult": 1.2, "depth_mult": 1.4}, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B4_Weights.IMAGENET1K_V1))
def efficientnet_b4(*, weights: EfficientNet_B4_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B4; kwargs go to EfficientNet."""
    return _efficientnet("efficientnet_b4", 0.4, EfficientNet_B4_Weights.verify(weights), progress,
                         {"width_mult": 1.4, "depth_mult": 1.8}, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B5_Weights.IMAGENET1K_V1))
def efficientnet_b5(*, weights: EfficientNet_B5_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B5; kwargs go to EfficientNet (its norm_layer is fixed, as in torchvision)."""
    return _efficientnet("efficientnet_b5", 0.4, EfficientNet_B5_Weights.verify(weights), progress,
                         {"width_mult": 1.6, "depth_mult": 2.2}, norm_layer=_TF_NORM, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B6_Weights.IMAGENET1K_V1))
def efficientnet_b6(*, weights: EfficientNet_B6_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B6; kwargs go to EfficientNet (its norm_layer is fixed, as in torchvision)."""
    return _efficientnet("efficientnet_b6", 0.5, EfficientNet_B6_Weights.verify(weights), progress,
                         {"width_mult": 1.8, "depth_mult": 2.6}, norm_layer=_TF_NORM, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_B7_Weights.IMAGENET1K_V1))
def efficientnet_b7(*, weights: EfficientNet_B7_Weights | None = None, progress: bool = True,
                    **kwargs: Any) -> EfficientNet:
    """EfficientNet-B7; kwargs go to EfficientNet (its norm_layer is fixed, as in torchvision)."""
    return _efficientnet("efficientnet_b7", 0.5, EfficientNet_B7_Weights.verify(weights), progress,
                         {"width_mult": 2.0, "depth_mult": 3.1}, norm_layer=_TF_NORM, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_V2_S_Weights.IMAGENET1K_V1))
def efficientnet_v2_s(*, weights: EfficientNet_V2_S_Weights | None = None, progress: bool = True,
                      **kwargs: Any) -> EfficientNet:
    """EfficientNetV2-S; kwargs go to EfficientNet (its norm_layer is fixed, as in torchvision)."""
    return _efficientnet("efficientnet_v2_s", 0.2, EfficientNet_V2_S_Weights.verify(weights), progress, {},
                         norm_layer=_V2_NORM, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_V2_M_Weights.IMAGENET1K_V1))
def efficientnet_v2_m(*, weights: EfficientNet_V2_M_Weights | None = None, progress: bool = True,
                      **kwargs: Any) -> EfficientNet:
    """EfficientNetV2-M; kwargs go to EfficientNet (its norm_layer is fixed, as in torchvision)."""
    return _efficientnet("efficientnet_v2_m", 0.3, EfficientNet_V2_M_Weights.verify(weights), progress, {},
                         norm_layer=_V2_NORM, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", EfficientNet_V2_L_Weights.IMAGENET1K_V1))
def efficientnet_v2_l(*, weights: EfficientNet_V2_L_Weights | None = None, progress: bool = True,
                      **kwargs: Any) -> EfficientNet:
    """EfficientNetV2-L; kwargs go to EfficientNet (its norm_layer is fixed, as in torchvision)."""
    return _efficientnet("efficientnet_v2_l", 0.4, EfficientNet_V2_L_Weights.verify(weights), progress, {},
                         norm_layer=_V2_NORM, **kwargs)
