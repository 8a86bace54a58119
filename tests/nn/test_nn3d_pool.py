"""3-D pooling against PyTorch: max/avg/adaptive/LP pooling and max unpooling over (N, C, D, H, W) and unbatched
(C, D, H, W) inputs (values, indices, input gradients), gradcheck/gradgradcheck in float64, the layers and errors."""
import itertools

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

F32 = np.float32

# (kernel, stride, padding, dilation, ceil_mode): tiny volumes, mixed per-dim values
WINDOWS = list(itertools.product([2, (3, 2, 2)], [None, (1, 2, 1)], [0, 1], [1, (2, 1, 1)], [False, True]))


@pytest.mark.parametrize("k,s,p,d,ceil", WINDOWS)
def test_max_pool3d(k, s, p, d, ceil):
    x = randn(2, 2, 5, 6, 5, dtype=F32)
    check(lambda t, x: t.nn.functional.max_pool3d(x, k, s, p, d, ceil, True), x)
    check(lambda t, x: t.nn.functional.max_pool3d(x, k, s, p, d, ceil), x[0])  # unbatched


@pytest.mark.parametrize("k,s,p,ceil,include", [(k, s, p, c, d == 1) for k, s, p, d, c in WINDOWS])
def test_avg_pool3d(k, s, p, ceil, include):
    x = randn(2, 2, 5, 6, 5, dtype=F32)
    check(lambda t, x: t.nn.functional.avg_pool3d(x, k, s, p, ceil, include), x)
    check(lambda t, x: t.nn.functional.avg_pool3d(x, k, s, p, ceil, include, divisor_override=5), x[0])


def test_pool3d_ties_nan_and_integers():
    x = np.zeros((1, 2, 4, 4, 4), dtype=F32)
    x[0, 1, 1, 2, 0] = np.nan
    x[0, 1, 3, 3, 3] = -np.inf
    check(lambda t, x: t.nn.functional.max_pool3d(x, 2, 2, 1, return_indices=True), x)
    ints = np.random.default_rng(1).integers(-5, 5, (2, 2, 4, 5, 4))
    check(lambda t, x: t.nn.functional.max_pool3d(x, 2, 2, 1, return_indices=True), ints)
    check(lambda t, x: t.nn.functional.avg_pool3d(x, 3, 2, 1), ints)


@pytest.mark.parametrize("size", [1, 2, (3, 4, 2), (None, 2, 5), 6, (2, 0, 1)])
def test_adaptive3d(size):
    x = randn(2, 2, 5, 6, 4, dtype=F32)
    grad = 0 not in (size if isinstance(size, tuple) else (size,))  # PyTorch's backward refuses empty outputs
    check(lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, size), x, grad=grad)
    check(lambda t, x: t.nn.functional.adaptive_max_pool3d(x, size, True), x, grad=grad)
    check(lambda t, x: t.nn.functional.adaptive_max_pool3d(x, size), x[0], grad=grad)


@pytest.mark.parametrize("shape,k,s,p,os", [((4, 6, 4), 2, None, 0, None), ((5, 7, 5), 3, 2, 1, None),
                                            ((5, 7, 5), 2, 2, 0, (1, 2, 5, 7, 5)), ((5, 7, 5), 3, 2, 1, (5, 6, 6))])
def test_max_unpool3d(shape, k, s, p, os):
    def fn(t, x):
        out, idx = t.nn.functional.max_pool3d(x, k, s, p, return_indices=True)
        return t.nn.functional.max_unpool3d(out, idx, k, s, p, os)
    check(fn, randn(1, 2, *shape))


@pytest.mark.parametrize("norm", [1, 2, 3.5, float("inf")])
def test_lp_pool3d(norm):
    x = randn(2, 2, 4, 5, 4, low=0.1, high=2.0)
    check(lambda t, x: t.nn.functional.lp_pool3d(x, norm, 2), x)
    check(lambda t, x: t.nn.functional.lp_pool3d(x, norm, (2, 3, 2), (1, 2, 2), True), x[0])


def test_noncontiguous_and_empty_batch():
    x = randn(2, 2, 4, 5, 5)
    check(lambda t, x: t.nn.functional.max_pool3d(x, 2, 1, return_indices=True), x, noncontig=True)
    check(lambda t, x: t.nn.functional.avg_pool3d(x, 2, 1, 1), x, noncontig=True)
    check(lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, (3, 2, 4)), x, noncontig=True)
    empty = np.zeros((0, 2, 4, 4, 4))
    check(lambda t, x: t.nn.functional.max_pool3d(x, 2, return_indices=True), empty)
    check(lambda t, x: t.nn.functional.avg_pool3d(x, 2), empty)


@pytest.mark.parametrize("fn", [
    lambda t, x: t.nn.functional.max_pool3d(x, 2, 1, 1, (1, 2, 1)),
    lambda t, x: t.nn.functional.avg_pool3d(x, (2, 3, 2), 2, 1, True, False),
    lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, (2, 3, 2)),
    lambda t, x: t.nn.functional.adaptive_max_pool3d(x, 2),
    lambda t, x: t.nn.functional.lp_pool3d(x, 2, 2, 1),
])
def test_gradcheck3d(fn):
    # distinct values so that no window's maximum is tied (finite differences would straddle the tie)
    x = np.random.default_rng(3).permutation(60).reshape(1, 1, 3, 5, 4) / 10.0 + 0.5
    gradcheck(fn, x)


@pytest.mark.parametrize("fn,shape", [
    (lambda t, x: t.nn.functional.max_pool3d(x, (2, 2)), (1, 1, 4, 4, 4)),
    (lambda t, x: t.nn.functional.avg_pool3d(x, (2, 2)), (1, 1, 4, 4, 4)),
    (lambda t, x: t.nn.functional.max_pool3d(x, 2), (4, 4)),
    (lambda t, x: t.nn.functional.avg_pool3d(x, 2), (1, 4, 4)),
    (lambda t, x: t.nn.functional.max_pool3d(x, 2, padding=2), (1, 1, 4, 4, 4)),
    (lambda t, x: t.nn.functional.max_pool3d(x, 7), (1, 1, 4, 4, 4)),
    (lambda t, x: t.nn.functional.avg_pool3d(x, 2, divisor_override=0), (1, 1, 4, 4, 4)),
    (lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, 2), (4, 4)),
    (lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (2, 2)), (1, 1, 4, 4, 4)),
    (lambda t, x: t.nn.functional.max_unpool3d(x, -t.ones(x.shape, dtype=t.int64), 2), (1, 1, 2, 2, 2)),
    (lambda t, x: t.nn.functional.lp_pool3d(x, 0, 2), (1, 1, 4, 4, 4)),
])
def test_errors3d(fn, shape):
    check_raises(fn, randn(*shape))


def test_adaptive3d_integer_input_raises():
    check_raises(lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, 2), np.ones((1, 1, 4, 4, 4), dtype=np.int64))
    check_raises(lambda t, x: t.nn.functional.adaptive_max_pool3d(x, 2), np.ones((1, 1, 4, 4, 4), dtype=np.int64))


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("MaxPool3d", (2,), {}, (2, 2, 4, 5, 4)),
    ("MaxPool3d", ((2, 3, 2), 1, 1), {"dilation": (1, 1, 2), "ceil_mode": True, "return_indices": True},
     (2, 4, 5, 4)),
    ("AvgPool3d", (3, 2, 1), {"count_include_pad": False, "ceil_mode": True}, (2, 2, 5, 5, 4)),
    ("AvgPool3d", (2,), {"divisor_override": 3}, (2, 4, 4, 4)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, (2, 2, 5, 4, 5)),
    ("AdaptiveMaxPool3d", (2,), {"return_indices": True}, (2, 5, 4, 5)),
    ("LPPool3d", (2, 2), {}, (2, 2, 4, 4, 4)),
    ("LPPool3d", (1.5, (2, 1, 2), 1), {"ceil_mode": True}, (2, 3, 3, 3)),
])
def test_layers3d(name, args, kwargs, shape):
    t_mod, f_mod = getattr(torch.nn, name)(*args, **kwargs), getattr(flambeau.nn, name)(*args, **kwargs)
    assert repr(f_mod) == repr(t_mod)
    check_module(t_mod, f_mod, randn(*shape, low=0.1, high=2.0))


def test_max_unpool3d_layer():
    t_pool, f_pool = torch.nn.MaxPool3d(2, 2, return_indices=True), flambeau.nn.MaxPool3d(2, 2, return_indices=True)
    t_unpool, f_unpool = torch.nn.MaxUnpool3d(2, 2), flambeau.nn.MaxUnpool3d(2, 2)
    assert repr(f_unpool) == repr(t_unpool)

    def fn(t, x):
        pool, unpool = (t_pool, t_unpool) if t is torch else (f_pool, f_unpool)
        out, idx = pool(x)
        return unpool(out, idx, output_size=x.shape[-3:])
    check(fn, randn(2, 2, 5, 4, 5))
    check(fn, randn(2, 4, 4, 5))  # unbatched


def test_layer3d_input_errors():
    for layer in (flambeau.nn.MaxPool3d(2), flambeau.nn.AvgPool3d(2), flambeau.nn.AdaptiveAvgPool3d(2),
                  flambeau.nn.AdaptiveMaxPool3d(2), flambeau.nn.LPPool3d(2, 2)):
        with pytest.raises(RuntimeError):
            layer(flambeau.ones(2, 3, 4))
