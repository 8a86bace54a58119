"""Reductions and scans against PyTorch: values, dtypes, shapes, gradients; gradcheck/gradgradcheck; errors."""
import math

import numpy as np
import pytest

from oracle import check, check_raises, gradcheck, randint, randn

F32 = np.float32
X = randn(3, 4)
X32 = randn(3, 4, dtype=F32)
X3 = randn(2, 3, 4)
S = randn()
E = np.zeros((0, 3))
TIES = np.array([[1., 3., 3.], [2., 2., 0.]])
NANS = np.array([[1., np.nan, 2.], [0., 4., 3.]])
ZEROS = np.array([[1.5, 0., 2., -1.], [0., 3., 0., 2.], [2., 1., 3., -0.5]])
I = randint(-5, 5, 3, 4)
B = I > 0
U8 = randint(0, 3, 3, 4, dtype=np.uint8)

FLOATS = [X, X32, X3, S]

# (id, fn, inputs): every fn runs on torch and flambeau; gradients of float inputs are compared
CASES = [
    ("sum_all", lambda t, x: t.sum(x), FLOATS + [I, B, E]),
    ("sum_dim_keep", lambda t, x: x.sum(-1, keepdim=True), FLOATS + [I, E]),
    ("sum_tuple", lambda t, x: t.sum(x, (0, -1)), [X, X3, I, E]),
    ("sum_dtype", lambda t, x: t.sum(x, 0, dtype=t.float64), [X32, I]),
    ("nansum", lambda t, x: t.nansum(x, 1), [NANS, X32, I]),
    ("mean_all", lambda t, x: t.mean(x), FLOATS + [E]),
    ("mean_tuple_keep", lambda t, x: x.mean((-1, 0), keepdim=True), [X, X3, X32]),
    ("mean_dtype", lambda t, x: t.mean(x, 1, dtype=t.float64), [I, X32]),
    ("nanmean", lambda t, x: t.nanmean(x, -1), [NANS, X32]),
    ("prod_all", lambda t, x: t.prod(x), FLOATS + [I, B, ZEROS, E]),
    ("prod_dim", lambda t, x: x.prod(1, keepdim=True), [X, X32, ZEROS, I]),
    ("prod_dtype", lambda t, x: t.prod(x, 0, dtype=t.float64), [X32, I]),
    ("max_all", lambda t, x: t.max(x), FLOATS + [I, B, TIES, NANS]),
    ("min_all", lambda t, x: x.min(), FLOATS + [I, TIES, NANS]),
    ("max_dim", lambda t, x: t.max(x, 1), [X, X32, X3, I, NANS, TIES]),
    ("max_dim_keep", lambda t, x: x.max(dim=-1, keepdim=True), [X, X3, np.zeros((2, 0, 3))]),
    ("min_dim", lambda t, x: t.min(x, 0), [X, X32, I, NANS, TIES]),
    ("max_0d", lambda t, x: t.max(x, 0), [S]),
    ("max_binary", lambda t, x: t.max(x, x[0] * 0.5), [X]),
    ("amax", lambda t, x: t.amax(x, (0, -1)), [X, X3, TIES, I]),
    ("amax_all", lambda t, x: t.amax(x), [TIES, S, B]),
    ("amin_keep", lambda t, x: x.amin(1, keepdim=True), [X, TIES, NANS]),
    ("aminmax", lambda t, x: t.aminmax(x), [X, TIES, I]),
    ("aminmax_dim", lambda t, x: t.aminmax(x, dim=-1, keepdim=True), [X, X3]),
    ("argmax", lambda t, x: t.argmax(x), [X, I, NANS, TIES]),
    ("argmax_keep", lambda t, x: x.argmax(keepdim=True), [X]),
    ("argmin_dim", lambda t, x: t.argmin(x, 1), [X, X3, TIES, NANS]),
    ("argmax_0d", lambda t, x: t.argmax(x, 0, keepdim=True), [S]),
    ("var", lambda t, x: t.var(x), FLOATS[:3]),
    ("var_dim_unbiased", lambda t, x: t.var(x, 1, False, True), [X, X32]),
    ("var_correction", lambda t, x: x.var((0, -1), correction=0), [X, X3]),
    ("var_unbiased_only", lambda t, x: t.var(x, False), [X]),
    ("std", lambda t, x: x.std(-1), [X, X32, X3]),
    ("std_kw", lambda t, x: t.std(x, dim=0, unbiased=False, keepdim=True), [X]),
    ("var_mean", lambda t, x: t.var_mean(x, 1), [X, X3]),
    ("std_mean", lambda t, x: t.std_mean(x, (0, 1), correction=2), [X, X3]),
    ("norm", lambda t, x: t.norm(x), FLOATS + [E]),
    ("norm_fro_dim", lambda t, x: x.norm("fro", dim=(0, 1)), [X, X3]),
    ("norm_p1", lambda t, x: t.norm(x, 1, dim=-1, keepdim=True), [X, X32]),
    ("norm_p3", lambda t, x: t.norm(x, 3, dim=0), [X, X3]),
    ("norm_p05", lambda t, x: t.norm(x, 0.5), [X]),
    ("norm_inf", lambda t, x: t.norm(x, math.inf, 1), [X, TIES]),
    ("norm_ninf", lambda t, x: t.norm(x, -math.inf), [X]),
    ("norm_p0", lambda t, x: x.norm(0), [ZEROS]),
    ("norm_nuc", lambda t, x: t.norm(x, "nuc"), [X]),
    ("norm_nuc_dim", lambda t, x: t.norm(x, "nuc", dim=(0, 2), keepdim=True), [X3]),
    ("norm_zero_vector", lambda t, x: t.norm(x * 0, dim=1), [X]),
    ("norm_dtype", lambda t, x: t.norm(x, 2, dtype=t.float64), [X32]),
    ("logsumexp", lambda t, x: t.logsumexp(x, 1), [X, X32, X3, I]),
    ("logsumexp_big", lambda t, x: t.logsumexp(x * 1000, (0, 1), keepdim=True), [X]),
    ("logsumexp_empty", lambda t, x: t.logsumexp(x, 0), [E]),
    ("cumsum", lambda t, x: t.cumsum(x, 1), [X, X32, X3, I, B, E]),
    ("cumsum_neg", lambda t, x: x.cumsum(-2, dtype=t.float64), [X32, X3]),
    ("cumsum_0d", lambda t, x: t.cumsum(x, 0), [S]),
    ("cumprod", lambda t, x: t.cumprod(x, 1), [X, X32, ZEROS, I]),
    ("cumprod_dim0", lambda t, x: x.cumprod(0), [ZEROS, X3, E, S]),
    ("cummax", lambda t, x: t.cummax(x, 1), [X, TIES, NANS, I, E]),
    ("cummax_0d", lambda t, x: t.cummax(x, 0), [S]),
    ("cummin", lambda t, x: x.cummin(0), [X, TIES, X3]),
    ("all", lambda t, x: t.all(x), [B, I, U8, X, E, S]),
    ("all_dim", lambda t, x: x.all(1, keepdim=True), [B, U8]),
    ("any_tuple", lambda t, x: t.any(x, (0, 1)), [B, I, U8]),
    ("count_nonzero", lambda t, x: t.count_nonzero(x), [ZEROS, B, I, E, S]),
    ("count_nonzero_dim", lambda t, x: t.count_nonzero(x, (0, -1)), [ZEROS, I]),
    ("allclose", lambda t, x: t.allclose(x, x + 1e-9), [X, X32]),
    ("allclose_nan", lambda t, x: t.allclose(x, x, equal_nan=True), [NANS]),
    ("not_allclose", lambda t, x: x.allclose(x + 1e-3), [X]),
    ("equal", lambda t, x: t.equal(x, x.clone()), [X, I, NANS]),
    ("equal_shape", lambda t, x: t.equal(x, x[0]), [X]),
]

FLAT = [(name, fn, inp) for name, fn, inputs in CASES for inp in inputs]


@pytest.mark.parametrize("name,fn,x", FLAT, ids=[f"{c[0]}-{i}" for i, c in enumerate(FLAT)])
def test_forward_backward(name, fn, x):
    check(fn, x)
    if x.ndim >= 2:
        check(fn, x, noncontig=True)


# small float64 inputs for finite differences (no ties, no zeros)
GRAD_CASES = [
    lambda t, x: x.sum((0, -1)), lambda t, x: t.nansum(x, 0), lambda t, x: x.mean(1, keepdim=True),
    lambda t, x: t.nanmean(x), lambda t, x: t.prod(x, 1), lambda t, x: t.prod(x),
    lambda t, x: t.max(x), lambda t, x: t.min(x, 1)[0], lambda t, x: t.amax(x, 0), lambda t, x: t.amin(x, (0, 1)),
    lambda t, x: t.aminmax(x, dim=0)[1], lambda t, x: t.var(x, 1), lambda t, x: t.std(x, correction=0),
    lambda t, x: t.var_mean(x, 0), lambda t, x: t.std_mean(x, 1),
    lambda t, x: t.norm(x), lambda t, x: t.norm(x, 1, 1), lambda t, x: t.norm(x, 3, 0),
    lambda t, x: t.norm(x, 0.5), lambda t, x: t.norm(x, math.inf, 1), lambda t, x: t.norm(x, -math.inf),
    lambda t, x: t.logsumexp(x, 1), lambda t, x: t.cumsum(x, 1), lambda t, x: t.cumprod(x, 1),
    lambda t, x: t.cumprod(x, 0), lambda t, x: t.cummax(x, 1)[0], lambda t, x: t.cummin(x, 0)[0],
]


@pytest.mark.parametrize("fn", GRAD_CASES)
def test_gradcheck(fn):
    gradcheck(fn, randn(2, 3))


def test_cumprod_gradient_with_zeros():
    # one zero, two zeros, a leading zero: the gradient is the product of the others
    for row in ([2., 0., 3., 4.], [0., 2., 0., 3.], [1., 2., 3., 0.]):
        check(lambda t, x: t.cumprod(x, 0), np.array(row))
        check(lambda t, x: t.prod(x), np.array(row))


ERRORS = [
    (lambda t, x: t.max(x), E), (lambda t, x: t.min(x, 0), E), (lambda t, x: t.amax(x, 0), E),
    (lambda t, x: t.argmax(x), E), (lambda t, x: t.argmin(x, 0), E), (lambda t, x: t.mean(x), I),
    (lambda t, x: t.var(x), I), (lambda t, x: t.std(x, 1), B), (lambda t, x: t.norm(x), I),
    (lambda t, x: t.norm(x, math.inf), E), (lambda t, x: t.sum(x, 2), X), (lambda t, x: t.sum(x, (0, 0)), X),
    (lambda t, x: t.prod(x, (0, 1)), X), (lambda t, x: t.cumsum(x, 2), X), (lambda t, x: t.logsumexp(x), X),
    (lambda t, x: t.allclose(x, x.double()), X32), (lambda t, x: t.cummax(x, -3), X),
    (lambda t, x: t.aminmax(x), E), (lambda t, x: t.norm(x, "abc"), X),
]


@pytest.mark.parametrize("fn,x", ERRORS)
def test_errors(fn, x):
    check_raises(fn, x)


def test_named_tuple_repr():
    import torch

    import flambeau
    x = np.array([[1., 5.], [4., 2.]])
    for name in ("max", "min", "cummax", "aminmax"):
        kw = {"dim": 1} if name == "aminmax" else {}
        args = () if name == "aminmax" else (1,)
        t_out = getattr(torch, name)(torch.tensor(x), *args, **kw)
        f_out = getattr(flambeau, name)(flambeau.tensor(x), *args, **kw)
        assert repr(f_out) == repr(t_out)


def test_cumsum_inplace():
    def fn(t, x):
        y = x * 1
        y.cumsum_(1)
        return y
    check(fn, X)
