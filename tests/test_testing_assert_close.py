"""torch.testing.assert_close and make_tensor against PyTorch's: the same inputs must pass or fail
alike, with the same exception type and the same report."""
import math
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch

import flambeau
import flambeau.testing

NAN, INF = math.nan, math.inf

# each case builds (actual, expected, keyword arguments) with either library
CASES = {
    "equal_float32": lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0]), {}),
    "within_default_rtol": lambda t: (t.tensor([1000.0]), t.tensor([1000.001]), {}),
    "one_of_four": lambda t: (t.tensor([1.0, 2, 3, 4]), t.tensor([1.0, 2, 3, 4.1]), {}),
    "two_d_index": lambda t: (t.tensor([[1.0, 2], [3, 4]]), t.tensor([[1.0, 2], [3, 4.1]]), {}),
    "zero_d": lambda t: (t.tensor(1.0), t.tensor(2.0), {}),
    "float64_tolerance": lambda t: (t.tensor([1.0], dtype=t.float64), t.tensor([1.0 + 1e-6], dtype=t.float64), {}),
    "float16_tolerance": lambda t: (t.tensor([1.0, 2.0], dtype=t.float16), t.tensor([1.0, 2.002], dtype=t.float16), {}),
    "float16_mismatch": lambda t: (t.tensor([1.0, 2.0], dtype=t.float16), t.tensor([1.0, 2.01], dtype=t.float16), {}),
    "bfloat16_tolerance": lambda t: (t.tensor([1.0, 2.0], dtype=t.bfloat16), t.tensor([1.0, 2.015625], dtype=t.bfloat16), {}),
    "bfloat16_mismatch": lambda t: (t.tensor([1.0, 2.0], dtype=t.bfloat16), t.tensor([1.0, 2.0625], dtype=t.bfloat16), {}),
    "int_exact": lambda t: (t.tensor([1, 2, 3]), t.tensor([1, 2, 4]), {}),
    "int_thirds": lambda t: (t.tensor([1, 2, 3]), t.tensor([1, 2, 4]) * 0 + t.tensor([1, 3, 3]), {}),
    "bool": lambda t: (t.tensor([True, False]), t.tensor([True, True]), {}),
    "dtype_mismatch": lambda t: (t.tensor([1.0, 2]), t.tensor([1.0, 2], dtype=t.float64), {}),
    "dtype_unchecked": lambda t: (t.tensor([1.0, 2]), t.tensor([1.0, 2], dtype=t.float64), {"check_dtype": False}),
    "dtype_unchecked_int_float": lambda t: (t.tensor([1, 2]), t.tensor([1.0, 2.5]), {"check_dtype": False}),
    "shape_mismatch": lambda t: (t.tensor([1.0, 2]), t.tensor([1.0, 2, 3]), {}),
    "only_rtol": lambda t: (t.tensor([1.0]), t.tensor([1.0]), {"rtol": 1e-3}),
    "only_atol": lambda t: (t.tensor([1.0]), t.tensor([1.0]), {"atol": 1e-3}),
    "override_passes": lambda t: (t.tensor([1.0, 2]), t.tensor([1.0, 2.05]), {"rtol": 0.0, "atol": 0.1}),
    "override_fails": lambda t: (t.tensor([1.0, 2]), t.tensor([1.0, 2.5]), {"rtol": 0.01, "atol": 0.1}),
    "override_zero_is_equality": lambda t: (t.tensor([1.0, 2]), t.tensor([1.0, 2.5]), {"rtol": 0, "atol": 0}),
    "nan_unequal": lambda t: (t.tensor([NAN]), t.tensor([NAN]), {}),
    "nan_equal": lambda t: (t.tensor([1.0, NAN]), t.tensor([1.0, NAN]), {"equal_nan": True}),
    "inf_equal": lambda t: (t.tensor([1.0, INF]), t.tensor([1.0, INF]), {}),
    "inf_opposite": lambda t: (t.tensor([1.0, INF]), t.tensor([1.0, -INF]), {}),
    "zero_expected": lambda t: (t.tensor([0.0, 1.0]), t.tensor([0.0, 1e-3]), {}),
    "relative_at_zero": lambda t: (t.tensor([1.0, 0.5]), t.tensor([0.0, 0.4]), {}),
    "complex": lambda t: (t.tensor([1 + 1j]), t.tensor([1 + 2j]), {}),
    "empty": lambda t: (t.zeros(0, 3), t.zeros(0, 3), {}),
    "requires_grad_ignored": lambda t: (t.tensor([1.0, 2]), t.tensor([1.0, 2.5]).requires_grad_(), {}),
    "stride_checked": lambda t: (t.zeros(2, 3), t.zeros(3, 2).t(), {"check_stride": True}),
    "stride_unchecked": lambda t: (t.zeros(2, 3), t.zeros(3, 2).t(), {}),
    "custom_msg": lambda t: (t.tensor([1.0, 2]), t.tensor([1.5, 2]), {"msg": "custom"}),
    "callable_msg": lambda t: (t.tensor([1.0, 2]), t.tensor([1.5, 2]), {"msg": lambda m: m + "!!"}),
    "numpy_arrays": lambda t: (np.array([1.0, 2.0]), np.array([1.0, 2.5]), {}),
    "int_vs_float": lambda t: (1, 1.0, {}),
    "floats": lambda t: (1.0, 1.1, {}),
    "floats_close": lambda t: (1.0, 1.0 + 1e-8, {}),
    "int_float_unchecked": lambda t: (1, 1.0 + 1e-8, {"check_dtype": False}),
    "numpy_scalar": lambda t: (np.float32(0.5), 0.5, {}),
    "complex_numbers": lambda t: (1 + 1j, 1 + 1.5j, {}),
    "float_nan": lambda t: (NAN, NAN, {"equal_nan": True}),
    "bools": lambda t: (True, False, {}),
    "nones": lambda t: (None, None, {}),
    "none_vs_int": lambda t: (None, 1, {}),
    "sequence_item": lambda t: ([1.0, 2.0], [1.0, 2.5], {}),
    "sequence_length": lambda t: ([1.0, 2.0], (1.0,), {}),
    "nested": lambda t: ({"a": [t.tensor([1.0]), {"b": t.tensor([2.0, 3.0])}]},
                         {"a": [t.tensor([1.0]), {"b": t.tensor([2.0, 3.5])}]}, {}),
    "mapping_keys": lambda t: ({"a": 1.0, "c": 2.0}, {"b": 1.0, "c": 2.0}, {}),
    "ordered_dict_state": lambda t: (OrderedDict(w=t.ones(2), b=t.zeros(1)), {"b": t.zeros(1), "w": t.ones(2)}, {}),
    "structure_before_values": lambda t: ([t.tensor([1.0]), [1.0, 2.0]], [t.tensor([2.0]), [1.0]], {}),
    "first_failure_wins": lambda t: ([t.tensor([1.0]), 2.0], [t.tensor([2.0]), 3.0], {}),
}


def run(lib, name):
    actual, expected, kwargs = CASES[name](lib)
    try:
        lib.testing.assert_close(actual, expected, **kwargs)
    except Exception as e:  # noqa: BLE001  (the exception is the result compared)
        return type(e), str(e)
    return None, None


@pytest.mark.parametrize("name", list(CASES))
def test_same_decision_and_report_as_torch(name):
    t_type, t_msg = run(torch, name)
    f_type, f_msg = run(flambeau, name)
    assert f_type is t_type, (f_msg, t_msg)
    assert f_msg == t_msg


# Tensor vs non-tensor: the same TypeError, whose message names each library's own classes
@pytest.mark.parametrize("make", [lambda t: (t.tensor([1.0]), 1.0), lambda t: (t.tensor([1.0]), np.array([1.0])),
                                  lambda t: ("a", "a")], ids=["tensor_float", "tensor_ndarray", "strings"])
def test_unsupported_pairs_raise_type_error(make):
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type") as t_info:
        torch.testing.assert_close(*make(torch))
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type") as f_info:
        flambeau.testing.assert_close(*make(flambeau))
    normalise = lambda m: re.sub(r"<class '[\w.]+(Tensor)'>", r"\1", m)  # noqa: E731
    assert normalise(str(f_info.value)) == normalise(str(t_info.value))


def test_bool_beside_a_number_raises_runtime_error():
    for lib in (torch, flambeau):
        with pytest.raises(RuntimeError):
            lib.testing.assert_close(True, 1)


def test_parameter_and_tensor_compare_as_tensor_likes():
    p = flambeau.nn.Parameter(flambeau.ones(2))
    flambeau.testing.assert_close(p, flambeau.ones(2))
    with pytest.raises(TypeError):
        flambeau.testing.assert_close(p, flambeau.ones(2), allow_subclasses=False)
    with pytest.raises(TypeError):
        torch.testing.assert_close(torch.nn.Parameter(torch.ones(2)), torch.ones(2), allow_subclasses=False)


# ---------------------------------------------------------------- make_tensor

@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "complex64", "int64", "int8",
                                   "uint8", "bool"])
def test_make_tensor_defaults_match_torch(dtype):
    t_x = torch.testing.make_tensor(40, 5, dtype=getattr(torch, dtype), device="cpu")
    f_x = flambeau.testing.make_tensor(40, 5, dtype=getattr(flambeau, dtype), device="cpu")
    assert f_x.shape == tuple(t_x.shape) and str(f_x.dtype) == str(t_x.dtype) and f_x.is_contiguous()
    parts = [f_x.real, f_x.imag] if f_x.is_complex() else [f_x.to(flambeau.float64)]
    low, high = {"bool": (0, 1), "uint8": (0, 9), "int64": (-9, 9), "int8": (-9, 9)}.get(dtype, (-9, 9))
    for p in parts:
        assert low <= p.min().item() and p.max().item() <= high
    assert len(np.unique(f_x.to(flambeau.complex128 if f_x.is_complex() else flambeau.float64).numpy())) > 1


def test_make_tensor_options():
    kwargs = dict(dtype=flambeau.float64, device="cpu")
    x = flambeau.testing.make_tensor((3, 4), low=-1, high=1, requires_grad=True, noncontiguous=True, **kwargs)
    assert x.shape == (3, 4) and not x.is_contiguous() and x.requires_grad and x.is_leaf
    assert -1 <= x.min().item() and x.max().item() < 1
    z = flambeau.testing.make_tensor(50, dtype=flambeau.int64, device="cpu", low=0, high=2, exclude_zero=True)
    assert z.tolist() == [1] * 50
    tiny = flambeau.testing.make_tensor(4, dtype=flambeau.float32, device="cpu", low=0, high=1e-30,
                                        exclude_zero=True)
    assert (tiny > 0).all()
    clamped = flambeau.testing.make_tensor(100, dtype=flambeau.int8, device="cpu", low=-200, high=200)
    assert clamped.min().item() >= -128
    assert flambeau.testing.make_tensor([2, 1], **kwargs).shape == (2, 1)


@pytest.mark.parametrize("kwargs", [dict(low=5, high=1), dict(low=NAN, high=1), dict(requires_grad=True),
                                    dict(low=2, high=2)], ids=["low_above_high", "nan", "grad_int", "empty_range"])
def test_make_tensor_errors_match_torch(kwargs):
    with pytest.raises(Exception) as t_info:
        torch.testing.make_tensor(2, dtype=torch.int64, device="cpu", **kwargs)
    with pytest.raises(type(t_info.value)) as f_info:
        flambeau.testing.make_tensor(2, dtype=flambeau.int64, device="cpu", **kwargs)
    assert str(f_info.value) == str(t_info.value)
    with pytest.raises(TypeError):
        flambeau.testing.make_tensor(2, device="cpu")
