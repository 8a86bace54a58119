"""Random sampling: PyTorch's shapes, dtypes, ranges, errors; distributions checked by their moments
(values cannot equal PyTorch's: the bit generators differ); seeding and generator independence."""
import pickle

import numpy as np
import pytest
import torch

import flambeau
from oracle import check_raises

N = 20000


def _np(x):
    return np.asarray(x.float()._data if x.dtype.name in ("bfloat16", "float16") else x._data, dtype=np.float64)


def same_meta(fn):
    """Shape and dtype agree with torch."""
    t, f = fn(torch), fn(flambeau)
    assert tuple(t.shape) == tuple(f.shape) and str(t.dtype) == repr(f.dtype)
    return f


SHAPES = [(), (0,), (3,), (2, 3, 4)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_shapes_and_dtypes(shape):
    varargs = shape or ((),)  # rand(*()) is a TypeError in PyTorch
    same_meta(lambda t: t.rand(shape))
    same_meta(lambda t: t.rand(*varargs, dtype=t.float64))
    same_meta(lambda t: t.randn(shape, dtype=t.float16))
    same_meta(lambda t: t.randn(*varargs, dtype=t.bfloat16))
    same_meta(lambda t: t.randint(5, shape))
    same_meta(lambda t: t.randint(-3, 5, shape, dtype=t.int16))
    same_meta(lambda t: t.randint(0, 2, shape, dtype=t.float32))
    same_meta(lambda t: t.randint(low=-3, high=5, size=shape))
    same_meta(lambda t: t.randint(high=5, size=shape))
    same_meta(lambda t: t.rand_like(t.ones(shape, dtype=t.float64)))
    same_meta(lambda t: t.randn_like(t.ones(shape)))
    same_meta(lambda t: t.randint_like(t.ones(shape, dtype=t.int32), 7))
    same_meta(lambda t: t.randint_like(t.ones(shape), 2, 7))
    same_meta(lambda t: t.normal(2.0, 3.0, shape))
    same_meta(lambda t: t.normal(t.zeros(shape, dtype=t.float64), 1.0))
    same_meta(lambda t: t.bernoulli(t.full(shape, 0.5)))
    assert flambeau.rand(shape, requires_grad=True).requires_grad


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_uniform_and_normal_moments(dtype):
    u = _np(flambeau.rand(N, dtype=getattr(flambeau, dtype)))
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.005
    z = _np(flambeau.randn(N, dtype=getattr(flambeau, dtype)))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03


def test_randint_range_and_uniformity():
    x = _np(flambeau.randint(-3, 4, (N,)))
    assert set(np.unique(x)) == set(range(-3, 4))
    counts = np.bincount((x + 3).astype(int))
    assert np.all(np.abs(counts / N - 1 / 7) < 0.02)
    assert _np(flambeau.randint(3, (100,))).max() < 3


def test_randperm():
    same_meta(lambda t: t.randperm(10))
    same_meta(lambda t: t.randperm(5, dtype=t.float32))
    same_meta(lambda t: t.randperm(0))
    assert sorted(flambeau.randperm(50).tolist()) == list(range(50))


def test_normal_forms():
    mean, std = flambeau.tensor([0.0, 10.0, -5.0]), flambeau.tensor([1.0, 0.5, 2.0])
    x = flambeau.normal(mean.expand(N, 3), std)
    np.testing.assert_allclose(_np(x).mean(0), [0, 10, -5], atol=0.05)
    np.testing.assert_allclose(_np(x).std(0), [1, 0.5, 2], atol=0.05)
    y = flambeau.normal(3.0, std.expand(N, 3))
    np.testing.assert_allclose(_np(y).mean(0), [3, 3, 3], atol=0.05)
    z = flambeau.normal(-1.0, 2.0, (N,))
    assert abs(_np(z).mean() + 1) < 0.05 and abs(_np(z).std() - 2) < 0.05
    same_meta(lambda t: t.normal(t.zeros(2, 1), t.ones(3)))


def test_bernoulli_and_multinomial():
    p = flambeau.tensor([0.0, 0.2, 0.9, 1.0]).expand(N, 4)
    b = _np(flambeau.bernoulli(p))
    assert set(np.unique(b)) <= {0.0, 1.0}
    np.testing.assert_allclose(b.mean(0), [0, 0.2, 0.9, 1], atol=0.02)
    assert abs(_np(flambeau.bernoulli(flambeau.zeros(N), p=0.3)).mean() - 0.3) < 0.02
    same_meta(lambda t: t.bernoulli(t.ones(3, dtype=t.float64) / 2))
    same_meta(lambda t: t.ones(2, 2).bernoulli())
    probs = flambeau.tensor([1.0, 2.0, 0.0, 7.0])
    draws = _np(flambeau.multinomial(probs, N, replacement=True))
    np.testing.assert_allclose(np.bincount(draws.astype(int), minlength=4) / N, [0.1, 0.2, 0, 0.7], atol=0.02)
    rows = flambeau.multinomial(flambeau.tensor([[1.0, 1, 1, 1, 1]] * 2), 5)
    assert all(sorted(r) == [0, 1, 2, 3, 4] for r in rows.tolist())
    first = _np(flambeau.multinomial(probs.expand(4000, 4), 1)).ravel()
    np.testing.assert_allclose(np.bincount(first.astype(int), minlength=4) / 4000, [0.1, 0.2, 0, 0.7], atol=0.03)
    same_meta(lambda t: t.multinomial(t.ones(3, 4), 2))
    same_meta(lambda t: t.ones(4).multinomial(4))
    for lib in (torch, flambeau):  # zero-probability categories are drawn last, in order
        assert lib.multinomial(lib.tensor([0.0, 1.0, 0.0]), 3).tolist() == [1, 0, 2]


ERRORS = [
    lambda t: t.rand(2, dtype=t.int64), lambda t: t.randn(2, dtype=t.int32), lambda t: t.randint(5, 5, (2,)),
    lambda t: t.randint(5, 3), lambda t: t.rand(-1), lambda t: t.randperm(-1),
    lambda t: t.multinomial(t.tensor([1.0, 1]), 3), lambda t: t.multinomial(t.tensor([1.0, -1]), 1),
    lambda t: t.multinomial(t.tensor([0.0, 0]), 1),
    lambda t: t.bernoulli(t.tensor([1.5])), lambda t: t.bernoulli(t.tensor([1, 0])),
    lambda t: t.normal(0.0, -1.0, (2,)), lambda t: t.normal(t.zeros(2), -1.0),
    lambda t: t.empty(3).uniform_(2, 1), lambda t: t.empty(3, dtype=t.int64).uniform_(),
    lambda t: t.empty(3, dtype=t.int64).normal_(), lambda t: t.empty(2).random_(5, 3),
    lambda t: t.empty(2).geometric_(0), lambda t: t.empty(2).exponential_(-1.0), lambda t: t.manual_seed(2 ** 64),
    lambda t: t.rand(2, generator=3),
]


@pytest.mark.parametrize("fn", ERRORS, ids=range(len(ERRORS)))
def test_errors(fn):
    check_raises(fn)


def test_inplace_fills():
    x = flambeau.empty(N)
    u = _np(x.uniform_(-2, 3))
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.05
    n = _np(x.normal_(4, 0.5))
    assert abs(n.mean() - 4) < 0.02 and abs(n.std() - 0.5) < 0.02
    e = _np(x.exponential_(2.0))
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.02
    g = _np(x.geometric_(0.25))
    assert g.min() >= 1 and abs(g.mean() - 4) < 0.15 and np.all(g == np.round(g))
    ln = _np(x.log_normal_(0.0, 0.25))
    assert abs(np.log(ln).mean()) < 0.02 and abs(np.log(ln).std() - 0.25) < 0.02
    c = _np(x.cauchy_(1.0, 2.0))
    assert abs(np.median(c) - 1) < 0.1
    b = _np(x.bernoulli_(0.25))
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.25) < 0.02
    r = _np(x.random_(3, 9))
    assert set(np.unique(r)) == set(range(3, 9))
    assert set(np.unique(_np(x.random_(4)))) == set(range(4))
    assert _np(flambeau.empty(100, dtype=flambeau.uint8).random_()).max() <= 255
    assert set(np.unique(_np(flambeau.empty(100, dtype=flambeau.bool).random_()))) == {0, 1}
    assert x._version > 0


def test_inplace_fill_keeps_identity_and_dtype():
    for lib in (torch, flambeau):
        x = lib.zeros(2, 3, dtype=lib.float64)
        assert x.uniform_() is x and x.dtype == lib.float64
        y = lib.zeros(4, dtype=lib.int32)
        assert y.random_(0, 10).dtype == lib.int32


def test_inplace_fill_of_leaf_requiring_grad():
    check_raises(lambda t: t.ones(2, requires_grad=True).uniform_())
    for lib in (torch, flambeau):
        w = lib.ones(3, requires_grad=True)
        with lib.no_grad():
            w.normal_()
        assert w.requires_grad and w.is_leaf


def test_inplace_fill_of_nonleaf_gives_zero_gradient():
    for lib in (torch, flambeau):
        w = lib.ones(3, requires_grad=True)
        y = w * 2
        y.uniform_()
        y.sum().backward()
        assert w.grad.tolist() == [0.0, 0.0, 0.0]


def test_manual_seed_reproducibility():
    flambeau.manual_seed(123)
    a = (flambeau.rand(5), flambeau.randn(3), flambeau.randint(0, 100, (4,)), flambeau.randperm(6))
    flambeau.manual_seed(123)
    b = (flambeau.rand(5), flambeau.randn(3), flambeau.randint(0, 100, (4,)), flambeau.randperm(6))
    assert all(x.tolist() == y.tolist() for x, y in zip(a, b))
    assert flambeau.initial_seed() == 123
    assert isinstance(flambeau.manual_seed(1), flambeau.Generator)
    assert flambeau.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    flambeau.manual_seed(7)
    assert flambeau.rand(4).tolist() != b[0].tolist()


def test_generator_objects():
    g = flambeau.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    assert g.device == flambeau.device("cpu")
    assert g.manual_seed(5) is g
    g1, g2 = flambeau.Generator().manual_seed(5), flambeau.Generator().manual_seed(5)
    flambeau.manual_seed(0)
    x1 = flambeau.rand(4, generator=g1)
    flambeau.rand(100)  # the default generator advancing does not touch g2
    x2 = flambeau.rand(4, generator=g2)
    assert x1.tolist() == x2.tolist()
    assert flambeau.rand(4, generator=g1).tolist() != x1.tolist()
    s = g.seed()
    assert g.initial_seed() == s


def test_state_roundtrip():
    g = flambeau.Generator().manual_seed(42)
    flambeau.randn(7, generator=g)
    state = g.get_state()
    assert state.dtype == flambeau.uint8 and state.dim() == 1
    a = flambeau.randn(5, generator=g)
    g.set_state(state)
    assert flambeau.randn(5, generator=g).tolist() == a.tolist()
    saved = flambeau.get_rng_state()
    b = flambeau.rand(3)
    flambeau.set_rng_state(saved)
    assert flambeau.rand(3).tolist() == b.tolist()
    g2 = pickle.loads(pickle.dumps(g))
    assert flambeau.rand(3, generator=g2).tolist() == flambeau.rand(3, generator=g).tolist()
    check_raises(lambda t: t.Generator().set_state(t.zeros(3, dtype=t.uint8)))


def test_random_on_out():
    out = flambeau.empty(3)
    assert flambeau.rand(3, out=out) is out
    assert flambeau.randn(3, out=out) is out
