"""Gamma-family and extra math/scan functions against PyTorch: value tables, gradients, in-place forms, errors."""
import numpy as np
import pytest
import torch
from oracle import check, check_raises, gradcheck, randint, randn

import flambeau


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


def test_sinc():
    x = randn(7)
    x[2] = 0.0
    check(lambda t, x: t.sinc(x), x)
    check(lambda t, x: (t.sinc(x), x.clone().sinc_()), randn(4).astype(np.float32), grad=False)
    check(lambda t, x: t.sinc(x), randint(-3, 3, 5), grad=False)
    gradcheck(lambda t, x: t.sinc(x), randn(4))


def test_signbit_isreal_nextafter():
    check(lambda t, x: (t.signbit(x), t.isreal(x)), np.array([-0.0, 0.0, -1.5, np.inf, -np.inf, np.nan, 2.0]),
          grad=False)
    check(lambda t, x: (t.signbit(x), t.isreal(x)), randint(-3, 3, 5), grad=False)
    check(lambda t, x, y: (t.nextafter(x, y), x.clone().nextafter_(y)), randn(5), randn(5), grad=False, rtol=0, atol=0)
    check(lambda t, x, y: t.nextafter(x, y), randn(5).astype(np.float32), randn(3, 1).astype(np.float32), grad=False,
          rtol=0, atol=0)


def test_gcd_lcm():
    a, b = randint(-20, 20, 6), randint(-20, 20, 3, 1)
    check(lambda t, x, y: (t.gcd(x, y), t.lcm(x, y), x.clone().gcd_(x), x.clone().lcm_(x)), a, b[0], grad=False)
    check(lambda t, x, y: (t.gcd(x, y), t.lcm(x, y)), a.astype(np.int32), b, grad=False)
    check_raises(lambda t, x, y: t.gcd(x, y), randn(3), randn(3))


def test_frexp_ldexp():
    x = np.array([0.0, 1.0, -3.5, 1e-310, 1e300, 0.75, -0.0])
    check(lambda t, x: t.frexp(x), x, grad=False)
    check(lambda t, x: x.frexp(), x[:3].astype(np.float32), grad=False)
    check_raises(lambda t, x: t.frexp(x), randint(0, 4, 3))
    check(lambda t, x, e: (t.ldexp(x, e), x.clone().ldexp_(e)), randn(5), randint(-5, 5, 5))
    check(lambda t, x, e: t.ldexp(x, e), randn(5).astype(np.float32), randint(-5, 5, 5))
    check(lambda t, x, e: t.ldexp(x, e), randint(-5, 5, 5), randint(-5, 5, 5), grad=False)
    r = flambeau.frexp(flambeau.tensor([8.0]))
    assert r.exponent.tolist() == [4] and r.mantissa.tolist() == [0.5]


def test_isin():
    a, b = randint(0, 10, 4, 3), randint(0, 10, 5)
    check(lambda t, x, y: (t.isin(x, y), t.isin(x, y, invert=True)), a, b, grad=False)
    check(lambda t, x: t.isin(x, 3), a, grad=False)
    check(lambda t, x, y: t.isin(x, y), a.astype(np.float32), b, grad=False)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_logcumsumexp(dim):
    check(lambda t, x: t.logcumsumexp(x, dim), randn(4, 5) * 30, atol=1e-9)
    check(lambda t, x: x.logcumsumexp(dim), randn(3, 4).astype(np.float32), atol=1e-5)
    gradcheck(lambda t, x: t.logcumsumexp(x, dim), randn(3, 4))


def test_logcumsumexp_edges():
    check(lambda t, x: t.logcumsumexp(x, 0), np.array([-np.inf, -np.inf, 0.0, np.inf, 1.0]), grad=False)
    check_raises(lambda t, x: t.logcumsumexp(x, 0), randint(0, 5, 4))
    check(lambda t, x: t.logcumsumexp(x, 0), randn(0), grad=False)
    check(lambda t, x: t.logcumsumexp(x, 0), np.array(1.5))


@pytest.mark.parametrize("p,dim,maxnorm", [(2, 0, 1.0), (1, 1, 0.5), (3, -1, 2.0), (2, 1, 100.0)])
def test_renorm(p, dim, maxnorm):
    check(lambda t, x: t.renorm(x, p, dim, maxnorm), randn(3, 4, 2))
    check(lambda t, x: x.clone().renorm_(p, dim, maxnorm), randn(3, 4, 2), grad=False)
    gradcheck(lambda t, x: t.renorm(x, p, dim, maxnorm), randn(2, 3))


@pytest.mark.parametrize("p", [2, 1, 3.5, 0, float("inf")])
def test_dist(p):
    check(lambda t, x, y: (t.dist(x, y, p), x.dist(y, p)), randn(3, 4), randn(4), grad=p != 0)


DIFF = [
    ("n1", lambda t, x: t.diff(x)),
    ("n2_dim0", lambda t, x: t.diff(x, n=2, dim=0)),
    ("prepend_append", lambda t, x: t.diff(x, dim=1, prepend=x[:, :2], append=x[:, :1] * 2)),
    ("n_too_big", lambda t, x: x.diff(n=7)),
]


@pytest.mark.parametrize("name,fn", DIFF, ids=[c[0] for c in DIFF])
def test_diff(name, fn):
    check(fn, randn(4, 5))
    check(fn, randint(-5, 5, 4, 5), grad=False)
    check(fn, randint(0, 2, 4, 5).astype(bool), grad=False)


TRAPEZOID = [
    ("dx", lambda t, y: t.trapezoid(y)),
    ("dx2_dim0", lambda t, y: t.trapezoid(y, dx=2.5, dim=0)),
    ("trapz_dx", lambda t, y: t.trapz(y, dx=0.5, dim=1)),
    ("x1d", lambda t, y: t.trapezoid(y, t.tensor([0.0, 0.5, 2.0, 2.5, 4.0], dtype=y.dtype))),
    ("x1d_dim0", lambda t, y: t.trapezoid(y, t.tensor([0.0, 1.0, 3.0], dtype=y.dtype), dim=0)),
    ("xfull", lambda t, y: t.trapezoid(y, y.detach().cumsum(1))),
    ("cumulative", lambda t, y: t.cumulative_trapezoid(y)),
    ("cumulative_x", lambda t, y: t.cumulative_trapezoid(y, t.tensor([0.0, 1.0, 3.0], dtype=y.dtype), dim=0)),
    ("cumulative_dx", lambda t, y: t.cumulative_trapezoid(y, dx=3.0, dim=0)),
]


@pytest.mark.parametrize("name,fn", TRAPEZOID, ids=[c[0] for c in TRAPEZOID])
def test_trapezoid(name, fn):
    check(fn, randn(3, 5))
    check(fn, randn(3, 5).astype(np.float32), atol=1e-5)


def test_trapezoid_int_and_empty():
    check(lambda t, y: (t.trapezoid(y), t.cumulative_trapezoid(y)), randint(0, 5, 3, 4), grad=False)
    check(lambda t, y: (t.trapezoid(y), t.cumulative_trapezoid(y)), randn(3, 1), grad=False)
    check(lambda t, y: (t.trapezoid(y), t.cumulative_trapezoid(y)), randn(3, 0), grad=False)


def test_i0():
    x = np.concatenate([randn(20, low=-40.0, high=40.0), randn(10, low=-3.0, high=3.0), [0.0, 29.99, 30.01, 700.0]])
    check(lambda t, x: t.i0(x), x, atol=0, rtol=1e-13)
    check(lambda t, x: (t.i0(x), x.i0()), randn(6).astype(np.float32), atol=1e-5)
    check(lambda t, x: t.i0(x), randint(-5, 5, 5), grad=False)
    check_raises(lambda t, x: t.i0_(x), randint(-5, 5, 5))
    check(lambda t, x: t.i0_(x.clone()), randn(5), grad=False)
    check(lambda t, x: t.i0(x), np.array([710.0, 1e4, np.inf, -np.inf, np.nan]), grad=False)
    check(lambda t, x: t.i0(x), np.array([0.0, 1.5, -35.0]))  # gradient I1, exactly 0 at 0
    gradcheck(lambda t, x: t.i0(x), np.array([0.0, 0.7, -2.0, 31.0]))
