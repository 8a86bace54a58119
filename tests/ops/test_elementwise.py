"""The elementwise family against PyTorch: one table of unary ops, one of binary ops, then the
dtype, scalar, in-place, edge-value and error rules."""
import warnings

import numpy as np
import pytest

from oracle import check, check_raises, gradcheck, randint, randn


def normal(*shape):
    return randn(*shape)


def positive(*shape):
    return randn(*shape, low=0.5, high=2.0)


def unit(*shape):
    return randn(*shape, low=-0.9, high=0.9)


def above_one(*shape):
    return randn(*shape, low=1.2, high=3.0)


def prob(*shape):
    return randn(*shape, low=0.05, high=0.95)


def away_from_int(*shape):
    """Values whose rounding is stable under finite differences and float32 conversion."""
    return np.asarray(np.floor(randn(*shape) * 4) / 2 + 0.25)


# (name, fn, domain, accepts int/bool input)
UNARY = [
    ("abs", lambda t, x: t.abs(x), normal, True),
    ("abs_builtin", lambda t, x: abs(x), normal, True),
    ("absolute", lambda t, x: t.absolute(x), normal, True),
    ("neg", lambda t, x: -x, normal, True),
    ("negative", lambda t, x: t.negative(x), normal, True),
    ("positive", lambda t, x: +x, normal, True),
    ("sign", lambda t, x: t.sign(x), normal, True),
    ("sgn", lambda t, x: x.sgn(), normal, True),
    ("reciprocal", lambda t, x: t.reciprocal(x), positive, True),
    ("sqrt", lambda t, x: t.sqrt(x), positive, True),
    ("rsqrt", lambda t, x: t.rsqrt(x), positive, True),
    ("square", lambda t, x: t.square(x), normal, True),
    ("exp", lambda t, x: t.exp(x), normal, True),
    ("exp2", lambda t, x: t.exp2(x), normal, True),
    ("expm1", lambda t, x: t.expm1(x), normal, True),
    ("log", lambda t, x: t.log(x), positive, True),
    ("log2", lambda t, x: t.log2(x), positive, True),
    ("log10", lambda t, x: t.log10(x), positive, True),
    ("log1p", lambda t, x: t.log1p(x), positive, True),
    ("sin", lambda t, x: t.sin(x), normal, True),
    ("cos", lambda t, x: t.cos(x), normal, True),
    ("tan", lambda t, x: t.tan(x), unit, True),
    ("asin", lambda t, x: t.asin(x), unit, True),
    ("arcsin", lambda t, x: t.arcsin(x), unit, True),
    ("acos", lambda t, x: t.acos(x), unit, True),
    ("atan", lambda t, x: t.atan(x), normal, True),
    ("sinh", lambda t, x: t.sinh(x), normal, True),
    ("cosh", lambda t, x: t.cosh(x), normal, True),
    ("tanh", lambda t, x: t.tanh(x), normal, True),
    ("asinh", lambda t, x: t.asinh(x), normal, True),
    ("acosh", lambda t, x: t.acosh(x), above_one, True),
    ("atanh", lambda t, x: t.atanh(x), unit, True),
    ("sigmoid", lambda t, x: t.sigmoid(x), normal, True),
    ("logit", lambda t, x: t.logit(x), prob, True),
    ("logit_eps", lambda t, x: t.logit(x, eps=0.2), prob, False),
    ("erf", lambda t, x: t.erf(x), normal, True),
    ("erfc", lambda t, x: t.erfc(x), normal, True),
    ("erfinv", lambda t, x: t.erfinv(x), unit, True),
    ("relu", lambda t, x: t.relu(x), normal, True),
    ("floor", lambda t, x: t.floor(x), away_from_int, True),
    ("ceil", lambda t, x: t.ceil(x), away_from_int, True),
    ("round", lambda t, x: t.round(x), away_from_int, True),
    ("round_decimals", lambda t, x: t.round(x * 10, decimals=1), away_from_int, False),
    ("round_neg_decimals", lambda t, x: t.round(x * 100 + 2, decimals=-1), away_from_int, False),
    ("trunc", lambda t, x: t.trunc(x), away_from_int, True),
    ("fix", lambda t, x: t.fix(x), away_from_int, True),
    ("frac", lambda t, x: t.frac(x), away_from_int, False),
    ("deg2rad", lambda t, x: t.deg2rad(x), normal, True),
    ("rad2deg", lambda t, x: t.rad2deg(x), normal, True),
    ("clamp", lambda t, x: t.clamp(x, -0.5, 0.5), normal, True),
    ("clamp_min", lambda t, x: t.clamp(x, min=-0.3), normal, True),
    ("clamp_max", lambda t, x: x.clamp_max(0.4), normal, True),
    ("clip", lambda t, x: t.clip(x, max=0.1), normal, True),
    ("clamp_min_fn", lambda t, x: t.clamp_min(x, 0.2), normal, True),
    ("nan_to_num", lambda t, x: t.nan_to_num(x), normal, True),
    ("float_power", lambda t, x: t.float_power(x, 2), normal, True),
    ("pow_scalar", lambda t, x: x ** 3, normal, True),
    ("pow_float_scalar", lambda t, x: x ** 2.5, positive, True),
    ("rpow_scalar", lambda t, x: 2 ** x, normal, True),
    ("rpow_float_scalar", lambda t, x: 2.5 ** x, normal, True),
    ("add_scalar", lambda t, x: x + 2, normal, True),
    ("radd_scalar", lambda t, x: 2.5 + x, normal, True),
    ("sub_scalar", lambda t, x: x - 1.5, normal, True),
    ("rsub_scalar", lambda t, x: 3 - x, normal, True),
    ("mul_scalar", lambda t, x: x * 3, normal, True),
    ("rmul_scalar", lambda t, x: 0.5 * x, normal, True),
    ("div_scalar", lambda t, x: x / 4, normal, True),
    ("rdiv_scalar", lambda t, x: 2 / x, positive, True),
    ("floordiv_scalar", lambda t, x: x // 0.7, normal, False),
    ("rfloordiv_scalar", lambda t, x: 7.5 // x, positive, False),
    ("mod_scalar", lambda t, x: x % 0.7, normal, True),
    ("rmod_scalar", lambda t, x: 7.5 % x, positive, True),
    ("fmod_scalar", lambda t, x: t.fmod(x, -0.7), normal, True),
    ("xlogy_scalar_first", lambda t, x: t.xlogy(2, x), positive, True),
    ("xlogy_scalar_second", lambda t, x: t.xlogy(x, 3.0), normal, True),
    ("copysign_scalar", lambda t, x: t.copysign(x, -1), normal, True),
]

FLOAT_ONLY_UNARY = {"logit_eps", "round_decimals", "round_neg_decimals", "frac", "floordiv_scalar",
                    "rfloordiv_scalar"}
# torch.floor_divide and remainder(number, tensor) have no derivative
NOT_DIFFERENTIABLE = {"floordiv_scalar", "rfloordiv_scalar", "rmod_scalar"}


@pytest.mark.parametrize("name,fn,domain,int_ok", UNARY, ids=[c[0] for c in UNARY])
def test_unary(name, fn, domain, int_ok):
    grad = name not in NOT_DIFFERENTIABLE
    check(fn, domain(3, 4), noncontig=True, grad=grad)
    check(fn, domain(3, 4).astype(np.float32), grad=grad, atol=1e-5)
    check(fn, domain(), grad=grad)
    check(fn, domain(0, 3), grad=grad)
    if int_ok:
        ints = randint(1, 4, 5) if domain in (positive, above_one) else randint(-3, 4, 5)
        if name in ("atanh", "tan", "asin", "arcsin", "acos", "erfinv", "logit"):
            ints = randint(0, 2, 5)  # in the domain or at its edge: inf/nan like torch
        check(fn, ints, grad=grad)
    if grad:
        gradcheck(fn, domain(2, 3))


# (name, fn, domain of a, domain of b, accepts int inputs)
BINARY = [
    ("add", lambda t, a, b: a + b, normal, normal, True),
    ("add_alpha", lambda t, a, b: t.add(a, b, alpha=2.5), normal, normal, False),
    ("sub", lambda t, a, b: a - b, normal, normal, True),
    ("sub_alpha", lambda t, a, b: a.sub(b, alpha=2), normal, normal, True),
    ("rsub", lambda t, a, b: t.rsub(a, b), normal, normal, True),
    ("mul", lambda t, a, b: a * b, normal, normal, True),
    ("div", lambda t, a, b: a / b, normal, positive, True),
    ("true_divide", lambda t, a, b: t.true_divide(a, b), normal, positive, True),
    ("div_floor", lambda t, a, b: t.div(a, b, rounding_mode="floor"), normal, positive, True),
    ("div_trunc", lambda t, a, b: t.div(a, b, rounding_mode="trunc"), normal, positive, True),
    ("remainder", lambda t, a, b: t.remainder(a, b), normal, positive, True),
    ("fmod", lambda t, a, b: t.fmod(a, b), normal, positive, True),
    ("pow", lambda t, a, b: a ** b, positive, normal, True),
    ("float_power", lambda t, a, b: t.float_power(a, b), positive, normal, True),
    ("atan2", lambda t, a, b: t.atan2(a, b), normal, normal, True),
    ("arctan2", lambda t, a, b: t.arctan2(a, b), normal, normal, True),
    ("hypot", lambda t, a, b: t.hypot(a, b), normal, normal, False),
    ("logaddexp", lambda t, a, b: t.logaddexp(a, b), normal, normal, False),
    ("logaddexp2", lambda t, a, b: t.logaddexp2(a, b), normal, normal, False),
    ("xlogy", lambda t, a, b: t.xlogy(a, b), normal, positive, True),
    ("copysign", lambda t, a, b: t.copysign(a, b), normal, normal, True),
    ("maximum", lambda t, a, b: t.maximum(a, b), normal, normal, True),
    ("minimum", lambda t, a, b: t.minimum(a, b), normal, normal, True),
    ("fmax", lambda t, a, b: t.fmax(a, b), normal, normal, True),
    ("fmin", lambda t, a, b: t.fmin(a, b), normal, normal, True),
    ("clamp_tensor_min", lambda t, a, b: t.clamp(a, min=b), normal, normal, True),
    ("clamp_tensor_max", lambda t, a, b: t.clamp(a, max=b), normal, normal, True),
    ("clamp_both", lambda t, a, b: t.clamp(a, b - 1, b + 0.5), normal, normal, False),
    ("lerp_scalar", lambda t, a, b: t.lerp(a, b, 0.3), normal, normal, False),
    ("lerp_tensor", lambda t, a, b: t.lerp(a, b, b * a), normal, normal, False),
    ("addcmul", lambda t, a, b: t.addcmul(a, b, a, value=0.5), normal, normal, False),
    ("addcdiv", lambda t, a, b: t.addcdiv(b, a, b, value=2), normal, positive, False),
    ("lt", lambda t, a, b: a < b, normal, normal, True),
    ("le", lambda t, a, b: a <= b, normal, normal, True),
    ("gt", lambda t, a, b: t.gt(a, b), normal, normal, True),
    ("ge", lambda t, a, b: t.greater_equal(a, b), normal, normal, True),
    ("eq", lambda t, a, b: a == b, normal, normal, True),
    ("ne", lambda t, a, b: t.not_equal(a, b), normal, normal, True),
    ("logical_and", lambda t, a, b: t.logical_and(a, b > 0), normal, normal, True),
    ("logical_or", lambda t, a, b: a.logical_or(b), normal, normal, True),
    ("logical_xor", lambda t, a, b: t.logical_xor(a > 0, b), normal, normal, True),
    ("isclose", lambda t, a, b: t.isclose(a, a + b * 1e-6, rtol=1e-7, atol=1e-7), normal, normal, False),
    ("where", lambda t, a, b: t.where(a > b, a, b), normal, normal, True),
]
NOT_DIFFERENTIABLE_BINARY = {"lt", "le", "gt", "ge", "eq", "ne", "logical_and", "logical_or", "logical_xor",
                             "isclose"}


@pytest.mark.parametrize("name,fn,da,db,int_ok", BINARY, ids=[c[0] for c in BINARY])
def test_binary(name, fn, da, db, int_ok):
    check(fn, da(3, 1), db(4))
    check(fn, da(2, 3), db(2, 3), noncontig=True)
    check(fn, da(2, 3).astype(np.float32), db(3).astype(np.float32), atol=1e-5)
    check(fn, da(), db(2))
    check(fn, da(0, 2), db(2))
    if int_ok:
        b_low = 1 if db is positive else -3
        check(fn, randint(-3, 4, 2, 3), randint(b_low, 4, 3))
        check(fn, randint(-3, 4, 3).astype(np.int32), randint(b_low, 4, 3))
        check(fn, da(3).astype(np.float32), randint(b_low, 4, 3))
    if name not in NOT_DIFFERENTIABLE_BINARY:
        gradcheck(fn, da(2, 1), db(3))


# ------------------------------------------------------------------------------- dtype and scalar rules

INT_CASES = [
    ("int_add", lambda t, a, b: a + b), ("int_mul", lambda t, a, b: a * b), ("int_sub", lambda t, a, b: a - b),
    ("int_div", lambda t, a, b: a / b), ("int_floordiv", lambda t, a, b: a // b), ("int_mod", lambda t, a, b: a % b),
    ("int_pow", lambda t, a, b: a ** (b % 3)), ("int_and", lambda t, a, b: a & b), ("int_or", lambda t, a, b: a | b),
    ("int_xor", lambda t, a, b: a ^ b), ("int_lshift", lambda t, a, b: a << (b % 5)),
    ("int_rshift", lambda t, a, b: a >> (b % 5)), ("int_invert", lambda t, a, b: ~a),
    ("int_trunc_div", lambda t, a, b: t.div(a, b, rounding_mode="trunc")),
    ("int_fmod", lambda t, a, b: t.fmod(a, b)),
    ("int_pow_negative_tensor", lambda t, a, b: a ** -(b % 3)),
    ("int_rpow", lambda t, a, b: 2 ** (b % 3 - 1)),
    ("int_rshift_scalar", lambda t, a, b: 64 >> (b % 4)), ("int_lshift_scalar", lambda t, a, b: 1 << (b % 4)),
    ("int_shift_out_of_range", lambda t, a, b: (a << 70, a >> 70, a << -1, a >> -1, a << 63)),
    ("int_bitwise_fns", lambda t, a, b: (t.bitwise_left_shift(a, 2), t.bitwise_right_shift(a, 1),
                                         t.bitwise_and(a, 6), t.bitwise_not(a))),
    ("int_logical", lambda t, a, b: (t.logical_not(a), t.logical_and(a, b), t.logical_or(a, b))),
    ("int_predicates", lambda t, a, b: (t.isnan(a), t.isinf(a), t.isfinite(a), t.isposinf(a), t.isneginf(a))),
    ("int_minmax", lambda t, a, b: (t.maximum(a, b), t.minimum(a, b), t.fmax(a, b), t.fmin(a, b))),
    ("int_clamp", lambda t, a, b: (t.clamp(a, -1, 2), t.clamp(a, 0.5), t.clamp(a, b, b + 2))),
    ("int_rounding", lambda t, a, b: (t.floor(a), t.ceil(a), t.round(a), t.trunc(a), t.sign(a), abs(a))),
    ("int_float_scalar", lambda t, a, b: (a + 1.5, a * 0.5, a - 2.5, 1.5 ** a, a // 2.5, a % 2.5)),
    ("int_relu_square", lambda t, a, b: (t.relu(a), t.square(a), t.nan_to_num(a))),
    ("int_heaviside", lambda t, a, b: t.heaviside(a, b.to(a.dtype))),
    ("int_isclose", lambda t, a, b: t.isclose(a, b.to(a.dtype), atol=1)),
    ("int_addcmul", lambda t, a, b: t.addcmul(a, a, b, value=2)),
]


@pytest.mark.parametrize("fn", [c[1] for c in INT_CASES], ids=[c[0] for c in INT_CASES])
def test_integer_ops(fn):
    check(fn, randint(-20, 20, 3, 4), randint(1, 9, 4))
    check(fn, randint(-20, 20, 4).astype(np.int32), randint(1, 9, 4).astype(np.int16))
    check(fn, randint(0, 250, 4).astype(np.uint8), randint(1, 9, 4).astype(np.uint8))


def test_integer_overflow_wraps():
    big = np.array([2 ** 62, -2 ** 63, 2 ** 63 - 1])
    check(lambda t, a: (a * 4, a + a, a - 2 ** 62, -a, abs(a), a // -1), big)
    check(lambda t, a: (a + 300, a * 3, -a, a - 1), np.array([1, 200, 255], dtype=np.uint8))
    check(lambda t, a: (a << 7, abs(a)), np.array([3, -128], dtype=np.int8))


BOOL_CASES = [
    ("bool_add", lambda t, a, b: a + b), ("bool_mul", lambda t, a, b: a * b), ("bool_div", lambda t, a, b: a / b),
    ("bool_and", lambda t, a, b: (a & b, a | b, a ^ b, ~a)), ("bool_scalar", lambda t, a, b: (a * 2, a + True, b + 1)),
    ("bool_float_pow", lambda t, a, b: (a ** 2, 1.5 ** a)), ("bool_shift", lambda t, a, b: (a << 1, 1 << a)),
    ("bool_floor", lambda t, a, b: (a // 2, a % 2)), ("bool_sign", lambda t, a, b: (t.sign(a), a.sgn())),
    ("bool_float_fns", lambda t, a, b: (t.exp(a), t.sqrt(a), t.sigmoid(a), t.deg2rad(a))),
    ("bool_square", lambda t, a, b: t.square(a)), ("bool_minimum", lambda t, a, b: (t.minimum(a, b), t.fmax(a, b))),
    ("bool_clamp", lambda t, a, b: t.clamp(a, 0, 1)), ("bool_isclose", lambda t, a, b: t.isclose(a, b)),
    ("bool_predicates", lambda t, a, b: (t.isfinite(a), t.isnan(a), t.isposinf(a))),
    ("bool_where", lambda t, a, b: t.where(a, a, b)),
]


@pytest.mark.parametrize("fn", [c[1] for c in BOOL_CASES], ids=[c[0] for c in BOOL_CASES])
def test_bool_ops(fn):
    check(fn, np.array([True, False, True, False]), np.array([True, True, False, False]))


SCALAR_CASES = [
    ("pow_int_scalar_float_tensor", lambda t, x: (x ** 2, 2 ** x, x ** 0.5, x ** 0)),
    ("float32_stays_float32", lambda t, x: (x + 1e10, x * 3.3, x / 3, x - 0.1, t.clamp(x, 0.1), t.atan2(x, x))),
    ("zero_dim_operand",
     lambda t, x: (x + t.tensor(2.0, dtype=t.float64), x * t.tensor(3), t.minimum(x, t.tensor(0.)))),
    ("comparison_scalars", lambda t, x: (x < 0, 0 < x, x == 1.5, 2 >= x, x.ne(0), x.eq(x))),
    ("logical_not", lambda t, x: (t.logical_not(x), x.logical_not())),
    ("sub_add_alpha", lambda t, x: (t.sub(x, x, alpha=2), t.add(x, 1, alpha=3), x.add(2, alpha=0.5))),
    ("round_halves", lambda t, x: t.round(x * 0 + t.tensor([0.5, 1.5, 2.5, -0.5, -2.5, 3.5], dtype=x.dtype))),
]


@pytest.mark.parametrize("fn", [c[1] for c in SCALAR_CASES], ids=[c[0] for c in SCALAR_CASES])
def test_scalar_and_promotion(fn):
    check(fn, randn(6).astype(np.float32), atol=1e-5)
    check(fn, randn(6))


LOW_PRECISION = ["abs", "sign", "reciprocal", "sqrt", "rsqrt", "square", "exp", "exp2", "expm1", "log", "log2",
                 "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
                 "atanh", "sigmoid", "logit", "erf", "erfc", "erfinv", "relu", "floor", "ceil", "round", "trunc",
                 "frac", "deg2rad", "rad2deg", "nan_to_num"]
LOW_PRECISION_BINARY = [
    lambda t, a, b: (a + b, a * 2.5, a / b, a ** b, a // b, a % b, a.maximum(b), a.clamp(0.3, 0.6), a.lerp(b, 0.3)),
    lambda t, a, b: (a.atan2(b), a.hypot(b), a.xlogy(b), a.copysign(-b), a.logaddexp(b), a < b),
]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", LOW_PRECISION)
def test_low_precision_unary(name, dtype):
    check(lambda t, x: getattr(t, name)(x.to(getattr(t, dtype))), prob(6), atol=1e-2, rtol=1e-2, grad=False)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("fn", LOW_PRECISION_BINARY)
def test_low_precision_binary(fn, dtype):
    def cast_fn(t, a, b):
        return fn(t, a.to(getattr(t, dtype)), b.to(getattr(t, dtype)))
    check(cast_fn, prob(6), prob(6), atol=1e-2, rtol=1e-2, grad=False)


# ------------------------------------------------------------------------------- edge values

INF, NAN = np.inf, np.nan
EDGES = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.5, INF, -INF, NAN])


@pytest.mark.parametrize("fn", [
    lambda t, x: x / 0, lambda t, x: x / x, lambda t, x: 0 / x, lambda t, x: x // 0, lambda t, x: x % 0,
    lambda t, x: t.fmod(x, 0.0), lambda t, x: x // 1.5, lambda t, x: x % -1.5, lambda t, x: t.fmod(x, -1.5),
    lambda t, x: t.div(x, 0, rounding_mode="trunc"), lambda t, x: t.log(x), lambda t, x: t.sqrt(x),
    lambda t, x: t.rsqrt(x), lambda t, x: t.reciprocal(x), lambda t, x: x ** -1, lambda t, x: x ** 0.5,
    lambda t, x: 0.0 ** x, lambda t, x: t.exp(x * 1000), lambda t, x: t.sigmoid(x * 1000), lambda t, x: t.sign(x),
    lambda t, x: t.relu(x), lambda t, x: t.asin(x), lambda t, x: t.atanh(x), lambda t, x: t.acosh(x),
    lambda t, x: t.logit(x), lambda t, x: t.erf(x), lambda t, x: t.erfc(x), lambda t, x: t.erfinv(x),
    lambda t, x: t.nan_to_num(x), lambda t, x: t.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0),
    lambda t, x: (t.isnan(x), t.isinf(x), t.isposinf(x), t.isneginf(x), t.isfinite(x)),
    lambda t, x: t.clamp(x, -1, 1), lambda t, x: t.round(x), lambda t, x: t.frac(x), lambda t, x: t.xlogy(x, x),
    lambda t, x: t.xlogy(0, x), lambda t, x: t.copysign(t.ones_like(x) * 2, x), lambda t, x: t.log1p(x - 1),
    lambda t, x: t.isclose(x, x, equal_nan=True), lambda t, x: t.isclose(x, x),
    lambda t, x: t.logaddexp(x, x), lambda t, x: t.hypot(x, x), lambda t, x: t.atan2(x, x),
])
def test_edge_values(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # shows everything but what flambeau itself silences
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"flambeau\.")
        check(fn, EDGES, grad=False)
        check(fn, EDGES.astype(np.float32), grad=False)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], "NumPy warnings leaked to the user"


@pytest.mark.parametrize("fn", [
    lambda t, a, b: t.maximum(a, b), lambda t, a, b: t.minimum(a, b), lambda t, a, b: t.fmax(a, b),
    lambda t, a, b: t.fmin(a, b), lambda t, a, b: t.clamp(a, min=b), lambda t, a, b: t.clamp(a, max=b),
])
def test_extremum_ties_and_nan(fn):
    a = np.array([1.0, 0.0, NAN, 2.0, NAN, 3.0])
    b = np.array([1.0, 1.0, 1.0, NAN, NAN, 3.0])
    check(fn, a, b)


def test_gradients_at_kinks():
    """Gradients where the function has a kink or a singularity: PyTorch's choices."""
    x = np.array([0.0, 1.0, -1.0, 0.5, 2.0, NAN])
    check(lambda t, x: (t.clamp(x, 0, 1), t.clamp(x, min=0), t.clamp(x, max=1), t.clamp(x, 1, 0)), x)
    check(lambda t, x: (t.relu(x), t.abs(x), t.sign(x), t.sqrt(x), t.rsqrt(x)), x)
    check(lambda t, x: (t.logit(x), t.logit(x, eps=0.5), t.erfinv(x), t.nan_to_num(x / 0)), x)
    check(lambda t, x: (x ** 0.0, x ** 2.0, 0.0 ** x, t.copysign(x, -x)), x)
    check(lambda t, x, y: (t.xlogy(x, y), t.atan2(x, y), t.hypot(x, y)), np.array([0.0, 0.0, 0.0, 1.0]),
          np.array([2.0, 0.0, -1.0, 0.0]))
    check(lambda t, x, y: (t.remainder(x, y), t.fmod(x, y), x ** y), np.array([5.0, -5.0, 0.0]),
          np.array([0.0, 3.0, 2.0]))


def test_special_functions_accuracy():
    x = np.concatenate([np.linspace(-6, 6, 241), [1e-300, -1e-20, 27.0, -40.0]])
    check(lambda t, x: (t.erf(x), t.erfc(x)), x, atol=1e-7, rtol=1e-14)
    y = np.concatenate([np.linspace(-0.999, 0.999, 201), 1 - np.logspace(-12, -1, 12), [1e-300, -1e-20]])
    check(lambda t, y: t.erfinv(y), y, atol=1e-7, rtol=1e-13)
    # float32 computes in float32 with one rational function: within 5e-7 of torch's nearly exact one
    x32 = np.concatenate([np.linspace(-6, 6, 20001), [0.0, -0.0, 1e-30, np.inf, -np.inf, NAN]]).astype(np.float32)
    check(lambda t, x: t.erf(x), x32, atol=5e-7, rtol=0)


def test_lerp_broadcast_and_scalar_weight():
    check(lambda t, a, b, w: (t.lerp(a, b, w), t.lerp(a, b, 2), a.lerp(b, 0.75)), randn(3, 1), randn(4), randn(3, 4))


def test_div_by_zero_floats_in_gradients():
    check(lambda t, x, y: x / y, randn(3), np.zeros(3))


# ------------------------------------------------------------------------------- in-place forms

INPLACE_UNARY = ["abs", "absolute", "neg", "negative", "sign", "reciprocal", "sqrt", "rsqrt", "square", "exp",
                 "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "arcsin", "acos",
                 "arccos", "atan", "arctan", "sinh", "cosh", "tanh", "sigmoid",
                 "logit", "erf", "erfc", "erfinv", "relu", "floor", "ceil", "round", "trunc", "fix", "frac",
                 "deg2rad", "rad2deg", "nan_to_num"]


@pytest.mark.parametrize("name", INPLACE_UNARY)
def test_inplace_unary(name):
    def fn(t, x):
        y = x * 1  # a non-leaf: the in-place op's gradient flows back through it
        out = getattr(y, name + "_")()
        assert out is y
        return y
    check(fn, unit(3, 4))


@pytest.mark.parametrize("name", ["sgn", "asinh", "arcsinh", "atanh", "arctanh"])
def test_inplace_unary_values(name):
    """torch has no derivative for these in-place forms (and a ZeroTensor one for sgn_): values only."""
    check(lambda t, x: getattr(x.clone(), name + "_")(), unit(3, 4), grad=False)


def test_inplace_heaviside_values():
    check(lambda t, x, v: x.clone().heaviside_(v), np.array([0.0, -1.0, 2.0]), np.array([0.5]), grad=False)


INPLACE_BINARY = [
    ("add_", lambda y, b: y.add_(b, alpha=2)), ("sub_", lambda y, b: y.sub_(b)), ("mul_", lambda y, b: y.mul_(b)),
    ("div_", lambda y, b: y.div_(b)), ("div_floor_", lambda y, b: y.div_(b, rounding_mode="floor")),
    ("pow_", lambda y, b: y.abs_().pow_(b)), ("iadd", lambda y, b: y.__iadd__(b)),
    ("isub", lambda y, b: y.__isub__(2)),
    ("imul", lambda y, b: y.__imul__(b)), ("itruediv", lambda y, b: y.__itruediv__(b)),
    ("ipow", lambda y, b: y.__ipow__(2)),
    ("imod", lambda y, b: y.__imod__(b)), ("remainder_", lambda y, b: y.remainder_(b)),
    ("fmod_", lambda y, b: y.fmod_(b)), ("atan2_", lambda y, b: y.atan2_(b)), ("arctan2_", lambda y, b: y.arctan2_(b)),
    ("hypot_", lambda y, b: y.hypot_(b)),
    ("copysign_", lambda y, b: y.copysign_(b)), ("xlogy_", lambda y, b: y.xlogy_(b)),
    ("lerp_", lambda y, b: y.lerp_(b, 0.25)), ("addcmul_", lambda y, b: y.addcmul_(b, b, value=3)),
    ("addcdiv_", lambda y, b: y.addcdiv_(b, b + 3)), ("clamp_", lambda y, b: y.clamp_(-0.5, 0.5)),
    ("clamp_tensor_", lambda y, b: y.clamp_(min=b)), ("clip_", lambda y, b: y.clip_(max=0.2)),
    ("clamp_min_", lambda y, b: y.clamp_min_(0.1)), ("clamp_max_", lambda y, b: y.clamp_max_(b)),
    ("float_power_", lambda y, b: y.float_power_(2)),
    ("lt_", lambda y, b: y.lt_(b)), ("ge_", lambda y, b: y.ge_(0)), ("eq_", lambda y, b: y.eq_(b)),
    ("logical_and_", lambda y, b: y.logical_and_(b)), ("logical_not_", lambda y, b: y.logical_not_()),
    ("round_decimals_", lambda y, b: y.round_(decimals=1)),
]


@pytest.mark.parametrize("op", [c[1] for c in INPLACE_BINARY], ids=[c[0] for c in INPLACE_BINARY])
def test_inplace_binary(op):
    def fn(t, x, b):
        y = x * 1
        assert op(y, b) is y
        return y
    check(fn, unit(3, 4), positive(4))


def test_inplace_integer_and_namespace_forms():
    check(lambda t, a, b: (a.clone().abs_(), a.clone().__ifloordiv__(b), a.clone().__ilshift__(1),
                           a.clone().__iand__(b), a.clone().bitwise_not_(), a.clone().lt_(b), a.clone().__irshift__(b)),
          randint(-9, 9, 5), randint(1, 4, 5))
    check(lambda t, x: (t.relu_(x * 1), t.sigmoid_(x * 1), t.exp_(x * 1), t.clamp_(x * 1, 0), t.abs_(x * 1),
                        t.xlogy_(x * 1, 2.0), t.erf_(x * 1), t.round_(x * 1), t.square_(x * 1)), randn(4))


def test_inplace_view_of_nonleaf():
    def fn(t, x, b):
        y = x * 2
        y.t()[2].add_(b[1])
        y[1].sigmoid_()
        return y
    check(fn, randn(3, 4), randn(4))


def test_out_argument():
    def fn(t, a, b):
        out = t.empty(0)
        t.add(a, b, out=out)
        o2 = t.empty(3, 4, dtype=t.float64)
        t.mul(a, b, out=o2)
        o3 = t.empty(3, 4)
        t.clamp(a, 0, 1, out=o3)
        return out, o2, o3, t.sin(a, out=t.empty(0)), t.floor(a, out=t.empty(3, 4)), t.atan2(a, b, out=t.empty(0))
    check(fn, randn(3, 4).astype(np.float32), randn(4).astype(np.float32), grad=False)


# ------------------------------------------------------------------------------- errors

ERRORS = [
    ("int_floordiv_zero", lambda t, a, b: a // 0), ("int_mod_zero", lambda t, a, b: a % (b * 0)),
    ("int_fmod_zero", lambda t, a, b: t.fmod(a, 0)),
    ("int_trunc_zero", lambda t, a, b: t.div(a, 0, rounding_mode="trunc")),
    ("int_negative_scalar_pow", lambda t, a, b: a ** -1), ("bool_sub", lambda t, a, b: (a > 0) - (b > 0)),
    ("bool_sub_scalar", lambda t, a, b: (a > 0) - 1), ("bool_rsub_scalar", lambda t, a, b: 1 - (a > 0)),
    ("bool_neg", lambda t, a, b: -(a > 0)),
    ("bool_pos", lambda t, a, b: +(a > 0)), ("bool_abs", lambda t, a, b: abs(a > 0)),
    ("bool_pow", lambda t, a, b: (a > 0) ** (b > 0)), ("bool_floordiv", lambda t, a, b: (a > 0) // (b > 0)),
    ("bool_remainder", lambda t, a, b: (a > 0) % (b > 0)), ("bool_shift", lambda t, a, b: (a > 0) << (b > 0)),
    ("bool_relu", lambda t, a, b: t.relu(a > 0)), ("bool_round", lambda t, a, b: t.round(a > 0)),
    ("bool_trunc", lambda t, a, b: t.trunc(a > 0)), ("bool_clamp", lambda t, a, b: t.clamp(a > 0, min=True)),
    ("float_shift", lambda t, a, b: a.double() << 1),
    ("float_bitwise_and", lambda t, a, b: t.bitwise_and(a.double(), b.double())),
    ("float_invert", lambda t, a, b: ~a.double()), ("int_frac", lambda t, a, b: t.frac(a)),
    ("int_round_decimals", lambda t, a, b: t.round(a, decimals=1)), ("int_hypot", lambda t, a, b: t.hypot(a, b)),
    ("int_logaddexp", lambda t, a, b: t.logaddexp(a, b)), ("int_lerp", lambda t, a, b: t.lerp(a, b, 0.5)),
    ("int_addcdiv", lambda t, a, b: t.addcdiv(a, a, b)),
    ("bool_addcmul", lambda t, a, b: t.addcmul(a > 0, a > 0, b > 0)),
    ("int_add_float_alpha", lambda t, a, b: t.add(a, b, alpha=0.5)),
    ("int_sub_bool_alpha", lambda t, a, b: t.sub(a, b, alpha=True)),
    ("clamp_no_bounds", lambda t, a, b: t.clamp(a)), ("clamp_mixed_bounds", lambda t, a, b: t.clamp(a, b, 3)),
    ("minimum_scalar", lambda t, a, b: t.minimum(a, 2)), ("atan2_scalar", lambda t, a, b: t.atan2(a, 2)),
    ("hypot_scalar", lambda t, a, b: t.hypot(a.double(), 2.0)), ("isclose_scalar", lambda t, a, b: t.isclose(a, 1)),
    ("isclose_dtypes", lambda t, a, b: t.isclose(a, b.double())),
    ("isclose_negative_rtol", lambda t, a, b: t.isclose(a, b, rtol=-1)),
    ("logical_and_scalar", lambda t, a, b: t.logical_and(a, 1)), ("fmod_scalar_first", lambda t, a, b: t.fmod(5, a)),
    ("heaviside_dtypes", lambda t, a, b: t.heaviside(a, b.double())),
    ("heaviside_scalar", lambda t, a, b: t.heaviside(a, 0.5)),
    ("lerp_dtypes", lambda t, a, b: t.lerp(a.float(), b.double(), 0.5)),
    ("lerp_weight_dtype", lambda t, a, b: t.lerp(a.float(), b.float(), b.double())),
    ("div_bad_rounding_mode", lambda t, a, b: t.div(a, b, rounding_mode="round")),
    ("inplace_int_true_divide", lambda t, a, b: a.clone().div_(b)),
    ("inplace_int_sqrt", lambda t, a, b: a.clone().sqrt_()),
    ("inplace_int_add_float", lambda t, a, b: a.clone().add_(0.5)),
    ("float_power_inplace_float32", lambda t, a, b: a.float().float_power_(2)),
    ("broadcast_mismatch", lambda t, a, b: a[:2] + b),
    ("inplace_broadcast_grow", lambda t, a, b: a[:1].clone().add_(b)),
    ("floor_divide_backward", lambda t, a, b: (a.double().requires_grad_() // 2).sum().backward()),
    ("heaviside_backward", lambda t, a, b: t.heaviside(a.double().requires_grad_(), b.double()).sum().backward()),
    ("leaf_inplace", lambda t, a, b: a.double().requires_grad_().exp_()),
]


@pytest.mark.parametrize("fn", [c[1] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_errors(fn):
    check_raises(fn, randint(1, 5, 3), randint(1, 5, 3))
