"""Twin R-CNN models for the detection tests: a torchvision detector and flambeau's, built alike, torchvision's
weights moved off their init values and copied across; eval outputs, training losses and gradients compared on
the same images and targets."""
import importlib

import numpy as np
import torch
import torchvision

import flambeau
from flambeau.vision.models import _api

from detection_oracle import as_numpy, assert_close, load_from_torch
from modern_models_oracle import perturb

# every detection kept, the deterministic sampling of every anchor and proposal, ten proposals per image (the
# RoI heads' cost grows with them)
SMALL = dict(weights=None, weights_backbone=None, box_score_thresh=0.0, rpn_batch_size_per_image=100_000,
             box_batch_size_per_image=100_000, rpn_pre_nms_top_n_train=100, rpn_post_nms_top_n_train=10,
             rpn_pre_nms_top_n_test=100, rpn_post_nms_top_n_test=10)


def _calibrate_batch_norms(t_model, images) -> None:
    """Set the backbone's BatchNorm running statistics to those of `images` (random statistics through 50
    layers blow the features up until no proposal survives)."""
    norms = [m for m in t_model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in norms:
        m.momentum = 1.0
    t_model.eval()
    with torch.no_grad():
        batch = t_model.transform(images)[0].tensors
        t_model.backbone.train()
        t_model.backbone(batch)
    t_model.eval()


def build_pair(module: str, name: str, short: int = 160, double: bool = False, twins=None, **kwargs):
    """torchvision.models.detection.<name> and flambeau's for images(short) (twins: builder arguments given as a
    (torchvision, flambeau) pair of modules, e.g. a custom head), with equal state_dict keys and
    shapes; torchvision's weights perturbed (the class scores spread so that no two detections tie) and loaded
    into flambeau's. double: both in float64, where the rounding that a deep random network amplifies (float32
    ResNet-50 features differ by 1e-4 relative, torch's own float32 error against float64 as much) can no
    longer reorder near-equal scores in top-k and NMS."""
    args = dict(SMALL, min_size=short, max_size=short * 4 // 3, **kwargs)
    twins = twins or {}
    torch.manual_seed(0)
    t_model = getattr(torchvision.models.detection, name)(**args, **{k: v[0] for k, v in twins.items()})
    f_model = getattr(importlib.import_module(f"flambeau.vision.models.detection.{module}"), name)(
        **args, **{k: v[1] for k, v in twins.items()})
    t_sd, f_sd = t_model.state_dict(), f_model.state_dict()
    assert list(f_sd) == list(t_sd)
    assert all(tuple(f_sd[k].shape) == tuple(t_sd[k].shape) for k in t_sd)
    perturb(t_model)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        cls_score = t_model.roi_heads.box_predictor.cls_score.weight
        cls_score.copy_(torch.randn(cls_score.shape, generator=gen) * 0.03)
    _calibrate_batch_norms(t_model, [torch.from_numpy(i) for i in images(short)])
    load_from_torch(f_model, t_model)
    if double:
        t_model.double()
        f_model.double()
    return t_model, f_model


def images(short: int = 160, dtype=np.float32):
    """Two images of different sizes and aspect ratios, their short side min_size and their long side at most
    max_size: resizing leaves them as they are, so that no rounding of the resampling is amplified through the
    backbone (the transform's resizing is tested in test_detection_pipeline.py)."""
    rng = np.random.default_rng(0)
    return [rng.uniform(0, 1, (3, short, short * 5 // 4)).astype(dtype),
            rng.uniform(0, 1, (3, short * 4 // 3, short)).astype(dtype)]


def targets(num_classes: int, short: int = 160, masks: bool = False, keypoints: int = 0):
    """For images(short): two objects in the first image, three in the second, labels in [1, num_classes)."""
    rng = np.random.default_rng(1)
    out = []
    for (_, h, w), count in zip([i.shape for i in images(short)], (2, 3)):
        xy = rng.uniform(0, 0.5, (count, 2)) * (w, h)
        wh = rng.uniform(0.2, 0.45, (count, 2)) * (w, h)
        target = {"boxes": np.concatenate([xy, xy + wh], 1).astype(np.float32),
                  "labels": rng.integers(1, num_classes, count).astype(np.int64)}
        if masks:
            target["masks"] = (rng.uniform(0, 1, (count, h, w)) > 0.5).astype(np.uint8)
        if keypoints:
            inside = xy[:, None] + rng.uniform(0, 1, (count, keypoints, 2)) * wh[:, None]
            visible = rng.integers(0, 2, (count, keypoints, 1))
            target["keypoints"] = np.concatenate([inside, visible], 2).astype(np.float32)
        out.append(target)
    return out


def model_images(t_model):
    """images() at the model's min_size and in its dtype."""
    double = next(t_model.parameters()).dtype == torch.float64
    return images(t_model.transform.min_size[-1], np.float64 if double else np.float32)


def check_eval(t_model, f_model, atol=1e-3, rtol=1e-3):
    """Eval outputs on the two images: same keys, shapes, dtypes and values (and at least one detection)."""
    t_model.eval()
    f_model.eval()
    with torch.no_grad():
        expected = t_model([torch.from_numpy(i) for i in model_images(t_model)])
    with flambeau.no_grad():
        got = f_model([flambeau.tensor(i) for i in model_images(t_model)])
    assert all(len(e["boxes"]) > 0 for e in expected)
    assert_close(got, expected, atol=atol, rtol=rtol)
    return got


def check_train(t_model, f_model, target_list, grad_rtol=1e-2, compare_gradients=True):
    """One training step on both: the same loss dict (deterministic sampling), and a finite gradient on every
    trainable flambeau parameter, equal to torchvision's when compare_gradients. The models' state is restored
    afterwards (batch norms update in training)."""
    saved = {k: v.clone() for k, v in t_model.state_dict().items()}
    try:
        t_model.train()
        f_model.train()
        t_losses = t_model([torch.from_numpy(i) for i in model_images(t_model)],
                           [{k: torch.from_numpy(v) for k, v in t.items()} for t in target_list])
        f_losses = f_model([flambeau.tensor(i) for i in model_images(t_model)],
                           [{k: flambeau.tensor(v) for k, v in t.items()} for t in target_list])
        assert list(f_losses) == list(t_losses)
        assert_close(f_losses, t_losses, atol=1e-5, rtol=1e-3)
        sum(f_losses.values()).backward()
        trainable = [n for n, p in t_model.named_parameters() if p.requires_grad]
        assert trainable == [n for n, p in f_model.named_parameters() if p.requires_grad]
        f_grads = {n: f_model.get_parameter(n).grad for n in trainable}
        for name, grad in f_grads.items():
            assert grad is not None and np.isfinite(grad.numpy()).all(), name
        if compare_gradients:
            sum(t_losses.values()).backward()
            t_grads = {n: as_numpy(t_model.get_parameter(n).grad) for n in trainable}
            # NOTE: some batch-norm biases get gradients at rounding-noise level (sums that cancel); they are
            # held to a floor proportional to the largest gradient instead of to their own size
            floor = 1e-5 * max(np.linalg.norm(g) for g in t_grads.values())
            for name in trainable:
                error = np.linalg.norm(f_grads[name].numpy() - t_grads[name])
                assert error <= grad_rtol * np.linalg.norm(t_grads[name]) + floor, (name, error)
    finally:
        t_model.load_state_dict(saved)
        load_from_torch(f_model, t_model)
        t_model.zero_grad(set_to_none=True)
        f_model.zero_grad(set_to_none=True)
        t_model.eval()
        f_model.eval()


def check_weights_enum(f_enum, enum_name: str) -> None:
    """flambeau's weights enum lists torchvision.models.detection.<enum_name>'s members with the same urls and
    meta (but the prose), and the ObjectDetection preprocessing."""
    t_enum = getattr(torchvision.models.detection, enum_name)
    assert list(f_enum.__members__) == list(t_enum.__members__)
    for name, t_w in t_enum.__members__.items():
        f_w = f_enum[name]
        assert f_w.url == t_w.url
        assert {k: v for k, v in f_w.meta.items() if k != "_docs"} == \
            {k: v for k, v in t_w.meta.items() if k != "_docs"}
        assert f_w.transforms.__name__ == t_w.transforms.__name__ == "ObjectDetection"


def check_registered(name: str, f_builder) -> None:
    """The builder is registered under torchvision's name, with its weights enum."""
    assert _api.get_model_builder(name) is f_builder
    assert _api.get_model_weights(name).__name__ == torchvision.models.get_model_weights(name).__name__
