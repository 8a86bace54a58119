"""flambeau.vision.models' classic CNNs against torchvision: structure (parameter count, state_dict keys and
shapes) and eval outputs for every builder, train-mode outputs/gradients/batch-norm updates (the largest
models under the slow marker), initialisation statistics, builder arguments, errors and warnings."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision

import flambeau
import flambeau.vision.models as fmodels
from classic_models_oracle import check_eval, check_train, count, skip_init, torch_one_thread  # noqa: F401 (fixture)

BUILDERS = ["alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
            "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
            "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2", "densenet121", "densenet161", "densenet169",
            "densenet201", "squeezenet1_0", "squeezenet1_1", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
            "shufflenet_v2_x1_5", "shufflenet_v2_x2_0", "googlenet", "inception_v3"]
TRAIN_KWARGS = {"alexnet": {"dropout": 0.0}, "squeezenet1_1": {"dropout": 0.0}, "vgg11_bn": {"dropout": 0.0},
              "vgg16": {"dropout": 0.0}, "googlenet": {"dropout": 0.0, "dropout_aux": 0.0},
              "inception_v3": {"dropout": 0.0, "aux_logits": False}}  # no random draws; aux head: see below
# the smallest convenient inputs (default: 32)
SIZES = {"alexnet": 64, "inception_v3": 80}
# GoogLeNet and Inception v3 warn that their default init will change (tested below)
pytestmark = pytest.mark.filterwarnings("ignore:The default weight initialization:FutureWarning")
# train steps of the largest models (big classifiers, wide layers) run under the slow marker
TRAIN = ["resnet18", "resnet50", "resnext50_32x4d", "densenet121", "squeezenet1_1", "shufflenet_v2_x0_5",
         "googlenet", "inception_v3"]
SLOW_TRAIN = ["alexnet", "wide_resnet50_2", "densenet161", "vgg11_bn", "vgg16", "shufflenet_v2_x2_0"]


@pytest.mark.parametrize("name", BUILDERS)
def test_eval_matches_torchvision(name, monkeypatch):
    """Same parameter count, state_dict keys (in order) and shapes; same eval outputs for the same random
    weights, loaded with strict=True."""
    check_eval(name, monkeypatch, SIZES.get(name, 32))


# 64 pixels: at 32 the last stages are 1x1, and batch norm over 2 values is too ill-conditioned to compare
@pytest.mark.parametrize("name", TRAIN + [pytest.param(n, marks=pytest.mark.slow) for n in SLOW_TRAIN])
def test_train_step_matches_torchvision(name, monkeypatch):
    check_train(name, monkeypatch, max(64, SIZES.get(name, 32)), **TRAIN_KWARGS.get(name, {}))


@pytest.mark.slow
def test_train_step_inception_with_auxiliary_head_matches_torchvision(monkeypatch):
    """The auxiliary classifier's 5x5 convolution needs the full 299-pixel input."""
    check_train("inception_v3", monkeypatch, 299, dropout=0.0)


def test_builder_num_params_match_weights_meta(monkeypatch):
    """Each builder's parameter count is the one torchvision records for its weights."""
    skip_init(monkeypatch)
    for name in BUILDERS:
        weights = torchvision.models.get_model_weights(name).DEFAULT
        kwargs = {"aux_logits": False} if name == "googlenet" else {}  # its weights come without the aux heads
        assert count(getattr(fmodels, name)(**kwargs)) == weights.meta["num_params"], name


def _stats(w: np.ndarray) -> tuple[float, float, float]:
    centred = w - w.mean()
    std = float(centred.std())
    return float(w.mean()), std, float((centred ** 4).mean() / std ** 4) if std else 0.0


@pytest.mark.parametrize("name,kwargs", [("resnet18", {}), ("resnet18", {"zero_init_residual": True}),
                                         ("resnet50", {"zero_init_residual": True}), ("densenet121", {}),
                                         ("squeezenet1_0", {}), ("shufflenet_v2_x0_5", {}),
                                         ("googlenet", {"init_weights": True}),
                                         ("inception_v3", {"init_weights": True})])
def test_initialisation_statistics(name, kwargs):
    """Each tensor is drawn from torchvision's distribution: constants equal, random tensors with the same
    mean, std and kurtosis (which tells uniform, 1.8, from normal, 3) up to sampling error."""
    flambeau.manual_seed(0)
    torch.manual_seed(0)
    t_sd = getattr(torchvision.models, name)(**kwargs).state_dict()
    f_sd = getattr(fmodels, name)(**kwargs).state_dict()
    for k, t_v in t_sd.items():
        t, f = t_v.numpy(), f_sd[k].numpy()
        if t.min() == t.max():
            np.testing.assert_array_equal(f, t, err_msg=k)
            continue
        (t_mean, t_std, t_kurt), (f_mean, f_std, f_kurt) = _stats(t), _stats(f)
        n = t.size
        assert abs(f_std / t_std - 1) < 6 / np.sqrt(n), k
        assert abs(f_mean - t_mean) < 6 * t_std / np.sqrt(n), k
        if n >= 2000:
            assert abs(f_kurt - t_kurt) < 0.4, k


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vgg11_bn", "alexnet"])
def test_initialisation_statistics_slow(name):
    test_initialisation_statistics(name, {})


@pytest.mark.parametrize("name,kwargs", [
    ("resnet18", {"num_classes": 7, "zero_init_residual": True}),
    ("resnet50", {"replace_stride_with_dilation": [False, True, True]}),
    ("squeezenet1_1", {"num_classes": 3}),
    ("shufflenet_v2_x0_5", {"num_classes": 5}),
    ("DenseNet", {"growth_rate": 8, "block_config": (2, 3, 2, 2), "num_init_features": 16, "bn_size": 2}),
    ("googlenet", {"aux_logits": False, "transform_input": True}),
    ("inception_v3", {"aux_logits": False, "transform_input": True, "num_classes": 10}),
])
def test_builder_arguments_match_torchvision(name, kwargs, monkeypatch):
    check_eval(name, monkeypatch, SIZES.get(name, 32), batch=2, **kwargs)


def test_memory_efficient_densenet_gradients_match():
    """Checkpointed bottlenecks give the same gradients as stored ones."""
    flambeau.manual_seed(0)
    plain = fmodels.DenseNet(growth_rate=4, block_config=(2, 2, 2, 2), num_init_features=8, num_classes=3)
    efficient = fmodels.DenseNet(growth_rate=4, block_config=(2, 2, 2, 2), num_init_features=8, num_classes=3,
                                 memory_efficient=True)
    efficient.load_state_dict(plain.state_dict())
    x = flambeau.randn(2, 3, 32, 32)
    for model in (plain, efficient):
        model(x).square().sum().backward()
    for (k, a), (_, b) in zip(plain.named_parameters(), efficient.named_parameters()):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("call", [
    lambda m: m.resnet18(weights="IMAGENET1K_V7"),  # unknown entry: KeyError, as Enum lookup
    lambda m: m.resnet18(weights=m.ResNet34_Weights.IMAGENET1K_V1),  # another model's weights: TypeError
    lambda m: m.resnet18(weights="DEFAULT", num_classes=10),  # weights need 1000 classes: ValueError
    lambda m: m.resnext50_32x4d(groups=8),  # the builder fixes groups: ValueError
    lambda m: m.resnet18(groups=2),  # BasicBlock: ValueError
    lambda m: m.resnet18(replace_stride_with_dilation=[False, True, True]),  # BasicBlock: NotImplementedError
    lambda m: m.resnet50(replace_stride_with_dilation=[True]),  # ValueError
    lambda m: m.SqueezeNet(version="1_2"),  # ValueError
    lambda m: m.ShuffleNetV2([4, 8], [24, 48, 96, 192, 1024]),  # ValueError
    lambda m: m.ShuffleNetV2([4, 8, 4], [24, 48, 96, 192]),  # ValueError
    lambda m: m.shufflenetv2.InvertedResidual(24, 48, 1),  # ValueError
    lambda m: m.shufflenetv2.InvertedResidual(24, 48, 4),  # ValueError
    lambda m: m.GoogLeNet(blocks=[m.googlenet]),  # ValueError
    lambda m: m.Inception3(inception_blocks=[]),  # ValueError
    lambda m: m.googlenet(weights="DEFAULT", aux_logits=False, num_classes=5),  # ValueError
])
def test_builder_errors_match_torchvision(call):
    with pytest.raises(Exception) as expected:
        call(torchvision.models)
    with pytest.raises(expected.type):
        call(fmodels)


def test_legacy_pretrained_false_warns_like_torchvision():
    with pytest.warns(UserWarning) as t_record:
        torchvision.models.squeezenet1_1(pretrained=False)
    with pytest.warns(UserWarning) as f_record:
        model = fmodels.squeezenet1_1(pretrained=False)
    assert [str(w.message) for w in f_record] == [str(w.message) for w in t_record]
    assert isinstance(model, fmodels.SqueezeNet)


@pytest.mark.filterwarnings("default")
@pytest.mark.parametrize("name", ["googlenet", "inception_v3"])
def test_default_init_warns_like_torchvision(name):
    with pytest.warns(FutureWarning) as t_record:
        getattr(torchvision.models, name)()
    with pytest.warns(FutureWarning) as f_record:
        getattr(fmodels, name)()
    assert [str(w.message) for w in f_record] == [str(w.message) for w in t_record]
