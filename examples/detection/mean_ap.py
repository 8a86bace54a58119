"""mAP@0.5: Pascal VOC's detection metric, average precision at an IoU threshold of 0.5 averaged over
the classes.

For each class, the detections of all images are ranked by score. Going down the ranking, a detection
is a true positive when its best-overlapping ground-truth box of that class in its image has
IoU >= 0.5 and no higher-ranked detection has claimed it; otherwise (a poor overlap, or a duplicate)
it is a false positive. The class's AP is the area under the precision-recall curve made monotone
(at each recall, the best precision reached at that recall or beyond), summed over every point
where recall grows.
"""
from flambeau.vision.ops import box_iou


def _ranked_hits(predictions, targets, label, iou_threshold):
    """(score, is true positive) of every detection of class `label`, and the number of its true boxes."""
    hits, num_truths = [], 0
    for pred, target in zip(predictions, targets):
        truths = target["boxes"][target["labels"] == label]
        mine = pred["labels"] == label
        boxes, scores = pred["boxes"][mine], pred["scores"][mine]
        num_truths += len(truths)
        claimed = [False] * len(truths)
        overlaps = box_iou(boxes, truths) if len(truths) else None
        for i in scores.argsort(descending=True, stable=True).tolist():
            hit = False
            if overlaps is not None:
                best = int(overlaps[i].argmax())
                hit = overlaps[i, best].item() >= iou_threshold and not claimed[best]
                claimed[best] = claimed[best] or hit
            hits.append((scores[i].item(), hit))
    return hits, num_truths


def average_precision(hits, num_truths):
    """Area under the monotone precision-recall curve of (score, is true positive) detections."""
    hits = sorted(hits, key=lambda hit: -hit[0])
    true_positives, points = 0, []
    for rank, (_, hit) in enumerate(hits, start=1):
        true_positives += hit
        points.append((true_positives / num_truths, true_positives / rank))
    ap, best_precision = 0.0, 0.0
    # from the highest recall down, so that each point's precision is the best at its recall or beyond
    for i in range(len(points) - 1, -1, -1):
        recall, precision = points[i]
        best_precision = max(best_precision, precision)
        previous_recall = points[i - 1][0] if i else 0.0
        ap += (recall - previous_recall) * best_precision
    return ap


def mean_average_precision(predictions, targets, num_classes, iou_threshold=0.5):
    """(mAP, {label: AP}) over the classes 1..num_classes-1 (0 is the background) that have true boxes.

    `predictions` and `targets` are lists with one dict per image, as torchvision's detection models
    return and take them: "boxes" (N, 4) x0, y0, x1, y1, "labels" (N,) and, for predictions, "scores"."""
    per_class = {}
    for label in range(1, num_classes):
        hits, num_truths = _ranked_hits(predictions, targets, label, iou_threshold)
        if num_truths:
            per_class[label] = average_precision(hits, num_truths)
    return sum(per_class.values()) / len(per_class), per_class
