"""AutoAugment, RandAugment, TrivialAugmentWide and AugMix against torchvision's: op tables,
magnitude bins, each op, and whole forwards replayed with the draws flambeau made."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision.transforms as TT
import torchvision.transforms.autoaugment as TA
from torchvision.transforms import InterpolationMode as TI

import flambeau
import flambeau.vision.transforms as FT
import flambeau.vision.transforms.autoaugment as FA
from flambeau.vision.transforms import InterpolationMode as FI
from tcolor_util import assert_same_error, assert_same_image, pair, pil_rgb, uint8_array

POLICIES = ["IMAGENET", "CIFAR10", "SVHN"]


def test_public_names():
    assert FA.__all__ == TA.__all__


@pytest.mark.parametrize("policy", POLICIES)
def test_policy_tables(policy):
    expected = TT.AutoAugment(TT.AutoAugmentPolicy[policy]).policies
    assert FT.AutoAugment(FT.AutoAugmentPolicy[policy]).policies == expected


def _spaces():
    """(flambeau space, torchvision space) pairs for every class and setting."""
    size = (12, 17)
    return [
        (FT.AutoAugment()._augmentation_space(10, size), TT.AutoAugment()._augmentation_space(10, size)),
        (FT.RandAugment()._augmentation_space(31, size), TT.RandAugment()._augmentation_space(31, size)),
        (FT.RandAugment()._augmentation_space(7, size), TT.RandAugment()._augmentation_space(7, size)),
        (FT.TrivialAugmentWide()._augmentation_space(31), TT.TrivialAugmentWide()._augmentation_space(31)),
        (FT.AugMix()._augmentation_space(10, size), TT.AugMix()._augmentation_space(10, size)),
        (FT.AugMix(all_ops=False)._augmentation_space(10, size),
         TT.AugMix(all_ops=False)._augmentation_space(10, size)),
    ]


@pytest.mark.parametrize("index", range(6))
def test_augmentation_spaces(index):
    f_space, t_space = _spaces()[index]
    assert list(f_space) == list(t_space)  # same ops in the same order: draws index into it
    for name, (t_mag, t_signed) in t_space.items():
        f_mag, f_signed = f_space[name]
        assert f_signed == t_signed, name
        assert str(f_mag.dtype) == str(t_mag.dtype) and tuple(f_mag.shape) == tuple(t_mag.shape), name
        # NOTE: flambeau.linspace may differ from torch's float32 linspace in the last ulp
        np.testing.assert_allclose(f_mag.numpy(), t_mag.numpy(), rtol=1e-6, err_msg=name)


OPS = [
    ("Identity", 0.0),
    ("ShearX", 0.25),
    ("ShearY", -0.2),
    ("TranslateX", 3.7),
    ("TranslateY", -2.0),
    ("Rotate", 20.0),
    ("Brightness", 0.5),
    ("Color", -0.4),
    ("Contrast", 0.6),
    ("Sharpness", 0.7),
    ("Posterize", 3.0),
    ("Solarize", 120.0),
    ("AutoContrast", 0.0),
    ("Equalize", 0.0),
    ("Invert", 0.0),
]


@pytest.mark.parametrize("interp", ["NEAREST", "BILINEAR"])
@pytest.mark.parametrize("op,magnitude", OPS, ids=[o for o, _ in OPS])
def test_apply_op(op, magnitude, interp):
    t_img, f_img = pair(uint8_array(3, 10, 11))
    t_out = TA._apply_op(t_img, op, magnitude, TI[interp], [10.0, 20.0, 30.0])
    # NOTE: torch's float32 sampling grid (a BLAS matmul) rounds differently with and without AVX-512 (FMA),
    # so a nearest sample whose coordinate is exactly .5 (ShearY -0.2 has 20 such pixels here) may take either
    # neighbour: at most 1% of the values (one pixel of these 110) may differ
    picks = 0.01 if interp == "NEAREST" and op in ("ShearX", "ShearY", "Rotate") else 0.0
    assert_same_image(t_out, FA._apply_op(f_img, op, magnitude, FI[interp], [10.0, 20.0, 30.0]), atol=1,
                      picks=picks)
    img = pil_rgb()
    assert_same_image(TA._apply_op(img, op, magnitude, TI[interp], None),
                      FA._apply_op(img, op, magnitude, FI[interp], None))


def test_apply_op_unknown():
    _, f_img = pair(uint8_array(3, 4, 4))
    assert_same_error(lambda: TA._apply_op(torch.zeros(3, 4, 4), "Blur", 0.0, TI.NEAREST, None),
                      lambda: FA._apply_op(f_img, "Blur", 0.0, FI.NEAREST, None))


REPRS = [
    lambda M: M.AutoAugment(),
    lambda M: M.AutoAugment(M.AutoAugmentPolicy.CIFAR10, fill=[1, 2, 3]),
    lambda M: M.RandAugment(),
    lambda M: M.RandAugment(3, 5, 11, M.InterpolationMode.BILINEAR, fill=4),
    lambda M: M.TrivialAugmentWide(),
    lambda M: M.TrivialAugmentWide(15, M.InterpolationMode.BILINEAR, [0, 0, 0]),
    lambda M: M.AugMix(),
    lambda M: M.AugMix(5, 2, 1, 0.5, False, M.InterpolationMode.NEAREST, 3),
]


@pytest.mark.parametrize("make", REPRS)
def test_repr(make):
    assert repr(make(FT)) == repr(make(TT))


def test_bad_arguments():
    for severity in (0, 11):
        assert_same_error(lambda: TT.AugMix(severity), lambda: FT.AugMix(severity))
    assert_same_error(lambda: TT.AutoAugment("imagenet"), lambda: FT.AutoAugment("imagenet"))


def _input(kind):
    return (pil_rgb(12, 13), pil_rgb(12, 13)) if kind == "pil" else pair(uint8_array(3, 12, 13))


def _t_magnitude(t_space, name, bin_index):
    magnitudes, _ = t_space[name]
    return float(magnitudes[bin_index].item()) if magnitudes.ndim > 0 else 0.0


@pytest.mark.parametrize("kind", ["tensor", "pil"])
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("seed", range(4))
def test_autoaugment_matches_torchvision_with_drawn_params(seed, policy, kind, monkeypatch):
    t_img, f_img = _input(kind)
    aa = FT.AutoAugment(FT.AutoAugmentPolicy[policy], fill=7)
    flambeau.manual_seed(seed)
    policy_id, probs, signs = FT.AutoAugment.get_params(len(aa.policies))
    assert probs.dtype == flambeau.float32 and signs.dtype == flambeau.int64
    flambeau.manual_seed(seed)
    out = aa(f_img)
    drawn = (policy_id, torch.tensor(probs.numpy()), torch.tensor(signs.numpy()))
    monkeypatch.setattr(TT.AutoAugment, "get_params", staticmethod(lambda n: drawn))
    expected = TT.AutoAugment(TT.AutoAugmentPolicy[policy], fill=7)(t_img)
    # one float32 ulp in a magnitude bin may move a blended pixel by one level
    assert_same_image(expected, out, atol=1)


@pytest.mark.parametrize("kind", ["tensor", "pil"])
@pytest.mark.parametrize("seed", range(6))
def test_rand_augment_replayed(seed, kind):
    t_img, f_img = _input(kind)
    ra = FT.RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31)
    flambeau.manual_seed(seed)
    out = ra(f_img)
    t_space = TT.RandAugment()._augmentation_space(31, (12, 13))
    names = list(t_space)
    flambeau.manual_seed(seed)  # replay: op index, then a sign for signed ops
    expected = t_img
    for _ in range(2):
        name = names[flambeau.randint(len(names), (1,)).item()]
        magnitude = _t_magnitude(t_space, name, 9)
        if t_space[name][1] and flambeau.randint(2, (1,)).item():
            magnitude = -magnitude
        expected = TA._apply_op(expected, name, magnitude, TI.NEAREST, None)
    assert_same_image(expected, out, atol=1)


@pytest.mark.parametrize("kind", ["tensor", "pil"])
@pytest.mark.parametrize("seed", range(8))
def test_trivial_augment_replayed(seed, kind):
    t_img, f_img = _input(kind)
    flambeau.manual_seed(seed)
    out = FT.TrivialAugmentWide()(f_img)
    t_space = TT.TrivialAugmentWide()._augmentation_space(31)
    names = list(t_space)
    flambeau.manual_seed(seed)  # replay: op index, magnitude bin, sign
    name = names[flambeau.randint(len(names), (1,)).item()]
    magnitudes, signed = t_space[name]
    magnitude = 0.0
    if magnitudes.ndim > 0:
        magnitude = _t_magnitude(t_space, name, flambeau.randint(len(magnitudes), (1,)).item())
    if signed and flambeau.randint(2, (1,)).item():
        magnitude = -magnitude
    assert_same_image(TA._apply_op(t_img, name, magnitude, TI.NEAREST, None), out, atol=1)


def test_augmix_single_chain_replayed():
    t_img, f_img = pair(uint8_array(3, 12, 13))
    augmix = FT.AugMix(severity=5, mixture_width=1, chain_depth=1)
    augmix._sample_dirichlet = lambda params: flambeau.tensor([[0.0, 1.0]]).expand(params.shape[0], -1) \
        if params.shape[-1] == 2 else flambeau.ones(params.shape)  # all weight on the one chain
    t_space = TT.AugMix()._augmentation_space(10, (12, 13))
    names = list(t_space)
    for seed in range(6):
        flambeau.manual_seed(seed)
        out = augmix(f_img)
        flambeau.manual_seed(seed)  # replay: op index, magnitude bin below severity, sign
        name = names[flambeau.randint(len(names), (1,)).item()]
        magnitudes, signed = t_space[name]
        magnitude = 0.0
        if magnitudes.ndim > 0:
            magnitude = _t_magnitude(t_space, name, flambeau.randint(5, (1,)).item())
        if signed and flambeau.randint(2, (1,)).item():
            magnitude = -magnitude
        expected = TA._apply_op(t_img[None], name, magnitude, TI.BILINEAR, None)[0]
        assert_same_image(expected, out, atol=1)


def test_augmix_original_weight_and_pil():
    _, f_img = pair(uint8_array(2, 3, 8, 9))
    augmix = FT.AugMix()
    augmix._sample_dirichlet = lambda params: flambeau.tensor([1.0, 0.0]).expand(params.shape[0], -1) \
        if params.shape[-1] == 2 else flambeau.ones(params.shape) / params.shape[-1]
    assert flambeau.equal(augmix(f_img), f_img)  # Beta weight 1 on the original: unchanged
    img = pil_rgb(8, 9)
    out = FT.AugMix()(img)
    assert out.mode == img.mode and out.size == img.size


def test_augmix_mixing_weights_distribution():
    from flambeau.vision.transforms._dirichlet import _sample_dirichlet

    flambeau.manual_seed(0)
    w = _sample_dirichlet(flambeau.tensor([0.5, 1.0, 3.0]).expand(4000, -1)).numpy()
    np.testing.assert_allclose(w.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(w.mean(0), [0.5 / 4.5, 1.0 / 4.5, 3.0 / 4.5], atol=0.015)  # alpha / sum(alpha)
    # var of a Dirichlet component: a_i (a0 - a_i) / (a0^2 (a0 + 1)), a0 = 4.5
    np.testing.assert_allclose(w.var(0), [0.5 * 4 / (4.5**2 * 5.5), 3.5 / (4.5**2 * 5.5), 4.5 / (4.5**2 * 5.5)],
                               rtol=0.12)


@pytest.mark.parametrize("make", [lambda: FT.AutoAugment(), lambda: FT.RandAugment(), lambda: FT.TrivialAugmentWide(),
                                  lambda: FT.AugMix()])
def test_reproducible_under_seed(make):
    _, f_img = pair(uint8_array(3, 10, 10))
    transform = make()
    outs = []
    for _ in range(2):
        flambeau.manual_seed(42)
        outs.append([transform(f_img) for _ in range(5)])
    assert all(flambeau.equal(a, b) for a, b in zip(*outs))
