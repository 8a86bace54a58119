"""RetinaNet ("Focal Loss for Dense Object Detection", arXiv:1708.02002): a ResNet-50 FPN (P3-P7) with a
classification and a box regression subnet shared by all levels, trained with the focal loss; and the improved
v2 (GroupNorm heads, GIoU loss) of arXiv:1912.02424."""
from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable, Optional, Union

import flambeau
from flambeau import Tensor, nn

from ...ops import misc as misc_nn_ops, sigmoid_focal_loss
from .._api import WeightsEnum, register_model
from .._utils import handle_legacy_interface
from ..resnet import ResNet50_Weights
from ._one_stage import (_OneStageDetector, _load_weights, _match_by_iou, _per_anchor, _resnet50_fpn_p3_p7,
                         _split_levels)
from ._utils import BoxCoder, Matcher, _box_loss, _coco_weights, _resolve_weights, overwrite_eps
from .anchor_utils import AnchorGenerator

__all__ = ["RetinaNet", "RetinaNet_ResNet50_FPN_Weights", "RetinaNet_ResNet50_FPN_V2_Weights",
           "retinanet_resnet50_fpn", "retinanet_resnet50_fpn_v2"]


def _default_anchorgen() -> AnchorGenerator:
    """Three sizes per level (x, x * 2^(1/3), x * 2^(2/3)) for x = 32 ... 512 on P3 ... P7, three aspect ratios."""
    anchor_sizes = tuple((x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in [32, 64, 128, 256, 512])
    return AnchorGenerator(anchor_sizes, ((0.5, 1.0, 2.0),) * len(anchor_sizes))


class RetinaNetHead(nn.Module):
    """The classification and regression subnets, run on every feature map."""

    def __init__(self, in_channels: int, num_anchors: int, num_classes: int,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__()
        self.classification_head = RetinaNetClassificationHead(in_channels, num_anchors, num_classes,
                                                               norm_layer=norm_layer)
        self.regression_head = RetinaNetRegressionHead(in_channels, num_anchors, norm_layer=norm_layer)

    def compute_loss(self, targets: list[dict[str, Tensor]], head_outputs: dict[str, Tensor],
                     anchors: list[Tensor], matched_idxs: list[Tensor]) -> dict[str, Tensor]:
        return {"classification": self.classification_head.compute_loss(targets, head_outputs, matched_idxs),
                "bbox_regression": self.regression_head.compute_loss(targets, head_outputs, anchors, matched_idxs)}

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        return {"cls_logits": self.classification_head(x), "bbox_regression": self.regression_head(x)}


class _Subnet(nn.Module):
    """The four 3x3 conv (+ norm) + ReLU layers both subnets start with, initialised N(0, 0.01). Version 2 of
    the state_dict keys them conv.<i>.0 (Conv2dNormActivation); version 1 checkpoints' conv.<2i> are renamed."""

    _version = 2

    def __init__(self, in_channels: int, norm_layer: Optional[Callable[..., nn.Module]]) -> None:
        super().__init__()
        self.conv = nn.Sequential(*(misc_nn_ops.Conv2dNormActivation(in_channels, in_channels, norm_layer=norm_layer)
                                    for _ in range(4)))
        for layer in self.conv.modules():
            if isinstance(layer, nn.Conv2d):
                nn.init.normal_(layer.weight, std=0.01)
                if layer.bias is not None:
                    nn.init.constant_(layer.bias, 0)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        version = local_metadata.get("version", None)
        if version is None or version < 2:
            for i in range(4):
                for kind in ("weight", "bias"):
                    old_key = f"{prefix}conv.{2 * i}.{kind}"
                    if old_key in state_dict:
                        state_dict[f"{prefix}conv.{i}.0.{kind}"] = state_dict.pop(old_key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class RetinaNetClassificationHead(_Subnet):
    """Per anchor and class, a logit; the last conv's bias starts every probability at prior_probability."""

    def __init__(self, in_channels: int, num_anchors: int, num_classes: int, prior_probability: float = 0.01,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__(in_channels, norm_layer)
        self.cls_logits = nn.Conv2d(in_channels, num_anchors * num_classes, kernel_size=3, stride=1, padding=1)
        nn.init.normal_(self.cls_logits.weight, std=0.01)
        nn.init.constant_(self.cls_logits.bias, -math.log((1 - prior_probability) / prior_probability))
        self.num_classes = num_classes
        self.num_anchors = num_anchors
        self.BETWEEN_THRESHOLDS = Matcher.BETWEEN_THRESHOLDS

    def compute_loss(self, targets: list[dict[str, Tensor]], head_outputs: dict[str, Tensor],
                     matched_idxs: list[Tensor]) -> Tensor:
        """Focal loss over the anchors that are not between the IoU thresholds, per image divided by its number
        of foreground anchors; averaged over the images."""
        losses = []
        for targets_per_image, cls_logits, matched in zip(targets, head_outputs["cls_logits"], matched_idxs):
            foreground = flambeau.where(matched >= 0)[0]
            gt_classes_target = flambeau.zeros_like(cls_logits)
            gt_classes_target[foreground, targets_per_image["labels"][matched[foreground]]] = 1.0
            valid = matched != self.BETWEEN_THRESHOLDS
            loss = sigmoid_focal_loss(cls_logits[valid], gt_classes_target[valid], reduction="sum")
            losses.append(loss / max(1, foreground.numel()))
        return sum(losses) / len(targets)

    def forward(self, x: list[Tensor]) -> Tensor:
        """(N, sum over levels of H * W * A, num_classes) logits."""
        return flambeau.cat([_per_anchor(self.cls_logits(self.conv(f)), self.num_classes) for f in x], dim=1)


class RetinaNetRegressionHead(_Subnet):
    """Per anchor, the four BoxCoder deltas (weights 1) to its box; trained with an L1 loss ("l1", v1) or
    another of _box_loss's ("giou" in v2), set through _loss_type."""

    def __init__(self, in_channels: int, num_anchors: int,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__(in_channels, norm_layer)
        self.bbox_reg = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=3, stride=1, padding=1)
        nn.init.normal_(self.bbox_reg.weight, std=0.01)
        nn.init.zeros_(self.bbox_reg.bias)
        self.box_coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self._loss_type = "l1"

    def compute_loss(self, targets: list[dict[str, Tensor]], head_outputs: dict[str, Tensor],
                     anchors: list[Tensor], matched_idxs: list[Tensor]) -> Tensor:
        """The box loss over each image's foreground anchors, divided by their number; averaged over images."""
        losses = []
        for targets_per_image, bbox_regression, anchors_per_image, matched in zip(
                targets, head_outputs["bbox_regression"], anchors, matched_idxs):
            foreground = flambeau.where(matched >= 0)[0]
            matched_gt_boxes = targets_per_image["boxes"][matched[foreground]]
            loss = _box_loss(self._loss_type, self.box_coder, anchors_per_image[foreground, :], matched_gt_boxes,
                             bbox_regression[foreground, :])
            losses.append(loss / max(1, foreground.numel()))
        return sum(losses) / max(1, len(targets))

    def forward(self, x: list[Tensor]) -> Tensor:
        """(N, sum over levels of H * W * A, 4) deltas."""
        return flambeau.cat([_per_anchor(self.bbox_reg(self.conv(f)), 4) for f in x], dim=1)


class RetinaNet(_OneStageDetector):
    """RetinaNet over `backbone` (a module with an out_channels attribute returning one feature map or an
    OrderedDict of them, all with out_channels). Images are normalized with image_mean/std and resized to
    min_size/max_size. Anchors match a gt box at IoU >= fg_iou_thresh, are background below bg_iou_thresh and
    ignored between. At inference, each level keeps its topk_candidates scores above score_thresh; class-wise NMS
    at nms_thresh leaves at most detections_per_img per image.

    Training: model(images, targets) with targets[i] = {"boxes": FloatTensor[N, 4] (x1, y1, x2, y2),
    "labels": Int64Tensor[N]} returns {"classification", "bbox_regression"} losses. Evaluation: model(images)
    returns, per image, {"boxes", "scores", "labels"} in the image's own coordinates."""

    def __init__(self, backbone: nn.Module, num_classes: int, min_size: int = 800, max_size: int = 1333,
                 image_mean: Optional[list[float]] = None, image_std: Optional[list[float]] = None,
                 anchor_generator: Optional[AnchorGenerator] = None, head: Optional[nn.Module] = None,
                 proposal_matcher: Optional[Matcher] = None, score_thresh: float = 0.05, nms_thresh: float = 0.5,
                 detections_per_img: int = 300, fg_iou_thresh: float = 0.5, bg_iou_thresh: float = 0.4,
                 topk_candidates: int = 1000, **kwargs: Any) -> None:
        super().__init__()
        self._check_out_channels(backbone)
        self.backbone = backbone
        if not isinstance(anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError(f"anchor_generator should be of type AnchorGenerator or None instead of "
                            f"{type(anchor_generator)}")
        if anchor_generator is None:
            anchor_generator = _default_anchorgen()
        self.anchor_generator = anchor_generator
        if head is None:
            head = RetinaNetHead(backbone.out_channels, anchor_generator.num_anchors_per_location()[0], num_classes)
        self.head = head
        self.proposal_matcher = proposal_matcher or Matcher(fg_iou_thresh, bg_iou_thresh,
                                                            allow_low_quality_matches=True)
        self.box_coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self._set_up(min_size, max_size, image_mean, image_std, score_thresh, nms_thresh, detections_per_img,
                     topk_candidates, **kwargs)

    def compute_loss(self, targets: list[dict[str, Tensor]], head_outputs: dict[str, Tensor],
                     anchors: list[Tensor]) -> dict[str, Tensor]:
        return self.head.compute_loss(targets, head_outputs, anchors,
                                      _match_by_iou(self.proposal_matcher, anchors, targets))

    def postprocess_detections(self, head_outputs: dict[str, list[Tensor]], anchors: list[list[Tensor]],
                               image_shapes: list[tuple[int, int]]) -> list[dict[str, Tensor]]:
        """Per image (head outputs and anchors split per level): the best sigmoid scores of each level, decoded,
        clipped, and suppressed class by class."""
        scores = [flambeau.sigmoid(level) for level in head_outputs["cls_logits"]]
        return self._detect_levels(scores, head_outputs["bbox_regression"], anchors, image_shapes,
                                   self.box_coder.decode_single)

    def forward(self, images: list[Tensor], targets: Optional[list[dict[str, Tensor]]] = None
                ) -> Union[dict[str, Tensor], list[dict[str, Tensor]]]:
        image_list, targets, original_image_sizes, features = self._features(images, targets)
        head_outputs = self.head(features)
        anchors = self.anchor_generator(image_list, features)
        if self.training:
            return self.eager_outputs(self.compute_loss(targets, head_outputs, anchors), [])
        num_locations = [x.size(2) * x.size(3) for x in features]
        anchors_per_location = head_outputs["cls_logits"].size(1) // sum(num_locations)
        split_outputs, split_anchors = _split_levels(head_outputs, anchors,
                                                     [hw * anchors_per_location for hw in num_locations])
        detections = self.postprocess_detections(split_outputs, split_anchors, image_list.image_sizes)
        detections = self.transform.postprocess(detections, image_list.image_sizes, original_image_sizes)
        return self.eager_outputs({}, detections)


_DOCS_PAPER = "These weights were produced by following a similar training recipe as on the paper."


class RetinaNet_ResNet50_FPN_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/retinanet_resnet50_fpn_coco-eeacb38b.pth",
                            34014999, "https://github.com/pytorch/vision/tree/main/references/detection#retinanet",
                            {"box_map": 36.4}, 151.54, 130.267, _DOCS_PAPER)
    DEFAULT = COCO_V1


class RetinaNet_ResNet50_FPN_V2_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/retinanet_resnet50_fpn_v2_coco-5905b1c5.pth",
                            38198935, "https://github.com/pytorch/vision/pull/5756", {"box_map": 41.5}, 152.238,
                            146.037, "These weights were produced using an enhanced training recipe to boost the "
                                     "model accuracy.")
    DEFAULT = COCO_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", RetinaNet_ResNet50_FPN_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def retinanet_resnet50_fpn(*, weights: Optional[RetinaNet_ResNet50_FPN_Weights] = None, progress: bool = True,
                           num_classes: Optional[int] = None,
                           weights_backbone: Optional[ResNet50_Weights] = ResNet50_Weights.IMAGENET1K_V1,
                           trainable_backbone_layers: Optional[int] = None, **kwargs: Any) -> RetinaNet:
    """RetinaNet on a ResNet-50 FPN (P3-P7; P6 from P5). With pretrained weights the backbone uses
    FrozenBatchNorm2d and trains its last trainable_backbone_layers (default 3, of 5); kwargs go to RetinaNet."""
    weights = RetinaNet_ResNet50_FPN_Weights.verify(weights)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, ResNet50_Weights.verify(weights_backbone),
                                                                 num_classes)
    backbone = _resnet50_fpn_p3_p7(weights_backbone, progress, is_trained, trainable_backbone_layers,
                                   frozen_norm=is_trained, p6_from_c5=False)
    model = RetinaNet(backbone, num_classes, **kwargs)
    _load_weights(model, weights, progress)
    if weights == RetinaNet_ResNet50_FPN_Weights.COCO_V1:
        overwrite_eps(model, 0.0)  # trained before torchvision's FrozenBatchNorm2d eps fix
    return model


@register_model()
@handle_legacy_interface(weights=("pretrained", RetinaNet_ResNet50_FPN_V2_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def retinanet_resnet50_fpn_v2(*, weights: Optional[RetinaNet_ResNet50_FPN_V2_Weights] = None, progress: bool = True,
                              num_classes: Optional[int] = None, weights_backbone: Optional[ResNet50_Weights] = None,
                              trainable_backbone_layers: Optional[int] = None, **kwargs: Any) -> RetinaNet:
    """RetinaNet v2: BatchNorm2d backbone, P6 from C5, GroupNorm subnets and a GIoU box loss."""
    weights = RetinaNet_ResNet50_FPN_V2_Weights.verify(weights)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, ResNet50_Weights.verify(weights_backbone),
                                                                 num_classes)
    backbone = _resnet50_fpn_p3_p7(weights_backbone, progress, is_trained, trainable_backbone_layers,
                                   frozen_norm=False, p6_from_c5=True)
    anchor_generator = _default_anchorgen()
    head = RetinaNetHead(backbone.out_channels, anchor_generator.num_anchors_per_location()[0], num_classes,
                         norm_layer=partial(nn.GroupNorm, 32))
    head.regression_head._loss_type = "giou"
    model = RetinaNet(backbone, num_classes, anchor_generator=anchor_generator, head=head, **kwargs)
    _load_weights(model, weights, progress)
    return model
