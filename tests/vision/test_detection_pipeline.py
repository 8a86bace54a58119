"""The detection models' shared pieces against torchvision's on the same inputs: box coders, matchers, the
sampler, anchor and default-box generators, the image transform (targets included), mask pasting and the
backbones with their feature pyramids."""
import numpy as np
import pytest
import torch
import torchvision.models as tvm
import torchvision.models.detection._utils as tv_utils
import torchvision.models.detection.anchor_utils as tv_anchor
import torchvision.models.detection.backbone_utils as tv_backbone
import torchvision.models.detection.image_list as tv_image_list
import torchvision.models.detection.roi_heads as tv_roi_heads
import torchvision.models.detection.transform as tv_transform
from torchvision.ops.feature_pyramid_network import LastLevelP6P7 as TLastLevelP6P7

import flambeau
import flambeau.vision.models.detection._utils as f_utils
import flambeau.vision.models.detection.anchor_utils as f_anchor
import flambeau.vision.models.detection.backbone_utils as f_backbone
import flambeau.vision.models.detection.image_list as f_image_list
import flambeau.vision.models.detection.roi_heads as f_roi_heads
import flambeau.vision.models.detection.transform as f_transform
import flambeau.vision.models.resnet as f_resnet
from flambeau.vision.ops import FrozenBatchNorm2d
from flambeau.vision.ops.feature_pyramid_network import LastLevelP6P7

from detection_oracle import assert_close, load_from_torch, random_boxes, to_flambeau, to_torch
from modern_models_oracle import perturb


# ---------------------------------------------------------------- box coding

@pytest.mark.parametrize("weights", [(1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)])
def test_box_coder_encode_decode(weights):
    rng = np.random.default_rng(0)
    gt = [random_boxes(rng, 5), random_boxes(rng, 3)]
    props = [random_boxes(rng, 5), random_boxes(rng, 3)]
    t_coder, f_coder = tv_utils.BoxCoder(weights), f_utils.BoxCoder(weights)
    t_codes = t_coder.encode([to_torch(g) for g in gt], [to_torch(p) for p in props])
    f_codes = f_coder.encode([to_flambeau(g) for g in gt], [to_flambeau(p) for p in props])
    assert_close(list(f_codes), list(t_codes))
    # decode: several classes per box, large deltas clipped at bbox_xform_clip
    codes = rng.normal(0, 3, (8, 12)).astype(np.float32)
    t_dec = t_coder.decode(to_torch(codes), [to_torch(p) for p in props])
    f_dec = f_coder.decode(to_flambeau(codes), [to_flambeau(p) for p in props])
    assert_close(f_dec, t_dec, atol=1e-3)
    # round trip
    back = f_coder.decode_single(flambeau.cat(list(f_codes)), to_flambeau(np.concatenate(props)))
    np.testing.assert_allclose(back.numpy(), np.concatenate(gt), atol=1e-3)


def test_box_coder_decode_empty_and_type_checks():
    coder = f_utils.BoxCoder((1.0, 1.0, 1.0, 1.0))
    t_out = tv_utils.BoxCoder((1.0, 1.0, 1.0, 1.0)).decode(torch.zeros(0, 4), [torch.zeros(0, 4)])
    assert_close(coder.decode(flambeau.zeros(0, 4), [flambeau.zeros(0, 4)]), t_out)
    with pytest.raises(AssertionError):
        coder.decode(flambeau.zeros(1, 4), flambeau.zeros(1, 4))


def test_box_coder_gradients():
    rng = np.random.default_rng(1)
    props = random_boxes(rng, 4)
    codes = rng.normal(0, 1, (4, 4)).astype(np.float32)
    t_codes = to_torch(codes).requires_grad_()
    f_codes = to_flambeau(codes).requires_grad_()
    tv_utils.BoxCoder((10.0, 10.0, 5.0, 5.0)).decode_single(t_codes, to_torch(props)).square().sum().backward()
    f_utils.BoxCoder((10.0, 10.0, 5.0, 5.0)).decode_single(f_codes, to_flambeau(props)).square().sum().backward()
    assert_close(f_codes.grad, t_codes.grad, rtol=1e-4)


@pytest.mark.parametrize("normalize", [True, False])
def test_box_linear_coder(normalize):
    rng = np.random.default_rng(2)
    ref, boxes = random_boxes(rng, 6).reshape(2, 3, 4), random_boxes(rng, 6).reshape(2, 3, 4)
    t_coder, f_coder = tv_utils.BoxLinearCoder(normalize), f_utils.BoxLinearCoder(normalize)
    t_codes = t_coder.encode(to_torch(ref), to_torch(boxes))
    f_codes = f_coder.encode(to_flambeau(ref), to_flambeau(boxes))
    assert_close(f_codes, t_codes)
    assert_close(f_coder.decode(f_codes, to_flambeau(ref)), t_coder.decode(t_codes, to_torch(ref)), atol=1e-4)


# ---------------------------------------------------------------- matching and sampling

@pytest.mark.parametrize("allow_low", [False, True])
def test_matcher(allow_low):
    rng = np.random.default_rng(3)
    iou = rng.uniform(0, 0.8, (4, 30)).astype(np.float32)
    iou[1, 7] = iou[1, 9] = 0.25  # gt 1's best is a tie far below the thresholds
    iou[1] = np.minimum(iou[1], 0.25)
    iou[:, [7, 9]] = np.minimum(iou[:, [7, 9]], 0.25)
    t = tv_utils.Matcher(0.7, 0.3, allow_low)(to_torch(iou))
    f = f_utils.Matcher(0.7, 0.3, allow_low)(to_flambeau(iou))
    assert_close(f, t)
    assert (f.numpy()[[7, 9]] == 1).all() == allow_low


def test_matcher_errors():
    with pytest.raises(AssertionError):
        f_utils.Matcher(0.3, 0.7)
    with pytest.raises(ValueError, match="No ground-truth boxes"):
        f_utils.Matcher(0.7, 0.3)(flambeau.zeros(0, 5))
    with pytest.raises(ValueError, match="No proposal boxes"):
        f_utils.Matcher(0.7, 0.3)(flambeau.zeros(3, 0))


def test_ssd_matcher():
    iou = np.random.default_rng(4).uniform(0, 0.6, (3, 20)).astype(np.float32)
    assert_close(f_utils.SSDMatcher(0.5)(to_flambeau(iou)), tv_utils.SSDMatcher(0.5)(to_torch(iou)))


def test_balanced_sampler():
    labels = np.array([-1, 0, 0, 2, 1, 0, 0, 0, 3, 0, -1, 0], dtype=np.int64)
    # everything fits: the choice is deterministic, so the masks equal torchvision's
    t_pos, t_neg = tv_utils.BalancedPositiveNegativeSampler(100, 0.5)([to_torch(labels)])
    f_pos, f_neg = f_utils.BalancedPositiveNegativeSampler(100, 0.5)([to_flambeau(labels)])
    assert_close(f_pos, t_pos)
    assert_close(f_neg, t_neg)
    # too many candidates: the counts and the candidates' classes are torchvision's
    f_pos, f_neg = f_utils.BalancedPositiveNegativeSampler(4, 0.5)([to_flambeau(labels)])
    pos, neg = f_pos[0].numpy().astype(bool), f_neg[0].numpy().astype(bool)
    assert pos.sum() == 2 and neg.sum() == 2
    assert (labels[pos] >= 1).all() and (labels[neg] == 0).all()


# ---------------------------------------------------------------- helpers

@pytest.mark.parametrize("kind", ["l1", "smooth_l1", "ciou", "diou", "giou"])
def test_box_loss(kind):
    rng = np.random.default_rng(5)
    anchors, gt = random_boxes(rng, 6), random_boxes(rng, 6)
    reg = rng.normal(0, 0.3, (6, 4)).astype(np.float32)
    cnf = {"beta": 0.5} if kind == "smooth_l1" else None
    t_reg, f_reg = to_torch(reg).requires_grad_(), to_flambeau(reg).requires_grad_()
    t = tv_utils._box_loss(kind, tv_utils.BoxCoder((1.0, 1.0, 1.0, 1.0)), to_torch(anchors), to_torch(gt), t_reg,
                           cnf)
    f = f_utils._box_loss(kind, f_utils.BoxCoder((1.0, 1.0, 1.0, 1.0)), to_flambeau(anchors), to_flambeau(gt),
                          f_reg, cnf)
    t.backward()
    f.backward()
    assert_close(f, t, rtol=1e-4)
    assert_close(f_reg.grad, t_reg.grad, rtol=1e-3, atol=1e-5)
    with pytest.raises(AssertionError):
        f_utils._box_loss("l2", f_utils.BoxCoder((1.0, 1.0, 1.0, 1.0)), to_flambeau(anchors), to_flambeau(gt), f_reg)


def test_small_helpers():
    model = flambeau.nn.Sequential(flambeau.nn.Conv2d(3, 5, 3, stride=2), FrozenBatchNorm2d(5))
    model.train()
    assert f_utils.retrieve_out_channels(model, (32, 24)) == [5] and model.training
    f_utils.overwrite_eps(model, 0.0)
    assert model[1].eps == 0.0
    assert f_utils._topk_min(flambeau.zeros(3, 7), 10, 1) == 7 and f_utils._topk_min(flambeau.zeros(3, 7), 2, 1) == 2
    images = f_image_list.ImageList(flambeau.zeros(2, 3, 8, 8), [(8, 6), (5, 8)]).to(flambeau.device("cpu"))
    assert images.image_sizes == [(8, 6), (5, 8)] and images.tensors.shape == (2, 3, 8, 8)


# ---------------------------------------------------------------- anchors

def _feature_maps(shapes):
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return [to_torch(a) for a in arrays], [to_flambeau(a) for a in arrays]


def _image_lists(batch_shape, sizes):
    x = np.zeros(batch_shape, np.float32)
    return tv_image_list.ImageList(to_torch(x), sizes), f_image_list.ImageList(to_flambeau(x), sizes)


@pytest.mark.parametrize("sizes,ratios", [(((32,), (64,), (128,)), ((0.5, 1.0, 2.0),) * 3),
                                          ((16, 40), (0.5, 1.0)),
                                          (((32, 40, 50),), ((0.5, 1.0, 2.0, 3.0),))])
def test_anchor_generator(sizes, ratios):
    shapes = [(2, 4, 16, 20), (2, 4, 8, 10), (2, 4, 4, 5)][:len(sizes)]
    t_maps, f_maps = _feature_maps(shapes)
    t_images, f_images = _image_lists((2, 3, 64, 80), [(64, 70), (50, 80)])
    t_gen, f_gen = tv_anchor.AnchorGenerator(sizes, ratios), f_anchor.AnchorGenerator(sizes, ratios)
    assert f_gen.num_anchors_per_location() == t_gen.num_anchors_per_location()
    assert_close(f_gen(f_images, f_maps), t_gen(t_images, t_maps))
    assert list(f_gen.state_dict()) == []


def test_anchor_generator_mismatch():
    _, f_maps = _feature_maps([(1, 4, 8, 8), (1, 4, 4, 4)])
    _, f_images = _image_lists((1, 3, 32, 32), [(32, 32)])
    with pytest.raises(AssertionError):
        f_anchor.AnchorGenerator(((32,),), ((1.0,),))(f_images, f_maps)


@pytest.mark.parametrize("kwargs", [{}, {"steps": [8, 16, 32], "clip": False}, {"scales": [0.1, 0.3, 0.6, 1.2]},
                                    {"min_ratio": 0.2, "max_ratio": 0.95, "clip": True}])
def test_default_box_generator(kwargs):
    aspect_ratios = [[2], [2, 3], [2, 3]]
    t_maps, f_maps = _feature_maps([(2, 4, 8, 10), (2, 4, 4, 5), (2, 4, 2, 3)])
    t_images, f_images = _image_lists((2, 3, 64, 80), [(64, 80), (60, 72)])
    t_gen = tv_anchor.DefaultBoxGenerator(aspect_ratios, **kwargs)
    f_gen = f_anchor.DefaultBoxGenerator(aspect_ratios, **kwargs)
    assert f_gen.scales == t_gen.scales and repr(f_gen) == repr(t_gen)
    assert f_gen.num_anchors_per_location() == t_gen.num_anchors_per_location()
    assert_close(f_gen(f_images, f_maps), t_gen(t_images, t_maps), atol=1e-4)


def test_default_box_generator_single_map_and_errors():
    t_maps, f_maps = _feature_maps([(1, 4, 5, 5)])
    t_images, f_images = _image_lists((1, 3, 40, 40), [(40, 40)])
    t_gen, f_gen = tv_anchor.DefaultBoxGenerator([[2]]), f_anchor.DefaultBoxGenerator([[2]])
    assert f_gen.scales == t_gen.scales
    assert_close(f_gen(f_images, f_maps), t_gen(t_images, t_maps), atol=1e-4)
    with pytest.raises(ValueError, match="same length"):
        f_anchor.DefaultBoxGenerator([[2], [2]], steps=[8])


# ---------------------------------------------------------------- image transform

def _images_and_targets(rng):
    shapes = [(3, 45, 60), (3, 70, 38)]
    images = [rng.uniform(0, 1, s).astype(np.float32) for s in shapes]
    targets = []
    for _, h, w in shapes:
        boxes = random_boxes(rng, 3, size=min(h, w))
        masks = (rng.uniform(0, 1, (3, h, w)) > 0.5).astype(np.uint8)
        keypoints = np.concatenate([rng.uniform(0, min(h, w), (3, 4, 2)), np.ones((3, 4, 1))], 2).astype(np.float32)
        targets.append({"boxes": boxes, "labels": np.array([1, 2, 3]), "masks": masks, "keypoints": keypoints})
    return images, targets


def _run_transform(module, tensor, images, targets):
    return module([tensor(i) for i in images], [{k: tensor(v) for k, v in t.items()} for t in targets])


@pytest.mark.parametrize("kwargs", [{"min_size": 50, "max_size": 80}, {"min_size": 100, "max_size": 120},
                                    {"min_size": 40, "max_size": 90, "fixed_size": (64, 48), "size_divisible": 16}])
@pytest.mark.parametrize("training", [False, True])
def test_transform(kwargs, training):
    images, targets = _images_and_targets(np.random.default_rng(7))
    args = dict(kwargs, image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])
    t_mod, f_mod = tv_transform.GeneralizedRCNNTransform(**args), f_transform.GeneralizedRCNNTransform(**args)
    t_mod.train(training)
    f_mod.train(training)
    t_list, t_targets = _run_transform(t_mod, to_torch, images, targets)
    f_list, f_targets = _run_transform(f_mod, to_flambeau, images, targets)
    assert f_list.image_sizes == [tuple(s) for s in t_list.image_sizes]
    assert_close(f_list.tensors, t_list.tensors, atol=1e-4)
    assert_close(f_targets, t_targets, atol=1e-4)
    assert repr(f_mod) == repr(t_mod)


def test_transform_keeps_caller_targets_and_checks_input():
    images, targets = _images_and_targets(np.random.default_rng(8))
    f_targets = [{k: to_flambeau(v) for k, v in t.items()} for t in targets]
    module = f_transform.GeneralizedRCNNTransform(30, 50, [0.5] * 3, [0.2] * 3)
    module([to_flambeau(i) for i in images], f_targets)
    np.testing.assert_array_equal(f_targets[0]["boxes"].numpy(), targets[0]["boxes"])
    with pytest.raises(ValueError, match="3d tensors"):
        module([flambeau.zeros(1, 3, 10, 10)])
    with pytest.raises(TypeError, match="floating type"):
        module([flambeau.zeros(3, 10, 10, dtype=flambeau.uint8)])


def test_transform_random_min_size_in_training():
    module = f_transform.GeneralizedRCNNTransform((20, 30, 40), 100, [0.0] * 3, [1.0] * 3, size_divisible=1)
    module.train()
    flambeau.manual_seed(0)
    sizes = {module([flambeau.rand(3, 10, 10)])[0].image_sizes[0][0] for _ in range(30)}
    assert sizes == {20, 30, 40}


def test_transform_postprocess():
    rng = np.random.default_rng(9)
    boxes = random_boxes(rng, 4, size=50)
    masks = rng.uniform(0, 1, (4, 1, 28, 28)).astype(np.float32)
    keypoints = np.concatenate([rng.uniform(0, 50, (4, 5, 2)), np.ones((4, 5, 1))], 2).astype(np.float32)
    result = {"boxes": boxes, "masks": masks, "keypoints": keypoints, "scores": rng.uniform(0, 1, 4)}
    args = (50, 80, [0.0] * 3, [1.0] * 3)
    t_mod = tv_transform.GeneralizedRCNNTransform(*args).eval()
    f_mod = f_transform.GeneralizedRCNNTransform(*args).eval()
    image_shapes, original = [(50, 64)], [(73, 90)]
    t = t_mod.postprocess([{k: to_torch(v) for k, v in result.items()}], image_shapes, original)
    f = f_mod.postprocess([{k: to_flambeau(v) for k, v in result.items()}], image_shapes, original)
    assert_close(f, t, atol=1e-4)


def test_paste_masks_edges_and_empty():
    rng = np.random.default_rng(10)
    masks = rng.uniform(0, 1, (5, 1, 14, 14)).astype(np.float32)
    # boxes leaving the image on every side, a tiny one and one entirely outside
    boxes = np.array([[-10, -5, 20, 30], [30, 25, 70, 60], [5, 5, 5.5, 5.2], [3, 40, 45, 47], [80, 80, 90, 95]],
                     np.float32)
    t = tv_roi_heads.paste_masks_in_image(to_torch(masks), to_torch(boxes), (48, 64))
    f = f_roi_heads.paste_masks_in_image(to_flambeau(masks), to_flambeau(boxes), (48, 64))
    assert_close(f, t, atol=1e-5)
    t = tv_roi_heads.paste_masks_in_image(torch.zeros(0, 1, 14, 14), torch.zeros(0, 4), (10, 12))
    assert_close(f_roi_heads.paste_masks_in_image(flambeau.zeros(0, 1, 14, 14), flambeau.zeros(0, 4), (10, 12)), t)


# ---------------------------------------------------------------- backbones

def _compare_backbone(t_model, f_model, shape=(1, 3, 64, 64)):
    assert list(f_model.state_dict()) == list(t_model.state_dict())
    assert [n for n, p in f_model.named_parameters() if p.requires_grad] == \
           [n for n, p in t_model.named_parameters() if p.requires_grad]
    perturb(t_model)
    load_from_torch(f_model, t_model)
    t_model.eval()
    f_model.eval()
    x = np.random.default_rng(11).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = t_model(to_torch(x))
    with flambeau.no_grad():
        got = f_model(to_flambeau(x))
    if isinstance(expected, torch.Tensor):
        assert_close(got, expected, atol=1e-4, rtol=1e-4)
    else:
        assert list(got) == list(expected)
        assert_close(dict(got), dict(expected), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("kwargs", [{"trainable_layers": 3}, {"trainable_layers": 5, "returned_layers": [2, 4]},
                                    {"trainable_layers": 0, "returned_layers": [3]}])
def test_resnet_fpn_backbone(kwargs):
    torch.manual_seed(0)
    t_model = tv_backbone.resnet_fpn_backbone(backbone_name="resnet18", weights=None, **kwargs)
    f_model = f_backbone.resnet_fpn_backbone(backbone_name="resnet18", weights=None, **kwargs)
    assert f_model.out_channels == t_model.out_channels == 256
    _compare_backbone(t_model, f_model)


def test_resnet_fpn_backbone_errors():
    with pytest.raises(ValueError, match="Trainable layers"):
        f_backbone.resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=6)
    with pytest.raises(ValueError, match="returned layer"):
        f_backbone.resnet_fpn_backbone(backbone_name="resnet18", weights=None, returned_layers=[0, 1])


@pytest.mark.parametrize("name,kwargs", [("mobilenet_v3_large", {"fpn": True, "trainable_layers": 3}),
                                         ("mobilenet_v3_small", {"fpn": False, "trainable_layers": 0}),
                                         ("mobilenet_v2", {"fpn": True, "returned_layers": [1, 3, 4]})])
def test_mobilenet_backbone(name, kwargs):
    torch.manual_seed(0)
    t_model = tv_backbone.mobilenet_backbone(backbone_name=name, weights=None, **kwargs)
    f_model = f_backbone.mobilenet_backbone(backbone_name=name, weights=None, **kwargs)
    assert f_model.out_channels == t_model.out_channels
    _compare_backbone(t_model, f_model)


def test_mobilenet_backbone_errors():
    with pytest.raises(ValueError, match="Trainable layers"):
        f_backbone.mobilenet_backbone(backbone_name="mobilenet_v3_small", weights=None, fpn=True, trainable_layers=9)
    with pytest.raises(ValueError, match="returned layer"):
        f_backbone.mobilenet_backbone(backbone_name="mobilenet_v3_small", weights=None, fpn=True,
                                      returned_layers=[-1, 2])


def test_validate_trainable_layers():
    for args in [(True, None, 5, 3), (True, 2, 5, 3), (False, None, 6, 3)]:
        assert f_backbone._validate_trainable_layers(*args) == tv_backbone._validate_trainable_layers(*args)
    with pytest.warns(UserWarning, match="no effect"):
        assert f_backbone._validate_trainable_layers(False, 2, 5, 3) == 5
    with pytest.raises(ValueError, match=r"range \[0,5\]"):
        f_backbone._validate_trainable_layers(True, 7, 5, 3)


def test_backbone_with_fpn_custom_extra_block():
    torch.manual_seed(0)
    t_model = tv_backbone._resnet_fpn_extractor(tvm.resnet18(), 2, [2, 3, 4], TLastLevelP6P7(256, 256))
    f_model = f_backbone._resnet_fpn_extractor(f_resnet.resnet18(), 2, [2, 3, 4], LastLevelP6P7(256, 256))
    _compare_backbone(t_model, f_model)
