"""vision.ops box utilities and detection losses against torchvision.ops on the same inputs: values, dtypes,
gradients, empty and degenerate boxes; nms/batched_nms kept indices exactly, score ties and identical boxes included."""
import numpy as np
import pytest
import torch
import torchvision.ops as tv_ops

import flambeau
from flambeau.vision.ops import boxes as f_boxes
from flambeau.vision.ops import losses as f_losses
from oracle import RNG, check, check_raises, randn, to_numpy

IOU_FNS = ["box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou"]
BOX_LOSSES = ["generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]


def op(lib, name):
    """torchvision's function for torch, ours for flambeau."""
    if lib is torch:
        return getattr(tv_ops, name)
    return getattr(f_boxes, name, None) or getattr(f_losses, name)


def xyxy(*lead, low=0.0, high=50.0, max_size=30.0, dtype=np.float64, integer=False):
    """Random valid xyxy boxes [*lead, 4]; integer coordinates make many exact ties in min/max."""
    corner = RNG.uniform(low, high, size=(*lead, 2))
    size = RNG.uniform(1.0, max_size, size=(*lead, 2))
    boxes = np.concatenate([corner, corner + size], axis=-1)
    return (np.round(boxes) if integer else boxes).astype(dtype)


def run_both(name, *arrays, **kwargs):
    """(torch result, flambeau result) of one function, on tensors made from the same arrays."""
    t_out = op(torch, name)(*[torch.tensor(a) for a in arrays], **kwargs)
    f_out = op(flambeau, name)(*[flambeau.tensor(a) for a in arrays], **kwargs)
    return t_out, f_out


def assert_same_indices(t_out, f_out):
    assert repr(f_out.dtype) == str(t_out.dtype) == "torch.int64"
    assert to_numpy(f_out).tolist() == to_numpy(t_out).tolist()


# ---------------------------------------------------------------- box_convert, box_area, clip, remove, masks

AXIS_FMTS = ["xyxy", "xywh", "cxcywh"]


@pytest.mark.parametrize("in_fmt", AXIS_FMTS)
@pytest.mark.parametrize("out_fmt", AXIS_FMTS)
def test_box_convert_axis_aligned(in_fmt, out_fmt):
    check(lambda lib, b: op(lib, "box_convert")(b, in_fmt, out_fmt), xyxy(2, 5))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.int32])
def test_box_convert_dtypes(dtype):
    boxes = xyxy(6, dtype=dtype, integer=True)
    for in_fmt, out_fmt in [("xyxy", "cxcywh"), ("cxcywh", "xywh"), ("xywh", "xyxy")]:
        check(lambda lib, b: op(lib, "box_convert")(b, in_fmt, out_fmt), boxes, grad=False)


ROTATED_PAIRS = [("cxcywhr", "xywhr"), ("xywhr", "cxcywhr"), ("cxcywhr", "xyxyxyxy"), ("xyxyxyxy", "cxcywhr"),
                 ("xywhr", "xyxyxyxy"), ("xyxyxyxy", "xywhr")]


@pytest.mark.parametrize("in_fmt,out_fmt", ROTATED_PAIRS)
def test_box_convert_rotated(in_fmt, out_fmt):
    k = 8 if in_fmt == "xyxyxyxy" else 5
    boxes = randn(7, k, low=1.0, high=40.0)
    check(lambda lib, b: op(lib, "box_convert")(b, in_fmt, out_fmt), boxes, atol=1e-9)
    # integer boxes are converted in floating point, then rounded back
    check(lambda lib, b: op(lib, "box_convert")(b, in_fmt, out_fmt), np.round(boxes).astype(np.int64), grad=False)


@pytest.mark.parametrize("in_fmt,out_fmt", [("xyxy", "foo"), ("bar", "xyxy"), ("xyxy", "xywhr"), ("cxcywhr", "xywh")])
def test_box_convert_errors(in_fmt, out_fmt):
    check_raises(lambda lib, b: op(lib, "box_convert")(b, in_fmt, out_fmt), xyxy(3))


def test_box_convert_same_format_copies():
    boxes = flambeau.tensor(xyxy(3))
    out = f_boxes.box_convert(boxes, "xyxy", "xyxy")
    out[0, 0] = -1.0
    assert boxes[0, 0].item() != -1.0


@pytest.mark.parametrize("fmt", AXIS_FMTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int16, np.int64])
def test_box_area(fmt, dtype):
    # float16 and int16 are upcast to float32 and int32
    check(lambda lib, b: op(lib, "box_area")(b, fmt=fmt), xyxy(2, 4, dtype=dtype, integer=True))


def test_box_area_bad_format():
    check_raises(lambda lib, b: op(lib, "box_area")(b, fmt="xywhr"), xyxy(3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_clip_boxes_to_image(dtype):
    boxes = xyxy(3, 5, low=-20.0, high=40.0, dtype=dtype, integer=True)
    check(lambda lib, b: op(lib, "clip_boxes_to_image")(b, (30, 25)), boxes)


@pytest.mark.parametrize("min_size", [0.0, 5.0, 12.5, 100.0])
def test_remove_small_boxes(min_size):
    boxes = xyxy(40, integer=True)
    assert_same_indices(*run_both("remove_small_boxes", boxes, min_size=min_size))


def test_remove_small_boxes_empty():
    assert_same_indices(*run_both("remove_small_boxes", np.zeros((0, 4)), min_size=1.0))


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.float32])
def test_masks_to_boxes(dtype):
    masks = RNG.uniform(size=(6, 9, 11)) > 0.93
    masks[1] = False  # empty mask: [0, 0, 0, 0]
    masks[2] = False
    masks[2, 4, 3:8] = True  # a single row: y1 == y2
    masks[3] = False
    masks[3, 8, 10] = True  # a single pixel in the corner
    t_out, f_out = run_both("masks_to_boxes", masks.astype(dtype))
    assert repr(f_out.dtype) == str(t_out.dtype)
    np.testing.assert_array_equal(to_numpy(f_out), to_numpy(t_out))


def test_masks_to_boxes_empty():
    t_out, f_out = run_both("masks_to_boxes", np.zeros((0, 5, 5), dtype=bool))
    assert tuple(f_out.shape) == tuple(t_out.shape) == (0, 4)
    assert repr(f_out.dtype) == str(t_out.dtype)


# ---------------------------------------------------------------- the IoU family

@pytest.mark.parametrize("name", IOU_FNS)
@pytest.mark.parametrize("integer", [False, True], ids=["random", "ties"])
def test_iou_values_and_gradients(name, integer):
    # integer coordinates: equal corners exercise min/max gradients at ties
    check(lambda lib, a, b: op(lib, name)(a, b), xyxy(5, integer=integer), xyxy(4, integer=integer), atol=1e-9)


@pytest.mark.parametrize("name", IOU_FNS)
def test_iou_batched_leading_dims(name):
    check(lambda lib, a, b: op(lib, name)(a, b), xyxy(2, 3, 5), xyxy(2, 3, 4), atol=1e-9)


@pytest.mark.parametrize("name", IOU_FNS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.int32])
def test_iou_dtypes(name, dtype):
    # float16 is upcast to float32; integer boxes give float results
    check(lambda lib, a, b: op(lib, name)(a, b), xyxy(5, dtype=dtype, integer=True), xyxy(3, dtype=dtype,
                                                                                          integer=True), grad=False)


@pytest.mark.parametrize("name", IOU_FNS)
@pytest.mark.parametrize("n,m", [(0, 3), (3, 0), (0, 0)])
def test_iou_empty(name, n, m):
    check(lambda lib, a, b: op(lib, name)(a, b), xyxy(n), xyxy(m))


@pytest.mark.parametrize("name", IOU_FNS)
def test_iou_degenerate_boxes(name):
    # zero-area boxes, identical boxes and disjoint boxes: nan where torchvision divides 0 by 0
    boxes = np.array([[1, 1, 1, 1], [0, 0, 4, 4], [0, 0, 4, 4], [2, 3, 2, 9], [10, 10, 12, 11]], dtype=np.float64)
    check(lambda lib, a, b: op(lib, name)(a, b), boxes, boxes.copy(), grad=False)


@pytest.mark.parametrize("fmt", AXIS_FMTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_box_iou_formats(fmt, dtype):
    a, b = xyxy(5), xyxy(4)
    a, b = (to_numpy(tv_ops.box_convert(torch.tensor(x), "xyxy", fmt)).astype(dtype) for x in (a, b))
    check(lambda lib, x, y: op(lib, "box_iou")(x, y, fmt=fmt), a, b)


def test_box_iou_bad_format():
    check_raises(lambda lib, a, b: op(lib, "box_iou")(a, b, fmt="yxyx"), xyxy(2), xyxy(3))


@pytest.mark.parametrize("name", ["distance_box_iou", "complete_box_iou"])
def test_iou_eps(name):
    # overlapping centres of nested boxes: eps is the only guard of the division
    check(lambda lib, a, b: op(lib, name)(a, b, eps=0.5), xyxy(4, integer=True), xyxy(3, integer=True), atol=1e-9)


def test_iou_gradcheck():
    # not complete_box_iou: its alpha weight is deliberately not differentiated, so finite differences disagree
    a = flambeau.tensor(xyxy(3), requires_grad=True)
    b = flambeau.tensor(xyxy(2), requires_grad=True)
    for name in IOU_FNS[:3]:
        assert flambeau.autograd.gradcheck(lambda x, y, name=name: op(flambeau, name)(x, y), (a, b))


# ---------------------------------------------------------------- losses

@pytest.mark.parametrize("name", BOX_LOSSES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("integer", [False, True], ids=["random", "ties"])
def test_box_losses(name, reduction, integer):
    # the second half of the pairs do not overlap at all
    a, b = xyxy(8, integer=integer), xyxy(8, integer=integer)
    b[4:] += 100.0
    check(lambda lib, x, y: op(lib, name)(x, y, reduction=reduction), a, b, atol=1e-9)


@pytest.mark.parametrize("name", BOX_LOSSES)
def test_box_losses_single_box_and_eps(name):
    check(lambda lib, x, y: op(lib, name)(x, y, eps=0.25), xyxy(4), xyxy(4), atol=1e-9)
    # identical boxes: zero loss, eps-sized gradients
    box = xyxy(3, integer=True)
    check(lambda lib, x, y: op(lib, name)(x, y, reduction="sum"), box, box.copy(), atol=1e-9)


@pytest.mark.parametrize("name", BOX_LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64])
def test_box_losses_dtypes(name, dtype):
    # everything but float32/float64 is computed in float32
    check(lambda lib, x, y: op(lib, name)(x, y), xyxy(5, dtype=dtype, integer=True),
          xyxy(5, dtype=dtype, integer=True), grad=dtype == np.float32, atol=1e-5)


@pytest.mark.parametrize("name", BOX_LOSSES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_box_losses_empty(name, reduction):
    # mean over no boxes is 0 (attached to the graph), not nan
    check(lambda lib, x, y: op(lib, name)(x, y, reduction=reduction), xyxy(0), xyxy(0))


@pytest.mark.parametrize("name", BOX_LOSSES + ["sigmoid_focal_loss"])
def test_losses_bad_reduction(name):
    check_raises(lambda lib, x, y: op(lib, name)(x, y, reduction="avg"), xyxy(2), xyxy(2))


@pytest.mark.parametrize("alpha,gamma", [(0.25, 2), (-1, 2), (0.0, 0), (1.0, 1.5), (0.6, 0.5)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_sigmoid_focal_loss(alpha, gamma, reduction):
    logits = randn(4, 7) * 3
    soft_targets = RNG.uniform(size=(4, 7))  # gradients to the targets as well
    check(lambda lib, x, t: op(lib, "sigmoid_focal_loss")(x, t, alpha=alpha, gamma=gamma, reduction=reduction),
          logits, soft_targets)
    hard_targets = (RNG.uniform(size=(4, 7)) > 0.5).astype(np.float64)
    check(lambda lib, x, t: op(lib, "sigmoid_focal_loss")(x, t, alpha=alpha, gamma=gamma, reduction=reduction),
          logits, hard_targets)


def test_sigmoid_focal_loss_float32_and_empty():
    check(lambda lib, x, t: op(lib, "sigmoid_focal_loss")(x, t), randn(10, dtype=np.float32),
          RNG.uniform(size=10).astype(np.float32))
    # mean over nothing is nan here (plain mean), unlike the box losses
    check(lambda lib, x, t: op(lib, "sigmoid_focal_loss")(x, t, reduction="mean"), randn(0), randn(0))


@pytest.mark.parametrize("alpha", [1.5, -0.5, -2])
def test_sigmoid_focal_loss_bad_alpha(alpha):
    check_raises(lambda lib, x, t: op(lib, "sigmoid_focal_loss")(x, t, alpha=alpha), randn(3), randn(3))


# ---------------------------------------------------------------- nms and batched_nms

def crowded(n, dtype=np.float64, integer=False, score_levels=None):
    """Many heavily overlapping boxes in a small area; with score_levels, scores from a few values (ties)."""
    boxes = xyxy(n, high=20.0, max_size=15.0, dtype=dtype, integer=integer)
    if score_levels is None:
        scores = RNG.uniform(size=n)
    else:
        scores = RNG.integers(0, score_levels, size=n) / score_levels
    return boxes, scores.astype(dtype)


@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.5, 0.7, 1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nms_random(threshold, dtype):
    boxes, scores = crowded(300, dtype=dtype)
    t_keep, f_keep = run_both("nms", boxes, scores, iou_threshold=threshold)
    assert_same_indices(t_keep, f_keep)
    if 0.0 < threshold < 1.0:
        assert 1 < len(f_keep) < 300  # the case really suppresses something


@pytest.mark.parametrize("threshold", [0.1, 0.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nms_score_ties(threshold, dtype):
    # few distinct scores and integer boxes: ties in scores and in IoUs decide by input order
    boxes, scores = crowded(200, dtype=dtype, integer=True, score_levels=4)
    assert_same_indices(*run_both("nms", boxes, scores, iou_threshold=threshold))


def test_nms_identical_boxes_and_all_equal_scores():
    box = xyxy(1)
    boxes = np.repeat(box, 10, axis=0)
    boxes[5:] += 0.5
    scores = np.full(10, 0.5)
    for threshold in (0.0, 0.5, 0.99):
        t_keep, f_keep = run_both("nms", boxes, scores, iou_threshold=threshold)
        assert_same_indices(t_keep, f_keep)
    assert to_numpy(f_keep).tolist()[0] == 0  # the first of the tied boxes wins


def test_nms_iou_equal_to_threshold_is_kept():
    # IoU exactly 0.5: suppression needs IoU > threshold
    boxes = np.array([[0, 0, 2, 1], [0, 0, 1, 1], [5, 5, 6, 6]], dtype=np.float32)
    scores = np.array([0.9, 0.8, 0.7], dtype=np.float32)
    for threshold in (0.5, 0.4999):
        assert_same_indices(*run_both("nms", boxes, scores, iou_threshold=threshold))


def test_nms_threshold_compared_in_double():
    # a float32 IoU against the float64 just below it: C++ compares in double and suppresses
    boxes = np.array([[0, 0, 3, 3], [1, 0.3, 3.7, 3.1]], dtype=np.float32)
    iou = float(tv_ops.box_iou(torch.tensor(boxes[:1]), torch.tensor(boxes[1:]))[0, 0])
    threshold = float(np.nextafter(iou, 0.0))
    assert np.float32(threshold) == np.float32(iou)
    scores = np.array([0.9, 0.8], dtype=np.float32)
    t_keep, f_keep = run_both("nms", boxes, scores, iou_threshold=threshold)
    assert_same_indices(t_keep, f_keep)
    assert len(f_keep) == 1


def test_nms_thresholds_at_exact_ious():
    # thresholds equal to float32 IoUs of the top box: a box is kept only if our IoU rounds exactly as the kernel's
    boxes, scores = crowded(60, dtype=np.float32)
    top = int(np.argmax(scores))
    ious = tv_ops.box_iou(torch.tensor(boxes[top:top + 1]), torch.tensor(boxes))[0].numpy()
    for threshold in ious[(ious > 0.05) & (ious < 0.95)]:
        assert_same_indices(*run_both("nms", boxes, scores, iou_threshold=float(threshold)))


def test_nms_degenerate_boxes():
    # zero-area boxes give nan IoUs, which suppress nothing
    boxes = np.array([[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 4, 4], [2, 2, 2, 5], [0, 0, 4, 4]], dtype=np.float64)
    scores = np.array([0.9, 0.9, 0.5, 0.8, 0.1])
    assert_same_indices(*run_both("nms", boxes, scores, iou_threshold=0.3))


def test_nms_empty():
    assert_same_indices(*run_both("nms", np.zeros((0, 4)), np.zeros(0), iou_threshold=0.5))


def test_nms_ignores_requires_grad():
    boxes, scores = crowded(20)
    f_keep = f_boxes.nms(flambeau.tensor(boxes, requires_grad=True), flambeau.tensor(scores, requires_grad=True), 0.5)
    assert not f_keep.requires_grad
    assert_same_indices(tv_ops.nms(torch.tensor(boxes), torch.tensor(scores), 0.5), f_keep)


@pytest.mark.parametrize("boxes,scores", [
    (np.zeros(4), np.zeros(1)),                                   # boxes not 2-D
    (np.zeros((3, 5)), np.zeros(3)),                              # not 4 coordinates
    (np.zeros((3, 4)), np.zeros((3, 1))),                         # scores not 1-D
    (np.zeros((3, 4)), np.zeros(2)),                              # lengths differ
    (np.zeros((3, 4)), np.zeros(3, dtype=np.float32)),            # dtypes differ
    (np.zeros((3, 4), dtype=np.float16), np.zeros(3, dtype=np.float16)),  # no half kernel on the CPU
    (np.zeros((3, 4), dtype=np.int64), np.zeros(3, dtype=np.int64)),
])
def test_nms_errors(boxes, scores):
    check_raises(lambda lib, b, s: op(lib, "nms")(b, s, 0.5), boxes, scores)


@pytest.mark.parametrize("n,num_classes", [(300, 5), (1200, 7)], ids=["coordinate-trick", "per-class"])
@pytest.mark.parametrize("score_levels", [None, 5], ids=["distinct", "ties"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batched_nms(n, num_classes, score_levels, dtype):
    # more than 4000 coordinates take torchvision's per-class path on the CPU; fewer, the coordinate offsets
    boxes, scores = crowded(n, dtype=dtype, integer=score_levels is not None, score_levels=score_levels)
    idxs = RNG.integers(0, num_classes, size=n)
    t_keep, f_keep = run_both("batched_nms", boxes, scores, idxs, iou_threshold=0.4)
    if n > 1000 and score_levels is not None:
        # torchvision's per-class path orders its result with an unstable sort, which puts equal scores in an
        # implementation-defined order; ours keeps them in index order. The same boxes, in the same score order.
        assert sorted(to_numpy(f_keep).tolist()) == sorted(to_numpy(t_keep).tolist())
        keep = to_numpy(f_keep)
        np.testing.assert_array_equal(scores[keep], scores[to_numpy(t_keep)])
        tied = scores[keep[1:]] == scores[keep[:-1]]
        assert np.all(keep[1:][tied] > keep[:-1][tied])
    else:
        assert_same_indices(t_keep, f_keep)
    plain = f_boxes.nms(flambeau.tensor(boxes), flambeau.tensor(scores), 0.4)
    assert len(f_keep) > len(plain)  # categories do not suppress each other


def test_batched_nms_offsets_round_like_torchvision():
    # class ids near 10**4 make float32 offsets large enough to round the shifted boxes: the coordinate trick's
    # result then differs from per-class nms, and ours must be the trick's
    boxes, scores = crowded(300, dtype=np.float32)
    idxs = RNG.integers(0, 3, size=300) + 10**5
    t_keep, f_keep = run_both("batched_nms", boxes, scores, idxs, iou_threshold=0.5)
    assert_same_indices(t_keep, f_keep)
    per_class = tv_ops.boxes._batched_nms_vanilla(torch.tensor(boxes), torch.tensor(scores), torch.tensor(idxs), 0.5)
    assert per_class.tolist() != t_keep.tolist()


def test_batched_nms_empty():
    assert_same_indices(*run_both("batched_nms", np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=np.int64),
                                  iou_threshold=0.5))
