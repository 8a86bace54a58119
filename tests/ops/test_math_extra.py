"""Gamma-family and extra math/scan functions against PyTorch: value tables, gradients, in-place forms, errors."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_raises, gradcheck, randint, randn


def wide(*shape):
    """Negative non-integers, small and large positives: every branch of the gamma functions."""
    return np.concatenate([randn(*shape, low=-8.0, high=8.0).ravel(), randn(*shape, low=0.01, high=40.0).ravel()])


def positive(*shape):
    return randn(*shape, low=0.3, high=6.0)


GAMMA = [
    ("lgamma", lambda t, x: t.lgamma(x)),
    ("digamma", lambda t, x: t.digamma(x)),
    ("polygamma1", lambda t, x: t.polygamma(1, x)),
    ("polygamma2", lambda t, x: t.polygamma(2, x)),
    ("polygamma3", lambda t, x: x.polygamma(3)),
    ("polygamma6", lambda t, x: t.special.polygamma(6, x) if t is torch else t.polygamma(6, x)),
]


@pytest.mark.parametrize("name,fn", GAMMA, ids=[c[0] for c in GAMMA])
def test_gamma_family_values_and_grad(name, fn):
    check(fn, wide(50), atol=1e-10, rtol=1e-10, grad_atol=1e-8)
    check(fn, positive(5).astype(np.float32), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name,fn", GAMMA[:3], ids=[c[0] for c in GAMMA[:3]])
def test_gamma_family_gradgrad(name, fn):
    gradcheck(fn, positive(4))


EDGES = np.array([0.0, -0.0, -1.0, -2.0, 1.0, 2.0, 0.5, -0.5, np.inf, -np.inf, np.nan, 1e-300, 1e300, 3e305])


@pytest.mark.parametrize("fn", [lambda t, x: t.lgamma(x), lambda t, x: t.digamma(x),
                                lambda t, x: t.polygamma(2, x), lambda t, x: t.polygamma(3, x)])
def test_gamma_family_edges(fn):
    check(fn, EDGES, grad=False, rtol=1e-10)


def test_gamma_family_int_input_and_inplace():
    check(lambda t, x: (t.lgamma(x), t.digamma(x), t.polygamma(1, x)), randint(1, 10, 6), grad=False)
    check(lambda t, x: (x.clone().lgamma_(), x.clone().digamma_(), x.clone().polygamma_(2), x.clone().mvlgamma_(3)),
          positive(5) + 1.5)


def test_mvlgamma():
    check(lambda t, x: t.mvlgamma(x, 3), positive(4, 3) + 1.5, atol=1e-10)
    check(lambda t, x: x.mvlgamma(1), positive(4), atol=1e-10)
    gradcheck(lambda t, x: t.mvlgamma(x, 2), positive(3) + 1.0)
    check(lambda t, x: t.mvlgamma(x, 3), np.array([0.5, 2.0, 1.0, -1.5]), grad=False)
    check_raises(lambda t, x: t.mvlgamma(x, 0), positive(3))


def test_polygamma_negative_n():
    check_raises(lambda t, x: t.polygamma(-1, x), positive(3))
