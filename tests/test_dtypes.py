"""Type promotion (promote_types, result_type, can_cast and real ops) for every dtype pair and operand
category, conversions (.to, .float(), .type ...) and finfo/iinfo, all against PyTorch."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_raises

# NOTE: flambeau has no complex32/bcomplex32; where PyTorch promotes a half type with a complex
# number to them, flambeau gives complex64 (see docs/differences.md)
_HALF_COMPLEX = {"torch.complex32": "torch.complex64", "torch.bcomplex32": "torch.complex64"}


def expected(torch_dtype) -> str:
    return _HALF_COMPLEX.get(str(torch_dtype), str(torch_dtype))


NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
         "complex64", "complex128"]
PAIRS = list(itertools.product(NAMES, NAMES))


def dt(lib, name):
    return getattr(lib, name)


@pytest.mark.parametrize("a", NAMES)
def test_promote_types_and_can_cast(a):
    for b in NAMES:
        assert repr(flambeau.promote_types(dt(flambeau, a), dt(flambeau, b))) == \
            str(torch.promote_types(dt(torch, a), dt(torch, b))), (a, b)
        assert flambeau.can_cast(dt(flambeau, a), dt(flambeau, b)) == torch.can_cast(dt(torch, a), dt(torch, b)), (a, b)


def _operand(lib, name, kind):
    """A tensor of dtype `name` in one of PyTorch's priority categories: dimensioned or zero-dim."""
    data = [1, 0] if kind == "dim" else 1
    return lib.tensor(data).to(dt(lib, name))


SCALARS = [True, 2, 2.5, 1 + 1j]


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("kinds", [("dim", "dim"), ("dim", "zero"), ("zero", "dim"), ("zero", "zero")], ids=str)
def test_result_type_tensor_pairs(a, kinds):
    for b in NAMES:
        want = torch.result_type(_operand(torch, a, kinds[0]), _operand(torch, b, kinds[1]))
        got = flambeau.result_type(_operand(flambeau, a, kinds[0]), _operand(flambeau, b, kinds[1]))
        assert repr(got) == expected(want), (a, b, kinds)


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("kind", ["dim", "zero"])
def test_result_type_with_python_scalars(a, kind):
    for s in SCALARS:
        want = torch.result_type(_operand(torch, a, kind), s)
        assert repr(flambeau.result_type(_operand(flambeau, a, kind), s)) == expected(want), (a, s)
        want = torch.result_type(s, _operand(torch, a, kind))
        assert repr(flambeau.result_type(s, _operand(flambeau, a, kind))) == expected(want), (s, a)


def test_result_type_of_two_scalars():
    for s1, s2 in itertools.product(SCALARS, SCALARS):
        assert repr(flambeau.result_type(s1, s2)) == str(torch.result_type(s1, s2)), (s1, s2)


def test_result_type_follows_default_dtype():
    try:
        for lib in (torch, flambeau):
            lib.set_default_dtype(lib.float64)
        for s in SCALARS:
            assert repr(flambeau.result_type(flambeau.tensor([1]), s)) == str(torch.result_type(torch.tensor([1]), s))
    finally:
        for lib in (torch, flambeau):
            lib.set_default_dtype(lib.float32)


def test_type_query_errors():
    check_raises(lambda t: t.promote_types(t.float32, "x"))
    check_raises(lambda t: t.can_cast(1, t.float32))


ARITH = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("a", ARITH)
@pytest.mark.parametrize("kinds", [("dim", "dim"), ("dim", "zero"), ("zero", "zero")], ids=str)
def test_real_ops_promote_like_torch(a, kinds):
    """Addition and multiplication really produce the promoted dtype (and the same values)."""
    for b in ARITH:
        def fn(lib):
            x, y = _operand(lib, a, kinds[0]), _operand(lib, b, kinds[1])
            return x * y, y + x if (a, b) != ("bool", "bool") else x * y
        assert_same(fn(torch), fn(flambeau), atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("a", ARITH)
def test_real_ops_with_scalars(a):
    for s in [True, 3, -1.5]:
        assert_same(torch.tensor([1, 0]).to(dt(torch, a)) * s, flambeau.tensor([1, 0]).to(dt(flambeau, a)) * s,
                    atol=1e-3, rtol=1e-3)


# ------------------------------------------------------------------------------------ conversions

CAST_VALUES = np.array([0.0, -0.5, 1.7, -2.9, 300.0, -300.0, 127.9, 255.5, 65539.0, 1e10, -1e10, np.nan, np.inf, -np.inf])


@pytest.mark.parametrize("src", ["float16", "float32", "float64"])
def test_casting_values(src):
    """Float -> int truncates toward zero; out-of-range values and nan convert as in PyTorch on this platform."""
    for dst in NAMES[:-2]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns on nan -> int casts
            check(lambda t, x: x.to(dt(t, src)).to(dt(t, dst)), CAST_VALUES, grad=False)


def test_int_casts_wrap():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns on overflowing casts
        _int_casts()


def _int_casts():
    check(lambda t, x: (x.to(t.uint8), x.to(t.int8), x.to(t.int16), x.to(t.bool), x.to(t.float16)),
          np.array([-1, 255, 256, 40000, -129, 0, 70000], dtype=np.int64), grad=False)
    check(lambda t, x: (x.to(t.int64), x.to(t.float32)), np.array([True, False]), grad=False)


METHODS = ["float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool", "cfloat", "cdouble"]


@pytest.mark.parametrize("method", METHODS)
def test_conversion_methods(method):
    check(lambda t, x: getattr(x, method)(), np.array([[1.5, -2.7], [3.2, 0.0]]), grad=False)
    check(lambda t, x: getattr(x, method)(), np.array([[1, -2], [3, 0]]), grad=False)


TO_CASES = [
    lambda t, x: x.to(t.float64), lambda t, x: x.to("cpu"), lambda t, x: x.to("cpu", t.int32),
    lambda t, x: x.to(dtype=t.int16), lambda t, x: x.to(t.device("cpu"), dtype=t.float16),
    lambda t, x: x.to(t.tensor([1], dtype=t.int8)), lambda t, x: x.to(float), lambda t, x: x.to(int),
    lambda t, x: x.to(bool), lambda t, x: x.type(t.float64), lambda t, x: x.type("torch.IntTensor"),
    lambda t, x: x.type(), lambda t, x: x.long().type(), lambda t, x: x.type_as(t.tensor([1])),
    lambda t, x: x.to(t.float32, copy=True), lambda t, x: x.t().to(t.float64).stride(),
    lambda t, x: x.t().clone().stride(), lambda t, x: x.t().contiguous().stride(),
    lambda t, x: x.to(t.float32) is x, lambda t, x: x.to(t.float32, copy=True) is x, lambda t, x: x.float() is x,
    lambda t, x: x.to("cpu") is x, lambda t, x: x.contiguous() is x, lambda t, x: x.clone().data_ptr() == x.data_ptr(),
    lambda t, x: x.to(None) is x, lambda t, x: x.to(None, t.float64),
]


@pytest.mark.parametrize("fn", TO_CASES, ids=range(len(TO_CASES)))
def test_to_forms(fn):
    check(fn, np.array([[1.5, -2.7], [3.2, 0.0]], np.float32), grad=False)


def test_to_gradients():
    check(lambda t, x: x.to(t.float32) * 2, np.array([1.5, -2.5]))
    check(lambda t, x: x.double().sum(), np.array([1.5, -2.5], np.float32))
    check(lambda t, x: x.clone() * x, np.array([[1.5, -2.5]]), noncontig=True)


TO_ERRORS = [lambda t, x: x.to("cuda"), lambda t, x: x.to(t.float32, t.float64), lambda t, x: x.to("foo"),
             lambda t, x: x.to(t.float32, foo=1)]


@pytest.mark.parametrize("fn", TO_ERRORS, ids=range(len(TO_ERRORS)))
def test_to_errors(fn):
    check_raises(fn, np.ones(2, np.float32))


# ------------------------------------------------------------------------------------ finfo / iinfo

FLOATS = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo(name):
    f, t = flambeau.finfo(dt(flambeau, name)), torch.finfo(dt(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(f, attr) == getattr(t, attr), attr


def test_finfo_default_and_errors():
    assert flambeau.finfo().eps == torch.finfo().eps
    check_raises(lambda t: t.finfo(t.int32))
    check_raises(lambda t: t.iinfo(t.float32))


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    f, t = flambeau.iinfo(dt(flambeau, name)), torch.iinfo(dt(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(f, attr) == getattr(t, attr), attr


@pytest.mark.parametrize("name", NAMES)
def test_dtype_properties(name):
    f, t = dt(flambeau, name), dt(torch, name)
    assert (f.is_floating_point, f.is_complex, f.is_signed, f.itemsize) == \
        (t.is_floating_point, t.is_complex, t.is_signed, t.itemsize)
    assert repr(f) == repr(t) and str(f) == str(t)
    if f.is_floating_point or f.is_complex:
        assert repr(f.to_real()) == repr(t.to_real())
        assert repr(f.to_complex()) == expected(t.to_complex())
