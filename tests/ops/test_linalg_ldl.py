"""linalg.ldl_factor(_ex) and ldl_solve against PyTorch: the same compact LD, Bunch-Kaufman pivots (1x1 and
2x2 blocks) and info, real, complex symmetric and complex Hermitian, batched; not differentiable in either."""
import numpy as np
import pytest

import flambeau
import flambeau.linalg  # noqa: F401
from oracle import RNG, check, check_raises, randn


def symmetric(*shape, complex_=False, hermitian=False):
    a = RNG.standard_normal(shape) + (1j * RNG.standard_normal(shape) if complex_ else 0)
    return a + (np.conj(np.swapaxes(a, -1, -2)) if hermitian else np.swapaxes(a, -1, -2))


INDEFINITE = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 1e-3]])  # forces 2x2 pivots
MATRICES = [
    ("real", symmetric(5, 5), False),
    ("real_batched", symmetric(3, 4, 4), False),
    ("two_by_two_pivots", INDEFINITE, False),
    ("float32", symmetric(4, 4).astype(np.float32), False),
    ("complex_symmetric", symmetric(4, 4, complex_=True), False),
    ("complex_hermitian", symmetric(2, 4, 4, complex_=True, hermitian=True), True),
    ("zero_column", np.diag([0.0, 1.0, 2.0]), False),
]


@pytest.mark.parametrize("a, hermitian", [m[1:] for m in MATRICES], ids=[m[0] for m in MATRICES])
def test_ldl_factor_and_solve(a, hermitian):
    tol = dict(atol=1e-4, rtol=1e-4) if a.dtype == np.float32 else dict(atol=1e-10, rtol=1e-8)
    check(lambda t, x: t.linalg.ldl_factor_ex(x, hermitian=hermitian), a, grad=False, **tol)
    if not np.any(np.all(a == 0, axis=-1)):
        check(lambda t, x: t.linalg.ldl_factor(x, hermitian=hermitian), a, grad=False, **tol)
        b = randn(*a.shape[:-1], 2).astype(a.dtype)
        check(lambda t, x, y: t.linalg.ldl_solve(*t.linalg.ldl_factor(x, hermitian=hermitian), y,
                                                 hermitian=hermitian), a, b, grad=False, **tol)


def test_ldl_pivots_include_two_by_two_blocks():
    _, pivots = flambeau.linalg.ldl_factor(flambeau.tensor(INDEFINITE))
    assert (pivots.numpy() < 0).any()


def test_ldl_solve_broadcasts_and_takes_int64_pivots():
    a = symmetric(4, 4)
    check(lambda t, x, y: t.linalg.ldl_solve(t.linalg.ldl_factor(x)[0], t.linalg.ldl_factor(x)[1].long(), y),
          a, randn(3, 4, 2), grad=False)


ERRORS = [
    (lambda t, a: t.linalg.ldl_factor(a), (np.zeros((2, 2)),)),
    (lambda t, a: t.linalg.ldl_factor_ex(a, check_errors=True), (np.zeros((2, 2)),)),
    (lambda t, a: t.linalg.ldl_factor(a), (randn(2, 3),)),
    (lambda t, a: t.linalg.ldl_factor(a.long()), (randn(2, 2),)),
    (lambda t, a, b: t.linalg.ldl_solve(*t.linalg.ldl_factor(a), b), (symmetric(2, 2), randn(2))),
    (lambda t, a, b: t.linalg.ldl_solve(*t.linalg.ldl_factor(a), b), (symmetric(2, 2), randn(3, 1))),
    (lambda t, a, b: t.linalg.ldl_solve(*t.linalg.ldl_factor(a), b.float()), (symmetric(2, 2), randn(2, 1))),
]


@pytest.mark.parametrize("fn, inputs", ERRORS)
def test_ldl_errors(fn, inputs):
    check_raises(fn, *inputs)
