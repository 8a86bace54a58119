"""DeepLabV3 ("Rethinking Atrous Convolution for Semantic Image Segmentation", arXiv:1706.05587) on a dilated
ResNet or MobileNetV3-Large, as torchvision builds it."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

from .... import cat, nn
from ...._tensor import Tensor
from ....nn import functional as F
from .._api import WeightsEnum, register_model
from .._utils import IntermediateLayerGetter, handle_legacy_interface
from ..mobilenetv3 import MobileNet_V3_Large_Weights, MobileNetV3, mobilenet_v3_large
from ..resnet import ResNet, ResNet50_Weights, ResNet101_Weights, resnet50, resnet101
from ._utils import _SimpleSegmentationModel, _build_segmentation, _mobilenet_stage_ends, _upsample, _voc_weights
from .fcn import FCNHead, _resnet_features

__all__ = ["DeepLabV3", "DeepLabV3_ResNet50_Weights", "DeepLabV3_ResNet101_Weights",
           "DeepLabV3_MobileNet_V3_Large_Weights", "deeplabv3_mobilenet_v3_large", "deeplabv3_resnet50",
           "deeplabv3_resnet101"]


class DeepLabV3(_SimpleSegmentationModel):
    """backbone -> {"out", "aux"?} feature maps; classifier (a DeepLabHead) and the optional aux_classifier ->
    per-pixel class scores at the input's size."""


class DeepLabHead(nn.Sequential):
    """ASPP, then a 3x3 conv-BN-ReLU and a 1x1 conv to the classes."""

    def __init__(self, in_channels: int, num_classes: int, atrous_rates: Sequence[int] = (12, 24, 36)) -> None:
        super().__init__(ASPP(in_channels, atrous_rates), nn.Conv2d(256, 256, 3, padding=1, bias=False),
                         nn.BatchNorm2d(256), nn.ReLU(), nn.Conv2d(256, num_classes, 1))


class ASPPConv(nn.Sequential):
    """3x3 conv dilated by `dilation` (padded to keep the size), BN, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, dilation: int) -> None:
        super().__init__(nn.Conv2d(in_channels, out_channels, 3, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())

    def forward(self, x: Tensor) -> Tensor:
        # A dilation at least the map's height (width) puts the kernel's outer rows (columns) on the zero padding
        # only: they add nothing and are skipped (at output stride 16, rates 24 and 36 become 1x1 convolutions).
        conv = self[0]
        dilation = conv.dilation[0]
        rows = slice(1, 2) if dilation >= x.shape[-2] else slice(0, 3)
        cols = slice(1, 2) if dilation >= x.shape[-1] else slice(0, 3)
        padding = (0 if rows.start else dilation, 0 if cols.start else dilation)
        x = F.conv2d(x, conv.weight[:, :, rows, cols], padding=padding, dilation=dilation)
        return self[2](self[1](x))


class ASPPPooling(nn.Sequential):
    """The image-level branch: global average, 1x1 conv-BN-ReLU, spread back over the input's size."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU())

    def forward(self, x: Tensor) -> Tensor:
        return _upsample(super().forward(x), x.shape[-2:])


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: a 1x1 branch, one dilated 3x3 branch per rate and the pooling branch, run in
    parallel, concatenated and projected (1x1 conv-BN-ReLU, dropout 0.5) to out_channels."""

    def __init__(self, in_channels: int, atrous_rates: Sequence[int], out_channels: int = 256) -> None:
        super().__init__()
        branches: list[nn.Module] = [nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                                                   nn.BatchNorm2d(out_channels), nn.ReLU())]
        branches += [ASPPConv(in_channels, out_channels, rate) for rate in tuple(atrous_rates)]
        branches.append(ASPPPooling(in_channels, out_channels))
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(nn.Conv2d(len(self.convs) * out_channels, out_channels, 1, bias=False),
                                     nn.BatchNorm2d(out_channels), nn.ReLU(), nn.Dropout(0.5))

    def forward(self, x: Tensor) -> Tensor:
        return self.project(cat([branch(x) for branch in self.convs], dim=1))


def _deeplabv3_resnet(backbone: ResNet, num_classes: int, aux: Optional[bool]) -> DeepLabV3:
    return DeepLabV3(_resnet_features(backbone, aux), DeepLabHead(2048, num_classes),
                     FCNHead(1024, num_classes) if aux else None)


def _deeplabv3_mobilenetv3(backbone: MobileNetV3, num_classes: int, aux: Optional[bool]) -> DeepLabV3:
    """The head on the last layer (stride 16), the aux head on the stride-8 block."""
    features = backbone.features
    aux_pos, out_pos = _mobilenet_stage_ends(features)
    return_layers = {str(out_pos): "out"}
    if aux:
        return_layers[str(aux_pos)] = "aux"
    classifier = DeepLabHead(features[out_pos].out_channels, num_classes)
    aux_classifier = FCNHead(features[aux_pos].out_channels, num_classes) if aux else None
    return DeepLabV3(IntermediateLayerGetter(features, return_layers=return_layers), classifier, aux_classifier)


_MODELS = "https://download.pytorch.org/models/"


class DeepLabV3_ResNet50_Weights(WeightsEnum):
    COCO_WITH_VOC_LABELS_V1 = _voc_weights(_MODELS + "deeplabv3_resnet50_coco-cd0a2569.pth", 42004074,
                                           "deeplabv3_resnet50", 66.4, 92.4, 178.722, 160.515)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


class DeepLabV3_ResNet101_Weights(WeightsEnum):
    # the recipe link is torchvision's (it points at fcn_resnet101's section)
    COCO_WITH_VOC_LABELS_V1 = _voc_weights(_MODELS + "deeplabv3_resnet101_coco-586e9e4e.pth", 60996202,
                                           "fcn_resnet101", 67.4, 92.4, 258.743, 233.217)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


class DeepLabV3_MobileNet_V3_Large_Weights(WeightsEnum):
    COCO_WITH_VOC_LABELS_V1 = _voc_weights(_MODELS + "deeplabv3_mobilenet_v3_large-fc3c493d.pth", 11029328,
                                           "deeplabv3_mobilenet_v3_large", 60.3, 91.2, 10.452, 42.301)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def deeplabv3_resnet50(*, weights: Optional[DeepLabV3_ResNet50_Weights] = None, progress: bool = True,
                       num_classes: Optional[int] = None, aux_loss: Optional[bool] = None,
                       weights_backbone: Optional[ResNet50_Weights] = ResNet50_Weights.IMAGENET1K_V1,
                       **kwargs: Any) -> DeepLabV3:
    """DeepLabV3 on a ResNet-50 whose last two stages are dilated (output stride 8)."""
    return _build_segmentation(_deeplabv3_resnet, resnet50, DeepLabV3_ResNet50_Weights.verify(weights),
                               ResNet50_Weights.verify(weights_backbone), num_classes, aux_loss, progress,
                               replace_stride_with_dilation=[False, True, True])


@register_model()
@handle_legacy_interface(weights=("pretrained", DeepLabV3_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1),
                         weights_backbone=("pretrained_backbone", ResNet101_Weights.IMAGENET1K_V1))
def deeplabv3_resnet101(*, weights: Optional[DeepLabV3_ResNet101_Weights] = None, progress: bool = True,
                        num_classes: Optional[int] = None, aux_loss: Optional[bool] = None,
                        weights_backbone: Optional[ResNet101_Weights] = ResNet101_Weights.IMAGENET1K_V1,
                        **kwargs: Any) -> DeepLabV3:
    """DeepLabV3 on a ResNet-101 whose last two stages are dilated (output stride 8)."""
    return _build_segmentation(_deeplabv3_resnet, resnet101, DeepLabV3_ResNet101_Weights.verify(weights),
                               ResNet101_Weights.verify(weights_backbone), num_classes, aux_loss, progress,
                               replace_stride_with_dilation=[False, True, True])


@register_model()
@handle_legacy_interface(weights=("pretrained", DeepLabV3_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1),
                         weights_backbone=("pretrained_backbone", MobileNet_V3_Large_Weights.IMAGENET1K_V1))
def deeplabv3_mobilenet_v3_large(*, weights: Optional[DeepLabV3_MobileNet_V3_Large_Weights] = None,
                                 progress: bool = True, num_classes: Optional[int] = None,
                                 aux_loss: Optional[bool] = None,
                                 weights_backbone: Optional[MobileNet_V3_Large_Weights] =
                                 MobileNet_V3_Large_Weights.IMAGENET1K_V1, **kwargs: Any) -> DeepLabV3:
    """DeepLabV3 on a MobileNetV3-Large whose last stage is dilated (output stride 16)."""
    return _build_segmentation(_deeplabv3_mobilenetv3, mobilenet_v3_large,
                               DeepLabV3_MobileNet_V3_Large_Weights.verify(weights),
                               MobileNet_V3_Large_Weights.verify(weights_backbone), num_classes, aux_loss, progress,
                               dilated=True)
