"""Pooling against PyTorch: max/avg/adaptive/LP pooling and max unpooling (functional forms over the argument
combinations, indices, gradients, double backward, errors), the layers and their reprs."""
import itertools

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

F32 = np.float32

WINDOWS = list(itertools.product([2, 3], [None, 1, 2], [0, 1], [1, 2], [False, True]))


@pytest.mark.parametrize("k,s,p,d,ceil", WINDOWS)
def test_max_pool(k, s, p, d, ceil):
    x = randn(2, 3, 7, 6, dtype=F32)
    check(lambda t, x: t.nn.functional.max_pool2d(x, k, s, p, d, ceil, True), x)
    check(lambda t, x: t.nn.functional.max_pool1d(x, k, s, p, d, ceil, True), x[0])
    check(lambda t, x: t.nn.functional.max_pool2d(x, (k, 2), s, (p, 1), (1, d), ceil), x[0])  # unbatched


@pytest.mark.parametrize("k,s,p,ceil,include", [(k, s, p, c, d == 1) for k, s, p, d, c in WINDOWS])
def test_avg_pool(k, s, p, ceil, include):
    x = randn(2, 3, 7, 6, dtype=F32)
    check(lambda t, x: t.nn.functional.avg_pool2d(x, k, s, p, ceil, include), x)
    check(lambda t, x: t.nn.functional.avg_pool1d(x, k, s, p, ceil, include), x[0])
    check(lambda t, x: t.nn.functional.avg_pool2d(x, (k, 2), s, (p, 1), ceil, include, divisor_override=3), x[0])


def test_max_pool_ties_nan_and_integers():
    x = np.zeros((1, 2, 4, 4), dtype=F32)
    x[0, 1, 1, 2] = np.nan
    x[0, 1, 3, 3] = -np.inf
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2, 2, 1, return_indices=True), x)  # ties: the first maximum
    check(lambda t, x: t.nn.functional.max_pool2d(x, 3, 1, 1, return_indices=True), np.full((1, 1, 3, 3), -np.inf))
    ints = np.random.default_rng(1).integers(-5, 5, (2, 3, 5, 5))
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2, 2, 1, return_indices=True), ints)
    check(lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1), ints)


@pytest.mark.parametrize("size", [1, 2, 3, (4, 5), (None, 4), 7, (2, 0)])
def test_adaptive(size):
    x = randn(2, 3, 7, 6, dtype=F32)
    grad = size != (2, 0)  # PyTorch's backward refuses an empty output (checked without gradients)
    check(lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, size), x, grad=grad)
    check(lambda t, x: t.nn.functional.adaptive_max_pool2d(x, size, True), x, grad=grad)
    check(lambda t, x: t.nn.functional.adaptive_max_pool2d(x, size), x[0], grad=grad)
    one = size[1] if isinstance(size, tuple) else size
    check(lambda t, x: t.nn.functional.adaptive_avg_pool1d(x, one), x[0], grad=grad)
    check(lambda t, x: t.nn.functional.adaptive_max_pool1d(x, one, True), x[0], grad=grad)


@pytest.mark.parametrize("n,k,s,p,os", [(6, 2, None, 0, None), (7, 3, 2, 1, None), (7, 2, 2, 0, (1, 1, 7, 7)),
                                        (7, 3, 2, 1, (8, 7))])
def test_max_unpool(n, k, s, p, os):
    def fn(t, x):
        out, idx = t.nn.functional.max_pool2d(x, k, s, p, return_indices=True)
        return t.nn.functional.max_unpool2d(out, idx, k, s, p, os)
    check(fn, randn(1, 2, n, n, dtype=F32))
    check(lambda t, x: t.nn.functional.max_unpool1d(*t.nn.functional.max_pool1d(x, k, s, p, return_indices=True),
                                                    k, s, p), randn(2, n, dtype=F32))


@pytest.mark.parametrize("norm", [1, 2, 3.5, float("inf"), -float("inf")])
def test_lp_pool(norm):
    x = randn(2, 3, 7, 6, dtype=F32, low=0.1, high=2)  # powers of negative numbers are NaN in both
    check(lambda t, x: t.nn.functional.lp_pool2d(x, norm, 3, 2, True), x, atol=1e-5)
    check(lambda t, x: t.nn.functional.lp_pool2d(x, norm, (2, 3)), x, atol=1e-5)
    check(lambda t, x: t.nn.functional.lp_pool1d(x, norm, 2), x[0], atol=1e-5)


def test_noncontiguous_and_empty_batch():
    x = randn(2, 3, 6, 7, dtype=F32)
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2), x, noncontig=True)
    check(lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1), x, noncontig=True)
    check(lambda t, x: t.nn.functional.max_pool2d(x, 2), randn(0, 3, 4, 4, dtype=F32), grad=False)


@pytest.mark.parametrize("fn", [
    lambda t, x: t.nn.functional.max_pool2d(x, 3, 2, 1),
    lambda t, x: t.nn.functional.max_pool2d(x, 2, 1, 1, 2, True),
    lambda t, x: t.nn.functional.avg_pool2d(x, 3, 2, 1, True, False),
    lambda t, x: t.nn.functional.avg_pool1d(x[0], 2, 1, 1),
    lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, (3, 2)),
    lambda t, x: t.nn.functional.adaptive_max_pool2d(x, 3),
    lambda t, x: t.nn.functional.lp_pool2d(x.abs() + 0.5, 2, 2),
    lambda t, x: t.nn.functional.max_unpool2d(*t.nn.functional.max_pool2d(x[..., 1:, 1:], 2, return_indices=True), 2),
])
def test_gradcheck(fn):
    gradcheck(fn, randn(1, 2, 5, 5))


@pytest.mark.parametrize("fn,shape", [
    (lambda t, x: t.nn.functional.max_pool2d(x, 3, padding=2), (1, 1, 5, 5)),      # pad > kernel / 2
    (lambda t, x: t.nn.functional.max_pool2d(x, 3, padding=2, dilation=2), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.avg_pool2d(x, 3, padding=2), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.max_pool2d(x, 3, padding=-1), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.max_pool2d(x, 2, 0), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.max_pool2d(x, 3), (1, 1, 2, 2)),                 # output too small
    (lambda t, x: t.nn.functional.avg_pool2d(x, 3), (1, 1, 2, 2)),
    (lambda t, x: t.nn.functional.max_pool2d(x, 2), (4, 5)),
    (lambda t, x: t.nn.functional.max_pool1d(x, 2), (1, 4, 5, 5)),
    (lambda t, x: t.nn.functional.avg_pool2d(x, 2, divisor_override=0), (1, 1, 4, 4)),
    (lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, 2), (1, 2, 3, 4, 5)),
    (lambda t, x: t.nn.functional.adaptive_max_pool2d(x, 2), (1, 2, 3, 4, 5)),
    (lambda t, x: t.nn.functional.adaptive_avg_pool1d(x, 2), (1, 2, 3, 4)),
    (lambda t, x: t.nn.functional.adaptive_avg_pool2d(x.long(), 2), (1, 2, 3, 4)),
    (lambda t, x: t.nn.functional.lp_pool2d(x, 0, 2), (1, 1, 4, 4)),
    (lambda t, x: t.nn.functional.max_unpool2d(x, t.tensor([[[[0, 1], [2, 30]]]]), 2), (1, 1, 2, 2)),
    (lambda t, x: t.nn.functional.max_unpool2d(x, t.tensor([[[[0, 1], [2, 3]]]]), 2, output_size=(7, 7)),
     (1, 1, 2, 2)),
])
def test_errors(fn, shape):
    check_raises(fn, randn(*shape, dtype=F32))


LAYERS = [
    ("MaxPool1d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 9)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, dilation=(1, 2)), (2, 3, 9, 8)),
    ("MaxPool2d", ((2, 3),), dict(return_indices=True), (3, 9, 8)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, divisor_override=2), (2, 3, 9, 8)),
    ("AvgPool2d", (2,), {}, (3, 9, 8)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((4, None),), {}, (2, 3, 9, 8)),
    ("AdaptiveMaxPool1d", (4,), dict(return_indices=True), (2, 3, 9)),
    ("AdaptiveMaxPool2d", (3,), {}, (3, 9, 8)),
    ("LPPool1d", (2, 3), dict(stride=2), (2, 3, 9)),
    ("LPPool2d", (1.5, 2), dict(ceil_mode=True), (2, 3, 9, 8)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS)
def test_layers(name, args, kwargs, shape):
    t_mod = getattr(torch.nn, name)(*args, **kwargs)
    f_mod = getattr(flambeau.nn, name)(*args, **kwargs)
    assert repr(f_mod) == repr(t_mod)
    x = randn(*shape, dtype=F32, low=0.1, high=2) if name.startswith("LP") else randn(*shape, dtype=F32)
    for train in (True, False):
        check_module(t_mod, f_mod, x, train=train)


def test_max_unpool_layer():
    t_pool, f_pool = torch.nn.MaxPool2d(2, return_indices=True), flambeau.nn.MaxPool2d(2, return_indices=True)
    t_unpool, f_unpool = torch.nn.MaxUnpool2d(2), flambeau.nn.MaxUnpool2d(2)
    assert repr(f_unpool) == repr(t_unpool)
    assert repr(flambeau.nn.MaxUnpool1d(3, 2, 1)) == repr(torch.nn.MaxUnpool1d(3, 2, 1))
    check(lambda t, x: (t_unpool if t is torch else f_unpool)(*(t_pool if t is torch else f_pool)(x),
                                                              output_size=(2, 3, 9, 9)), randn(2, 3, 9, 9, dtype=F32))


def test_layer_input_errors():
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"MaxPool2d\(kernel_size=2.*expected 3D \(unbatched\) or "
                                                           r"4D \(batched\) input, got shape \(4, 5\)"):
        flambeau.nn.MaxPool2d(2)(flambeau.randn(4, 5))
    model = flambeau.nn.Sequential(flambeau.nn.Identity(), flambeau.nn.AdaptiveAvgPool1d(2))
    with pytest.raises(RuntimeError, match=r"^1 \(AdaptiveAvgPool1d\(output_size=2\)\) expected 2D"):
        model(flambeau.randn(1, 2, 3, 4))
