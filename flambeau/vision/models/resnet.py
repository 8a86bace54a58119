"""ResNet (arXiv:1512.03385), ResNeXt (arXiv:1611.05431) and Wide ResNet (arXiv:1605.07146) in torchvision's
"v1.5" form: bottleneck blocks downsample in their 3x3 convolution."""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, Optional, Union

from ... import flatten
from ..._tensor import Tensor
from ... import nn
from ._api import WeightsEnum, register_model
from ._utils import _build_model, _imagenet1k_weights, _ovewrite_named_param, handle_legacy_interface

__all__ = ["ResNet", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights",
           "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights",
           "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights", "resnet18", "resnet34", "resnet50", "resnet101",
           "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
           "wide_resnet101_2"]


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution, padded to keep the size at stride 1."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups,
                     bias=False, dilation=dilation)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut (ResNet-18/34)."""

    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided, grouped for ResNeXt), 1x1 expand by 4, and a shortcut."""

    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__()
        norm_layer = norm_layer or nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


class ResNet(nn.Module):
    def __init__(self, block: type[Union[BasicBlock, Bottleneck]], layers: list[int], num_classes: int = 1000,
                 zero_init_residual: bool = False, groups: int = 1, width_per_group: int = 64,
                 replace_stride_with_dilation: Optional[list[bool]] = None,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__()
        self._norm_layer = norm_layer = norm_layer or nn.BatchNorm2d
        self.inplanes = 64
        self.dilation = 1
        # for each of layer2..4: replace its stride-2 downsampling by a dilated convolution
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, got "
                             f"{replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2, dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2, dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2, dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            # each residual branch starts at zero, so each block starts as the identity (arXiv:1706.02677)
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block: type[Union[BasicBlock, Bottleneck]], planes: int, blocks: int, stride: int = 1,
                    dilate: bool = False) -> nn.Sequential:
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                         dilation=self.dilation, norm_layer=norm_layer) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def _forward_impl(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(flatten(self.avgpool(x), 1))

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_impl(x)


def _resnet(block: type[Union[BasicBlock, Bottleneck]], layers: list[int], weights: Optional[WeightsEnum],
            progress: bool, **kwargs: Any) -> ResNet:
    return _build_model(partial(ResNet, block, layers), weights, progress, **kwargs)


_MODELS = "https://download.pytorch.org/models/"
_RECIPES = "https://github.com/pytorch/vision/tree/main/references/classification"
_NEW_RECIPE = "https://github.com/pytorch/vision/issues/3995"
_V1 = partial(_imagenet1k_weights, docs="These weights reproduce closely the results of the paper using a simple "
                                        "training recipe.")
_NEW_RECIPE_DOCS = ("TorchVision's `new training recipe <https://pytorch.org/blog/how-to-train-state-of-the-art-"
                    "models-using-torchvision-latest-primitives/>`_.")
_V2 = partial(_imagenet1k_weights, resize_size=232,
              docs="These weights improve upon the results of the original paper by using " + _NEW_RECIPE_DOCS)


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "resnet18-f37072fd.pth", 11689512, 69.758, 89.078, 1.814, 44.661,
                        recipe=_RECIPES + "#resnet")
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "resnet34-b627a593.pth", 21797672, 73.314, 91.42, 3.664, 83.275,
                        recipe=_RECIPES + "#resnet")
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "resnet50-0676ba61.pth", 25557032, 76.13, 92.862, 4.089, 97.781,
                        recipe=_RECIPES + "#resnet")
    IMAGENET1K_V2 = _V2(_MODELS + "resnet50-11ad3fa6.pth", 25557032, 80.858, 95.434, 4.089, 97.79,
                        recipe=_NEW_RECIPE + "#issuecomment-1013906621")
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "resnet101-63fe2227.pth", 44549160, 77.374, 93.546, 7.801, 170.511,
                        recipe=_RECIPES + "#resnet")
    IMAGENET1K_V2 = _V2(_MODELS + "resnet101-cd907fc2.pth", 44549160, 81.886, 95.78, 7.801, 170.53,
                        recipe=_NEW_RECIPE + "#new-recipe")
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "resnet152-394f9c45.pth", 60192808, 78.312, 94.046, 11.514, 230.434,
                        recipe=_RECIPES + "#resnet")
    IMAGENET1K_V2 = _V2(_MODELS + "resnet152-f82ba261.pth", 60192808, 82.284, 96.002, 11.514, 230.474,
                        recipe=_NEW_RECIPE + "#new-recipe")
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "resnext50_32x4d-7cdf4587.pth", 25028904, 77.618, 93.698, 4.23, 95.789,
                        recipe=_RECIPES + "#resnext")
    IMAGENET1K_V2 = _V2(_MODELS + "resnext50_32x4d-1a0047aa.pth", 25028904, 81.198, 95.34, 4.23, 95.833,
                        recipe=_NEW_RECIPE + "#new-recipe")
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "resnext101_32x8d-8ba56ff5.pth", 88791336, 79.312, 94.526, 16.414, 339.586,
                        recipe=_RECIPES + "#resnext")
    IMAGENET1K_V2 = _V2(_MODELS + "resnext101_32x8d-110c445d.pth", 88791336, 82.834, 96.228, 16.414, 339.673,
                        recipe=_NEW_RECIPE + "#new-recipe-with-fixres")
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet1k_weights(
        _MODELS + "resnext101_64x4d-173b62eb.pth", 83455272, 83.246, 96.454, 15.46, 319.318, resize_size=232,
        recipe="https://github.com/pytorch/vision/pull/5935",
        docs="These weights were trained from scratch by using " + _NEW_RECIPE_DOCS)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "wide_resnet50_2-95faca4d.pth", 68883240, 78.468, 94.086, 11.398, 131.82,
                        recipe="https://github.com/pytorch/vision/pull/912#issue-445437439")
    IMAGENET1K_V2 = _V2(_MODELS + "wide_resnet50_2-9ba9bcbe.pth", 68883240, 81.602, 95.758, 11.398, 263.124,
                        recipe=_NEW_RECIPE + "#new-recipe-with-fixres")
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):
    IMAGENET1K_V1 = _V1(_MODELS + "wide_resnet101_2-32ee1156.pth", 126886696, 78.848, 94.284, 22.753, 242.896,
                        recipe="https://github.com/pytorch/vision/pull/912#issue-445437439")
    IMAGENET1K_V2 = _V2(_MODELS + "wide_resnet101_2-d733dc28.pth", 126886696, 82.51, 96.02, 22.753, 484.747,
                        recipe=_NEW_RECIPE + "#new-recipe")
    DEFAULT = IMAGENET1K_V2


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNet18_Weights.IMAGENET1K_V1))
def resnet18(*, weights: Optional[ResNet18_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-18; kwargs go to ResNet."""
    return _resnet(BasicBlock, [2, 2, 2, 2], ResNet18_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNet34_Weights.IMAGENET1K_V1))
def resnet34(*, weights: Optional[ResNet34_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-34; kwargs go to ResNet."""
    return _resnet(BasicBlock, [3, 4, 6, 3], ResNet34_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNet50_Weights.IMAGENET1K_V1))
def resnet50(*, weights: Optional[ResNet50_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-50; kwargs go to ResNet."""
    return _resnet(Bottleneck, [3, 4, 6, 3], ResNet50_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNet101_Weights.IMAGENET1K_V1))
def resnet101(*, weights: Optional[ResNet101_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-101; kwargs go to ResNet."""
    return _resnet(Bottleneck, [3, 4, 23, 3], ResNet101_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNet152_Weights.IMAGENET1K_V1))
def resnet152(*, weights: Optional[ResNet152_Weights] = None, progress: bool = True, **kwargs: Any) -> ResNet:
    """ResNet-152; kwargs go to ResNet."""
    return _resnet(Bottleneck, [3, 8, 36, 3], ResNet152_Weights.verify(weights), progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNeXt50_32X4D_Weights.IMAGENET1K_V1))
def resnext50_32x4d(*, weights: Optional[ResNeXt50_32X4D_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """ResNeXt-50 32x4d (32 groups of width 4); kwargs go to ResNet."""
    weights = ResNeXt50_32X4D_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNeXt101_32X8D_Weights.IMAGENET1K_V1))
def resnext101_32x8d(*, weights: Optional[ResNeXt101_32X8D_Weights] = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """ResNeXt-101 32x8d; kwargs go to ResNet."""
    weights = ResNeXt101_32X8D_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "groups", 32)
    _ovewrite_named_param(kwargs, "width_per_group", 8)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", ResNeXt101_64X4D_Weights.IMAGENET1K_V1))
def resnext101_64x4d(*, weights: Optional[ResNeXt101_64X4D_Weights] = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """ResNeXt-101 64x4d; kwargs go to ResNet."""
    weights = ResNeXt101_64X4D_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "groups", 64)
    _ovewrite_named_param(kwargs, "width_per_group", 4)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", Wide_ResNet50_2_Weights.IMAGENET1K_V1))
def wide_resnet50_2(*, weights: Optional[Wide_ResNet50_2_Weights] = None, progress: bool = True,
                    **kwargs: Any) -> ResNet:
    """Wide ResNet-50-2: ResNet-50 with bottlenecks twice as wide; kwargs go to ResNet."""
    weights = Wide_ResNet50_2_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 6, 3], weights, progress, **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", Wide_ResNet101_2_Weights.IMAGENET1K_V1))
def wide_resnet101_2(*, weights: Optional[Wide_ResNet101_2_Weights] = None, progress: bool = True,
                     **kwargs: Any) -> ResNet:
    """Wide ResNet-101-2: ResNet-101 with bottlenecks twice as wide; kwargs go to ResNet."""
    weights = Wide_ResNet101_2_Weights.verify(weights)
    _ovewrite_named_param(kwargs, "width_per_group", 64 * 2)
    return _resnet(Bottleneck, [3, 4, 23, 3], weights, progress, **kwargs)
