"""Lite R-ASPP ("Searching for MobileNetV3", arXiv:1905.02244) on a dilated MobileNetV3-Large, as torchvision
builds it."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

from .... import nn
from ...._tensor import Tensor
from .._api import WeightsEnum, register_model
from .._utils import IntermediateLayerGetter, handle_legacy_interface
from ..mobilenetv3 import MobileNet_V3_Large_Weights, MobileNetV3, mobilenet_v3_large
from ._utils import _build_segmentation, _mobilenet_stage_ends, _upsample, _voc_weights

__all__ = ["LRASPP", "LRASPP_MobileNet_V3_Large_Weights", "lraspp_mobilenet_v3_large"]


class LRASPP(nn.Module):
    """backbone -> {"low", "high"} feature maps -> LRASPPHead -> {"out": class scores at the input's size}."""

    def __init__(self, backbone: nn.Module, low_channels: int, high_channels: int, num_classes: int,
                 inter_channels: int = 128) -> None:
        super().__init__()
        self.backbone = backbone
        self.classifier = LRASPPHead(low_channels, high_channels, num_classes, inter_channels)

    def forward(self, input: Tensor) -> dict[str, Tensor]:
        out = self.classifier(self.backbone(input))
        return OrderedDict(out=_upsample(out, input.shape[-2:]))


class LRASPPHead(nn.Module):
    """The high-level map reduced (1x1 conv-BN-ReLU) and gated by its own squeeze-excitation-like global scale,
    upsampled to the low-level map's size; each map gets its own 1x1 classifier and the scores are summed."""

    def __init__(self, low_channels: int, high_channels: int, num_classes: int, inter_channels: int) -> None:
        super().__init__()
        self.cbr = nn.Sequential(nn.Conv2d(high_channels, inter_channels, 1, bias=False),
                                 nn.BatchNorm2d(inter_channels), nn.ReLU(inplace=True))
        self.scale = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(high_channels, inter_channels, 1, bias=False),
                                   nn.Sigmoid())
        self.low_classifier = nn.Conv2d(low_channels, num_classes, 1)
        self.high_classifier = nn.Conv2d(inter_channels, num_classes, 1)

    def forward(self, input: dict[str, Tensor]) -> Tensor:
        low, high = input["low"], input["high"]
        x = _upsample(self.cbr(high) * self.scale(high), low.shape[-2:])
        return self.low_classifier(low) + self.high_classifier(x)


def _lraspp_mobilenetv3(backbone: MobileNetV3, num_classes: int, aux: Optional[bool] = None) -> LRASPP:
    """"low" from the stride-8 block, "high" from the last layer (stride 16). (aux: unused, no aux head.)"""
    features = backbone.features
    low_pos, high_pos = _mobilenet_stage_ends(features)
    getter = IntermediateLayerGetter(features, return_layers={str(low_pos): "low", str(high_pos): "high"})
    return LRASPP(getter, features[low_pos].out_channels, features[high_pos].out_channels, num_classes)


class LRASPP_MobileNet_V3_Large_Weights(WeightsEnum):
    COCO_WITH_VOC_LABELS_V1 = _voc_weights("https://download.pytorch.org/models/lraspp_mobilenet_v3_large-d234d4ea.pth",
                                           3221538, "lraspp_mobilenet_v3_large", 57.9, 91.2, 2.086, 12.49)
    DEFAULT = COCO_WITH_VOC_LABELS_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", LRASPP_MobileNet_V3_Large_Weights.COCO_WITH_VOC_LABELS_V1),
                         weights_backbone=("pretrained_backbone", MobileNet_V3_Large_Weights.IMAGENET1K_V1))
def lraspp_mobilenet_v3_large(*, weights: Optional[LRASPP_MobileNet_V3_Large_Weights] = None, progress: bool = True,
                              num_classes: Optional[int] = None,
                              weights_backbone: Optional[MobileNet_V3_Large_Weights] =
                              MobileNet_V3_Large_Weights.IMAGENET1K_V1, **kwargs: Any) -> LRASPP:
    """Lite R-ASPP on a MobileNetV3-Large whose last stage is dilated; it has no auxiliary head."""
    if kwargs.pop("aux_loss", False):
        raise NotImplementedError("This model does not use auxiliary loss")
    return _build_segmentation(_lraspp_mobilenetv3, mobilenet_v3_large,
                               LRASPP_MobileNet_V3_Large_Weights.verify(weights),
                               MobileNet_V3_Large_Weights.verify(weights_backbone), num_classes, None, progress,
                               dilated=True)
