"""torch.special's error-function, normal-distribution, entropy and log-product functions against PyTorch:
values over their domains (extremes included), float32 and integer inputs, 0-d and empty inputs,
gradients, gradcheck, and the exception types of unsupported dtypes."""
import numpy as np
import pytest
import torch
from oracle import check, check_raises, gradcheck, randint, randn

EXTREMES = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 1e300, -1e300])
PROBABILITIES = np.concatenate([np.linspace(0.0, 1.0, 41),
                                [1e-300, 1e-20, 1e-10, 1 - 1e-10, np.exp(-2), 1 - np.exp(-2)]])
OUTSIDE = np.array([-0.5, 1.5, np.nan])

# name -> (function of (lib, x), float64 domain, tolerance)
UNARY = {
    "erf": (lambda t, x: t.special.erf(x), np.linspace(-7, 7, 57), 1e-14),
    "erfc": (lambda t, x: t.special.erfc(x), np.linspace(-7, 28, 71), 1e-13),
    "erfcx": (lambda t, x: t.special.erfcx(x), np.concatenate([np.linspace(-26, 30, 113), [1e5, 1e9, 1e12, 1e200]]),
              1e-13),
    "erfinv": (lambda t, x: t.special.erfinv(x), np.linspace(-0.999, 0.999, 41), 1e-13),
    "ndtr": (lambda t, x: t.special.ndtr(x), np.linspace(-9, 9, 37), 1e-13),
    "log_ndtr": (lambda t, x: t.special.log_ndtr(x), np.concatenate([np.linspace(-40, 10, 101), [-1e5, 40]]), 1e-13),
    "ndtri": (lambda t, x: t.special.ndtri(x), np.concatenate([PROBABILITIES, OUTSIDE]), 1e-13),
    "entr": (lambda t, x: t.special.entr(x), np.linspace(-1, 5, 25), 1e-14),
    "expit": (lambda t, x: t.special.expit(x), np.linspace(-30, 30, 25), 1e-14),
    "logit": (lambda t, x: t.special.logit(x), np.linspace(0.01, 0.99, 25), 1e-14),
    "logit_eps": (lambda t, x: t.special.logit(x, eps=0.1), np.linspace(-0.5, 1.5, 25), 1e-14),
    "exp2": (lambda t, x: t.special.exp2(x), np.linspace(-30, 30, 25), 1e-14),
    "expm1": (lambda t, x: t.special.expm1(x), np.linspace(-3, 3, 25), 1e-14),
    "log1p": (lambda t, x: t.special.log1p(x), np.linspace(-0.9, 3, 25), 1e-14),
    "sinc": (lambda t, x: t.special.sinc(x), np.linspace(-5, 5, 41), 1e-13),
    "round": (lambda t, x: t.special.round(x), np.linspace(-5, 5, 41), 0.0),
    "round_decimals": (lambda t, x: t.special.round(x, decimals=2), np.linspace(-5, 5, 41), 1e-15),
}
# implemented in flambeau/ops/special*.py (the others are torch functions under SciPy's names)
OWN = ["erf", "erfc", "erfcx", "erfinv", "ndtr", "log_ndtr", "ndtri", "entr", "logit", "logit_eps", "round",
       "round_decimals"]
DIFFERENTIABLE = ["erf", "erfc", "erfcx", "erfinv", "ndtr", "log_ndtr", "ndtri", "entr", "expit", "logit", "exp2",
                  "expm1", "log1p", "sinc"]
# where each function is smooth, for gradcheck
SMOOTH = {"erfinv": (-0.9, 0.9), "ndtri": (0.05, 0.95), "entr": (0.1, 3.0), "logit": (0.1, 0.9), "log1p": (-0.5, 2.0)}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_values_float64(name):
    fn, domain, tol = UNARY[name]
    check(fn, domain, grad=False, atol=1e-300 if tol else 0.0, rtol=tol)
    check(fn, EXTREMES, grad=False, rtol=1e-13)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_float32_integer_zero_dim_and_empty(name):
    fn, domain, _ = UNARY[name]
    small = domain[np.abs(domain) < 1e4]
    check(fn, small.astype(np.float32), grad=False, atol=1e-6, rtol=2e-6)
    if name.startswith("round"):  # torch.special.round refuses integers, unlike torch.round
        check_raises(fn, randint(-3, 4, 5))
    else:
        check(fn, randint(-3, 4, 5), grad=False)
    check(fn, np.array(small[len(small) // 3]), grad=False)
    check(fn, np.zeros((0, 3)), grad=False)
    if name in OWN:
        check_raises(lambda t: fn(t, 0.5))  # a Python number is refused with TypeError


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradients_against_torch(name):
    fn, domain, _ = UNARY[name]
    low, high = SMOOTH.get(name, (-2.0, 2.0))
    check(fn, randn(3, 4, low=low, high=high), atol=1e-12, rtol=1e-10)
    check(fn, randn(3, 4, low=low, high=high), noncontig=True, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradcheck(name):
    low, high = SMOOTH.get(name, (-2.0, 2.0))
    gradcheck(UNARY[name][0], randn(4, low=low, high=high))


def test_gradients_at_the_edges():
    check(lambda t, x: t.special.erfcx(x), np.array([-20.0, -3.0, 0.0, 5.0, 40.0, 1e6]), rtol=1e-12)
    check(lambda t, x: t.special.log_ndtr(x), np.array([-50.0, -10.0, -1.0, 0.0, 8.0]), rtol=1e-12)
    check(lambda t, x: t.special.ndtri(x), np.array([1e-30, 1e-5, 0.5, 0.999]), rtol=1e-12)
    check(lambda t, x: t.special.entr(x), np.array([0.0, 1e-5, 1.0, np.inf, -1.0]))


@pytest.mark.parametrize("name", ["erfcx", "ndtri", "log_ndtr"])
def test_half_types_raise_like_torch(name):
    fn = UNARY[name][0]
    for dtype in (np.float16,):
        check_raises(fn, np.array([0.5], dtype=dtype))
    check_raises(lambda t, x: fn(t, x.to(t.bfloat16)), np.array([0.5]))


@pytest.mark.parametrize("name", ["entr", "ndtr", "erf", "expit"])
def test_half_types_supported_like_torch(name):
    fn = UNARY[name][0]
    check(fn, np.linspace(-1, 2, 7).astype(np.float16), grad=False, atol=2e-3, rtol=2e-3)
    check(lambda t, x: fn(t, x.to(t.bfloat16)), np.linspace(-1, 2, 7), grad=False, atol=1e-2, rtol=1e-2)


BINARY = {
    "xlogy": lambda t, x, y: t.special.xlogy(x, y),
    "xlog1py": lambda t, x, y: t.special.xlog1py(x, y),
}
X_ZEROS = np.array([[0.0, 0.0, 0.0, 1.5, -2.0, 0.0]])
Y_VALUES = np.array([[2.0, 0.0, -1.0, 0.5, 3.0, np.nan]])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_log_products(name):
    fn = BINARY[name]
    check(fn, X_ZEROS, Y_VALUES, rtol=1e-14)  # gradients at x = 0 and outside the logarithm's domain too
    check(fn, randn(3, 1), randn(1, 4, low=0.1, high=3.0), rtol=1e-12, atol=1e-12)  # broadcasting, both gradients
    check(fn, X_ZEROS.T[:3], np.array([2.0, 0.5, 3.0]))  # zero x: gradient of y still flows
    check(lambda t, y: fn(t, 2.0, y), randn(4, low=0.1, high=2.0))  # Python numbers on either side
    check(lambda t, x: fn(t, x, 3), randn(4))
    check(fn, randint(0, 3, 4), randint(1, 4, 4), grad=False)  # integers promote to float32
    check(fn, np.array(1.5), np.zeros((0,)), grad=False)
    check(fn, X_ZEROS[0, :4].astype(np.float16), Y_VALUES[0, :4].astype(np.float16), grad=False, rtol=2e-3)
    check(lambda t, x, y: fn(t, x.to(t.bfloat16), y.to(t.bfloat16)), X_ZEROS[0, :4], Y_VALUES[0, :4], grad=False,
          rtol=1e-2)
    gradcheck(fn, randn(3), randn(3, low=0.2, high=2.0))
