"""Compose, Lambda, RandomApply, RandomOrder, RandomChoice against torchvision's."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision.transforms as TT

import flambeau
import flambeau.vision.transforms as FT
from tcolor_util import assert_same_error, assert_same_image, pair, pil_rgb, uint8_array


def _nn(T):
    return torch.nn if T is TT else flambeau.nn


CONSTRUCTORS = [
    lambda T: T.Compose([]),
    lambda T: T.Compose([T.Grayscale(3), T.RandomInvert(0.2), T.Lambda(abs)]),
    lambda T: T.Lambda(lambda x: x),
    lambda T: T.RandomApply([T.RandomInvert(), T.RandomEqualize()]),
    lambda T: T.RandomApply(_nn(T).ModuleList([T.RandomInvert()]), p=0.25),
    lambda T: T.RandomOrder([T.RandomInvert(), T.Grayscale()]),
    lambda T: T.RandomChoice([T.RandomInvert(), T.Grayscale()]),
    lambda T: T.RandomChoice((T.RandomInvert(), T.Grayscale()), p=[0.3, 0.7]),
    lambda T: T.Compose([T.RandomApply([T.ColorJitter(0.4)], p=0.8), T.RandomGrayscale(0.2)]),
]


@pytest.mark.parametrize("make", CONSTRUCTORS)
def test_repr(make):
    assert repr(make(FT)) == repr(make(TT))


BAD = [
    lambda T: T.Lambda(3),
    lambda T: T.RandomOrder(T.RandomInvert()),
    lambda T: T.RandomChoice({T.RandomInvert()}),
    lambda T: T.RandomChoice([T.RandomInvert()], p=0.5),
    lambda T: T.RandomChoice([T.RandomInvert(), T.Grayscale()], p=[1.0])(pil_rgb()),
    lambda T: T.RandomChoice([T.RandomInvert(), T.Grayscale()], p=[0.0, 0.0])(pil_rgb()),
    lambda T: T.RandomChoice([])(pil_rgb()),
    lambda T: T.transforms.RandomTransforms([T.RandomInvert()])(pil_rgb()),
]


@pytest.mark.parametrize("make", BAD)
def test_bad_arguments(make):
    assert_same_error(lambda: make(TT), lambda: make(FT))


@pytest.mark.parametrize("kind", ["tensor", "pil"])
def test_compose_applies_in_order(kind):
    t_img, f_img = (pil_rgb(), pil_rgb()) if kind == "pil" else pair(uint8_array(3, 6, 7))

    def pipeline(T):
        return T.Compose([T.RandomPosterize(3, p=1.0), T.Grayscale(3), T.RandomSolarize(60, p=1.0)])

    assert_same_image(pipeline(TT)(t_img), pipeline(FT)(f_img), atol=1)


def test_lambda_and_random_apply_with_module_list():
    t_img, f_img = pair(uint8_array(3, 4, 4))
    assert_same_image(TT.Lambda(lambda x: x * 2)(t_img), FT.Lambda(lambda x: x * 2)(f_img))
    chain = FT.RandomApply(flambeau.nn.ModuleList([FT.RandomInvert(1.0), FT.RandomPosterize(2, 1.0)]), p=1.0)
    expected = TT.RandomApply(torch.nn.ModuleList([TT.RandomInvert(1.0), TT.RandomPosterize(2, 1.0)]), p=1.0)
    assert_same_image(expected(t_img), chain(f_img))


def _recorder(log, name):
    return FT.Lambda(lambda img: log.append(name) or img)


@pytest.mark.parametrize("p", [0.0, 0.35, 1.0])
def test_random_apply_frequency_and_seed(p):
    log = []
    transform = FT.RandomApply([_recorder(log, "a"), _recorder(log, "b")], p=p)
    flambeau.manual_seed(3)
    for _ in range(400):
        transform(0)
    assert len(log) % 2 == 0 and log[::2] == ["a"] * (len(log) // 2)  # all or nothing, in order
    rate = len(log) / 800
    assert abs(rate - p) <= 4 * np.sqrt(p * (1 - p) / 400)
    first = list(log)
    log.clear()
    flambeau.manual_seed(3)
    for _ in range(400):
        transform(0)
    assert log == first


def test_random_order_permutations_and_seed():
    log = []
    transform = FT.RandomOrder([_recorder(log, n) for n in "abc"])

    def orders_from_seed_0():
        flambeau.manual_seed(0)
        orders = []
        for _ in range(120):
            log.clear()
            transform(0)
            orders.append("".join(log))
        return orders

    orders = orders_from_seed_0()
    assert all(sorted(o) == ["a", "b", "c"] for o in orders)
    assert len(set(orders)) == 6  # every order occurs
    assert orders_from_seed_0() == orders


@pytest.mark.parametrize("weights", [None, [1.0, 3.0, 0.0], (2, 1, 1)])
def test_random_choice_frequencies(weights):
    log = []
    transform = FT.RandomChoice([_recorder(log, n) for n in "abc"], p=weights)
    flambeau.manual_seed(1)
    for _ in range(600):
        transform(0)
    assert len(log) == 600  # exactly one transform per call
    w = np.ones(3) if weights is None else np.asarray(weights, dtype=float)
    expected = w / w.sum()
    counts = np.array([log.count(n) for n in "abc"]) / 600
    assert np.all(np.abs(counts - expected) <= 4 * np.sqrt(expected * (1 - expected) / 600) + 1e-12)


def test_transforms_are_modules_for_sequential():
    t_img, f_img = pair(uint8_array(3, 5, 5))

    def pipeline(T):
        return _nn(T).Sequential(T.RandomInvert(1.0), T.RandomPosterize(4, 1.0), T.Grayscale(3))

    assert repr(pipeline(FT)) == repr(pipeline(TT))
    assert_same_image(pipeline(TT)(t_img), pipeline(FT)(f_img), atol=1)
