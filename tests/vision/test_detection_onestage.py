"""flambeau.vision.models.detection's one-stage detectors (RetinaNet v1/v2, FCOS, SSD300-VGG16, SSDLite320-
MobileNetV3) against torchvision's: structure and strict loading of torchvision's (perturbed) weights, eval
detections on two images of different sizes, training losses and gradients, weights enums and builder checks.
One model pair per builder is shared by the tests (the ResNet-50 and VGG-16 backbones are the costly part)."""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
import torchvision

import flambeau
from flambeau.vision.models._api import get_model_builder
import rcnn_oracle
from detection_oracle import as_numpy, load_from_torch
from modern_models_oracle import check_structure, perturb
from test_segmentation_models import one_torch_thread  # noqa: F401 (an autouse fixture)

SMALL = {"min_size": 96, "max_size": 128, "num_classes": 5}
# builder -> (module, eval kwargs); SSD's input size is fixed by the builder
# score thresholds chosen in gaps of torchvision's scores (no score within 1e-4 of it)
BUILDERS = {"retinanet_resnet50_fpn": ("retinanet", {**SMALL, "score_thresh": 0.33}),
            "retinanet_resnet50_fpn_v2": ("retinanet", {**SMALL, "score_thresh": 0.14}),
            "fcos_resnet50_fpn": ("fcos", {**SMALL, "score_thresh": 0.23}),
            "ssd300_vgg16": ("ssd", {"num_classes": 5, "score_thresh": 0.61}),
            "ssdlite320_mobilenet_v3_large": ("ssdlite", {"num_classes": 5, "score_thresh": 0.53})}
ENUMS = {"RetinaNet_ResNet50_FPN_Weights": "retinanet", "RetinaNet_ResNet50_FPN_V2_Weights": "retinanet",
         "FCOS_ResNet50_FPN_Weights": "fcos", "SSD300_VGG16_Weights": "ssd",
         "SSDLite320_MobileNet_V3_Large_Weights": "ssdlite"}
# images without ground truth: matching and losses of an empty image
EMPTY_SECOND_TARGET = {"retinanet_resnet50_fpn", "fcos_resnet50_fpn", "ssdlite320_mobilenet_v3_large"}
# two sizes that resize to the same multiple of 32 (96 x 128): no padding, whose identical scores would tie
IMAGE_SHAPES = [(3, 96, 128), (3, 72, 96)]


def _builder(name: str):
    return getattr(importlib.import_module(f"flambeau.vision.models.detection.{BUILDERS[name][0]}"), name)


def _build(name: str, **kwargs):
    torch.manual_seed(0)
    kwargs = {"weights": None, "weights_backbone": None, **BUILDERS[name][1], **kwargs}
    return getattr(torchvision.models.detection, name)(**kwargs), _builder(name)(**kwargs)


def _images() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.random(shape).astype(np.float32) for shape in IMAGE_SHAPES]


def _prediction_convs(sub_head: torch.nn.Module) -> list[torch.nn.Conv2d]:
    """The convolutions whose outputs are a sub-head's predictions."""
    if hasattr(sub_head, "module_list"):  # SSD: one per level (SSDLite: the last conv of each block)
        return [[m for m in block.modules() if isinstance(m, torch.nn.Conv2d)][-1] for block in sub_head.module_list]
    return [getattr(sub_head, n) for n in ("cls_logits", "bbox_reg", "bbox_ctrness") if hasattr(sub_head, n)]


def _randomize(t_model: torch.nn.Module) -> None:
    """Move torchvision's init off its special values (perturb), then make the eval outputs informative: batch
    norm statistics measured on the images (random ones blow the features up) and the prediction layers scaled so
    that class scores neither saturate nor tie (logits of spread 3) and boxes stay near their anchors (box codes of
    spread 0.1; FCOS's distances, in strides, of spread 1)."""
    perturb(t_model)
    images = [torch.from_numpy(x) for x in _images()]
    rcnn_oracle._calibrate_batch_norms(t_model, images)
    box_spread = 1.0 if isinstance(t_model, torchvision.models.detection.FCOS) else 0.1
    with torch.no_grad():
        features = list(t_model.backbone(t_model.transform(images)[0].tensors).values())
        for sub_head, spread in ((t_model.head.classification_head, 3.0), (t_model.head.regression_head, box_spread)):
            out = sub_head(features)
            out = out[0] if isinstance(out, tuple) else out  # FCOS: (distances, centerness)
            scale = spread / out.square().mean().sqrt()
            for conv in _prediction_convs(sub_head):
                conv.weight.mul_(scale)
                conv.bias.mul_(scale)


@pytest.fixture(scope="module", params=list(BUILDERS))
def pair(request):
    """(name, torchvision model, flambeau model): same structure, torchvision's randomized weights loaded
    strictly into flambeau's."""
    t_model, f_model = _build(request.param)
    check_structure(t_model, f_model)
    _randomize(t_model)
    load_from_torch(f_model, t_model)
    return request.param, t_model.eval(), f_model.eval()


def test_eval_detections_match(pair):
    _, t_model, f_model = pair
    with torch.no_grad():
        expected = t_model([torch.from_numpy(x) for x in _images()])
    with flambeau.no_grad():
        got = f_model([flambeau.tensor(x) for x in _images()])
    assert all(len(e["boxes"]) > 1 for e in expected)
    assert all(list(g) == ["boxes", "scores", "labels"] for g in got)
    for g, e in zip(as_numpy(got), as_numpy(expected)):
        _assert_same_detections(g, e)


def _assert_same_detections(got: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    """Same dtypes and count, scores in the same descending order, and one-to-one the same (label, box, score)
    detections: float32 noise may swap two detections whose scores are within 1e-4, nothing more. Boxes are in
    pixels (noise through the backbone, scaled by the anchor sizes: FCOS's ResNet-50 moved an edge by 0.012 px
    when the convolutions summed in another order), scores in [0, 1]."""
    assert {k: (v.dtype, v.shape) for k, v in got.items()} == {k: (v.dtype, v.shape) for k, v in expected.items()}
    assert (np.diff(got["scores"]) <= 0).all()
    np.testing.assert_allclose(got["scores"], expected["scores"], atol=1e-4, rtol=0)
    unmatched = np.ones(len(got["scores"]), dtype=bool)
    for box, score, label in zip(expected["boxes"], expected["scores"], expected["labels"]):
        same = (unmatched & (got["labels"] == label) & (np.abs(got["scores"] - score) <= 1e-4)
                & np.isclose(got["boxes"], box, atol=2e-2, rtol=1e-4).all(axis=1))
        assert same.any(), f"no detection of label {label}, score {score}, box {box} in {got}"
        unmatched[np.argmax(same)] = False


# SSD300's gradients are SSD.compute_loss's, compared through SSDLite's; VGG-16's backward at 300 x 300 in torch
# too would cost a minute more, so SSD300 is held to torchvision's losses and finite gradients below
@pytest.mark.parametrize("pair", [name for name in BUILDERS if name != "ssd300_vgg16"], indirect=True)
def test_train_losses_and_gradients_match(pair):
    """Training on two images with targets (the second without boxes for some models): the same losses
    (focal/L1/GIoU, centerness, SSD's hard negatives) and gradients on every trainable parameter."""
    name, t_model, f_model = pair
    targets = rcnn_oracle.targets(5, short=t_model.transform.min_size[-1])  # for the images check_train uses
    if name in EMPTY_SECOND_TARGET:
        targets[1] = {"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64)}
    # NOTE: float32 rounding through train-mode batch norm in a 50-layer backbone moves the first layers' gradients
    # by up to ~2% (in float64 both libraries agree to 1e-6), hence the loose gradient tolerance
    rcnn_oracle.check_train(t_model, f_model, targets, grad_rtol=5e-2)


@pytest.mark.parametrize("pair", ["ssd300_vgg16"], indirect=True)
def test_ssd300_trains_with_torchvisions_losses(pair):
    """SSD300 in train mode: torchvision's loss keys and values, a finite gradient on every trainable parameter."""
    _, t_model, f_model = pair
    targets = rcnn_oracle.targets(5, short=t_model.transform.min_size[-1])
    rcnn_oracle.check_train(t_model, f_model, targets, compare_gradients=False)


@pytest.mark.parametrize("enum_name", list(ENUMS))
def test_weights_enums(enum_name):
    t_enum = getattr(torchvision.models.detection, enum_name)
    f_enum = getattr(importlib.import_module(f"flambeau.vision.models.detection.{ENUMS[enum_name]}"), enum_name)
    assert list(f_enum.__members__) == list(t_enum.__members__)
    for name, t_w in t_enum.__members__.items():
        f_w = f_enum[name]
        assert f_w.url == t_w.url and f_w.meta == t_w.meta
        assert f_w.transforms.__name__ == t_w.transforms.__name__ == "ObjectDetection"


@pytest.mark.parametrize("name", list(BUILDERS))
def test_builders_are_registered(name):
    assert get_model_builder(name) is _builder(name)


@pytest.mark.parametrize("name", list(BUILDERS))
@pytest.mark.parametrize("kwargs, error", [({"weights": "COCO_V1", "num_classes": 5}, ValueError),
                                           ({"weights": "NOPE"}, KeyError)])
def test_builder_argument_errors(name, kwargs, error):
    """Checked before anything is built or downloaded, with torchvision's exception types."""
    with pytest.raises(error):
        getattr(torchvision.models.detection, name)(**kwargs)
    with pytest.raises(error):
        _builder(name)(**kwargs)


@pytest.mark.parametrize("name", ["retinanet_resnet50_fpn", "ssdlite320_mobilenet_v3_large"])
def test_every_layer_trains_without_pretrained_weights(name):
    """trainable_backbone_layers only applies to pretrained backbones: otherwise a warning, and all layers train."""
    with pytest.warns(UserWarning, match="falling back to trainable_backbone_layers"):
        f_model = _builder(name)(weights_backbone=None, trainable_backbone_layers=1)
    assert all(p.requires_grad for p in f_model.parameters())


def test_ssd_size_is_fixed():
    """Like torchvision: a warning that size is ignored, then SSD receives it twice (TypeError)."""
    for builder in (torchvision.models.detection.ssdlite320_mobilenet_v3_large,
                    _builder("ssdlite320_mobilenet_v3_large")):
        with pytest.warns(UserWarning, match="size of the model is already fixed"), pytest.raises(TypeError, match="multiple values for argument .size."):
            builder(weights_backbone=None, size=(200, 200))


@pytest.mark.parametrize("pair", ["retinanet_resnet50_fpn"], indirect=True)
def test_retinanet_loads_version_1_head_keys(pair):
    """Checkpoints saved before the heads' convs became Conv2dNormActivation name them conv.<2i> (conv and ReLU
    alternating): both subnets rename them on loading, as torchvision does."""
    _, t_model, f_model = pair
    state = {k: flambeau.tensor(v.numpy()) for k, v in t_model.state_dict().items()}
    old_style = {}
    for key, value in state.items():
        head, _, rest = key.partition(".conv.")
        if key.startswith("head.") and rest[:1].isdigit() and rest[2:4] == "0.":
            key = f"{head}.conv.{2 * int(rest[0])}.{rest[4:]}"  # conv.<i>.0.weight -> conv.<2i>.weight
        old_style[key] = value
    assert "head.classification_head.conv.6.weight" in old_style
    f_model.load_state_dict(old_style, strict=True)
    for key, value in f_model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[key].numpy(), err_msg=key)
