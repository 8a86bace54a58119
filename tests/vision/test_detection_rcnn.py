"""Faster R-CNN against torchvision: the four builders with torchvision's (perturbed) weights give the same
detections on two images of different sizes and, in training, the same losses and gradients; the models' own
checks and the weights enums."""
import numpy as np
import pytest
import torch
import torchvision

import flambeau
import flambeau.vision.models.detection.faster_rcnn as f_faster
from flambeau.vision.models.detection.anchor_utils import AnchorGenerator
from flambeau.vision.ops import MultiScaleRoIAlign

from detection_oracle import load_from_torch
from modern_models_oracle import perturb
from rcnn_oracle import build_pair, check_eval, check_registered, check_train, check_weights_enum, targets

BUILDERS = ["fasterrcnn_mobilenet_v3_large_320_fpn", "fasterrcnn_mobilenet_v3_large_fpn", "fasterrcnn_resnet50_fpn",
            "fasterrcnn_resnet50_fpn_v2"]


# the ResNet-50 models run in float64 on smaller images (see rcnn_oracle.build_pair); training is compared on
# one model of each family here, on Mask and Keypoint R-CNN in their own file
SETTINGS = {"fasterrcnn_mobilenet_v3_large_320_fpn": {"short": 128},
            "fasterrcnn_mobilenet_v3_large_fpn": {"short": 128},
            "fasterrcnn_resnet50_fpn": {"short": 64, "double": True},
            "fasterrcnn_resnet50_fpn_v2": {"short": 64, "double": True}}
TRAINED = ["fasterrcnn_mobilenet_v3_large_320_fpn", "fasterrcnn_resnet50_fpn"]


@pytest.fixture(scope="module", params=BUILDERS)
def pair(request):
    return build_pair("faster_rcnn", request.param, num_classes=5, **SETTINGS[request.param])


def test_eval_matches_torchvision(pair):
    check_eval(*pair)


@pytest.mark.parametrize("pair", TRAINED, indirect=True)
def test_train_losses_and_gradients_match_torchvision(pair):
    t_model, f_model = pair
    check_train(t_model, f_model, targets(5, short=t_model.transform.min_size[-1]))


@pytest.mark.parametrize("pair", TRAINED[:1], indirect=True)
def test_eval_outputs_are_on_the_original_images(pair):
    _, f_model = pair
    f_model.eval()
    with flambeau.no_grad():
        out = f_model([flambeau.rand(3, 90, 60)])[0]
    boxes = out["boxes"].numpy()
    # clipped to the resized image, then scaled back by a float32 ratio: within rounding of the original's edges
    assert (boxes[:, 2] <= 60 + 1e-4).all() and (boxes[:, 3] <= 90 + 1e-4).all() and (boxes >= 0).all()
    assert (boxes[:, 2] > 59.99).any() or (boxes[:, 3] > 89.99).any()
    assert out["labels"].dtype == flambeau.int64 and out["scores"].dtype == flambeau.float32


@pytest.mark.parametrize("pair", TRAINED[:1], indirect=True)
def test_train_target_errors(pair):
    _, f_model = pair
    f_model.train()
    image = [flambeau.rand(3, 40, 40)]
    try:
        with pytest.raises(AssertionError, match="targets should not be none"):
            f_model(image)
        with pytest.raises(AssertionError, match=r"shape \[N, 4\]"):
            f_model(image, [{"boxes": flambeau.zeros(4), "labels": flambeau.zeros(1, dtype=flambeau.int64)}])
        with pytest.raises(AssertionError, match="of type Tensor"):
            f_model(image, [{"boxes": [[0.0, 0.0, 1.0, 1.0]], "labels": flambeau.zeros(1, dtype=flambeau.int64)}])
        with pytest.raises(AssertionError, match="positive height and width"):
            f_model(image, [{"boxes": flambeau.tensor([[1.0, 1.0, 5.0, 5.0], [4.0, 4.0, 4.0, 9.0]]),
                             "labels": flambeau.ones(2, dtype=flambeau.int64)}])
        with pytest.raises(TypeError, match="int64"):
            f_model(image, [{"boxes": flambeau.tensor([[1.0, 1.0, 5.0, 5.0]]), "labels": flambeau.ones(1)}])
    finally:
        f_model.eval()


@pytest.mark.parametrize("pair", TRAINED[:1], indirect=True)
def test_train_image_without_objects(pair):
    """An image with no boxes trains on background only, in both libraries alike."""
    t_model, f_model = pair
    empty = {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64)}
    check_train(t_model, f_model, [targets(5, short=128)[0], empty], compare_gradients=False)


def test_constructor_errors():
    backbone = flambeau.nn.Sequential(flambeau.nn.Conv2d(3, 8, 3))
    with pytest.raises(ValueError, match="out_channels"):
        f_faster.FasterRCNN(backbone, num_classes=2)
    backbone.out_channels = 8
    with pytest.raises(ValueError, match="num_classes should not be None"):
        f_faster.FasterRCNN(backbone)
    with pytest.raises(ValueError, match="num_classes should be None"):
        f_faster.FasterRCNN(backbone, num_classes=3, box_predictor=f_faster.FastRCNNPredictor(16, 3))
    with pytest.raises(TypeError, match="rpn_anchor_generator"):
        f_faster.FasterRCNN(backbone, num_classes=3, rpn_anchor_generator=object())
    with pytest.raises(TypeError, match="box_roi_pool"):
        f_faster.FasterRCNN(backbone, num_classes=3, box_roi_pool=object())
    with pytest.raises(AssertionError, match=r"\[1,1\]"):
        f_faster.FastRCNNPredictor(8, 3)(flambeau.zeros(2, 8, 2, 2))


def test_custom_single_map_backbone_matches_torchvision():
    """A backbone returning one tensor, with a custom anchor generator and RoI pool (torchvision's docs example)."""
    def build(lib, anchor_cls, pool_cls, faster_cls):
        backbone = lib.nn.Sequential(lib.nn.Conv2d(3, 8, 3, stride=4, padding=1), lib.nn.ReLU())
        backbone.out_channels = 8
        anchors = anchor_cls(sizes=((16, 32),), aspect_ratios=((0.5, 1.0),))
        pool = pool_cls(featmap_names=["0"], output_size=5, sampling_ratio=2)
        return faster_cls(backbone, num_classes=3, rpn_anchor_generator=anchors, box_roi_pool=pool, min_size=64,
                          max_size=85, box_score_thresh=0.0, rpn_post_nms_top_n_test=10)
    torch.manual_seed(0)
    tv_detection = torchvision.models.detection
    t_model = build(torch, tv_detection.anchor_utils.AnchorGenerator, torchvision.ops.MultiScaleRoIAlign,
                    tv_detection.FasterRCNN)
    f_model = build(flambeau, AnchorGenerator, MultiScaleRoIAlign, f_faster.FasterRCNN)
    perturb(t_model)
    load_from_torch(f_model, t_model)
    check_eval(t_model, f_model, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("enum_name", ["FasterRCNN_ResNet50_FPN_Weights", "FasterRCNN_ResNet50_FPN_V2_Weights",
                                       "FasterRCNN_MobileNet_V3_Large_FPN_Weights",
                                       "FasterRCNN_MobileNet_V3_Large_320_FPN_Weights"])
def test_weights_enums(enum_name):
    check_weights_enum(getattr(f_faster, enum_name), enum_name)


@pytest.mark.parametrize("name", BUILDERS)
def test_builders_are_registered(name):
    check_registered(name, getattr(f_faster, name))


def test_builder_argument_checks():
    with pytest.raises(ValueError, match="num_classes"):
        f_faster.fasterrcnn_mobilenet_v3_large_320_fpn(
            weights=f_faster.FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.COCO_V1, num_classes=5)
    with pytest.warns(UserWarning, match="trainable_backbone_layers"):
        model = f_faster.fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None,
                                                               trainable_backbone_layers=2)
    assert all(p.requires_grad for p in model.parameters())
    assert model.transform.min_size == (320,) and model.transform.max_size == 640
    assert model.rpn._pre_nms_top_n == {"training": 2000, "testing": 150}
    assert model.roi_heads.box_predictor.cls_score.out_features == 91


def test_pretrained_backbone_path_matches_torchvision(monkeypatch):
    """With backbone weights (a random MobileNetV3 state_dict stands in for the download), both libraries freeze
    the same batch norms and layers."""
    state = torchvision.models.mobilenet_v3_large().state_dict()
    monkeypatch.setattr(torchvision.models.MobileNet_V3_Large_Weights, "get_state_dict", lambda self, **kw: state)
    monkeypatch.setattr(flambeau.vision.models.mobilenetv3.MobileNet_V3_Large_Weights, "get_state_dict",
                        lambda self, **kw: {k: flambeau.tensor(v.numpy()) for k, v in state.items()})
    t_model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone="DEFAULT", trainable_backbone_layers=2)
    f_model = f_faster.fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone="DEFAULT",
                                                             trainable_backbone_layers=2)
    assert [n for n, p in f_model.named_parameters() if p.requires_grad] == \
           [n for n, p in t_model.named_parameters() if p.requires_grad]
    assert [type(m).__name__ for m in f_model.modules()] == [type(m).__name__ for m in t_model.modules()]
    assert list(f_model.state_dict()) == list(t_model.state_dict())
