"""Pieces every detector shares: sampling of positive/negative training examples, box coding (the R-CNN
deltas and FCOS's distances), matching predictions to ground truth, and small helpers for builders."""
from __future__ import annotations

import math
from collections import OrderedDict

import flambeau
from flambeau import Tensor, nn
from flambeau.nn import functional as F

from ...ops import complete_box_iou_loss, distance_box_iou_loss, FrozenBatchNorm2d, generalized_box_iou_loss
from ...transforms._presets import ObjectDetection
from .._api import Weights, WeightsEnum
from .._meta import _COCO_CATEGORIES
from .._utils import _ovewrite_value_param


def _assert(condition: bool, message: str) -> None:
    """torch._assert: an AssertionError that `python -O` does not remove."""
    if not condition:
        raise AssertionError(message)


class BalancedPositiveNegativeSampler:
    """Picks at most batch_size_per_image examples per image, positive_fraction of them positive (labels >= 1)
    when there are enough, the rest negative (label 0); -1 is ignored. Returns two uint8 masks per image."""

    def __init__(self, batch_size_per_image: int, positive_fraction: float) -> None:
        self.batch_size_per_image = batch_size_per_image
        self.positive_fraction = positive_fraction

    def __call__(self, matched_idxs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        pos_masks, neg_masks = [], []
        for matched in matched_idxs:
            positive = flambeau.where(matched >= 1)[0]
            negative = flambeau.where(matched == 0)[0]
            num_pos = min(positive.numel(), int(self.batch_size_per_image * self.positive_fraction))
            num_neg = min(negative.numel(), self.batch_size_per_image - num_pos)
            pos_masks.append(self._mask(matched, positive, num_pos))
            neg_masks.append(self._mask(matched, negative, num_neg))
        return pos_masks, neg_masks

    @staticmethod
    def _mask(like: Tensor, candidates: Tensor, count: int) -> Tensor:
        """A uint8 mask the shape of `like` with `count` of the candidate positions, drawn at random, set."""
        chosen = candidates[flambeau.randperm(candidates.numel(), device=candidates.device)[:count]]
        mask = flambeau.zeros_like(like, dtype=flambeau.uint8)
        mask[chosen] = 1
        return mask


def encode_boxes(reference_boxes: Tensor, proposals: Tensor, weights: Tensor) -> Tensor:
    """The R-CNN regression targets (dx, dy, dw, dh) that move each proposal onto its reference box, scaled
    by weights (wx, wy, ww, wh)."""
    px1, py1, px2, py2 = (proposals[:, i:i + 1] for i in range(4))
    rx1, ry1, rx2, ry2 = (reference_boxes[:, i:i + 1] for i in range(4))
    ex_w, ex_h = px2 - px1, py2 - py1
    gt_w, gt_h = rx2 - rx1, ry2 - ry1
    dx = weights[0] * ((rx1 + 0.5 * gt_w) - (px1 + 0.5 * ex_w)) / ex_w
    dy = weights[1] * ((ry1 + 0.5 * gt_h) - (py1 + 0.5 * ex_h)) / ex_h
    dw = weights[2] * flambeau.log(gt_w / ex_w)
    dh = weights[3] * flambeau.log(gt_h / ex_h)
    return flambeau.cat((dx, dy, dw, dh), dim=1)


class BoxCoder:
    """Encodes boxes as R-CNN deltas relative to reference boxes and decodes deltas back to boxes; decoded
    width and height deltas are clipped at bbox_xform_clip so exp() cannot overflow."""

    def __init__(self, weights: tuple[float, float, float, float],
                 bbox_xform_clip: float = math.log(1000.0 / 16)) -> None:
        self.weights = weights
        self.bbox_xform_clip = bbox_xform_clip

    def encode(self, reference_boxes: list[Tensor], proposals: list[Tensor]) -> tuple[Tensor, ...]:
        boxes_per_image = [len(b) for b in reference_boxes]
        targets = self.encode_single(flambeau.cat(reference_boxes, dim=0), flambeau.cat(proposals, dim=0))
        return targets.split(boxes_per_image, 0)

    def encode_single(self, reference_boxes: Tensor, proposals: Tensor) -> Tensor:
        weights = flambeau.as_tensor(self.weights, dtype=reference_boxes.dtype, device=reference_boxes.device)
        return encode_boxes(reference_boxes, proposals, weights)

    def decode(self, rel_codes: Tensor, boxes: list[Tensor]) -> Tensor:
        """Decode the codes of all images at once: (sum of boxes, K*4) codes -> (sum of boxes, K, 4) boxes."""
        _assert(isinstance(boxes, (list, tuple)), "This function expects boxes of type list or tuple.")
        _assert(isinstance(rel_codes, Tensor), "This function expects rel_codes of type torch.Tensor.")
        box_sum = sum(b.size(0) for b in boxes)
        if box_sum > 0:
            rel_codes = rel_codes.reshape(box_sum, -1)
        pred_boxes = self.decode_single(rel_codes, flambeau.cat(boxes, dim=0))
        if box_sum > 0:
            pred_boxes = pred_boxes.reshape(box_sum, -1, 4)
        return pred_boxes

    def decode_single(self, rel_codes: Tensor, boxes: Tensor) -> Tensor:
        """(N, K*4) codes around N reference boxes -> (N, K*4) boxes."""
        boxes = boxes.to(rel_codes.dtype)
        widths = boxes[:, 2:3] - boxes[:, 0:1]
        heights = boxes[:, 3:4] - boxes[:, 1:2]
        ctr_x = boxes[:, 0:1] + 0.5 * widths
        ctr_y = boxes[:, 1:2] + 0.5 * heights

        wx, wy, ww, wh = self.weights
        dx = rel_codes[:, 0::4] / wx
        dy = rel_codes[:, 1::4] / wy
        dw = flambeau.clamp(rel_codes[:, 2::4] / ww, max=self.bbox_xform_clip)
        dh = flambeau.clamp(rel_codes[:, 3::4] / wh, max=self.bbox_xform_clip)

        pred_ctr_x = dx * widths + ctr_x
        pred_ctr_y = dy * heights + ctr_y
        half_w = 0.5 * (flambeau.exp(dw) * widths)
        half_h = 0.5 * (flambeau.exp(dh) * heights)
        corners = (pred_ctr_x - half_w, pred_ctr_y - half_h, pred_ctr_x + half_w, pred_ctr_y + half_h)
        return flambeau.stack(corners, dim=2).flatten(1)


class BoxLinearCoder:
    """FCOS's coding: the distances from the reference box's centre to the four edges of the target box,
    divided by the reference box's size when normalize_by_size. Works on any leading shape (..., 4)."""

    def __init__(self, normalize_by_size: bool = True) -> None:
        self.normalize_by_size = normalize_by_size

    @staticmethod
    def _centres_and_sizes(boxes: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The (cx, cy) of the boxes and their (w, h, w, h), the divisor of the four distances."""
        ctr_x = 0.5 * (boxes[..., 0] + boxes[..., 2])
        ctr_y = 0.5 * (boxes[..., 1] + boxes[..., 3])
        w = boxes[..., 2] - boxes[..., 0]
        h = boxes[..., 3] - boxes[..., 1]
        return ctr_x, ctr_y, flambeau.stack((w, h, w, h), dim=-1)

    def encode(self, reference_boxes: Tensor, proposals: Tensor) -> Tensor:
        ctr_x, ctr_y, size = self._centres_and_sizes(reference_boxes)
        targets = flambeau.stack((ctr_x - proposals[..., 0], ctr_y - proposals[..., 1],
                                  proposals[..., 2] - ctr_x, proposals[..., 3] - ctr_y), dim=-1)
        return targets / size if self.normalize_by_size else targets

    def decode(self, rel_codes: Tensor, boxes: Tensor) -> Tensor:
        ctr_x, ctr_y, size = self._centres_and_sizes(boxes.to(dtype=rel_codes.dtype))
        if self.normalize_by_size:
            rel_codes = rel_codes * size
        return flambeau.stack((ctr_x - rel_codes[..., 0], ctr_y - rel_codes[..., 1],
                               ctr_x + rel_codes[..., 2], ctr_y + rel_codes[..., 3]), dim=-1)


class Matcher:
    """Assigns each of N predictions the ground truth (of M) it overlaps most, given the (M, N) quality matrix:
    the gt index when the quality reaches high_threshold, BETWEEN_THRESHOLDS (-2) in [low, high),
    BELOW_LOW_THRESHOLD (-1) below low. With allow_low_quality_matches, every prediction that is some gt's best
    match (ties included) keeps that match even below the thresholds."""

    BELOW_LOW_THRESHOLD = -1
    BETWEEN_THRESHOLDS = -2

    def __init__(self, high_threshold: float, low_threshold: float, allow_low_quality_matches: bool = False) -> None:
        _assert(low_threshold <= high_threshold, "low_threshold should be <= high_threshold")
        self.high_threshold = high_threshold
        self.low_threshold = low_threshold
        self.allow_low_quality_matches = allow_low_quality_matches

    def __call__(self, match_quality_matrix: Tensor) -> Tensor:
        if match_quality_matrix.numel() == 0:
            if match_quality_matrix.shape[0] == 0:
                raise ValueError("No ground-truth boxes available for one of the images during training")
            raise ValueError("No proposal boxes available for one of the images during training")
        matched_vals, matches = match_quality_matrix.max(dim=0)
        all_matches = matches.clone() if self.allow_low_quality_matches else None
        below = matched_vals < self.low_threshold
        between = (matched_vals >= self.low_threshold) & (matched_vals < self.high_threshold)
        matches[below] = self.BELOW_LOW_THRESHOLD
        matches[between] = self.BETWEEN_THRESHOLDS
        if all_matches is not None:
            self.set_low_quality_matches_(matches, all_matches, match_quality_matrix)
        return matches

    def set_low_quality_matches_(self, matches: Tensor, all_matches: Tensor, match_quality_matrix: Tensor) -> None:
        """Restore the original match of every prediction that is the best one for some gt."""
        highest_quality_foreach_gt = match_quality_matrix.max(dim=1)[0]
        best_preds = flambeau.where(match_quality_matrix == highest_quality_foreach_gt[:, None])[1]
        matches[best_preds] = all_matches[best_preds]


class SSDMatcher(Matcher):
    """SSD's matching: one threshold, and each gt's best prediction is matched to that gt whatever its IoU."""

    def __init__(self, threshold: float) -> None:
        super().__init__(threshold, threshold, allow_low_quality_matches=False)

    def __call__(self, match_quality_matrix: Tensor) -> Tensor:
        matches = super().__call__(match_quality_matrix)
        best_pred_foreach_gt = match_quality_matrix.max(dim=1)[1]
        matches[best_pred_foreach_gt] = flambeau.arange(best_pred_foreach_gt.size(0), dtype=flambeau.int64,
                                                        device=best_pred_foreach_gt.device)
        return matches


def overwrite_eps(model: nn.Module, eps: float) -> None:
    """Set the eps of every FrozenBatchNorm2d in model (checkpoints trained before torchvision's eps fix
    expect 0.0)."""
    for module in model.modules():
        if isinstance(module, FrozenBatchNorm2d):
            module.eps = eps


def retrieve_out_channels(model: nn.Module, size: tuple[int, int]) -> list[int]:
    """The channel counts of the feature maps model returns for a (width, height) = size input."""
    was_training = model.training
    model.eval()
    with flambeau.no_grad():
        device = next(model.parameters()).device
        features = model(flambeau.zeros((1, 3, size[1], size[0]), device=device))
        if isinstance(features, Tensor):
            features = OrderedDict([("0", features)])
        out_channels = [x.size(1) for x in features.values()]
    if was_training:
        model.train()
    return out_channels


def _topk_min(input: Tensor, orig_kval: int, axis: int) -> int:
    """k for topk, at most the size of input along axis."""
    return min(orig_kval, input.size(axis))


def _box_loss(type: str, box_coder: BoxCoder, anchors_per_image: Tensor, matched_gt_boxes_per_image: Tensor,
              bbox_regression_per_image: Tensor, cnf: dict[str, float] | None = None) -> Tensor:
    """The summed regression loss of one image: l1 or smooth_l1 on the encoded targets, or an IoU-family loss
    (ciou, diou, giou) on the decoded boxes. cnf may give smooth_l1's beta or the IoU losses' eps."""
    _assert(type in ["l1", "smooth_l1", "ciou", "diou", "giou"], f"Unsupported loss: {type}")
    cnf = cnf or {}
    if type in ("l1", "smooth_l1"):
        target = box_coder.encode_single(matched_gt_boxes_per_image, anchors_per_image)
        if type == "l1":
            return F.l1_loss(bbox_regression_per_image, target, reduction="sum")
        return F.smooth_l1_loss(bbox_regression_per_image, target, reduction="sum", beta=cnf.get("beta", 1.0))
    boxes = box_coder.decode_single(bbox_regression_per_image, anchors_per_image)
    loss = {"ciou": complete_box_iou_loss, "diou": distance_box_iou_loss, "giou": generalized_box_iou_loss}[type]
    return loss(boxes, matched_gt_boxes_per_image, reduction="sum", eps=cnf.get("eps", 1e-7))


def _check_degenerate_boxes(targets: list[dict[str, Tensor]]) -> None:
    """AssertionError naming the first target box without positive width and height (every detector checks its
    resized targets)."""
    for target_idx, target in enumerate(targets):
        boxes = target["boxes"]
        degenerate = (boxes[:, 2:] <= boxes[:, :2]).any(dim=1)
        if degenerate.any():
            bad_box = boxes[flambeau.where(degenerate)[0][0]].tolist()
            raise AssertionError("All bounding boxes should have positive height and width. "
                                 f"Found invalid box {bad_box} for target at index {target_idx}.")


def _coco_weights(url: str, num_params: int, recipe: str, metrics: dict[str, float], ops: float, file_size: float,
                  docs: str, categories: list[str] = _COCO_CATEGORIES, **meta) -> Weights:
    """A Weights entry for a detector trained on COCO: its COCO-val2017 metrics (box_map, ...), GFLOPs (ops) and
    file size (MB); the input is only converted to float (ObjectDetection)."""
    return Weights(url=url, transforms=ObjectDetection,
                   meta={"categories": categories, "min_size": (1, 1), **meta, "num_params": num_params,
                         "recipe": recipe, "_metrics": {"COCO-val2017": metrics}, "_ops": ops,
                         "_file_size": file_size, "_docs": docs})


def _resolve_weights(weights: WeightsEnum | None, weights_backbone: WeightsEnum | None, num_classes: int | None,
                     default_num_classes: int = 91) -> tuple[WeightsEnum | None, int, bool]:
    """A builder's (weights_backbone, num_classes, is_trained): whole-model weights replace the backbone's and fix
    num_classes to their categories; without them num_classes defaults to default_num_classes."""
    if weights is not None:
        weights_backbone = None
        num_classes = _ovewrite_value_param("num_classes", num_classes, len(weights.meta["categories"]))
    elif num_classes is None:
        num_classes = default_num_classes
    return weights_backbone, num_classes, weights is not None or weights_backbone is not None
