"""What the one-stage detectors (RetinaNet, FCOS, SSD) share: their frame (_OneStageDetector: inputs checked and
transformed into backbone features, inference options, scored candidates turned into each image's detections),
laying the heads' per-location predictions out per anchor, matching anchors to ground truth by IoU, and pieces
of their builders."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Union

import flambeau
from flambeau import Tensor, nn

from ...ops import boxes as box_ops, misc as misc_nn_ops
from ...ops.feature_pyramid_network import LastLevelP6P7
from .._api import WeightsEnum
from ..resnet import ResNet50_Weights, resnet50
from ._utils import Matcher, _assert, _check_degenerate_boxes
from .backbone_utils import BackboneWithFPN, _resnet_fpn_extractor, _validate_trainable_layers
from .image_list import ImageList
from .transform import GeneralizedRCNNTransform


def _resnet50_fpn_p3_p7(weights_backbone: ResNet50_Weights | None, progress: bool, is_trained: bool,
                        trainable_backbone_layers: int | None, frozen_norm: bool, p6_from_c5: bool
                        ) -> BackboneWithFPN:
    """RetinaNet's and FCOS's backbone: a ResNet-50 (FrozenBatchNorm2d if frozen_norm) with an FPN on C3-C5 and
    P6, P7 computed from P5 or, if p6_from_c5, from C5; the last trainable_backbone_layers (default 3) train."""
    trainable_backbone_layers = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 3)
    norm_layer = misc_nn_ops.FrozenBatchNorm2d if frozen_norm else nn.BatchNorm2d
    backbone = resnet50(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    extra_blocks = LastLevelP6P7(2048 if p6_from_c5 else 256, 256)
    return _resnet_fpn_extractor(backbone, trainable_backbone_layers, returned_layers=[2, 3, 4],
                                 extra_blocks=extra_blocks)


def _freeze_before_stage(features: nn.Sequential, stage_indices: list[int], trainable_layers: int) -> None:
    """Stop the gradients of every layer of `features` before the last trainable_layers stages (stage i begins
    at layer stage_indices[i]); with 0, of all of them."""
    freeze_before = len(features) if trainable_layers == 0 else stage_indices[len(stage_indices) - trainable_layers]
    for layer in features[:freeze_before]:
        for parameter in layer.parameters():
            parameter.requires_grad_(False)


def _load_weights(model: nn.Module, weights: WeightsEnum | None, progress: bool) -> None:
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))


class _OneStageDetector(nn.Module):
    """The frame of RetinaNet, FCOS and SSD: images (normalized with ImageNet's mean/std unless given) and targets
    through `transform` into `backbone`'s feature maps; losses in training, detections in evaluation."""

    def _set_up(self, min_size: int, max_size: int, image_mean: list[float] | None, image_std: list[float] | None,
                score_thresh: float, nms_thresh: float, detections_per_img: int, topk_candidates: int,
                **transform_kwargs: Any) -> None:
        self.transform = GeneralizedRCNNTransform(min_size, max_size, image_mean or [0.485, 0.456, 0.406],
                                                  image_std or [0.229, 0.224, 0.225], **transform_kwargs)
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.topk_candidates = topk_candidates

    @staticmethod
    def _check_out_channels(backbone: nn.Module) -> None:
        if not hasattr(backbone, "out_channels"):
            raise ValueError("backbone should contain an attribute out_channels specifying the number of output "
                             "channels (assumed to be the same for all the levels)")

    def eager_outputs(self, losses: dict[str, Tensor], detections: list[dict[str, Tensor]]
                      ) -> Union[dict[str, Tensor], list[dict[str, Tensor]]]:
        return losses if self.training else detections

    def _features(self, images: list[Tensor], targets: list[dict[str, Tensor]] | None
                  ) -> tuple[ImageList, list[dict[str, Tensor]] | None, list[tuple[int, int]], list[Tensor]]:
        """Check the targets (required in training), run the transform and the backbone: the ImageList, the
        transformed targets, each image's original (height, width) and the list of feature maps."""
        if self.training:
            _assert(targets is not None, "targets should not be none when in training mode")
            for target in targets:
                boxes = target["boxes"]
                _assert(isinstance(boxes, Tensor), "Expected target boxes to be of type Tensor.")
                _assert(len(boxes.shape) == 2 and boxes.shape[-1] == 4,
                        f"Expected target boxes to be a tensor of shape [N, 4], got {boxes.shape}.")
        original_image_sizes = []
        for img in images:
            size = img.shape[-2:]
            _assert(len(size) == 2,
                    f"expecting the last two dimensions of the Tensor to be H and W instead got {size}")
            original_image_sizes.append((size[0], size[1]))
        image_list, targets = self.transform(images, targets)
        if targets is not None:
            _check_degenerate_boxes(targets)
        features = self.backbone(image_list.tensors)
        if isinstance(features, Tensor):
            features = OrderedDict([("0", features)])
        return image_list, targets, original_image_sizes, list(features.values())

    def _detect_levels(self, scores: list[Tensor], box_regression: list[Tensor], anchors: list[list[Tensor]],
                       image_shapes: list[tuple[int, int]], decode: Callable[[Tensor, Tensor], Tensor]
                       ) -> list[dict[str, Tensor]]:
        """Per image: the topk_candidates best (anchor, class) scores above score_thresh of each level (scores
        and box_regression: one (N, HWA, K) and (N, HWA, 4) tensor per level), their boxes decoded from the
        anchors and clipped, then class-wise NMS."""
        detections = []
        for index, image_shape in enumerate(image_shapes):
            candidates = _top_candidates_per_level([level[index] for level in scores],
                                                   [level[index] for level in box_regression], anchors[index],
                                                   decode, image_shape, self.score_thresh, self.topk_candidates)
            detections.append(_nms_detections(*candidates, self.nms_thresh, self.detections_per_img))
        return detections


def _per_anchor(x: Tensor, num_columns: int) -> Tensor:
    """A head's (N, A * K, H, W) map -> (N, H * W * A, K): locations row-major, then the A anchors of each."""
    n, _, h, w = x.shape
    return x.view(n, -1, num_columns, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, num_columns)


def _match_by_iou(matcher: Matcher, anchors: list[Tensor], targets: list[dict[str, Tensor]]) -> list[Tensor]:
    """Per image, the index of the gt box each anchor is matched to by IoU (or the matcher's negative codes);
    an image without boxes matches nothing (-1)."""
    matched_idxs = []
    for anchors_per_image, targets_per_image in zip(anchors, targets):
        if targets_per_image["boxes"].numel() == 0:
            matched_idxs.append(flambeau.full((anchors_per_image.size(0),), -1, dtype=flambeau.int64,
                                              device=anchors_per_image.device))
        else:
            matched_idxs.append(matcher(box_ops.box_iou(targets_per_image["boxes"], anchors_per_image)))
    return matched_idxs


def _split_levels(head_outputs: dict[str, Tensor], anchors: list[Tensor], num_anchors_per_level: list[int]
                  ) -> tuple[dict[str, list[Tensor]], list[list[Tensor]]]:
    """The head outputs and each image's anchors cut into the pyramid levels."""
    split_outputs = {k: list(v.split(num_anchors_per_level, dim=1)) for k, v in head_outputs.items()}
    return split_outputs, [list(a.split(num_anchors_per_level)) for a in anchors]


def _top_candidates_per_level(scores_per_level: list[Tensor], box_regression_per_level: list[Tensor],
                              anchors_per_level: list[Tensor], decode: Callable[[Tensor, Tensor], Tensor],
                              image_shape: tuple[int, int], score_thresh: float, topk_candidates: int
                              ) -> tuple[Tensor, Tensor, Tensor]:
    """One image's candidates: on each level, the topk_candidates (anchor, class) scores (HWA, K) above
    score_thresh, their boxes decoded from the anchors and clipped to the image. Returns boxes, scores, labels."""
    image_boxes, image_scores, image_labels = [], [], []
    for scores, box_regression, level_anchors in zip(scores_per_level, box_regression_per_level, anchors_per_level):
        num_classes = scores.shape[-1]
        scores = scores.flatten()
        candidates = flambeau.where(scores > score_thresh)[0]
        scores, order = scores[candidates].topk(min(topk_candidates, candidates.size(0)))
        candidates = candidates[order]
        anchor_idxs = flambeau.div(candidates, num_classes, rounding_mode="floor")
        boxes = decode(box_regression[anchor_idxs], level_anchors[anchor_idxs])
        image_boxes.append(box_ops.clip_boxes_to_image(boxes, image_shape))
        image_scores.append(scores)
        image_labels.append(candidates % num_classes)
    return flambeau.cat(image_boxes, dim=0), flambeau.cat(image_scores, dim=0), flambeau.cat(image_labels, dim=0)


def _nms_detections(boxes: Tensor, scores: Tensor, labels: Tensor, nms_thresh: float,
                    detections_per_img: int) -> dict[str, Tensor]:
    """Class-wise non-maximum suppression; the detections_per_img best survivors, by descending score."""
    keep = box_ops.batched_nms(boxes, scores, labels, nms_thresh)[:detections_per_img]
    return {"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]}
