"""F.unfold/F.fold and nn.Unfold/nn.Fold against PyTorch: values, gradients, gradcheck, errors, repr."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

CASES = [  # (input shape, kernel_size, dilation, padding, stride)
    ((2, 3, 5, 6), 2, 1, 0, 1),
    ((2, 2, 7, 6), (3, 2), (1, 2), (1, 0), (2, 1)),
    ((3, 5, 5), 3, 1, 1, 2),
    ((1, 1, 4, 4), 1, 1, 0, 1),
]


def _blocks(shape, k, d, p, s):
    k, d, p, s = (v if isinstance(v, tuple) else (v, v) for v in (k, d, p, s))
    return [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, dd, pp, ss in zip(shape[-2:], k, d, p, s)]


@pytest.mark.parametrize("shape,k,d,p,s", CASES)
def test_unfold(shape, k, d, p, s):
    check(lambda t, x: t.nn.functional.unfold(x, k, d, p, s), randn(*shape))
    check(lambda t, x: t.nn.functional.unfold(x, k, d, p, s), randn(*shape, dtype=np.float32), noncontig=True)


@pytest.mark.parametrize("shape,k,d,p,s", CASES)
def test_fold(shape, k, d, p, s):
    kk = k if isinstance(k, tuple) else (k, k)
    cols = shape[:-3] + (shape[-3] * kk[0] * kk[1], int(np.prod(_blocks(shape, k, d, p, s))))
    check(lambda t, x: t.nn.functional.fold(x, shape[-2:], k, d, p, s), randn(*cols))


def test_gradcheck():
    gradcheck(lambda t, x: t.nn.functional.unfold(x, (2, 3), 1, (1, 0), (1, 2)), randn(1, 2, 4, 5))
    gradcheck(lambda t, x: t.nn.functional.fold(x, (4, 5), 2, 1, 1, 2), randn(2, 8, 9))


def test_modules():
    unfold, fold = (torch.nn.Unfold((2, 3), padding=1), flambeau.nn.Unfold((2, 3), padding=1))
    check_module(unfold, fold, randn(2, 3, 4, 4, dtype=np.float32))
    assert repr(fold) == repr(unfold) == "Unfold(kernel_size=(2, 3), dilation=1, padding=1, stride=1)"
    t_fold, f_fold = torch.nn.Fold((4, 5), 2, stride=1), flambeau.nn.Fold((4, 5), 2, stride=1)
    check_module(t_fold, f_fold, randn(2, 12, 12, dtype=np.float32))
    assert repr(f_fold) == repr(t_fold)


ERRORS = [
    lambda t, x: t.nn.functional.unfold(x[0, 0], 2),
    lambda t, x: t.nn.functional.unfold(x[None], 2),
    lambda t, x: t.nn.functional.unfold(x, 6),
    lambda t, x: t.nn.functional.unfold(x, 0),
    lambda t, x: t.nn.functional.fold(x[0, 0, 0], (4, 4), 2),
    lambda t, x: t.nn.functional.fold(x.reshape(2, 5, 15), (4, 4), 2),
    lambda t, x: t.nn.functional.fold(x.reshape(2, 8, 75 // 8 * 0 + 9)[:, :, :8], (4, 4), 2),
    lambda t, x: t.nn.functional.fold(x.reshape(2, 3, 25), (4, 4), 5),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_raises(ERRORS[i], randn(2, 3, 5, 5))
