"""SSD ("SSD: Single Shot MultiBox Detector", arXiv:1512.02325): class scores and box deltas predicted by one
conv per feature map for a fixed set of default boxes; trained with hard negative mining. The SSD300 builder
runs on VGG-16 with the paper's extra layers."""
from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any, Optional, Union

import flambeau
from flambeau import Tensor, nn
from flambeau.nn import functional as F

from ...ops import boxes as box_ops
from .._api import WeightsEnum, register_model
from .._utils import handle_legacy_interface
from ..vgg import VGG, VGG16_Weights, vgg16
from ._one_stage import (_OneStageDetector, _freeze_before_stage, _load_weights, _match_by_iou, _nms_detections,
                         _per_anchor)
from ._utils import BoxCoder, SSDMatcher, _assert, _coco_weights, _resolve_weights, retrieve_out_channels
from .anchor_utils import DefaultBoxGenerator
from .backbone_utils import _validate_trainable_layers

__all__ = ["SSD300_VGG16_Weights", "ssd300_vgg16"]


class SSD300_VGG16_Weights(WeightsEnum):
    COCO_V1 = _coco_weights("https://download.pytorch.org/models/ssd300_vgg16_coco-b556d3b4.pth", 35641826,
                            "https://github.com/pytorch/vision/tree/main/references/detection#ssd300-vgg16",
                            {"box_map": 25.1}, 34.858, 135.988,
                            "These weights were produced by following a similar training recipe as on the paper.")
    DEFAULT = COCO_V1


def _xavier_init(conv: nn.Module) -> None:
    for layer in conv.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.constant_(layer.bias, 0.0)


class SSDHead(nn.Module):
    """One 3x3 conv per feature map for the class logits and one for the box deltas."""

    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int) -> None:
        super().__init__()
        self.classification_head = SSDClassificationHead(in_channels, num_anchors, num_classes)
        self.regression_head = SSDRegressionHead(in_channels, num_anchors)

    def forward(self, x: list[Tensor]) -> dict[str, Tensor]:
        return {"bbox_regression": self.regression_head(x), "cls_logits": self.classification_head(x)}


class SSDScoringHead(nn.Module):
    """module_list[i] predicts num_columns values per default box of feature map i; the results of all maps are
    concatenated as (N, sum of H * W * A, num_columns)."""

    def __init__(self, module_list: nn.ModuleList, num_columns: int) -> None:
        super().__init__()
        self.module_list = module_list
        self.num_columns = num_columns

    def forward(self, x: list[Tensor]) -> Tensor:
        return flambeau.cat([_per_anchor(module(features), self.num_columns)
                             for module, features in zip(self.module_list, x)], dim=1)


class SSDClassificationHead(SSDScoringHead):
    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int) -> None:
        cls_logits = nn.ModuleList(nn.Conv2d(channels, num_classes * anchors, kernel_size=3, padding=1)
                                   for channels, anchors in zip(in_channels, num_anchors))
        _xavier_init(cls_logits)
        super().__init__(cls_logits, num_classes)


class SSDRegressionHead(SSDScoringHead):
    def __init__(self, in_channels: list[int], num_anchors: list[int]) -> None:
        bbox_reg = nn.ModuleList(nn.Conv2d(channels, 4 * anchors, kernel_size=3, padding=1)
                                 for channels, anchors in zip(in_channels, num_anchors))
        _xavier_init(bbox_reg)
        super().__init__(bbox_reg, 4)


class SSD(_OneStageDetector):
    """SSD over `backbone` (returning an OrderedDict of feature maps, one per anchor_generator level) on images
    resized to the fixed `size` (no padding). A default box matches the gt box it overlaps best at IoU >=
    iou_thresh, and every gt box its best default box. Training returns {"bbox_regression" (smooth L1),
    "classification" (cross-entropy over the positives and the hardest negatives, (1 - positive_fraction) /
    positive_fraction of them per positive)}. At inference the softmax scores of each class keep their
    topk_candidates above score_thresh; class-wise NMS at nms_thresh leaves at most detections_per_img per image,
    {"boxes", "scores", "labels"} in the image's own coordinates."""

    def __init__(self, backbone: nn.Module, anchor_generator: DefaultBoxGenerator, size: tuple[int, int],
                 num_classes: int, image_mean: Optional[list[float]] = None, image_std: Optional[list[float]] = None,
                 head: Optional[nn.Module] = None, score_thresh: float = 0.01, nms_thresh: float = 0.45,
                 detections_per_img: int = 200, iou_thresh: float = 0.5, topk_candidates: int = 400,
                 positive_fraction: float = 0.25, **kwargs: Any) -> None:
        super().__init__()
        self.backbone = backbone
        self.anchor_generator = anchor_generator
        self.box_coder = BoxCoder(weights=(10.0, 10.0, 5.0, 5.0))
        if head is None:
            out_channels = (backbone.out_channels if hasattr(backbone, "out_channels")
                            else retrieve_out_channels(backbone, size))
            if len(out_channels) != len(anchor_generator.aspect_ratios):
                raise ValueError(f"The length of the output channels from the backbone ({len(out_channels)}) do not "
                                 f"match the length of the anchor generator aspect ratios "
                                 f"({len(anchor_generator.aspect_ratios)})")
            head = SSDHead(out_channels, self.anchor_generator.num_anchors_per_location(), num_classes)
        self.head = head
        self.proposal_matcher = SSDMatcher(iou_thresh)
        self._set_up(min(size), max(size), image_mean, image_std, score_thresh, nms_thresh, detections_per_img,
                     topk_candidates, size_divisible=1, fixed_size=size, **kwargs)
        self.neg_to_pos_ratio = (1.0 - positive_fraction) / positive_fraction

    def compute_loss(self, targets: list[dict[str, Tensor]], head_outputs: dict[str, Tensor],
                     anchors: list[Tensor], matched_idxs: list[Tensor]) -> dict[str, Tensor]:
        """Both losses summed over the batch and divided by its number of positive default boxes."""
        cls_logits = head_outputs["cls_logits"]
        num_foreground = 0
        bbox_loss, cls_targets = [], []
        for targets_per_image, bbox_regression, logits, anchors_per_image, matched in zip(
                targets, head_outputs["bbox_regression"], cls_logits, anchors, matched_idxs):
            foreground = flambeau.where(matched >= 0)[0]
            foreground_matched = matched[foreground]
            num_foreground += foreground_matched.numel()
            target_regression = self.box_coder.encode_single(targets_per_image["boxes"][foreground_matched],
                                                             anchors_per_image[foreground, :])
            bbox_loss.append(F.smooth_l1_loss(bbox_regression[foreground, :], target_regression, reduction="sum"))
            labels = targets_per_image["labels"]
            gt_classes = flambeau.zeros((logits.size(0),), dtype=labels.dtype, device=labels.device)
            gt_classes[foreground] = labels[foreground_matched]
            cls_targets.append(gt_classes)
        bbox_loss, cls_targets = flambeau.stack(bbox_loss), flambeau.stack(cls_targets)

        num_classes = cls_logits.size(-1)
        cls_loss = F.cross_entropy(cls_logits.view(-1, num_classes), cls_targets.view(-1),
                                   reduction="none").view(cls_targets.size())
        # hard negative mining: per image, the neg_to_pos_ratio * positives negatives of highest loss
        foreground_mask = cls_targets > 0
        num_negative = self.neg_to_pos_ratio * foreground_mask.sum(1, keepdim=True)
        negative_loss = cls_loss.clone()
        negative_loss[foreground_mask] = -float("inf")  # positives rank last
        _, order = negative_loss.sort(1, descending=True)
        background_mask = order.sort(1)[1] < num_negative  # each box's rank by loss
        n = max(1, num_foreground)
        return {"bbox_regression": bbox_loss.sum() / n,
                "classification": (cls_loss[foreground_mask].sum() + cls_loss[background_mask].sum()) / n}

    def forward(self, images: list[Tensor], targets: Optional[list[dict[str, Tensor]]] = None
                ) -> Union[dict[str, Tensor], list[dict[str, Tensor]]]:
        image_list, targets, original_image_sizes, features = self._features(images, targets)
        head_outputs = self.head(features)
        anchors = self.anchor_generator(image_list, features)
        if self.training:
            matched_idxs = _match_by_iou(self.proposal_matcher, anchors, targets)
            return self.eager_outputs(self.compute_loss(targets, head_outputs, anchors, matched_idxs), [])
        detections = self.postprocess_detections(head_outputs, anchors, image_list.image_sizes)
        detections = self.transform.postprocess(detections, image_list.image_sizes, original_image_sizes)
        return self.eager_outputs({}, detections)

    def postprocess_detections(self, head_outputs: dict[str, Tensor], image_anchors: list[Tensor],
                               image_shapes: list[tuple[int, int]]) -> list[dict[str, Tensor]]:
        """Per image: the boxes decoded and clipped; for every class but the background at once, its
        topk_candidates best softmax scores above score_thresh (class by class, each in descending order); then
        class-wise NMS."""
        pred_scores = F.softmax(head_outputs["cls_logits"], dim=-1)
        detections = []
        for regression, scores, anchors, image_shape in zip(head_outputs["bbox_regression"], pred_scores,
                                                             image_anchors, image_shapes):
            boxes = box_ops.clip_boxes_to_image(self.box_coder.decode_single(regression, anchors), image_shape)
            # the top scores of each class's column are those of its scores above the threshold, if any
            top_scores, top_idxs = scores[:, 1:].topk(min(self.topk_candidates, scores.size(0)), dim=0)
            top_scores, top_idxs = top_scores.t(), top_idxs.t()  # (classes - 1, k): class-major order
            labels = flambeau.arange(1, scores.size(1), device=scores.device)[:, None].expand_as(top_idxs)
            keep = top_scores > self.score_thresh
            detections.append(_nms_detections(boxes[top_idxs[keep]], top_scores[keep], labels[keep],
                                              self.nms_thresh, self.detections_per_img))
        return detections


class SSDFeatureExtractorVGG(nn.Module):
    """VGG's convolutions as SSD uses them: conv4_3 (L2-normalised per location and rescaled by a learned
    per-channel scale starting at 20), then conv5_3 followed by the dilated fc6/fc7 convs, then the extra blocks
    (conv8_2 ... conv11_2, and conv12_2 if highres, for SSD512)."""

    def __init__(self, backbone: nn.Module, highres: bool) -> None:
        super().__init__()
        _, _, maxpool3_pos, maxpool4_pos, _ = (i for i, layer in enumerate(backbone) if isinstance(layer, nn.MaxPool2d))
        backbone[maxpool3_pos].ceil_mode = True  # the paper's map sizes (38 x 38 for conv4_3 at 300)
        self.scale_weight = nn.Parameter(flambeau.ones(512) * 20)
        self.features = nn.Sequential(*backbone[:maxpool4_pos])  # up to conv4_3
        extra = nn.ModuleList([_extra_block(1024, 256, 512, padding=1, stride=2),  # conv8_2
                               _extra_block(512, 128, 256, padding=1, stride=2),  # conv9_2
                               _extra_block(256, 128, 256),  # conv10_2
                               _extra_block(256, 128, 256)])  # conv11_2
        if highres:
            extra.append(_extra_block(256, 128, 256, kernel_size=4))  # conv12_2
        _xavier_init(extra)
        fc = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=False),  # a stride-1 pool5
                           nn.Conv2d(in_channels=512, out_channels=1024, kernel_size=3, padding=6, dilation=6),  # fc6
                           nn.ReLU(inplace=True),
                           nn.Conv2d(in_channels=1024, out_channels=1024, kernel_size=1),  # fc7
                           nn.ReLU(inplace=True))
        _xavier_init(fc)
        extra.insert(0, nn.Sequential(*backbone[maxpool4_pos:-1], fc))  # conv5_3 (VGG's pool5 dropped), fc6/7
        self.extra = extra

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        x = self.features(x)
        output = [self.scale_weight.view(1, -1, 1, 1) * F.normalize(x)]
        for block in self.extra:
            x = block(x)
            output.append(x)
        return OrderedDict([(str(i), v) for i, v in enumerate(output)])


def _extra_block(in_channels: int, mid_channels: int, out_channels: int, **conv_kwargs: Any) -> nn.Sequential:
    """1x1 conv to mid_channels, ReLU, 3x3 (or conv_kwargs') conv to out_channels, ReLU."""
    conv_kwargs.setdefault("kernel_size", 3)
    return nn.Sequential(nn.Conv2d(in_channels, mid_channels, kernel_size=1), nn.ReLU(inplace=True),
                         nn.Conv2d(mid_channels, out_channels, **conv_kwargs), nn.ReLU(inplace=True))


def _vgg_extractor(backbone: VGG, highres: bool, trainable_layers: int) -> SSDFeatureExtractorVGG:
    """SSD's extractor on backbone.features, with all but the last trainable_layers of its 5 stages (split at
    the max pools) frozen."""
    features = backbone.features
    stage_indices = [0] + [i for i, b in enumerate(features) if isinstance(b, nn.MaxPool2d)][:-1]
    num_stages = len(stage_indices)
    _assert(0 <= trainable_layers <= num_stages,
            f"trainable_layers should be in the range [0, {num_stages}]. Instead got {trainable_layers}")
    _freeze_before_stage(features, stage_indices, trainable_layers)
    return SSDFeatureExtractorVGG(features, highres)


@register_model()
@handle_legacy_interface(weights=("pretrained", SSD300_VGG16_Weights.COCO_V1),
                         weights_backbone=("pretrained_backbone", VGG16_Weights.IMAGENET1K_FEATURES))
def ssd300_vgg16(*, weights: Optional[SSD300_VGG16_Weights] = None, progress: bool = True,
                 num_classes: Optional[int] = None,
                 weights_backbone: Optional[VGG16_Weights] = VGG16_Weights.IMAGENET1K_FEATURES,
                 trainable_backbone_layers: Optional[int] = None, **kwargs: Any) -> SSD:
    """SSD300 on VGG-16: 300 x 300 inputs, six feature maps (38 ... 1), 8732 default boxes; the last
    trainable_backbone_layers (default 4, of 5) VGG stages train when pretrained. The inputs are rescaled to
    VGG's original 0-255 range (mean subtracted); kwargs go to SSD."""
    weights = SSD300_VGG16_Weights.verify(weights)
    weights_backbone = VGG16_Weights.verify(weights_backbone)
    if "size" in kwargs:
        warnings.warn("The size of the model is already fixed; ignoring the parameter.")
    weights_backbone, num_classes, is_trained = _resolve_weights(weights, weights_backbone, num_classes)
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 4)
    backbone = _vgg_extractor(vgg16(weights=weights_backbone, progress=progress), False, trainable_backbone_layers)
    anchor_generator = DefaultBoxGenerator([[2], [2, 3], [2, 3], [2, 3], [2], [2]],
                                           scales=[0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05],
                                           steps=[8, 16, 32, 64, 100, 300])
    defaults = {"image_mean": [0.48235, 0.45882, 0.40784], "image_std": [1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0]}
    model = SSD(backbone, anchor_generator, (300, 300), num_classes, **{**defaults, **kwargs})
    _load_weights(model, weights, progress)
    return model
