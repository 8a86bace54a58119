"""The second stage of the R-CNNs: RoIHeads classifies and refines the proposals (box branch) and, for Mask and
Keypoint R-CNN, predicts a mask or keypoint heatmaps inside each detection; with their losses and the mapping
of masks and heatmaps back to image coordinates."""
from __future__ import annotations

import flambeau
from flambeau import Tensor, nn
from flambeau.nn import functional as F

from ...ops import boxes as box_ops, roi_align
from . import _utils as det_utils


def fastrcnn_loss(class_logits: Tensor, box_regression: Tensor, labels: list[Tensor],
                  regression_targets: list[Tensor]) -> tuple[Tensor, Tensor]:
    """Cross-entropy over the sampled proposals, and smooth L1 (beta 1/9) of the positive proposals' deltas for
    their gt class, divided by the number of sampled proposals."""
    labels = flambeau.cat(labels, dim=0)
    regression_targets = flambeau.cat(regression_targets, dim=0)
    classification_loss = F.cross_entropy(class_logits, labels)

    positive = flambeau.where(labels > 0)[0]
    n = class_logits.shape[0]
    box_regression = box_regression.reshape(n, box_regression.size(-1) // 4, 4)
    box_loss = F.smooth_l1_loss(box_regression[positive, labels[positive]], regression_targets[positive],
                                beta=1 / 9, reduction="sum")
    return classification_loss, box_loss / labels.numel()


def maskrcnn_inference(x: Tensor, labels: list[Tensor]) -> tuple[Tensor, ...]:
    """The mask probabilities of each detection's predicted class, (n, 1, M, M) per image."""
    boxes_per_image = [label.shape[0] for label in labels]
    labels = flambeau.cat(labels)
    index = flambeau.arange(x.shape[0], device=labels.device)
    return x.sigmoid()[index, labels][:, None].split(boxes_per_image, dim=0)


def project_masks_on_boxes(gt_masks: Tensor, boxes: Tensor, matched_idxs: Tensor, M: int) -> Tensor:
    """The M x M crops of each proposal's matched gt mask (RoIAlign on the mask), the mask loss's targets."""
    rois = flambeau.cat([matched_idxs.to(boxes)[:, None], boxes], dim=1)
    return roi_align(gt_masks[:, None].to(rois), rois, (M, M), 1.0)[:, 0]


def maskrcnn_loss(mask_logits: Tensor, proposals: list[Tensor], gt_masks: list[Tensor], gt_labels: list[Tensor],
                  mask_matched_idxs: list[Tensor]) -> Tensor:
    """Binary cross-entropy of each positive proposal's mask logits for its gt class against its gt mask's crop."""
    discretization_size = mask_logits.shape[-1]
    labels = flambeau.cat([gt_label[idxs] for gt_label, idxs in zip(gt_labels, mask_matched_idxs)], dim=0)
    mask_targets = flambeau.cat([project_masks_on_boxes(m, p, i, discretization_size)
                                 for m, p, i in zip(gt_masks, proposals, mask_matched_idxs)], dim=0)
    if mask_targets.numel() == 0:
        return mask_logits.sum() * 0
    index = flambeau.arange(labels.shape[0], device=labels.device)
    return F.binary_cross_entropy_with_logits(mask_logits[index, labels], mask_targets)


def keypoints_to_heatmap(keypoints: Tensor, rois: Tensor, heatmap_size: int) -> tuple[Tensor, Tensor]:
    """The flat heatmap cell (y * size + x) of each keypoint inside its RoI, and whether it is valid (visible and
    inside); keypoints on the RoI's right or bottom edge go to the last cell."""
    offset_x, offset_y = rois[:, 0:1], rois[:, 1:2]
    scale_x = heatmap_size / (rois[:, 2] - rois[:, 0])[:, None]
    scale_y = heatmap_size / (rois[:, 3] - rois[:, 1])[:, None]
    x, y = keypoints[..., 0], keypoints[..., 1]
    x_boundary = x == rois[:, 2][:, None]
    y_boundary = y == rois[:, 3][:, None]
    x = ((x - offset_x) * scale_x).floor().long()
    y = ((y - offset_y) * scale_y).floor().long()
    x[x_boundary] = heatmap_size - 1
    y[y_boundary] = heatmap_size - 1
    valid_loc = (x >= 0) & (y >= 0) & (x < heatmap_size) & (y < heatmap_size)
    valid = (valid_loc & (keypoints[..., 2] > 0)).long()
    return (y * heatmap_size + x) * valid, valid


def heatmaps_to_keypoints(maps: Tensor, rois: Tensor) -> tuple[Tensor, Tensor]:
    """(K, N, H, W) heatmaps in K RoIs -> (K, N, 3) keypoints (x, y, 1) at each upsampled heatmap's maximum,
    and (K, N) scores (the heatmap's value there). Each RoI's maps are resized (bicubic) to its own size."""
    offset_x, offset_y = rois[:, 0], rois[:, 1]
    widths = (rois[:, 2] - rois[:, 0]).clamp(min=1)
    heights = (rois[:, 3] - rois[:, 1]).clamp(min=1)
    widths_ceil = widths.ceil().long().tolist()
    heights_ceil = heights.ceil().long().tolist()
    num_keypoints = maps.shape[1]
    xy_preds, end_scores = [], []
    keypoint_index = flambeau.arange(num_keypoints, device=maps.device)
    for i in range(len(rois)):  # NOTE: one bicubic resize per RoI, each to its own size (as torchvision)
        roi_map = F.interpolate(maps[i][:, None], size=(heights_ceil[i], widths_ceil[i]), mode="bicubic",
                                align_corners=False)[:, 0]
        w = roi_map.shape[2]
        pos = roi_map.reshape(num_keypoints, -1).argmax(dim=1)
        x_int = pos % w
        y_int = flambeau.div(pos - x_int, w, rounding_mode="floor")
        x = (x_int.float() + 0.5) * (widths[i] / widths_ceil[i]) + offset_x[i]
        y = (y_int.float() + 0.5) * (heights[i] / heights_ceil[i]) + offset_y[i]
        xy_preds.append(flambeau.stack((x, y, flambeau.ones_like(x)), dim=1))
        end_scores.append(roi_map[keypoint_index, y_int, x_int])
    if not xy_preds:
        return (flambeau.zeros((0, num_keypoints, 3), dtype=flambeau.float32, device=maps.device),
                flambeau.zeros((0, num_keypoints), dtype=flambeau.float32, device=maps.device))
    return flambeau.stack(xy_preds).float(), flambeau.stack(end_scores).float()


def keypointrcnn_loss(keypoint_logits: Tensor, proposals: list[Tensor], gt_keypoints: list[Tensor],
                      keypoint_matched_idxs: list[Tensor]) -> Tensor:
    """Cross-entropy over the H * W heatmap cells of every valid gt keypoint of the positive proposals."""
    n, k, h, w = keypoint_logits.shape
    if h != w:
        raise ValueError("keypoint_logits height and width (last two elements of shape) should be equal. "
                         f"Instead got H = {h} and W = {w}")
    heatmaps, valid = [], []
    for proposals_per_image, gt_kp_in_image, midx in zip(proposals, gt_keypoints, keypoint_matched_idxs):
        heatmaps_per_image, valid_per_image = keypoints_to_heatmap(gt_kp_in_image[midx], proposals_per_image, h)
        heatmaps.append(heatmaps_per_image.view(-1))
        valid.append(valid_per_image.view(-1))
    keypoint_targets = flambeau.cat(heatmaps, dim=0)
    valid = flambeau.where(flambeau.cat(valid, dim=0) > 0)[0]
    if keypoint_targets.numel() == 0 or len(valid) == 0:
        return keypoint_logits.sum() * 0
    return F.cross_entropy(keypoint_logits.view(n * k, h * w)[valid], keypoint_targets[valid])


def keypointrcnn_inference(x: Tensor, boxes: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
    kp_probs, kp_scores = [], []
    for maps, image_boxes in zip(x.split([box.size(0) for box in boxes], dim=0), boxes):
        probs, scores = heatmaps_to_keypoints(maps, image_boxes)
        kp_probs.append(probs)
        kp_scores.append(scores)
    return kp_probs, kp_scores


def expand_boxes(boxes: Tensor, scale: float) -> Tensor:
    """Scale boxes about their centres."""
    w_half = (boxes[:, 2] - boxes[:, 0]) * 0.5 * scale
    h_half = (boxes[:, 3] - boxes[:, 1]) * 0.5 * scale
    x_c = (boxes[:, 2] + boxes[:, 0]) * 0.5
    y_c = (boxes[:, 3] + boxes[:, 1]) * 0.5
    return flambeau.stack((x_c - w_half, y_c - h_half, x_c + w_half, y_c + h_half), dim=1)


def expand_masks(mask: Tensor, padding: int) -> tuple[Tensor, float]:
    """Zero-pad the (N, 1, M, M) masks by `padding`, and the scale that grows their boxes to match."""
    m = mask.shape[-1]
    return F.pad(mask, (padding,) * 4), float(m + 2 * padding) / m


def paste_mask_in_image(mask: Tensor, box: list[int], im_h: int, im_w: int) -> Tensor:
    """Resize one mask (bilinear) to its integer box (edges included) and place it in an im_h x im_w image."""
    w = max(box[2] - box[0] + 1, 1)
    h = max(box[3] - box[1] + 1, 1)
    mask = F.interpolate(mask.expand((1, 1, -1, -1)), size=(h, w), mode="bilinear", align_corners=False)[0][0]
    x_0, x_1 = max(box[0], 0), min(box[2] + 1, im_w)
    y_0, y_1 = max(box[1], 0), min(box[3] + 1, im_h)
    im_mask = flambeau.zeros((im_h, im_w), dtype=mask.dtype, device=mask.device)
    if y_1 > y_0 and x_1 > x_0:
        im_mask[y_0:y_1, x_0:x_1] = mask[y_0 - box[1]:y_1 - box[1], x_0 - box[0]:x_1 - box[0]]
    return im_mask


def paste_masks_in_image(masks: Tensor, boxes: Tensor, img_shape: tuple[int, int], padding: int = 1) -> Tensor:
    """(N, 1, M, M) mask probabilities predicted inside N boxes -> (N, 1, im_h, im_w) masks on the image. The
    masks are padded first so that their borders fade out instead of being cut."""
    masks, scale = expand_masks(masks, padding=padding)
    int_boxes = expand_boxes(boxes, scale).to(dtype=flambeau.int64).tolist()
    im_h, im_w = img_shape
    # NOTE: one resize per mask, each to its own box size (as torchvision)
    pasted = [paste_mask_in_image(m[0], b, im_h, im_w) for m, b in zip(masks, int_boxes)]
    if not pasted:
        return masks.new_empty((0, 1, im_h, im_w))
    return flambeau.stack(pasted, dim=0)[:, None]


class RoIHeads(nn.Module):
    """Pools each proposal's features (box_roi_pool), runs box_head and box_predictor, and in evaluation keeps
    the per-class detections above score_thresh after class-wise NMS; in training it samples proposals against
    the targets and returns the Fast R-CNN losses. Optional mask and keypoint branches follow the same pattern
    on the detections (evaluation) or the positive proposals (training)."""

    def __init__(self, box_roi_pool: nn.Module, box_head: nn.Module, box_predictor: nn.Module,
                 fg_iou_thresh: float, bg_iou_thresh: float, batch_size_per_image: int, positive_fraction: float,
                 bbox_reg_weights: tuple[float, float, float, float] | None, score_thresh: float,
                 nms_thresh: float, detections_per_img: int, mask_roi_pool: nn.Module | None = None,
                 mask_head: nn.Module | None = None, mask_predictor: nn.Module | None = None,
                 keypoint_roi_pool: nn.Module | None = None, keypoint_head: nn.Module | None = None,
                 keypoint_predictor: nn.Module | None = None) -> None:
        super().__init__()
        self.box_similarity = box_ops.box_iou
        self.proposal_matcher = det_utils.Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=False)
        self.fg_bg_sampler = det_utils.BalancedPositiveNegativeSampler(batch_size_per_image, positive_fraction)
        if bbox_reg_weights is None:
            bbox_reg_weights = (10.0, 10.0, 5.0, 5.0)
        self.box_coder = det_utils.BoxCoder(bbox_reg_weights)

        self.box_roi_pool = box_roi_pool
        self.box_head = box_head
        self.box_predictor = box_predictor
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img

        self.mask_roi_pool = mask_roi_pool
        self.mask_head = mask_head
        self.mask_predictor = mask_predictor
        self.keypoint_roi_pool = keypoint_roi_pool
        self.keypoint_head = keypoint_head
        self.keypoint_predictor = keypoint_predictor

    def has_mask(self) -> bool:
        return None not in (self.mask_roi_pool, self.mask_head, self.mask_predictor)

    def has_keypoint(self) -> bool:
        return None not in (self.keypoint_roi_pool, self.keypoint_head, self.keypoint_predictor)

    def assign_targets_to_proposals(self, proposals: list[Tensor], gt_boxes: list[Tensor], gt_labels: list[Tensor]
                                    ) -> tuple[list[Tensor], list[Tensor]]:
        """Each proposal's matched gt index (0 when unmatched) and label: the gt's label, 0 for background,
        -1 for proposals between the thresholds (ignored by the sampler)."""
        matched_idxs, labels = [], []
        for proposals_in_image, gt_boxes_in_image, gt_labels_in_image in zip(proposals, gt_boxes, gt_labels):
            if gt_boxes_in_image.numel() == 0:  # an image without objects: every proposal is background
                count = proposals_in_image.shape[0]
                clamped = flambeau.zeros((count,), dtype=flambeau.int64, device=proposals_in_image.device)
                labels_in_image = flambeau.zeros((count,), dtype=flambeau.int64, device=proposals_in_image.device)
            else:
                matched = self.proposal_matcher(box_ops.box_iou(gt_boxes_in_image, proposals_in_image))
                clamped = matched.clamp(min=0)
                labels_in_image = gt_labels_in_image[clamped].to(dtype=flambeau.int64)
                labels_in_image[matched == self.proposal_matcher.BELOW_LOW_THRESHOLD] = 0
                labels_in_image[matched == self.proposal_matcher.BETWEEN_THRESHOLDS] = -1
            matched_idxs.append(clamped)
            labels.append(labels_in_image)
        return matched_idxs, labels

    def subsample(self, labels: list[Tensor]) -> list[Tensor]:
        sampled_pos, sampled_neg = self.fg_bg_sampler(labels)
        return [flambeau.where(pos | neg)[0] for pos, neg in zip(sampled_pos, sampled_neg)]

    def add_gt_proposals(self, proposals: list[Tensor], gt_boxes: list[Tensor]) -> list[Tensor]:
        return [flambeau.cat((proposal, gt_box)) for proposal, gt_box in zip(proposals, gt_boxes)]

    def check_targets(self, targets: list[dict[str, Tensor]] | None) -> None:
        if targets is None:
            raise ValueError("targets should not be None")
        for key in ("boxes", "labels") + (("masks",) if self.has_mask() else ()):
            if not all(key in t for t in targets):
                raise ValueError(f"Every element of targets should have a {key} key")

    def select_training_samples(self, proposals: list[Tensor], targets: list[dict[str, Tensor]] | None
                                ) -> tuple[list[Tensor], list[Tensor], list[Tensor], tuple[Tensor, ...]]:
        """The sampled proposals (gt boxes added), their matched gt indices, labels and regression targets."""
        self.check_targets(targets)
        dtype, device = proposals[0].dtype, proposals[0].device
        gt_boxes = [t["boxes"].to(dtype) for t in targets]
        gt_labels = [t["labels"] for t in targets]
        proposals = self.add_gt_proposals(proposals, gt_boxes)
        matched_idxs, labels = self.assign_targets_to_proposals(proposals, gt_boxes, gt_labels)
        sampled_inds = self.subsample(labels)
        matched_gt_boxes = []
        for img_id, inds in enumerate(sampled_inds):
            proposals[img_id] = proposals[img_id][inds]
            labels[img_id] = labels[img_id][inds]
            matched_idxs[img_id] = matched_idxs[img_id][inds]
            gt_boxes_in_image = gt_boxes[img_id]
            if gt_boxes_in_image.numel() == 0:
                gt_boxes_in_image = flambeau.zeros((1, 4), dtype=dtype, device=device)
            matched_gt_boxes.append(gt_boxes_in_image[matched_idxs[img_id]])
        regression_targets = self.box_coder.encode(matched_gt_boxes, proposals)
        return proposals, matched_idxs, labels, regression_targets

    def postprocess_detections(self, class_logits: Tensor, box_regression: Tensor, proposals: list[Tensor],
                               image_shapes: list[tuple[int, int]]) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
        """Per image: one box per proposal and foreground class, clipped, kept above score_thresh and at least
        1e-2 wide and high, NMS'd per class, the best detections_per_img."""
        num_classes = class_logits.shape[-1]
        boxes_per_image = [boxes_in_image.shape[0] for boxes_in_image in proposals]
        pred_boxes = self.box_coder.decode(box_regression, proposals).split(boxes_per_image, 0)
        pred_scores = F.softmax(class_logits, -1).split(boxes_per_image, 0)
        all_boxes, all_scores, all_labels = [], [], []
        for boxes, scores, image_shape in zip(pred_boxes, pred_scores, image_shapes):
            boxes = box_ops.clip_boxes_to_image(boxes, image_shape)
            labels = flambeau.arange(num_classes, device=class_logits.device).view(1, -1).expand_as(scores)
            # drop the background class, then flatten to one candidate per (proposal, class)
            boxes = boxes[:, 1:].reshape(-1, 4)
            scores = scores[:, 1:].reshape(-1)
            labels = labels[:, 1:].reshape(-1)
            inds = flambeau.where(scores > self.score_thresh)[0]
            boxes, scores, labels = boxes[inds], scores[inds], labels[inds]
            keep = box_ops.remove_small_boxes(boxes, min_size=1e-2)
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = box_ops.batched_nms(boxes, scores, labels, self.nms_thresh)[:self.detections_per_img]
            all_boxes.append(boxes[keep])
            all_scores.append(scores[keep])
            all_labels.append(labels[keep])
        return all_boxes, all_scores, all_labels

    def _check_target_types(self, targets: list[dict[str, Tensor]]) -> None:
        for t in targets:
            if t["boxes"].dtype not in (flambeau.float, flambeau.double, flambeau.half):
                raise TypeError(f"target boxes must of float type, instead got {t['boxes'].dtype}")
            if t["labels"].dtype != flambeau.int64:
                raise TypeError(f"target labels must of int64 type, instead got {t['labels'].dtype}")
            if self.has_keypoint() and t["keypoints"].dtype != flambeau.float32:
                raise TypeError(f"target keypoints must of float type, instead got {t['keypoints'].dtype}")

    @staticmethod
    def _positives(proposals: list[Tensor], labels: list[Tensor], matched_idxs: list[Tensor]
                   ) -> tuple[list[Tensor], list[Tensor]]:
        """The positive training proposals of each image and their matched gt indices."""
        positives = [flambeau.where(image_labels > 0)[0] for image_labels in labels]
        return ([p[pos] for p, pos in zip(proposals, positives)],
                [m[pos] for m, pos in zip(matched_idxs, positives)])

    def forward(self, features: dict[str, Tensor], proposals: list[Tensor], image_shapes: list[tuple[int, int]],
                targets: list[dict[str, Tensor]] | None = None
                ) -> tuple[list[dict[str, Tensor]], dict[str, Tensor]]:
        if targets is not None:
            self._check_target_types(targets)
        if self.training:
            proposals, matched_idxs, labels, regression_targets = self.select_training_samples(proposals, targets)
        box_features = self.box_head(self.box_roi_pool(features, proposals, image_shapes))
        class_logits, box_regression = self.box_predictor(box_features)

        result: list[dict[str, Tensor]] = []
        losses: dict[str, Tensor] = {}
        if self.training:
            loss_classifier, loss_box_reg = fastrcnn_loss(class_logits, box_regression, labels, regression_targets)
            losses = {"loss_classifier": loss_classifier, "loss_box_reg": loss_box_reg}
        else:
            boxes, scores, labels = self.postprocess_detections(class_logits, box_regression, proposals, image_shapes)
            result = [{"boxes": b, "labels": lab, "scores": s} for b, s, lab in zip(boxes, scores, labels)]

        if self.has_mask():
            if self.training:
                mask_proposals, pos_matched_idxs = self._positives(proposals, labels, matched_idxs)
            else:
                mask_proposals = [r["boxes"] for r in result]
            mask_logits = self.mask_predictor(self.mask_head(self.mask_roi_pool(features, mask_proposals,
                                                                                image_shapes)))
            if self.training:
                losses["loss_mask"] = maskrcnn_loss(mask_logits, mask_proposals, [t["masks"] for t in targets],
                                                    [t["labels"] for t in targets], pos_matched_idxs)
            else:
                for mask_prob, r in zip(maskrcnn_inference(mask_logits, [r["labels"] for r in result]), result):
                    r["masks"] = mask_prob

        if self.has_keypoint():
            if self.training:
                keypoint_proposals, pos_matched_idxs = self._positives(proposals, labels, matched_idxs)
            else:
                keypoint_proposals = [r["boxes"] for r in result]
            keypoint_logits = self.keypoint_predictor(self.keypoint_head(self.keypoint_roi_pool(
                features, keypoint_proposals, image_shapes)))
            if self.training:
                losses["loss_keypoint"] = keypointrcnn_loss(keypoint_logits, keypoint_proposals,
                                                            [t["keypoints"] for t in targets], pos_matched_idxs)
            else:
                keypoints_probs, kp_scores = keypointrcnn_inference(keypoint_logits, keypoint_proposals)
                for keypoint_prob, kps, r in zip(keypoints_probs, kp_scores, result):
                    r["keypoints"] = keypoint_prob
                    r["keypoints_scores"] = kps
        return result, losses
