"""Sorting, order statistics and counting against PyTorch: values, indices, dtypes, gradients, errors."""
import numpy as np
import pytest

from oracle import check, check_raises, gradcheck, randint, randn

F32 = np.float32
X = randn(3, 5)
X32 = randn(3, 5, dtype=F32)
X3 = randn(2, 3, 4)
S = randn()
E = np.zeros((0, 3))
NANS = np.array([[1., np.nan, 2., -1.], [0., 4., 3., np.nan]])
I = randint(-4, 4, 3, 6)
B = I > 0
V = randint(0, 6, 10)  # 1-d non-negative ints

# (id, fn, inputs); integer inputs may hold ties, so index outputs there come from stable sorts only
CASES = [
    ("sort", lambda t, x: t.sort(x), [X, X32, X3, S, E, NANS]),
    ("sort_desc_dim0", lambda t, x: t.sort(x, 0, descending=True), [X, X3, NANS]),
    ("sort_stable", lambda t, x: t.sort(x, dim=-1, stable=True), [I, B]),
    ("sort_stable_desc", lambda t, x: t.sort(x, stable=True, descending=True), [I, B]),
    ("argsort", lambda t, x: t.argsort(x, 1), [X, X3]),
    ("argsort_stable_desc", lambda t, x: x.argsort(stable=True, descending=True), [I]),
    ("msort", lambda t, x: t.msort(x), [X, X32]),
    ("topk", lambda t, x: t.topk(x, 2), [X, X32, X3]),
    ("topk_smallest_dim0", lambda t, x: x.topk(2, dim=0, largest=False), [X, X3]),
    ("topk_0d", lambda t, x: t.topk(x, 1), [S]),
    ("kthvalue", lambda t, x: t.kthvalue(x, 2), [X, X32, X3]),
    ("kthvalue_dim_keep", lambda t, x: x.kthvalue(3, 0, keepdim=True), [X]),
    ("median_all", lambda t, x: t.median(x), [X, X32, S, E, NANS, I]),
    ("median_ties", lambda t, x: t.median(x), [np.array([[1., 2.], [2., 3.]])]),
    ("median_dim", lambda t, x: t.median(x, 1), [X, X32, X3, NANS]),
    ("median_dim_keep", lambda t, x: x.median(-2, keepdim=True), [X, X3, np.zeros((2, 3, 0))]),
    ("nanmedian_all", lambda t, x: t.nanmedian(x), [X, NANS]),
    ("nanmedian_dim", lambda t, x: t.nanmedian(x, 1), [X, NANS]),
    ("mode", lambda t, x: t.mode(x), [I, np.array([[1., 2., 2., 1., 3.], [3., 3., 0., 0., 1.]])]),
    ("mode_dim_keep", lambda t, x: x.mode(0, keepdim=True), [I]),
    ("unique", lambda t, x: t.unique(x.detach()), [I, B, X]),  # no derivative: see test_unique_has_no_derivative
    ("unique_all", lambda t, x: t.unique(x, return_inverse=True, return_counts=True), [I]),
    ("unique_dim", lambda t, x: t.unique(x > 0, dim=1, return_inverse=True, return_counts=True), [I]),
    ("unique_consecutive", lambda t, x: t.unique_consecutive(x, return_inverse=True, return_counts=True),
     [np.array([1, 1, 2, 2, 3, 1, 1]), I]),
    ("unique_consecutive_dim", lambda t, x: t.unique_consecutive(x, return_counts=True, dim=0),
     [np.array([[1, 2], [1, 2], [3, 4], [1, 2]])]),
    ("bincount", lambda t, x: t.bincount(x), [V, np.zeros(0, dtype=np.int64)]),
    ("bincount_minlength", lambda t, x: x.bincount(minlength=9), [V]),
    ("bincount_weights32", lambda t, x: t.bincount(x, x.float() * 0.5), [V]),
    ("bincount_weights64", lambda t, x: t.bincount(x, x.double() * 0.5), [V]),
    ("bincount_int_weights", lambda t, x: t.bincount(x, x), [V]),
    ("histc", lambda t, x: t.histc(x), [X, X32]),
    ("histc_range", lambda t, x: x.histc(bins=4, min=-1, max=1), [X, X32]),
    ("histc_constant", lambda t, x: t.histc(x * 0, bins=3), [X]),
]

FLAT = [(name, fn, inp) for name, fn, inputs in CASES for inp in inputs]


@pytest.mark.parametrize("name,fn,x", FLAT, ids=[f"{c[0]}-{i}" for i, c in enumerate(FLAT)])
def test_forward_backward(name, fn, x):
    check(fn, x)
    if x.ndim >= 2:
        check(fn, x, noncontig=True)


GRAD_CASES = [
    lambda t, x: t.sort(x, 1)[0], lambda t, x: t.sort(x, 0, descending=True)[0], lambda t, x: t.msort(x),
    lambda t, x: t.topk(x, 2)[0], lambda t, x: t.kthvalue(x, 2, 0)[0], lambda t, x: t.median(x),
    lambda t, x: t.median(x, 1)[0], lambda t, x: t.nanmedian(x, 0)[0], lambda t, x: t.mode(x, 1)[0],
]


@pytest.mark.parametrize("fn", GRAD_CASES)
def test_gradcheck(fn):
    gradcheck(fn, randn(2, 3))


ERRORS = [
    (lambda t, x: t.topk(x, 6), X), (lambda t, x: t.kthvalue(x, 0), X), (lambda t, x: t.kthvalue(x, 6), X),
    (lambda t, x: t.sort(x, 2), X), (lambda t, x: t.median(x, 0), E), (lambda t, x: t.mode(x, 0), E),
    (lambda t, x: t.bincount(x), I), (lambda t, x: t.bincount(x), np.array([1, -1])),
    (lambda t, x: t.bincount(x), np.array([1., 2.])), (lambda t, x: t.histc(x), I),
    (lambda t, x: t.histc(x, min=2, max=1), X), (lambda t, x: t.bincount(x, x[:2].float()), V),
]


@pytest.mark.parametrize("fn,x", ERRORS)
def test_errors(fn, x):
    check_raises(fn, x)


def test_sort_repr():
    import torch

    import flambeau
    x = np.array([[3., 1.], [0., 2.]])
    assert repr(flambeau.sort(flambeau.tensor(x))) == repr(torch.sort(torch.tensor(x)))
    assert repr(flambeau.topk(flambeau.tensor(x), 1)) == repr(torch.topk(torch.tensor(x), 1))


def test_unique_has_no_derivative():
    import flambeau
    x = flambeau.tensor(X, requires_grad=True)
    u = flambeau.unique(x)
    assert u.requires_grad
    with pytest.raises(NotImplementedError):
        u.sum().backward()
