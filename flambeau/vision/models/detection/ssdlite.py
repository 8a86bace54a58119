"""SSDLite (the MobileNetV2 paper's SSD with depthwise-separable heads and extra layers, arXiv:1801.04381) on a
MobileNetV3-Large (arXiv:1905.02244, section 6.3): feature maps from the C4 expansion layer and the last layer,
four extra blocks, 320 x 320 inputs."""
from __future__ import annotations

import warnings
from collections import OrderedDict
from functools import partial
from typing import Any, Callable, Optional, Union

from flambeau import Tensor, nn

from ...ops.misc import Conv2dNormActivation
from .._api import WeightsEnum, register_model
from .._utils import handle_legacy_interface
from ..mobilenetv2 import MobileNetV2
from ..mobilenetv3 import MobileNet_V3_Large_Weights, MobileNetV3, mobilenet_v3_large
from ._one_stage import _freeze_before_stage, _load_weights
from ._utils import _coco_weights, _resolve_weights, retrieve_out_channels
from .anchor_utils import DefaultBoxGenerator
from .backbone_utils import _validate_trainable_layers
from .ssd import SSD, SSDScoringHead

__all__ = ["SSDLite320_MobileNet_V3_Large_Weights", "ssdlite320_mobilenet_v3_large"]


def _prediction_block(in_channels: int, out_channels: int, kernel_size: int,
                      norm_layer: Callable[..., nn.Module]) -> nn.Sequential:
    """A depthwise kernel_size conv (norm, ReLU6), then a 1x1 conv to out_channels."""
    return nn.Sequential(Conv2dNormActivation(in_channels, in_channels, kernel_size=kernel_size, groups=in_channels,
                                              norm_layer=norm_layer, activation_layer=nn.ReLU6),
                         nn.Conv2d(in_channels, out_channels, 1))


def _extra_block(in_channels: int, out_channels: int, norm_layer: Callable[..., nn.Module]) -> nn.Sequential:
    """1x1 conv to half of out_channels, depthwise 3x3 stride-2 conv, 1x1 conv to out_channels (each with norm
    and ReLU6): halves the map."""
    mid = out_channels // 2
    block = partial(Conv2dNormActivation, norm_layer=norm_layer, activation_layer=nn.ReLU6)
    return nn.Sequential(block(in_channels, mid, kernel_size=1), block(mid, mid, kernel_size=3, stride=2, groups=mid),
                         block(mid, out_channels, kernel_size=1))


def _normal_init(conv: nn.Module) -> None:
    for layer in conv.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.normal_(layer.weight, mean=0.0, std=0.03)
            if layer.bias is not None:
                nn.init.constant_(layer.bias, 0.0)


class SSDLiteHead(nn.Module):
    """A depthwise-separable prediction block per feature map for the class logits and one for the box deltas."""

    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int,
                 norm_layer: Callable[..., nn.Module]) -> None:
        super().__init__()
        self.classification_head = SSDLiteClassificationHead(in_channels, num_anchors, num_classes, norm_layer)
        self.regression_head = SSDLiteRegressionHead(in_channels, num_anchors, norm_layer)

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        return {"bbox_regression": self.regression_head(x), "cls_logits": self.classification_head(x)}


class SSDLiteClassificationHead(SSDScoringHead):
    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int,
                 norm_layer: Callable[..., nn.Module]) -> None:
        cls_logits = nn.ModuleList(_prediction_block(channels, num_classes * anchors, 3, norm_layer)
                                   for channels, anchors in zip(in_channels, num_anchors))
        _normal_init(cls_logits)
        super().__init__(cls_logits, num_classes)


class SSDLiteRegressionHead(SSDScoringHead):
    def __init__(self, in_channels: list[int], num_anchors: list[int], norm_layer: Callable[..., nn.Module]) -> None:
        bbox_reg = nn.ModuleList(_prediction_block(channels, 4 * anchors, 3, norm_layer)
                                 for channels, anchors in zip(in_channels, num_anchors))
        _normal_init(bbox_reg)
        super().__init__(bbox_reg, 4)


class SSDLiteFeatureExtractorMobileNet(nn.Module):
    """Two feature maps from the MobileNet `backbone` (its features): the output of the C4 block's expansion
    layer (backbone[c4_pos].block[0]) and that of the last layer; then four extra blocks, their channels scaled
    by width_mult (at least min_depth)."""

    def __init__(self, backbone: nn.Module, c4_pos: int, norm_layer: Callable[..., nn.Module],
                 width_mult: float = 1.0, min_depth: int = 16) -> None:
        super().__init__()
        if backbone[c4_pos].use_res_connect:
            raise ValueError("backbone[c4_pos].use_res_connect should be False")
        self.features = nn.Sequential(nn.Sequential(*backbone[:c4_pos], backbone[c4_pos].block[0]),
                                      nn.Sequential(backbone[c4_pos].block[1:], *backbone[c4_pos + 1:]))

        def depth(d: int) -> int:
            return max(min_depth, int(d * width_mult))

        self.extra = nn.ModuleList([_extra_block(backbone[-1].out_channels, depth(512), norm_layer),
                                    _extra_block(depth(512), depth(256), norm_layer),
                                    _extra_block(depth(256), depth(256), norm_layer),
                                    _extra_block(depth(256), depth(128), norm_layer)])
        _normal_init(self.extra)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        output = []
        for block in [*self.features, *self.extra]:
            x = block(x)
            output.append(x)
        return OrderedDict([(str(i), v) for i, v in enumerate(output)])


def _mobilenet_extractor(backbone: Union[MobileNetV2, MobileNetV3], trainable_layers: int,
                         norm_layer: Callable[..., nn.Module]) -> SSDLiteFeatureExtractorMobileNet:
    """SSDLite's extractor on backbone.features, C4 being its last strided block; all but the last
    trainable_layers stages (split at the strided blocks) frozen."""
    features = backbone.features
    stage_indices = [0] + [i for i, b in enumerate(features) if getattr(b, "_is_cn", False)] + [len(features) - 1]
    num_stages = len(stage_indices)
    if not 0 <= trainable_layers <= num_stages:
        raise ValueError(f"trainable_layers should be in the range [0, {num_stages}], instead got {trainable_layers}")
    _freeze_before_stage(features, stage_indices, trainable_layers)
    return SSDLiteFeatureExtractorMobileNet(features, stage_indices[-2], norm_layer)


class SSDLite320_MobileNet_V3_Large_Weights(WeightsEnum):
    COCO_V1 = _coco_weights(
        "https://download.pytorch.org/models/ssdlite320_mobilenet_v3_large_coco-a79551df.pth", 3440060,
        "https://github.com/pytorch/vision/tree/main/references/detection#ssdlite320-mobilenetv3-large",
        {"box_map": 21.3}, 0.583, 13.418,
        "These weights were produced by following a similar training recipe as on the paper.")
    DEFAULT = COCO_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", SSDLite320_MobileNet_V3_Large_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", MobileNet_V3_Large_Weights.IMAGENET1K_V1))
def ssdlite320_mobilenet_v3_large(*, weights: Optional[SSDLite320_MobileNet_V3_Large_Weights] = None,
                                  progress: bool = True, num_classes: Optional[int] = None,
                                  weights_backbone: Optional[MobileNet_V3_Large_Weights] =
                                  MobileNet_V3_Large_Weights.IMAGENET1K_V1,
                                  trainable_backbone_layers: Optional[int] = None,
                                  norm_layer: Optional[Callable[..., nn.Module]] = None, **kwargs: Any) -> SSD:
    """SSDLite320 on MobileNetV3-Large: 320 x 320 inputs scaled to [-1, 1], six feature maps, six default boxes
    per location. Without a pretrained backbone its last stage is halved (reduced tail) and initialised like the
    heads; all trainable_backbone_layers (6) train by default. kwargs go to both the MobileNetV3 and SSD, as in
    torchvision."""
    weights = SSDLite320_MobileNet_V3_Large_Weights.verify(weights)
    weights_backbone = MobileNet_V3_Large_Weights.verify(weights_backbone)
    if "size" in kwargs:
        warnings.warn("The size of the model is already fixed; ignoring the parameter.")
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes)
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 6, 6)
    norm_layer = norm_layer or partial(nn.BatchNorm2d, eps=0.001, momentum=0.03)
    backbone = mobilenet_v3_large(weights=weights_backbone, progress=progress, norm_layer=norm_layer,
                                  reduced_tail=weights_backbone is None, **kwargs)
    if weights_backbone is None:
        _normal_init(backbone)
    backbone = _mobilenet_extractor(backbone, trainable_backbone_layers, norm_layer)
    size = (320, 320)
    anchor_generator = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
    out_channels = retrieve_out_channels(backbone, size)
    if len(out_channels) != len(anchor_generator.aspect_ratios):
        raise ValueError(f"The length of the output channels from the backbone {len(out_channels)} do not match the "
                         f"length of the anchor generator aspect ratios {len(anchor_generator.aspect_ratios)}")
    defaults = {"score_thresh": 0.001, "nms_thresh": 0.55, "detections_per_img": 300, "topk_candidates": 300,
                # [0, 1] -> [-1, 1]
                "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    model = SSD(backbone, anchor_generator, size, num_classes,
                head=SSDLiteHead(out_channels, anchor_generator.num_anchors_per_location(), num_classes, norm_layer),
                **{**defaults, **kwargs})
    _load_weights(model, weights, progress)
    return model
