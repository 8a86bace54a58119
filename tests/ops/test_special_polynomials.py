"""torch.special's orthogonal polynomials against PyTorch: degrees as numbers and as tensors (broadcast,
truncated to integers, negative), arguments inside and outside [-1, 1] (shifted: [0, 1]), +-1, nan and inf,
integer inputs, 0-d and empty inputs, no gradient, and the half-type errors."""
import numpy as np
import pytest
from oracle import check, check_raises, randint, randn

NAMES = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
         "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
         "legendre_polynomial_p"]
X = np.concatenate([np.linspace(-2.0, 2.0, 33), [1.0, -1.0, 0.0, np.nan, np.inf, -np.inf]])
DEGREES = [-2, 0, 1, 2, 3, 6, 7, 9, 13, 24, 3.7]


def fn_of(name):
    return lambda t, x, n: getattr(t.special, name)(x, n)


@pytest.mark.parametrize("name", NAMES)
def test_number_degrees(name):
    for n in DEGREES:
        # NOTE: PyTorch evaluates some degrees through cos/sin forms; the recurrence agrees to rounding
        check(lambda t, x: getattr(t.special, name)(x, n), X, grad=False, atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_tensor_degrees_broadcast(name):
    n = np.array([[0], [1], [4], [8], [11], [-1]])
    check(fn_of(name), randn(1, 7, low=-1.5, high=1.5), n, grad=False, atol=1e-10, rtol=1e-10)
    check(fn_of(name), randn(6, low=-1.0, high=1.0), np.array([0.5, 2.2, 3.9, 5.0, 7.5, 10.1]), grad=False,
          atol=1e-10, rtol=1e-10)
    check(lambda t, n: getattr(t.special, name)(0.3, n), np.array([2, 5, 9]), grad=False, atol=1e-5)  # float32


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_zero_dim_empty_and_no_gradient(name):
    fn = fn_of(name)
    check(lambda t, x: getattr(t.special, name)(x, 5), randn(6, low=-1.2, high=1.2).astype(np.float32), grad=False,
          atol=1e-5, rtol=1e-5)
    check(lambda t, x: getattr(t.special, name)(x, 4), randint(-3, 4, 5), grad=False, atol=1e-4, rtol=1e-6)
    check(fn, np.array(0.4), np.array(6), grad=False, atol=1e-12)
    check(lambda t, x: getattr(t.special, name)(x, 3), np.zeros((0, 2)), grad=False)
    out = check(lambda t, x: getattr(t.special, name)(x, 3), randn(4))
    assert not out.requires_grad
    check_raises(lambda t, x: getattr(t.special, name)(x, 3), np.array([0.5], dtype=np.float16))
