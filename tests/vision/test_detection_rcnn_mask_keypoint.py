"""Mask R-CNN and Keypoint R-CNN against torchvision: with torchvision's (perturbed) weights, the same detections,
masks and keypoints on two images, and in training the same losses (and finite gradients: the gradients of the
whole models are compared on Faster R-CNN, those of the mask and keypoint losses below); their heads, checks and
weights enums. The ResNet-50 models run in float64 on small images (see rcnn_oracle.build_pair)."""
import numpy as np
import pytest
import torch
import torchvision
import torchvision.models.detection.keypoint_rcnn as tv_keypoint
import torchvision.models.detection.mask_rcnn as tv_mask
import torchvision.models.detection.roi_heads as tv_roi_heads

import flambeau
import flambeau.vision.models.detection.keypoint_rcnn as f_keypoint
import flambeau.vision.models.detection.mask_rcnn as f_mask
import flambeau.vision.models.detection.roi_heads as f_roi_heads

from detection_oracle import assert_close, load_from_torch, random_boxes, to_flambeau, to_torch
from rcnn_oracle import build_pair, check_eval, check_registered, check_train, check_weights_enum, targets

SHORT = 64
# the mask and keypoint heads run on every detection: a few per image keep them cheap
FEW = dict(short=SHORT, double=True, box_detections_per_img=4)


@pytest.fixture(scope="module")
def mask_pair():
    return build_pair("mask_rcnn", "maskrcnn_resnet50_fpn", num_classes=4, **FEW)


def test_mask_rcnn_eval_matches_torchvision(mask_pair):
    got = check_eval(*mask_pair)
    assert got[0]["masks"].shape[1:] == (1, SHORT, SHORT * 5 // 4)


def test_mask_rcnn_train_matches_torchvision(mask_pair):
    check_train(*mask_pair, targets(4, short=SHORT, masks=True), compare_gradients=False)


def test_mask_rcnn_v2_eval_matches_torchvision():
    check_eval(*build_pair("mask_rcnn", "maskrcnn_resnet50_fpn_v2", num_classes=4, **FEW))


def _light_keypoint_head(lib_module):
    """One 512-channel layer instead of eight (the default costs 7 GFLOPs per RoI); the predictor is the
    builder's."""
    return lib_module.KeypointRCNNHeads(256, (512,))


@pytest.fixture(scope="module")
def keypoint_pair():
    heads = (_light_keypoint_head(tv_keypoint), _light_keypoint_head(f_keypoint))
    return build_pair("keypoint_rcnn", "keypointrcnn_resnet50_fpn", num_keypoints=5, twins={"keypoint_head": heads},
                      **FEW)


def test_keypoint_rcnn_eval_matches_torchvision(keypoint_pair):
    got = check_eval(*keypoint_pair)
    assert got[0]["keypoints"].shape[1:] == (5, 3) and got[0]["keypoints_scores"].shape[1:] == (5,)


def test_keypoint_rcnn_train_matches_torchvision(keypoint_pair):
    check_train(*keypoint_pair, targets(2, short=SHORT, keypoints=5), compare_gradients=False)


@pytest.mark.parametrize("module,name,kwargs", [("mask_rcnn", "maskrcnn_resnet50_fpn", {}),
                                                ("mask_rcnn", "maskrcnn_resnet50_fpn_v2", {}),
                                                ("keypoint_rcnn", "keypointrcnn_resnet50_fpn", {})])
def test_default_structure_matches_torchvision(module, name, kwargs):
    """The builders' default models: torchvision's state_dict keys and shapes, hence strict loading."""
    t_model = getattr(torchvision.models.detection, name)(weights=None, weights_backbone=None)
    f_model = getattr(f_mask if module == "mask_rcnn" else f_keypoint, name)(weights=None, weights_backbone=None)
    t_sd, f_sd = t_model.state_dict(), f_model.state_dict()
    assert list(f_sd) == list(t_sd)
    assert all(tuple(f_sd[k].shape) == tuple(t_sd[k].shape) for k in t_sd)
    assert f_model.transform.min_size == t_model.transform.min_size


# ---------------------------------------------------------------- the heads' pieces on their own

def test_mask_loss_and_inference_match_torchvision():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 1, (5, 3, 14, 14)).astype(np.float32)
    proposals = [random_boxes(rng, 2, size=40), random_boxes(rng, 3, size=40)]
    masks = [(rng.uniform(0, 1, (2, 40, 40)) > 0.5).astype(np.uint8), (rng.uniform(0, 1, (1, 40, 40)) > 0.5)
             .astype(np.uint8)]
    labels = [np.array([1, 2]), np.array([2])]
    matched = [np.array([0, 1]), np.array([0, 0, 0])]
    t_logits, f_logits = to_torch(logits).requires_grad_(), to_flambeau(logits).requires_grad_()
    t = tv_roi_heads.maskrcnn_loss(t_logits, [to_torch(p) for p in proposals], [to_torch(m) for m in masks],
                                   [to_torch(lab) for lab in labels], [to_torch(m) for m in matched])
    f = f_roi_heads.maskrcnn_loss(f_logits, [to_flambeau(p) for p in proposals], [to_flambeau(m) for m in masks],
                                  [to_flambeau(lab) for lab in labels], [to_flambeau(m) for m in matched])
    t.backward()
    f.backward()
    assert_close(f, t, rtol=1e-5)
    assert_close(f_logits.grad, t_logits.grad, atol=1e-7)
    predicted = [np.array([1, 0]), np.array([2, 2, 1])]
    assert_close(f_roi_heads.maskrcnn_inference(to_flambeau(logits), [to_flambeau(p) for p in predicted]),
                 tv_roi_heads.maskrcnn_inference(to_torch(logits), [to_torch(p) for p in predicted]))


def test_mask_branch_over_no_roi():
    """No positive proposal: the loss is 0 with a zero gradient (a transposed convolution over no RoI)."""
    head = f_mask.MaskRCNNPredictor(8, 8, 3)
    logits = head(flambeau.zeros(0, 8, 7, 7))
    gt_masks = [flambeau.zeros(1, 20, 20, dtype=flambeau.uint8)]
    loss = f_roi_heads.maskrcnn_loss(logits, [flambeau.zeros(0, 4)], gt_masks, [flambeau.ones(1, dtype=flambeau.int64)],
                                     [flambeau.zeros(0, dtype=flambeau.int64)])
    loss.backward()
    assert loss.item() == 0 and head.conv5_mask.weight.grad.abs().sum().item() == 0


def test_keypoint_loss_and_inference_match_torchvision():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 1, (4, 3, 8, 8)).astype(np.float32)
    proposals = [random_boxes(rng, 2, size=40), random_boxes(rng, 2, size=40)]
    keypoints = []
    for p in proposals:  # keypoints inside, outside and on the right/bottom edges of their boxes
        xy = p[:, None, :2] + rng.uniform(-0.2, 1.2, (2, 3, 2)) * (p[:, None, 2:] - p[:, None, :2])
        xy[0, 0] = p[0, 2:]
        keypoints.append(np.concatenate([xy, rng.integers(0, 2, (2, 3, 1))], 2).astype(np.float32))
    matched = [np.array([1, 0]), np.array([0, 1])]
    t_logits, f_logits = to_torch(logits).requires_grad_(), to_flambeau(logits).requires_grad_()
    t = tv_roi_heads.keypointrcnn_loss(t_logits, [to_torch(p) for p in proposals], [to_torch(k) for k in keypoints],
                                       [to_torch(m) for m in matched])
    f = f_roi_heads.keypointrcnn_loss(f_logits, [to_flambeau(p) for p in proposals],
                                      [to_flambeau(k) for k in keypoints], [to_flambeau(m) for m in matched])
    t.backward()
    f.backward()
    assert_close(f, t, rtol=1e-5)
    assert_close(f_logits.grad, t_logits.grad, atol=1e-7)
    t_out = tv_roi_heads.keypointrcnn_inference(to_torch(logits), [to_torch(p) for p in proposals])
    f_out = f_roi_heads.keypointrcnn_inference(to_flambeau(logits), [to_flambeau(p) for p in proposals])
    assert_close(f_out, t_out, atol=1e-4, rtol=1e-5)
    with pytest.raises(ValueError, match="height and width"):
        f_roi_heads.keypointrcnn_loss(flambeau.zeros(1, 3, 8, 6), [flambeau.zeros(1, 4)], [flambeau.zeros(1, 3, 3)],
                                      [flambeau.zeros(1, dtype=flambeau.int64)])


def test_heads_match_torchvision():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (2, 16, 6, 6)).astype(np.float32)
    cases = [(tv_mask.MaskRCNNHeads(16, [8, 8], 2), f_mask.MaskRCNNHeads(16, [8, 8], 2)),
             (tv_mask.MaskRCNNPredictor(16, 8, 3), f_mask.MaskRCNNPredictor(16, 8, 3)),
             (tv_keypoint.KeypointRCNNHeads(16, (8, 8)), f_keypoint.KeypointRCNNHeads(16, (8, 8))),
             (tv_keypoint.KeypointRCNNPredictor(16, 5), f_keypoint.KeypointRCNNPredictor(16, 5))]
    for t_head, f_head in cases:
        load_from_torch(f_head, t_head)
        with torch.no_grad():
            expected = t_head(to_torch(x))
        assert_close(f_head(to_flambeau(x)), expected, atol=1e-5, rtol=1e-5)


def test_mask_heads_load_version_1_checkpoints():
    head = f_mask.MaskRCNNHeads(4, [3, 3], 1)
    old = {f"mask_fcn{i + 1}.{kind}": v for i in range(2) for kind, v in
           (("weight", flambeau.ones(3, 4 if i == 0 else 3, 3, 3)), ("bias", flambeau.ones(3)))}
    head.load_state_dict(old, strict=True)
    assert head[1][0].weight.sum().item() == 81


def test_constructor_errors():
    backbone = flambeau.nn.Sequential(flambeau.nn.Conv2d(3, 256, 3))
    backbone.out_channels = 256
    with pytest.raises(TypeError, match="mask_roi_pool"):
        f_mask.MaskRCNN(backbone, num_classes=3, mask_roi_pool=object())
    with pytest.raises(ValueError, match="mask_predictor"):
        f_mask.MaskRCNN(backbone, num_classes=3, mask_predictor=f_mask.MaskRCNNPredictor(256, 256, 3))
    with pytest.raises(TypeError, match="keypoint_roi_pool"):
        f_keypoint.KeypointRCNN(backbone, num_classes=2, keypoint_roi_pool=object())
    with pytest.raises(ValueError, match="num_keypoints"):
        f_keypoint.KeypointRCNN(backbone, num_classes=2, num_keypoints=3,
                                keypoint_predictor=f_keypoint.KeypointRCNNPredictor(512, 3))


@pytest.mark.parametrize("module,enum_name", [(f_mask, "MaskRCNN_ResNet50_FPN_Weights"),
                                              (f_mask, "MaskRCNN_ResNet50_FPN_V2_Weights"),
                                              (f_keypoint, "KeypointRCNN_ResNet50_FPN_Weights")])
def test_weights_enums(module, enum_name):
    check_weights_enum(getattr(module, enum_name), enum_name)


@pytest.mark.parametrize("module,name", [(f_mask, "maskrcnn_resnet50_fpn"), (f_mask, "maskrcnn_resnet50_fpn_v2"),
                                         (f_keypoint, "keypointrcnn_resnet50_fpn")])
def test_builders_are_registered(module, name):
    check_registered(name, getattr(module, name))


def test_keypoint_builder_checks_weights():
    with pytest.raises(ValueError, match="num_keypoints"):
        f_keypoint.keypointrcnn_resnet50_fpn(weights=f_keypoint.KeypointRCNN_ResNet50_FPN_Weights.COCO_V1,
                                             num_keypoints=5)
