"""The metrics the detection and segmentation examples report, on cases small enough to work out by hand."""
import importlib.util
import pathlib

import pytest

import flambeau as torch

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mean_ap = _load(EXAMPLES / "detection" / "mean_ap.py")
mean_iou = _load(EXAMPLES / "segmentation" / "mean_iou.py")


def _boxes(*boxes):
    return torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)


# image A: two rectangles (class 1) and an ellipse (class 2); image B: one rectangle
TARGETS = [{"boxes": _boxes([0, 0, 10, 10], [20, 20, 30, 30], [0, 0, 10, 10]), "labels": torch.tensor([1, 1, 2])},
           {"boxes": _boxes([0, 0, 10, 10]), "labels": torch.tensor([1])}]
PREDICTIONS = [
    # class 1: an exact hit (0.9), a duplicate of it with IoU 0.5 (0.8), a hit on the second box (0.6);
    # class 2: an exact hit
    {"boxes": _boxes([0, 0, 10, 10], [0, 0, 10, 5], [20, 20, 30, 30], [0, 0, 10, 10]),
     "scores": torch.tensor([0.9, 0.8, 0.6, 0.5]), "labels": torch.tensor([1, 1, 1, 2])},
    # class 1: a box overlapping the truth by IoU 50/150 = 1/3 (0.7); class 3, which has no true box (0.95)
    {"boxes": _boxes([5, 0, 15, 10], [0, 0, 5, 5]), "scores": torch.tensor([0.7, 0.95]), "labels": torch.tensor([1, 3])},
]


def test_map50_hand_computed():
    """Class 1 ranks TP, FP (duplicate), FP (IoU 1/3), TP over 3 true boxes: recall 1/3, 1/3, 1/3, 2/3 and
    precision 1, 1/2, 1/3, 1/2, so AP = 1/3 * 1 + 1/3 * 1/2 = 1/2. Class 2: AP 1. Class 3 has no truth and
    does not count: mAP = 3/4."""
    m, per_class = mean_ap.mean_average_precision(PREDICTIONS, TARGETS, num_classes=4)
    assert per_class == pytest.approx({1: 0.5, 2: 1.0})
    assert m == pytest.approx(0.75)


def test_map_at_a_lower_iou_threshold_counts_the_loose_box():
    """At IoU 0.3 the 1/3 overlap is a hit: TP, FP, TP, TP, precision 1, 1/2, 2/3, 3/4 made monotone
    1, 3/4, 3/4, 3/4 at recall 1/3, 1/3, 2/3, 1: AP = 1/3 + 1/3 * 3/4 + 1/3 * 3/4 = 5/6."""
    _, per_class = mean_ap.mean_average_precision(PREDICTIONS, TARGETS, num_classes=4, iou_threshold=0.3)
    assert per_class[1] == pytest.approx(5 / 6)


def test_map_without_detections_is_zero_and_perfect_detections_score_one():
    empty = [{"boxes": _boxes(), "scores": torch.zeros(0), "labels": torch.zeros(0, dtype=torch.int64)}] * 2
    assert mean_ap.mean_average_precision(empty, TARGETS, num_classes=4)[0] == 0.0
    perfect = [{**t, "scores": torch.ones(len(t["labels"]))} for t in TARGETS]
    assert mean_ap.mean_average_precision(perfect, TARGETS, num_classes=4)[0] == pytest.approx(1.0)


def test_mean_iou_hand_computed():
    """(truth, prediction) pixel pairs (0,0) (0,1) (1,1) (1,1) (2,2) (2,0): class 0 IoU 1/3 (1 shared pixel of
    3), class 1 2/3, class 2 1/2; class 3 appears nowhere and is left out: mean 1/2."""
    truth = torch.tensor([[0, 0, 1], [1, 2, 2]])
    prediction = torch.tensor([[0, 1, 1], [1, 2, 0]])
    confusion = mean_iou.confusion_matrix(prediction, truth, num_classes=4)
    assert confusion.tolist() == [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]
    m, ious = mean_iou.mean_iou(confusion)
    assert ious == pytest.approx([1 / 3, 2 / 3, 1 / 2, None])
    assert m == pytest.approx(0.5)
