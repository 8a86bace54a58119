"""flambeau.vision.models.segmentation against torchvision's: each builder's structure and state_dict keys (aux head
on and off), strict loading of torchvision's (perturbed) weights, eval outputs on two image sizes, gradients,
finite training gradients on every parameter, the weights enums and the builders' argument checks.
One torchvision/flambeau pair per builder is shared by the tests (the ResNet-101 ones are the costly part)."""
from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
import torch
import torchvision

import flambeau
from flambeau.vision.models._api import get_model_builder
from modern_models_oracle import check_structure, check_weights, perturb

BUILDERS = {"fcn_resnet50": "fcn", "fcn_resnet101": "fcn", "deeplabv3_resnet50": "deeplabv3",
            "deeplabv3_resnet101": "deeplabv3", "deeplabv3_mobilenet_v3_large": "deeplabv3",
            "lraspp_mobilenet_v3_large": "lraspp"}
HAS_AUX = [name for name in BUILDERS if not name.startswith("lraspp")]
ENUMS = {"FCN_ResNet50_Weights": "fcn", "FCN_ResNet101_Weights": "fcn", "DeepLabV3_ResNet50_Weights": "deeplabv3",
         "DeepLabV3_ResNet101_Weights": "deeplabv3", "DeepLabV3_MobileNet_V3_Large_Weights": "deeplabv3",
         "LRASPP_MobileNet_V3_Large_Weights": "lraspp"}
SHAPES = [(1, 3, 64, 80), (2, 3, 40, 56)]


def _builder(name: str):
    return getattr(importlib.import_module(f"flambeau.vision.models.segmentation.{BUILDERS[name]}"), name)


def _build(name: str, **kwargs):
    torch.manual_seed(0)
    kwargs.update(weights=None, weights_backbone=None)
    return getattr(torchvision.models.segmentation, name)(**kwargs), _builder(name)(**kwargs)


def _image(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """torch's thread pool stalls when the 2 cores are shared with other processes (seconds per tiny forward)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", params=list(BUILDERS))
def pair(request):
    """(name, torchvision model, flambeau model) with the aux head where there is one, torchvision's weights moved
    off their init values and loaded strictly into flambeau's; both in eval mode."""
    name = request.param
    t_model, f_model = _build(name, **({"aux_loss": True} if name in HAS_AUX else {}))
    check_structure(t_model, f_model)
    perturb(t_model)
    f_model.load_state_dict({k: flambeau.tensor(v.numpy()) for k, v in t_model.state_dict().items()}, strict=True)
    return name, t_model.eval(), f_model.eval()


def test_eval_outputs_match(pair):
    name, t_model, f_model = pair
    for shape in SHAPES:
        x = _image(shape)
        with torch.no_grad():
            expected = t_model(torch.tensor(x))
        with flambeau.no_grad():
            got = f_model(flambeau.tensor(x))
        assert list(got) == list(expected) == (["out", "aux"] if name in HAS_AUX else ["out"])
        for key, e in expected.items():
            e, g = e.numpy(), got[key].numpy()
            assert g.shape == e.shape == (shape[0], 21) + shape[2:] and g.dtype == e.dtype
            # the perturbed ResNets' scores grow to ~1e7: compare relative to the map's scale
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5 * np.abs(e).max())


def test_train_gradients_finite(pair):
    name, _, f_model = pair
    f_model.train()
    try:
        out = f_model(flambeau.tensor(_image((2, 3, 32, 40), seed=1)))
        loss = sum(v.square().mean() for v in out.values())
        loss.backward()
    finally:
        f_model.eval()
    assert np.isfinite(loss.item())
    for pname, p in f_model.named_parameters():
        assert p.grad is not None, f"{name}: {pname} got no gradient"
        assert np.isfinite(p.grad.numpy()).all(), pname
        p.grad = None


@pytest.mark.parametrize("name", ["deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"])
def test_eval_gradients_match(name):
    """Parameter and input gradients of a weighted sum of the scores, in eval mode (no dropout)."""
    t_model, f_model = _build(name)
    perturb(t_model)
    f_model.load_state_dict({k: flambeau.tensor(v.numpy()) for k, v in t_model.state_dict().items()})
    t_model.eval()
    f_model.eval()
    x = _image((1, 3, 48, 40))
    w = _image((1, 21, 48, 40), seed=2)
    t_x, f_x = torch.tensor(x, requires_grad=True), flambeau.tensor(x, requires_grad=True)
    (t_model(t_x)["out"] * torch.tensor(w)).sum().backward()
    (f_model(f_x)["out"] * flambeau.tensor(w)).sum().backward()
    np.testing.assert_allclose(f_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-3, atol=1e-6)
    f_params = dict(f_model.named_parameters())
    for pname, t_p in t_model.named_parameters():
        e = t_p.grad.numpy()
        np.testing.assert_allclose(f_params[pname].grad.numpy(), e, rtol=1e-3, atol=1e-5 * np.abs(e).max(),
                                   err_msg=pname)


@pytest.mark.parametrize("name, aux_loss", [("fcn_resnet50", False), ("fcn_resnet101", None),
                                            ("deeplabv3_resnet50", None), ("deeplabv3_resnet101", False),
                                            ("deeplabv3_mobilenet_v3_large", None)])
def test_without_aux_head(name, aux_loss):
    t_model, f_model = _build(name, aux_loss=aux_loss)
    check_structure(t_model, f_model)
    assert f_model.aux_classifier is None
    assert list(f_model.backbone.return_layers.values()) == ["out"]


def test_num_classes_and_registry():
    t_model, f_model = _build("lraspp_mobilenet_v3_large", num_classes=5)
    check_structure(t_model, f_model)
    for name in BUILDERS:
        assert get_model_builder(name) is _builder(name)


@pytest.mark.parametrize("enum_name", list(ENUMS))
def test_weights_enums(enum_name):
    check_weights(enum_name, f"segmentation.{ENUMS[enum_name]}", torchvision.models.segmentation)


@pytest.mark.parametrize("kwargs, error", [
    ({"weights": "COCO_WITH_VOC_LABELS_V1", "num_classes": 5}, ValueError),
    ({"weights": "COCO_WITH_VOC_LABELS_V1", "aux_loss": False}, ValueError),
    ({"weights": "NOPE"}, KeyError),
    ({"weights_backbone": torchvision.models.ResNet18_Weights.IMAGENET1K_V1}, TypeError),
])
def test_bad_arguments(kwargs, error):
    """Checked before anything is built or downloaded, with torchvision's exception types."""
    f_kwargs = dict(kwargs)
    if "weights_backbone" in kwargs:  # a weights enum of the wrong model
        from flambeau.vision.models.resnet import ResNet18_Weights
        f_kwargs["weights_backbone"] = ResNet18_Weights.IMAGENET1K_V1
    with pytest.raises(error):
        torchvision.models.segmentation.fcn_resnet50(**kwargs)
    with pytest.raises(error):
        _builder("fcn_resnet50")(**f_kwargs)


def test_lraspp_has_no_aux_loss():
    with pytest.raises(NotImplementedError, match="auxiliary loss"):
        torchvision.models.segmentation.lraspp_mobilenet_v3_large(weights_backbone=None, aux_loss=True)
    with pytest.raises(NotImplementedError, match="auxiliary loss"):
        _builder("lraspp_mobilenet_v3_large")(weights_backbone=None, aux_loss=True)


def test_legacy_pretrained_flags():
    """pretrained=False / pretrained_backbone=False still build a random model, with deprecation warnings."""
    with warnings.catch_warnings(record=True) as t_warnings:
        warnings.simplefilter("always")
        torch.manual_seed(0)
        t_model = torchvision.models.segmentation.lraspp_mobilenet_v3_large(pretrained=False,
                                                                             pretrained_backbone=False)
    with warnings.catch_warnings(record=True) as f_warnings:
        warnings.simplefilter("always")
        f_model = _builder("lraspp_mobilenet_v3_large")(pretrained=False, pretrained_backbone=False)
    check_structure(t_model, f_model)
    assert [str(w.message) for w in f_warnings] == [str(w.message) for w in t_warnings]


@pytest.mark.parametrize("dilation, size", [(12, (30, 30)), (12, (20, 10)), (12, (10, 20)), (36, (20, 20))])
def test_aspp_conv_on_maps_smaller_than_its_dilation(dilation, size):
    """ASPPConv skips the kernel rows/columns that only see padding: the same values and gradients as
    torchvision's full dilated convolution, whichever sides are skipped (none, columns, rows, both)."""
    from torchvision.models.segmentation.deeplabv3 import ASPPConv as TASPPConv
    from flambeau.vision.models.segmentation.deeplabv3 import ASPPConv
    torch.manual_seed(0)
    t_conv, f_conv = TASPPConv(16, 8, dilation), ASPPConv(16, 8, dilation)
    perturb(t_conv)
    f_conv.load_state_dict({k: flambeau.tensor(v.numpy()) for k, v in t_conv.state_dict().items()})
    x = _image((2, 16) + size)
    t_x, f_x = torch.tensor(x, requires_grad=True), flambeau.tensor(x, requires_grad=True)
    t_out, f_out = t_conv.eval()(t_x), f_conv.eval()(f_x)
    np.testing.assert_allclose(f_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-5)
    (t_out * torch.tensor(_image(t_out.shape, seed=3))).sum().backward()
    (f_out * flambeau.tensor(_image(t_out.shape, seed=3))).sum().backward()
    np.testing.assert_allclose(f_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-4, atol=1e-5)
    w_grad = t_conv[0].weight.grad.numpy()
    np.testing.assert_allclose(f_conv[0].weight.grad.numpy(), w_grad, rtol=1e-4, atol=1e-5 * np.abs(w_grad).max())
