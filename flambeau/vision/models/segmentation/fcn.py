"""FCN ("Fully Convolutional Networks for Semantic Segmentation", arXiv:1411.4038) on a dilated ResNet, as
torchvision builds it."""
from __future__ import annotations

from typing import Any, Optional

from .... import nn
from .._api import WeightsEnum, register_model
from .._utils import IntermediateLayerGetter, handle_legacy_interface
from ..resnet import ResNet, ResNet50_Weights, ResNet101_Weights, resnet50, resnet101
from ._utils import _SimpleSegmentationModel, _build_segmentation, _voc_weights

__all__ = ["FCN", "FCN_ResNet50_Weights", "FCN_ResNet101_Weights", "fcn_resnet50", "fcn_resnet101"]


class FCN(_SimpleSegmentationModel):
    """backbone -> {"out", "aux"?} feature maps; classifier (and aux_classifier) -> per-pixel class scores at the
    input's size."""


class FCNHead(nn.Sequential):
    """3x3 conv to a quarter of the channels, BN, ReLU, dropout, 1x1 conv to the classes."""

    def __init__(self, in_channels: int, channels: int) -> None:
        inter_channels = in_channels // 4
        super().__init__(nn.Conv2d(in_channels, inter_channels, 3, padding=1, bias=False),
                         nn.BatchNorm2d(inter_channels), nn.ReLU(), nn.Dropout(0.1),
                         nn.Conv2d(inter_channels, channels, 1))


class FCN_ResNet50_Weights(WeightsEnum):
    COCO_WITH_VOC_LABELS_V1 = _voc_weights("https://download.pytorch.org/models/fcn_resnet50_coco-1167a1af.pth",
                                           35322218, "fcn_resnet50", 60.5, 91.4, 152.717, 135.009)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


class FCN_ResNet101_Weights(WeightsEnum):
    # the recipe link is torchvision's (it points at deeplabv3_resnet101's section)
    COCO_WITH_VOC_LABELS_V1 = _voc_weights("https://download.pytorch.org/models/fcn_resnet101_coco-7ecb50ca.pth",
                                           54314346, "deeplabv3_resnet101", 63.7, 91.9, 232.738, 207.711)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


def _resnet_features(backbone: ResNet, aux: Optional[bool]) -> IntermediateLayerGetter:
    """layer4 as "out" and, for the auxiliary head, layer3 as "aux" (shared with DeepLabV3)."""
    return_layers = {"layer4": "out"}
    if aux:
        return_layers["layer3"] = "aux"
    return IntermediateLayerGetter(backbone, return_layers=return_layers)


def _fcn_resnet(backbone: ResNet, num_classes: int, aux: Optional[bool]) -> FCN:
    return FCN(_resnet_features(backbone, aux), FCNHead(2048, num_classes),
               FCNHead(1024, num_classes) if aux else None)


@register_model()
@handle_legacy_interface(weights=("pretrained", FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def fcn_resnet50(*, weights: Optional[FCN_ResNet50_Weights] = None, progress: bool = True,
                 num_classes: Optional[int] = None, aux_loss: Optional[bool] = None,
                 weights_backbone: Optional[ResNet50_Weights] = ResNet50_Weights.IMAGENET1K_V1,
                 **kwargs: Any) -> FCN:
    """FCN on a ResNet-50 whose last two stages are dilated (output stride 8)."""
    return _build_segmentation(_fcn_resnet, resnet50, FCN_ResNet50_Weights.verify(weights),
                               ResNet50_Weights.verify(weights_backbone), num_classes, aux_loss, progress,
                               replace_stride_with_dilation=[False, True, True])


@register_model()
@handle_legacy_interface(weights=("pretrained", FCN_ResNet101_Weights.COCO_WITH_VOC_LABELS_V1),
                         weights_backbone=("pretrained_backbone", ResNet101_Weights.IMAGENET1K_V1))
def fcn_resnet101(*, weights: Optional[FCN_ResNet101_Weights] = None, progress: bool = True,
                  num_classes: Optional[int] = None, aux_loss: Optional[bool] = None,
                  weights_backbone: Optional[ResNet101_Weights] = ResNet101_Weights.IMAGENET1K_V1,
                  **kwargs: Any) -> FCN:
    """FCN on a ResNet-101 whose last two stages are dilated (output stride 8)."""
    return _build_segmentation(_fcn_resnet, resnet101, FCN_ResNet101_Weights.verify(weights),
                               ResNet101_Weights.verify(weights_backbone), num_classes, aux_loss, progress,
                               replace_stride_with_dilation=[False, True, True])
