"""The weights API of flambeau.vision.models against torchvision: the enums' data, the registry
(list_models/get_model/get_weight...), verify(), the torch hub cache directory, loading a torch.save'd
checkpoint from it (hash check, missing file, DenseNet's old keys) and the ImageClassification preset."""
from __future__ import annotations

import hashlib
import importlib
import math
import os

import numpy as np
import pytest
import torch
import torch.hub
import torchvision
from torchvision.transforms._presets import ImageClassification as TImageClassification

import flambeau
import flambeau.vision.models as fmodels
from classic_models_oracle import load_torchvision, random_state_dict, skip_init, torchvision_meta
from flambeau.vision.models import _hub, densenet
from flambeau.vision.transforms._presets import ImageClassification

_CLASSIC = ("alexnet", "vgg", "resnet", "densenet", "squeezenet", "shufflenetv2", "googlenet", "inception")  # the modern ones test their own
ENUMS = [name for name in dir(fmodels)
         if name.endswith("_Weights") and getattr(fmodels, name).__module__.rsplit(".", 1)[1] in _CLASSIC]


def _plain(value):
    """Meta values comparable with ==: NaN metrics as a marker, prose with its line breaks normalised."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def test_every_builder_is_exported():
    """Each builder is an attribute of the package torchvision exports it from (models, models.detection...)."""
    names = fmodels.list_models()
    assert len(names) >= 29 and set(names) <= set(torchvision.models.list_models())
    for name in names:
        builder = fmodels.get_model_builder(name)
        package = importlib.import_module(builder.__module__.rsplit(".", 1)[0])
        assert getattr(package, name) is builder
        assert hasattr(importlib.import_module(package.__name__.replace("flambeau.vision", "torchvision")), name)


@pytest.mark.parametrize("enum_name", ENUMS)
def test_weights_enum_matches_torchvision(enum_name):
    t_enum, f_enum = getattr(torchvision.models, enum_name), getattr(fmodels, enum_name)
    assert list(f_enum.__members__) == list(t_enum.__members__)  # DEFAULT included, as an alias
    assert f_enum.DEFAULT.name == t_enum.DEFAULT.name
    for name, t_w in t_enum.__members__.items():
        f_w = f_enum[name]
        assert f_w.url == t_w.url
        assert _plain(f_w.meta) == _plain(t_w.meta)
        t_kw = {k: getattr(v, "value", v) for k, v in t_w.transforms.keywords.items()}
        f_kw = {k: getattr(v, "value", v) for k, v in f_w.transforms.keywords.items()}
        assert f_kw == t_kw and f_w.transforms.func is ImageClassification
        assert repr(f_w) == repr(t_w)


@pytest.mark.parametrize("kwargs", [{}, {"include": "resnet*"}, {"include": ["vgg1?", "*net1?1*"]},
                                    {"include": "dense*", "exclude": "*16?"}, {"exclude": ["*"]}])
def test_list_models_filters_like_torchvision(kwargs):
    ours = fmodels.list_models(**kwargs)
    assert ours == [n for n in torchvision.models.list_models(**kwargs) if n in set(fmodels.list_models())]


def test_list_models_by_module():
    tasks = set(fmodels.list_models(module=fmodels.detection)) | set(fmodels.list_models(module=fmodels.segmentation))
    assert tasks and set(fmodels.list_models(module=fmodels)) == set(fmodels.list_models()) - tasks
    assert fmodels.list_models(module=densenet) == []  # a module, not the package that holds builders


def test_registry_lookups_match_torchvision():
    for lib in (torchvision.models, fmodels):
        assert lib.get_model_weights("ResNet50").__name__ == "ResNet50_Weights"  # name lower-cased
        assert lib.get_model_weights(lib.vgg16_bn).__name__ == "VGG16_BN_Weights"
        assert lib.get_weight("ResNet50_Weights.DEFAULT").name == "IMAGENET1K_V2"
        model = lib.get_model("squeezenet1_1", num_classes=4)
        assert model.classifier[1].out_channels == 4
    assert fmodels.get_weight("DenseNet121_Weights.IMAGENET1K_V1") is fmodels.DenseNet121_Weights.IMAGENET1K_V1


@pytest.mark.parametrize("call", [
    lambda m: m.get_model_builder("resnet1000"),  # ValueError
    lambda m: m.get_model("nonet"),  # ValueError
    lambda m: m.get_weight("ResNet50_Weights"),  # ValueError: no member part
    lambda m: m.get_weight("ResNet5000_Weights.DEFAULT"),  # ValueError
    lambda m: m.get_weight("ResNet50_Weights.V9"),  # KeyError
    lambda m: m.get_model_weights(lambda x: x),  # ValueError: no weights parameter
    lambda m: m.ResNet18_Weights.verify("IMAGENET1K_V9"),  # KeyError
    lambda m: m.ResNet18_Weights.verify(m.VGG11_Weights.DEFAULT),  # TypeError
    lambda m: m.ResNet18_Weights.verify(3),  # TypeError
])
def test_registry_errors_match_torchvision(call):
    with pytest.raises(Exception) as expected:
        call(torchvision.models)
    with pytest.raises(expected.type):
        call(fmodels)


def test_verify():
    w = fmodels.ResNet50_Weights
    assert w.verify(None) is None
    assert w.verify("DEFAULT") is w.IMAGENET1K_V2
    assert w.verify("ResNet50_Weights.IMAGENET1K_V1") is w.IMAGENET1K_V1
    assert w.verify(w.IMAGENET1K_V1) is w.IMAGENET1K_V1
    assert w.IMAGENET1K_V1.transforms().crop_size == [224]


@pytest.mark.parametrize("env", [{"TORCH_HOME": "/a/th"}, {"XDG_CACHE_HOME": "/b/xdg"},
                                 {"TORCH_HOME": "~/t", "XDG_CACHE_HOME": "/c"}, {}])
def test_hub_dir_is_torch_hubs(env, monkeypatch):
    for var in ("TORCH_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("HOME", "/home/someone")
    assert _hub.get_dir() == torch.hub.get_dir()


def _checkpoint(tmp_path, monkeypatch, name, member, hash_part=None, **kwargs):
    """A torchvision `name` state_dict (random weights) saved by torch.save into a temporary torch hub cache,
    named <name>-<first 10 hex digits of its sha256, or hash_part>.pth; the weights enum `member` points at
    it. Returns the torchvision model holding the same weights, and the file's path."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    t_model = torchvision_meta(name, **kwargs)
    load_torchvision(t_model, random_state_dict(t_model))
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    raw = checkpoints / "raw.pth"
    torch.save(t_model.state_dict(), raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    path = checkpoints / f"{name}-{hash_part or digest[:10]}.pth"
    raw.rename(path)
    monkeypatch.setattr(member.value, "url", f"https://download.pytorch.org/models/{path.name}")
    return t_model, path


def _squeezenet_checkpoint(tmp_path, monkeypatch, hash_part=None):
    return _checkpoint(tmp_path, monkeypatch, "squeezenet1_1", fmodels.SqueezeNet1_1_Weights.IMAGENET1K_V1,
                       hash_part)


def _same_outputs(t_model, f_model, size=32):
    x = np.random.default_rng(3).standard_normal((1, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = t_model.eval()(torch.from_numpy(x)).numpy()
    with flambeau.no_grad():
        got = f_model.eval()(flambeau.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("weights", ["DEFAULT", "SqueezeNet1_1_Weights.IMAGENET1K_V1",
                                     "enum", "legacy pretrained=True"])
def test_builder_loads_cached_checkpoint(weights, tmp_path, monkeypatch):
    t_model, _ = _squeezenet_checkpoint(tmp_path, monkeypatch)
    if weights == "legacy pretrained=True":
        with pytest.warns(UserWarning) as record:
            f_model = fmodels.squeezenet1_1(pretrained=True)
        assert "'pretrained' is deprecated" in str(record[0].message)
        assert "equivalent to passing `weights=SqueezeNet1_1_Weights.IMAGENET1K_V1`" in str(record[1].message)
    else:
        member = fmodels.SqueezeNet1_1_Weights.IMAGENET1K_V1
        f_model = fmodels.squeezenet1_1(weights=member if weights == "enum" else weights)
    _same_outputs(t_model, f_model)


def test_wrong_hash_is_refused_unless_unchecked(tmp_path, monkeypatch):
    t_model, path = _squeezenet_checkpoint(tmp_path, monkeypatch, hash_part="0123abcd")
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "0123abcd", got "[0-9a-f]{64}"\\)'):
        fmodels.squeezenet1_1(weights="DEFAULT")
    state = fmodels.SqueezeNet1_1_Weights.DEFAULT.get_state_dict(progress=False, check_hash=False)
    f_model = fmodels.squeezenet1_1()
    f_model.load_state_dict(state)
    _same_outputs(t_model, f_model)


def test_missing_checkpoint_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    expected = os.path.join(str(tmp_path), "hub", "checkpoints", "resnet18-f37072fd.pth")
    with pytest.raises(FileNotFoundError) as info:
        fmodels.resnet18(weights="DEFAULT")
    assert expected in str(info.value)
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in str(info.value)


def test_densenet_checkpoint_with_old_keys(tmp_path, monkeypatch):
    """The released DenseNet files name dense layers' modules "norm.1", "conv.2"...: they still load."""
    skip_init(monkeypatch)
    kwargs = {"growth_rate": 4, "block_config": (1, 2, 1, 1), "num_init_features": 8}
    t_model, f_model = torchvision_meta("DenseNet", **kwargs), fmodels.DenseNet(**kwargs)
    state = random_state_dict(t_model)
    load_torchvision(t_model, state)
    # as in those (pre-PyTorch 0.4) files, no batch norm has a num_batches_tracked entry
    old = {k.replace("norm1", "norm.1").replace("conv2", "conv.2"): torch.from_numpy(v) for k, v in state.items()
           if not k.endswith("num_batches_tracked")}
    assert old.keys() != state.keys()
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    torch.save(old, tmp_path / "hub" / "checkpoints" / "densenet-old.pth")
    member = fmodels.DenseNet121_Weights.IMAGENET1K_V1
    monkeypatch.setattr(member.value, "url", "https://download.pytorch.org/models/densenet-old.pth")
    densenet._load_state_dict(f_model, member, progress=False)
    _same_outputs(t_model, f_model)


@pytest.mark.parametrize("aux_logits", [None, True])
def test_googlenet_weights_drop_the_untrained_aux_heads(aux_logits, tmp_path, monkeypatch):
    """As torchvision: with weights, transform_input defaults to True and the auxiliary heads (in the file,
    but never trained) are dropped unless aux_logits=True, which warns."""
    t_model, _ = _checkpoint(tmp_path, monkeypatch, "googlenet", fmodels.GoogLeNet_Weights.IMAGENET1K_V1,
                             init_weights=False)
    if aux_logits:
        with pytest.warns(UserWarning, match="auxiliary heads in the pretrained googlenet model are NOT pretrained"):
            f_model = fmodels.googlenet(weights="DEFAULT", aux_logits=True)
    else:
        f_model = fmodels.googlenet(weights="DEFAULT")
    assert f_model.transform_input and f_model.aux_logits == bool(aux_logits)
    assert (f_model.aux1 is None) == (not aux_logits) and (f_model.aux2 is None) == (not aux_logits)
    t_model.transform_input = True
    _same_outputs(t_model, f_model)


def test_inception_weights_keep_the_aux_head_unless_asked(tmp_path, monkeypatch):
    t_model, _ = _checkpoint(tmp_path, monkeypatch, "inception_v3", fmodels.Inception_V3_Weights.IMAGENET1K_V1,
                             init_weights=False)
    """Inception v3's checkpoint includes a trained auxiliary head: kept (and asking for aux_logits=False
    with weights is a ValueError, as in torchvision)."""
    f_model = fmodels.inception_v3(weights="DEFAULT", transform_input=False)
    assert f_model.AuxLogits is not None and f_model.aux_logits and not f_model.transform_input
    _same_outputs(t_model, f_model, size=80)
    for lib in (torchvision.models, fmodels):
        with pytest.raises(ValueError, match="The parameter 'aux_logits' expected value True but got False"):
            lib.inception_v3(weights="DEFAULT", aux_logits=False)


def test_num_classes_must_match_the_weights():
    for lib in (torchvision.models, fmodels):
        with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10 instead."):
            lib.resnet18(weights="DEFAULT", num_classes=10)


@pytest.mark.filterwarnings("ignore:Anti-alias option is always applied")  # PIL input with antialias=False
@pytest.mark.parametrize("kwargs", [{"crop_size": 224}, {"crop_size": 60, "resize_size": 64},
                                    {"crop_size": 64, "resize_size": 70, "mean": (0.5, 0.4, 0.3),
                                     "std": (0.2, 0.25, 0.3), "antialias": False}])
def test_image_classification_preset_matches_torchvision(kwargs):
    from PIL import Image

    rng = np.random.default_rng(4)
    t_pre, f_pre = TImageClassification(**kwargs), ImageClassification(**kwargs)
    assert repr(f_pre) == repr(t_pre) and f_pre.describe() == t_pre.describe()
    batch = rng.random((2, 3, 90, 75)).astype(np.float32)
    np.testing.assert_allclose(f_pre(flambeau.from_numpy(batch)).numpy(), t_pre(torch.from_numpy(batch)).numpy(),
                               rtol=1e-5, atol=1e-5)
    image = rng.integers(0, 256, (90, 75, 3), dtype=np.uint8)
    pil = Image.fromarray(image)
    np.testing.assert_allclose(f_pre(pil).numpy(), t_pre(pil).numpy(), rtol=1e-6, atol=1e-6)
    # uint8 tensors: the resize may round a rare pixel one level apart from torchvision's integer kernel
    got = f_pre(flambeau.from_numpy(image.transpose(2, 0, 1).copy())).numpy()
    expected = t_pre(torch.from_numpy(image.transpose(2, 0, 1).copy())).numpy()
    assert got.dtype == expected.dtype == np.float32
    one_level = 1 / 255 / min(t_pre.std) + 1e-6
    assert np.abs(got - expected).max() <= one_level and (np.abs(got - expected) > 1e-5).mean() < 1e-3


def test_make_divisible_matches_torchvision():
    from torchvision.models._utils import _make_divisible as t_make_divisible

    from flambeau.vision.models._utils import _make_divisible

    for v in [1, 3.5, 7.9, 8, 12, 15.99, 16.5, 31, 100.4, 243.2, 1000]:
        for divisor, min_value in [(8, None), (4, None), (8, 16), (16, 4)]:
            assert _make_divisible(v, divisor, min_value) == t_make_divisible(v, divisor, min_value)


@pytest.mark.parametrize("call", [lambda m: m.squeezenet1_1(False), lambda m: m.squeezenet1_1(None, False),
                                  lambda m: m.squeezenet1_1(False, True, num_classes=3),
                                  lambda m: m.squeezenet1_1(pretrained=False, num_classes=3)])
def test_positional_and_legacy_arguments_warn_like_torchvision(call):
    with pytest.warns(UserWarning) as t_record:
        t_model = call(torchvision.models)
    with pytest.warns(UserWarning) as f_record:
        f_model = call(fmodels)
    assert [str(w.message) for w in f_record] == [str(w.message) for w in t_record]
    assert type(f_model).__name__ == type(t_model).__name__
