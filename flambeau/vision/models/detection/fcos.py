"""FCOS ("FCOS: Fully Convolutional One-Stage Object Detection", arXiv:1904.01355): anchor-free - each location
of a ResNet-50 FPN (P3-P7) predicts class scores, the distances to the four sides of its box and a centerness
that down-weights boxes predicted far from their object's centre."""
from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable, Optional, Union

import flambeau
from flambeau import Tensor, nn

from ...ops import generalized_box_iou_loss, sigmoid_focal_loss
from .._api import WeightsEnum, register_model
from .._utils import handle_legacy_interface
from ..resnet import ResNet50_Weights
from ._one_stage import _OneStageDetector, _load_weights, _per_anchor, _resnet50_fpn_p3_p7, _split_levels
from ._utils import BoxLinearCoder, _coco_weights, _resolve_weights
from .anchor_utils import AnchorGenerator

__all__ = ["FCOS", "FCOS_ResNet50_FPN_Weights", "fcos_resnet50_fpn"]


class FCOSHead(nn.Module):
    """The classification and regression (with centerness) towers, and FCOS's losses."""

    def __init__(self, in_channels: int, num_anchors: int, num_classes: int, num_convs: Optional[int] = 4) -> None:
        super().__init__()
        self.box_coder = BoxLinearCoder(normalize_by_size=True)
        self.classification_head = FCOSClassificationHead(in_channels, num_anchors, num_classes, num_convs)
        self.regression_head = FCOSRegressionHead(in_channels, num_anchors, num_convs)

    def compute_loss(self, targets: list[dict[str, Tensor]], head_outputs: dict[str, Tensor],
                     anchors: list[Tensor], matched_idxs: list[Tensor]) -> dict[str, Tensor]:
        """Over the whole batch, divided by its number of foreground locations: the focal loss on the classes,
        the GIoU loss of the foreground boxes and the binary cross-entropy of their centerness."""
        cls_logits = head_outputs["cls_logits"]  # (N, HWA, C)
        gt_classes, gt_boxes = [], []
        for targets_per_image, matched in zip(targets, matched_idxs):
            if len(targets_per_image["labels"]) == 0:
                classes = targets_per_image["labels"].new_zeros((len(matched),))
                boxes = targets_per_image["boxes"].new_zeros((len(matched), 4))
            else:
                classes = targets_per_image["labels"][matched.clip(min=0)]
                boxes = targets_per_image["boxes"][matched.clip(min=0)]
            classes[matched < 0] = -1  # background
            gt_classes.append(classes)
            gt_boxes.append(boxes)
        gt_classes, gt_boxes, anchors = flambeau.stack(gt_classes), flambeau.stack(gt_boxes), flambeau.stack(anchors)

        foreground = gt_classes >= 0
        num_foreground = max(1, foreground.sum().item())
        image_idx, anchor_idx = flambeau.where(foreground)
        gt_classes_targets = flambeau.zeros_like(cls_logits)
        gt_classes_targets[image_idx, anchor_idx, gt_classes[foreground]] = 1.0
        loss_cls = sigmoid_focal_loss(cls_logits, gt_classes_targets, reduction="sum")

        pred_boxes = self.box_coder.decode(head_outputs["bbox_regression"], anchors)
        loss_bbox_reg = generalized_box_iou_loss(pred_boxes[foreground], gt_boxes[foreground], reduction="sum")

        # centerness target: sqrt(min/max of the left/right distances * min/max of the top/bottom ones)
        bbox_reg_targets = self.box_coder.encode(anchors, gt_boxes)
        if len(bbox_reg_targets) == 0:
            gt_ctrness_targets = bbox_reg_targets.new_zeros(bbox_reg_targets.size()[:-1])
        else:
            left_right = bbox_reg_targets[:, :, [0, 2]]
            top_bottom = bbox_reg_targets[:, :, [1, 3]]
            gt_ctrness_targets = flambeau.sqrt((left_right.min(dim=-1)[0] / left_right.max(dim=-1)[0])
                                               * (top_bottom.min(dim=-1)[0] / top_bottom.max(dim=-1)[0]))
        pred_centerness = head_outputs["bbox_ctrness"].squeeze(dim=2)
        loss_bbox_ctrness = nn.functional.binary_cross_entropy_with_logits(
            pred_centerness[foreground], gt_ctrness_targets[foreground], reduction="sum")
        return {"classification": loss_cls / num_foreground, "bbox_regression": loss_bbox_reg / num_foreground,
                "bbox_ctrness": loss_bbox_ctrness / num_foreground}

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        cls_logits = self.classification_head(x)
        bbox_regression, bbox_ctrness = self.regression_head(x)
        return {"cls_logits": cls_logits, "bbox_regression": bbox_regression, "bbox_ctrness": bbox_ctrness}


def _tower(in_channels: int, num_convs: int, norm_layer: Optional[Callable[..., nn.Module]]) -> nn.Sequential:
    """num_convs x (3x3 conv, norm (GroupNorm(32) by default), ReLU), the convs initialised N(0, 0.01)."""
    norm_layer = norm_layer or partial(nn.GroupNorm, 32)
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1), norm_layer(in_channels),
                   nn.ReLU()]
    tower = nn.Sequential(*layers)
    for layer in tower.children():
        if isinstance(layer, nn.Conv2d):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.constant_(layer.bias, 0)
    return tower


class FCOSClassificationHead(nn.Module):
    """Per location and class, a logit; the last conv's bias starts every probability at prior_probability."""

    def __init__(self, in_channels: int, num_anchors: int, num_classes: int, num_convs: int = 4,
                 prior_probability: float = 0.01, norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.num_anchors = num_anchors
        self.conv = _tower(in_channels, num_convs, norm_layer)
        self.cls_logits = nn.Conv2d(in_channels, num_anchors * num_classes, kernel_size=3, stride=1, padding=1)
        nn.init.normal_(self.cls_logits.weight, std=0.01)
        nn.init.constant_(self.cls_logits.bias, -math.log((1 - prior_probability) / prior_probability))

    def forward(self, x: list[Tensor]) -> Tensor:
        """(N, sum over levels of H * W * A, num_classes) logits."""
        return flambeau.cat([_per_anchor(self.cls_logits(self.conv(f)), self.num_classes) for f in x], dim=1)


class FCOSRegressionHead(nn.Module):
    """Per location, the (non-negative, ReLU) distances to the box's sides in BoxLinearCoder's units, and a
    centerness logit."""

    def __init__(self, in_channels: int, num_anchors: int, num_convs: int = 4,
                 norm_layer: Optional[Callable[..., nn.Module]] = None) -> None:
        super().__init__()
        self.conv = _tower(in_channels, num_convs, norm_layer)
        self.bbox_reg = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=3, stride=1, padding=1)
        self.bbox_ctrness = nn.Conv2d(in_channels, num_anchors * 1, kernel_size=3, stride=1, padding=1)
        for layer in (self.bbox_reg, self.bbox_ctrness):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)

    def forward(self, x: list[Tensor]) -> tuple[Tensor, Tensor]:
        """(N, HWA, 4) distances and (N, HWA, 1) centerness logits, levels concatenated."""
        all_bbox_regression, all_bbox_ctrness = [], []
        for features in x:
            bbox_feature = self.conv(features)
            all_bbox_regression.append(_per_anchor(nn.functional.relu(self.bbox_reg(bbox_feature)), 4))
            all_bbox_ctrness.append(_per_anchor(self.bbox_ctrness(bbox_feature), 1))
        return flambeau.cat(all_bbox_regression, dim=1), flambeau.cat(all_bbox_ctrness, dim=1)


class FCOS(_OneStageDetector):
    """FCOS over `backbone` (a module with an out_channels attribute returning one feature map or an OrderedDict
    of them). Each location carries one square "anchor" of its level's stride (8 ... 128), used as its point and
    scale. A location learns the smallest gt box that contains it, lies within center_sampling_radius strides of
    the box's centre and whose size suits the level. At inference the score is sqrt(class probability *
    centerness); each level keeps its topk_candidates above score_thresh, then class-wise NMS at nms_thresh leaves
    at most detections_per_img. Training returns {"classification", "bbox_regression", "bbox_ctrness"}; evaluation,
    per image, {"boxes", "scores", "labels"} in the image's own coordinates."""

    def __init__(self, backbone: nn.Module, num_classes: int, min_size: int = 800, max_size: int = 1333,
                 image_mean: Optional[list[float]] = None, image_std: Optional[list[float]] = None,
                 anchor_generator: Optional[AnchorGenerator] = None, head: Optional[nn.Module] = None,
                 center_sampling_radius: float = 1.5, score_thresh: float = 0.2, nms_thresh: float = 0.6,
                 detections_per_img: int = 100, topk_candidates: int = 1000, **kwargs: Any) -> None:
        super().__init__()
        self._check_out_channels(backbone)
        self.backbone = backbone
        if not isinstance(anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError(f"anchor_generator should be of type AnchorGenerator or None, instead  got "
                            f"{type(anchor_generator)}")
        if anchor_generator is None:
            anchor_sizes = ((8,), (16,), (32,), (64,), (128,))  # the strides of the FPN levels
            anchor_generator = AnchorGenerator(anchor_sizes, ((1.0,),) * len(anchor_sizes))
        self.anchor_generator = anchor_generator
        if self.anchor_generator.num_anchors_per_location()[0] != 1:
            raise ValueError(f"anchor_generator.num_anchors_per_location()[0] should be 1 instead of "
                             f"{anchor_generator.num_anchors_per_location()[0]}")
        if head is None:
            head = FCOSHead(backbone.out_channels, anchor_generator.num_anchors_per_location()[0], num_classes)
        self.head = head
        self.box_coder = BoxLinearCoder(normalize_by_size=True)
        self._set_up(min_size, max_size, image_mean, image_std, score_thresh, nms_thresh, detections_per_img,
                     topk_candidates, **kwargs)
        self.center_sampling_radius = center_sampling_radius

    def compute_loss(self, targets: list[dict[str, Tensor]], head_outputs: dict[str, Tensor],
                     anchors: list[Tensor], num_anchors_per_level: list[int]) -> dict[str, Tensor]:
        """Match every location to a gt box (-1: background) as described on the class, then the head's losses.
        The matching is one (locations, boxes) comparison per image."""
        matched_idxs = []
        for anchors_per_image, targets_per_image in zip(anchors, targets):
            gt_boxes = targets_per_image["boxes"]
            if gt_boxes.numel() == 0:
                matched_idxs.append(flambeau.full((anchors_per_image.size(0),), -1, dtype=flambeau.int64,
                                                  device=anchors_per_image.device))
                continue
            gt_centers = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
            anchor_centers = (anchors_per_image[:, :2] + anchors_per_image[:, 2:]) / 2
            anchor_sizes = anchors_per_image[:, 2] - anchors_per_image[:, 0]
            # centre sampling: the location is near the box's centre...
            offsets = (anchor_centers[:, None, :] - gt_centers[None, :, :]).abs().max(dim=2).values
            pairwise_match = offsets < self.center_sampling_radius * anchor_sizes[:, None]
            # ... inside the box ...
            x, y = anchor_centers.unsqueeze(dim=2).unbind(dim=1)
            x0, y0, x1, y1 = gt_boxes.unsqueeze(dim=0).unbind(dim=2)
            pairwise_dist = flambeau.stack([x - x0, y - y0, x1 - x, y1 - y], dim=2)
            pairwise_match &= pairwise_dist.min(dim=2).values > 0
            # ... and its largest distance to a side is in the level's range (4 to 8 strides; open-ended at the
            # first and last levels)
            lower_bound = anchor_sizes * 4
            lower_bound[:num_anchors_per_level[0]] = 0
            upper_bound = anchor_sizes * 8
            upper_bound[-num_anchors_per_level[-1]:] = float("inf")
            pairwise_dist = pairwise_dist.max(dim=2).values
            pairwise_match &= (pairwise_dist > lower_bound[:, None]) & (pairwise_dist < upper_bound[:, None])
            # among the boxes left, the smallest
            gt_areas = (gt_boxes[:, 2] - gt_boxes[:, 0]) * (gt_boxes[:, 3] - gt_boxes[:, 1])
            pairwise_match = pairwise_match.to(flambeau.float32) * (1e8 - gt_areas[None, :])
            min_values, matched_idx = pairwise_match.max(dim=1)
            matched_idx[min_values < 1e-5] = -1
            matched_idxs.append(matched_idx)
        return self.head.compute_loss(targets, head_outputs, anchors, matched_idxs)

    def postprocess_detections(self, head_outputs: dict[str, list[Tensor]], anchors: list[list[Tensor]],
                               image_shapes: list[tuple[int, int]]) -> list[dict[str, Tensor]]:
        """Per image (head outputs and anchors split per level): the best sqrt(probability * centerness) scores
        of each level, decoded, clipped, and suppressed class by class."""
        scores = [flambeau.sqrt(flambeau.sigmoid(logits) * flambeau.sigmoid(ctrness))
                  for logits, ctrness in zip(head_outputs["cls_logits"], head_outputs["bbox_ctrness"])]
        return self._detect_levels(scores, head_outputs["bbox_regression"], anchors, image_shapes,
                                   self.box_coder.decode)

    def forward(self, images: list[Tensor], targets: Optional[list[dict[str, Tensor]]] = None
                ) -> Union[dict[str, Tensor], list[dict[str, Tensor]]]:
        image_list, targets, original_image_sizes, features = self._features(images, targets)
        head_outputs = self.head(features)
        anchors = self.anchor_generator(image_list, features)
        num_anchors_per_level = [x.size(2) * x.size(3) for x in features]
        if self.training:
            return self.eager_outputs(self.compute_loss(targets, head_outputs, anchors, num_anchors_per_level), [])
        split_outputs, split_anchors = _split_levels(head_outputs, anchors, num_anchors_per_level)
        detections = self.postprocess_detections(split_outputs, split_anchors, image_list.image_sizes)
        detections = self.transform.postprocess(detections, image_list.image_sizes, original_image_sizes)
        return self.eager_outputs({}, detections)


class FCOS_ResNet50_FPN_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/fcos_resnet50_fpn_coco-99b0c9b7.pth", 32269600,
                            "https://github.com/pytorch/vision/tree/main/references/detection#fcos-resnet-50-fpn",
                            {"box_map": 39.2}, 128.207, 123.608,
                            "These weights were produced by following a similar training recipe as on the paper.")
    DEFAULT = COCO_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", FCOS_ResNet50_FPN_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", ResNet50_Weights.IMAGENET1K_V1))
def fcos_resnet50_fpn(*, weights: Optional[FCOS_ResNet50_FPN_Weights] = None, progress: bool = True,
                      num_classes: Optional[int] = None,
                      weights_backbone: Optional[ResNet50_Weights] = ResNet50_Weights.IMAGENET1K_V1,
                      trainable_backbone_layers: Optional[int] = None, **kwargs: Any) -> FCOS:
    """FCOS on a ResNet-50 FPN (P3-P7; P6 from P5). With pretrained weights the backbone uses FrozenBatchNorm2d
    and trains its last trainable_backbone_layers (default 3, of 5); kwargs go to FCOS."""
    weights = FCOS_ResNet50_FPN_Weights.verify(weights)
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, ResNet50_Weights.verify(weights_backbone),
                                                                 num_classes)
    backbone = _resnet50_fpn_p3_p7(weights_backbone, progress, is_trained, trainable_backbone_layers,
                                   frozen_norm=is_trained, p6_from_c5=False)
    model = FCOS(backbone, num_classes, **kwargs)
    _load_weights(model, weights, progress)
    return model
