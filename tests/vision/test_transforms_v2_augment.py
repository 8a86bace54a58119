"""transforms.v2 augmentations (RandomErasing, MixUp, CutMix, JPEG and their functionals; AutoAugment,
RandAugment, TrivialAugmentWide, AugMix) against torchvision.

Random draws: torchvision's v2 modules draw from flambeau's generator through tv2_sample_util's shim, and their
MixUp / CutMix Beta distribution is replaced by flambeau's, so one flambeau.manual_seed drives both libraries."""
import numpy as np
import pytest
import torch
import torchvision.transforms.v2 as TV
import torchvision.transforms.v2._augment as tv_augment
import torchvision.transforms.v2._auto_augment as tv_auto_augment
import torchvision.transforms.v2._transform as tv_transform
from torchvision import tv_tensors as tv_tt
from torchvision.transforms.v2 import functional as TF

import flambeau
from flambeau.vision import tv_tensors as fl_tt
from flambeau.vision.transforms._dirichlet import _sample_dirichlet
from flambeau.vision.transforms.v2 import _augment as A
from flambeau.vision.transforms.v2 import _auto_augment as AA
from flambeau.vision.transforms.v2.functional import _augment as FA
from tv2_sample_util import IMAGE, PIL_IMAGE, VIDEO, assert_same, error_type, sample, use_flambeau_draws

BATCH = np.random.default_rng(4).random((4, 3, 10, 12)).astype(np.float32)
LABELS = np.array([0, 2, 1, 2])


@pytest.fixture
def same_draws(monkeypatch):
    use_flambeau_draws(monkeypatch, tv_augment, tv_transform)


def _images_only(lib):
    s = sample(lib)
    return {"image": s["image"], "label": s["label"]}


@pytest.mark.parametrize("kwargs", [dict(p=1.0), dict(p=0.6, value="random"),
                                    dict(p=1.0, value=[1, 2, 3], scale=(0.1, 0.5), ratio=(0.5, 2.0)),
                                    dict(p=1.0, scale=(0.9, 1.0))])
def test_random_erasing_matches_torchvision(kwargs, same_draws):
    for seed in range(4):
        flambeau.manual_seed(seed)
        ours = A.RandomErasing(**kwargs)(_images_only(flambeau))
        flambeau.manual_seed(seed)
        assert_same(ours, TV.RandomErasing(**kwargs)(_images_only(torch)))


def test_random_erasing_passes_boxes_through_with_a_warning(same_draws):
    flambeau.manual_seed(0)
    with pytest.warns(UserWarning, match="passing through"):
        ours = A.RandomErasing(p=1.0)(sample(flambeau))
    flambeau.manual_seed(0)
    with pytest.warns(UserWarning, match="passing through"):
        assert_same(ours, TV.RandomErasing(p=1.0)(sample(torch)))


class _FlambeauBeta:
    """torchvision's Beta replaced by flambeau's, so both libraries mix with the same weight."""

    def __init__(self, alpha):
        self.dist = flambeau.distributions.Beta(flambeau.tensor([alpha]), flambeau.tensor([alpha]))

    def sample(self, shape):
        return torch.tensor(self.dist.sample(shape).numpy())


@pytest.mark.parametrize("name", ["MixUp", "CutMix"])
@pytest.mark.parametrize("labels", ["index", "probabilities"])
def test_mixup_and_cutmix_match_torchvision(name, labels, same_draws):
    label_array = LABELS if labels == "index" else np.eye(3, dtype=np.float32)[LABELS]
    for seed in range(4):
        ours, theirs = getattr(A, name)(alpha=0.7, num_classes=3), getattr(TV, name)(alpha=0.7, num_classes=3)
        theirs._dist = _FlambeauBeta(0.7)
        flambeau.manual_seed(seed)
        out = ours(fl_tt.Image(flambeau.tensor(BATCH)), flambeau.tensor(label_array))
        flambeau.manual_seed(seed)
        expected = theirs(tv_tt.Image(torch.tensor(BATCH)), torch.tensor(label_array))
        assert_same(out, expected, atol=1e-6, image_atol=1e-6)
        # a dict sample with a plain-tensor batch and the labels found by the default getter
        flambeau.manual_seed(seed)
        out = ours({"image": flambeau.tensor(BATCH), "labels": flambeau.tensor(label_array)})
        flambeau.manual_seed(seed)
        expected = theirs({"image": torch.tensor(BATCH), "labels": torch.tensor(label_array)})
        assert_same(out, expected, atol=1e-6, image_atol=1e-6)


@pytest.mark.parametrize("case", [
    lambda m, lib, tt: m.MixUp(num_classes=3)(tt.Image(lib.tensor(BATCH)), lib.tensor(LABELS[:3])),
    lambda m, lib, tt: m.MixUp()(tt.Image(lib.tensor(BATCH)), lib.tensor(LABELS)),
    lambda m, lib, tt: m.CutMix(num_classes=3)(tt.Image(lib.tensor(BATCH[0])), lib.tensor(LABELS[:1])),
    lambda m, lib, tt: m.CutMix(num_classes=4)(tt.Image(lib.tensor(BATCH)), lib.tensor(np.eye(3)[LABELS])),
    lambda m, lib, tt: m.MixUp(num_classes=3)(tt.Image(lib.tensor(BATCH)), lib.tensor(LABELS).view(2, 2, 1)),
    lambda m, lib, tt: m.MixUp(num_classes=3)(tt.Image(lib.tensor(BATCH)), lib.tensor(LABELS),
                                              tt.Mask(lib.tensor(LABELS))),
    lambda m, lib, tt: m.CutMix(num_classes=3)({"image": tt.Image(lib.tensor(BATCH)), "target": 3}),
    lambda m, lib, tt: m.MixUp(num_classes=3)(tt.Image(lib.tensor((BATCH * 255).astype(np.uint8))),
                                              lib.tensor(LABELS)),
    lambda m, lib, tt: m.RandomErasing(value="noise"),
    lambda m, lib, tt: m.RandomErasing(value=object()),
    lambda m, lib, tt: m.RandomErasing(scale=(0.5, 1.5)),
    lambda m, lib, tt: m.RandomErasing(ratio=2.0),
    lambda m, lib, tt: m.RandomErasing(p=1.0, value=[1, 2])(tt.Image(lib.tensor(IMAGE))),
    lambda m, lib, tt: m.JPEG(quality=0),
    lambda m, lib, tt: m.JPEG(quality=True),
    lambda m, lib, tt: m.JPEG(quality=(5, 200)),
    lambda m, lib, tt: m.JPEG(quality=[1, 2, 3]),
])
def test_bad_arguments_raise_torchvisions_exception(case):
    expected = error_type(lambda: case(TV, torch, tv_tt))
    assert expected is not None
    assert error_type(lambda: case(A, flambeau, fl_tt)) is expected


def test_erase_functional_on_every_image_type():
    v = [[[5.0]], [[6.0]], [[7.0]]]
    for ours, theirs in ((fl_tt.Image(flambeau.tensor(IMAGE)), tv_tt.Image(torch.tensor(IMAGE))),
                         (fl_tt.Video(flambeau.tensor(VIDEO)), tv_tt.Video(torch.tensor(VIDEO))),
                         (PIL_IMAGE, PIL_IMAGE), (flambeau.tensor(IMAGE), torch.tensor(IMAGE))):
        assert_same(FA.erase(ours, 2, 3, 5, 6, flambeau.tensor(v)), TF.erase(theirs, 2, 3, 5, 6, torch.tensor(v)))
    image = flambeau.tensor(IMAGE)
    FA.erase(image, 0, 0, 2, 2, flambeau.tensor(0), inplace=True)
    assert int(image[0, 0, 0]) == 0


@pytest.mark.parametrize("quality", [5, 75])
def test_jpeg_functional_and_transform(quality, same_draws):
    for ours, theirs in ((fl_tt.Image(flambeau.tensor(IMAGE)), tv_tt.Image(torch.tensor(IMAGE))),
                         (PIL_IMAGE, PIL_IMAGE), (flambeau.tensor(IMAGE[None]), torch.tensor(IMAGE[None]))):
        assert_same(FA.jpeg(ours, quality), TF.jpeg(theirs, quality))
    for seed in range(3):
        flambeau.manual_seed(seed)
        out = A.JPEG((quality, quality + 20))(sample(flambeau))
        flambeau.manual_seed(seed)
        assert_same(out, TV.JPEG((quality, quality + 20))(sample(torch)))


# ------------------------------------------------------------------------------------------ auto augment

ALL_KINDS = ("sample", "video", "float", "pil")
# (class, arguments, input kinds); AugMix runs a dozen ops a call, so each of its cases takes two kinds
AUTO = [("AutoAugment", {}, ALL_KINDS), ("AutoAugment", dict(policy="CIFAR10", fill=3), ALL_KINDS),
        ("AutoAugment", dict(policy="SVHN"), ALL_KINDS),
        ("RandAugment", dict(num_ops=3, interpolation="bilinear"), ALL_KINDS),
        ("TrivialAugmentWide", dict(fill=[1, 2, 3]), ALL_KINDS), ("AugMix", {}, ("sample", "pil")),
        ("AugMix", dict(chain_depth=2, all_ops=False, severity=5), ("video", "float"))]


def _auto_inputs(lib, tt, kind):
    if kind == "sample":
        return {"image": tt.Image(lib.tensor(IMAGE)), "label": 3}
    if kind == "video":
        return tt.Video(lib.tensor((VIDEO * 255).astype(np.uint8)))
    return lib.tensor(IMAGE.astype(np.float32) / 255)  # a plain float tensor


def _auto_pair(name, kwargs, module_ours, module_theirs):
    ours, theirs = dict(kwargs), dict(kwargs)
    if "policy" in kwargs:
        ours["policy"] = module_ours.AutoAugmentPolicy[kwargs["policy"]]
        theirs["policy"] = module_theirs.AutoAugmentPolicy[kwargs["policy"]]
    return getattr(module_ours, name)(**ours), getattr(module_theirs, name)(**theirs)


@pytest.mark.parametrize("name, kwargs, kinds", AUTO)
def test_auto_augment_matches_torchvision_on_the_same_draws(name, kwargs, kinds, monkeypatch):
    use_flambeau_draws(monkeypatch, tv_auto_augment)
    for kind in kinds:
        for seed in range(3):
            ours, theirs = _auto_pair(name, kwargs, AA, TV)
            # AugMix's Dirichlet weights: torchvision's draw replaced by flambeau's
            theirs._sample_dirichlet = lambda p: torch.tensor(_sample_dirichlet(flambeau.tensor(p.numpy())).numpy())
            flambeau.manual_seed(seed)
            out = ours(PIL_IMAGE) if kind == "pil" else ours(_auto_inputs(flambeau, fl_tt, kind))
            flambeau.manual_seed(seed)
            expected = theirs(PIL_IMAGE) if kind == "pil" else theirs(_auto_inputs(torch, tv_tt, kind))
            if kind == "pil":  # AugMix resamples PIL images as uint8 tensors: compare the pixels within 1
                assert out.mode == expected.mode
                out, expected = flambeau.tensor(np.asarray(out)), torch.tensor(np.asarray(expected))
            assert_same(out, expected, image_atol=1e-5 if kind == "float" else 1)


@pytest.mark.parametrize("case", [
    lambda m, lib, tt: m.RandAugment(num_ops=-1),
    lambda m, lib, tt: m.AugMix(severity=11),
    lambda m, lib, tt: m.AutoAugment(policy="imagenet"),
    lambda m, lib, tt: m.TrivialAugmentWide()(sample(lib)),
    lambda m, lib, tt: m.RandAugment()({"label": 3}),
    lambda m, lib, tt: m.AugMix()(tt.Image(lib.tensor(IMAGE)), tt.Video(lib.tensor(IMAGE[None]))),
])
def test_auto_augment_bad_arguments(case):
    expected = error_type(lambda: case(TV, torch, tv_tt))
    assert expected is not None
    assert error_type(lambda: case(AA, flambeau, fl_tt)) is expected
