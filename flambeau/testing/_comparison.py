"""torch.testing.assert_close: compare tensors, NumPy arrays, Python numbers and nested sequences or
mappings of them, with PyTorch's default tolerances per dtype and its mismatch report.

Like PyTorch, the inputs are first paired up (structure, types and tolerances are checked for all of
them, so a structural error wins over a value mismatch), then each pair is compared and the first
failure is raised, naming the item where it occurred.
"""
from __future__ import annotations

import cmath
import collections.abc
from typing import Any, Callable

import numpy as np

from .._dtype import bfloat16, complex64, complex128, dtype as Dtype, float16, float32, float64, int64, \
    promote_types
from .._tensor import Tensor

# {dtype: (rtol, atol)}; every other dtype compares exactly
_DTYPE_PRECISIONS = {
    float16: (0.001, 1e-5),
    bfloat16: (0.016, 1e-5),
    float32: (1.3e-6, 1e-5),
    float64: (1e-7, 1e-7),
    complex64: (1.3e-6, 1e-5),
    complex128: (1e-7, 1e-7),
}
_NUMBER_DTYPES = {int: int64, float: float64, complex: complex128}


class _Mismatch(Exception):
    """A failed check: the exception type to raise, its message and the path of the item."""

    def __init__(self, kind: type, msg: str, path: tuple = ()):
        super().__init__(msg)
        self.kind, self.msg, self.path = kind, msg, path

    def to_error(self, msg: str | Callable[[str], str] | None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.path:
            text += f"\n\nThe failure occurred for item {''.join(str([p]) for p in self.path)}"
        return self.kind(msg(text) if callable(msg) else text)


def default_tolerances(*dtypes: Dtype) -> tuple[float, float]:
    """The loosest (rtol, atol) over the dtypes."""
    rtols, atols = zip(*(_DTYPE_PRECISIONS.get(d, (0.0, 0.0)) for d in dtypes))
    return max(rtols), max(atols)


def _tolerances(dtypes, rtol, atol, path) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                                    f"but got no {'rtol' if rtol is None else 'atol'}.", path)
    return (rtol, atol) if rtol is not None else default_tolerances(*dtypes)


# ---------------------------------------------------------------- pairing the inputs

def _pairs(actual, expected, path: tuple, options: dict) -> list:
    """(compare function, actual, expected, path, tolerances) for every leaf of the inputs."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: {len(actual)} != "
                                            f"{len(expected)}", path)
        return [p for i in range(len(actual)) for p in _pairs(actual[i], expected[i], (*path, i), options)]
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        a_keys, e_keys = set(actual.keys()), set(expected.keys())
        if a_keys != e_keys:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                                            f"Missing keys in the actual mapping: {sorted(e_keys - a_keys)}\n"
                                            f"Additional keys in the actual mapping: {sorted(a_keys - e_keys)}", path)
        try:  # a deterministic order, so the first failure reported is always the same one
            keys = sorted(a_keys)
        except TypeError:
            keys = list(a_keys)
        return [p for k in keys for p in _pairs(actual[k], expected[k], (*path, k), options)]
    return [_leaf(actual, expected, path, options)]


def _is_sequence(x) -> bool:
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)


def _leaf(actual, expected, path: tuple, options: dict):
    rtol, atol = options["rtol"], options["atol"]
    if actual is None or expected is None:
        return _compare_none, actual, expected, path, None
    if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        return _compare_bool, bool(actual), bool(expected), path, None
    number = (int, float, complex, np.number)
    if isinstance(actual, number) and isinstance(expected, number):
        a, e = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        if type(a) not in _NUMBER_DTYPES or type(e) not in _NUMBER_DTYPES:  # a bool beside a number
            raise _Mismatch(RuntimeError, f"Cannot compare {type(actual)} {actual!r} with {type(expected)} "
                                          f"{expected!r}: a bool and a number", path)
        tolerances = _tolerances([_NUMBER_DTYPES[type(x)] for x in (a, e)], rtol, atol, path)
        return _compare_numbers, a, e, path, tolerances
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if related and isinstance(actual, (Tensor, np.ndarray)) and (options["allow_subclasses"]
                                                                  or type(actual) is type(expected)):
        a, e = (x if isinstance(x, Tensor) else _from_numpy(x) for x in (actual, expected))
        return _compare_tensors, a, e, path, _tolerances([a.dtype, e.dtype], rtol, atol, path)
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                               f"{type(expected)}.", path)


def _from_numpy(array: np.ndarray) -> Tensor:
    from ..ops.creation import as_tensor
    return as_tensor(array)


# ---------------------------------------------------------------- comparing one pair

def _compare_none(actual, expected, path, tolerances, options) -> None:
    if not (actual is None and expected is None):
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", path)


def _compare_bool(actual, expected, path, tolerances, options) -> None:
    if actual is not expected:
        raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}", path)


def _compare_numbers(actual, expected, path, tolerances, options) -> None:
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
    if actual == expected or (options["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected)):
        return
    rtol, atol = tolerances
    diff = abs(actual - expected)
    if cmath.isfinite(diff) and diff <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_report(actual, expected, rtol, atol), path)


def _compare_tensors(actual: Tensor, expected: Tensor, path, tolerances, options) -> None:
    def attribute(name: str, a, e) -> None:
        raise _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", path)

    if actual.shape != expected.shape:
        attribute("shape", actual.shape, expected.shape)
    if actual.layout != expected.layout:
        if options["check_layout"]:
            attribute("layout", actual.layout, expected.layout)
    elif options["check_stride"] and not actual.is_sparse and actual.stride() != expected.stride():
        attribute("stride()", actual.stride(), expected.stride())
    if options["check_device"] and actual.device != expected.device:
        attribute("device", actual.device, expected.device)
    if options["check_dtype"] and actual.dtype != expected.dtype:
        attribute("dtype", actual.dtype, expected.dtype)

    actual, expected = actual.detach(), expected.detach()
    if actual.dtype != expected.dtype:
        common = promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    if actual.is_sparse and expected.is_sparse:
        _compare_sparse(actual, expected, path, tolerances, options)
        return
    a, e = (_dense_host(x) for x in (actual, expected))
    _compare_arrays(a, e, tolerances, options["equal_nan"], path)


def _dense_host(t: Tensor) -> np.ndarray:
    return (t.to_dense() if t.is_sparse else t).cpu().numpy()


def _compare_sparse(actual: Tensor, expected: Tensor, path, tolerances, options) -> None:
    """Sparse COO tensors, as stored (PyTorch does not coalesce them first): the same number of values,
    equal indices, close values."""
    if actual._nnz() != expected._nnz():
        raise _Mismatch(AssertionError, "The number of specified values in sparse COO tensors does not match: "
                                        f"{actual._nnz()} != {expected._nnz()}", path)
    _compare_arrays(actual._indices().numpy(), expected._indices().numpy(), (0.0, 0.0), False, path,
                    "Sparse COO indices")
    _compare_arrays(actual._values().numpy(), expected._values().numpy(), tolerances, options["equal_nan"], path,
                    "Sparse COO values")


def _compare_arrays(a: np.ndarray, e: np.ndarray, tolerances, equal_nan: bool, path,
                    identifier: str = "Tensor-likes") -> None:
    rtol, atol = tolerances
    matches = _isclose(a, e, rtol, atol, equal_nan)
    if matches.all():
        return
    if a.ndim == 0:
        report = _scalar_report(a.item(), e.item(), rtol, atol)
    else:
        report = _tensor_report(a, e, matches, rtol, atol, identifier)
    raise _Mismatch(AssertionError, report, path)


def _isclose(a: np.ndarray, e: np.ndarray, rtol: float, atol: float, equal_nan: bool) -> np.ndarray:
    """torch.isclose: |a - e| <= atol + rtol * |e|, computed in the inputs' dtype; equal infinities match."""
    with np.errstate(all="ignore"):
        matches = a == e
        if rtol or atol:
            if a.dtype.kind not in "fc" and a.dtype.name != "bfloat16":
                a, e = a.astype(np.float64), e.astype(np.float64)
            diff = np.abs(a - e)
            matches |= np.isfinite(diff) & (diff <= atol + rtol * np.abs(e))
        if equal_nan and (a.dtype.kind in "fc" or a.dtype.name == "bfloat16"):
            matches |= np.isnan(a) & np.isnan(e)
    return matches


# ---------------------------------------------------------------- the reports

def _report(identifier: str, extra: str, abs_diff, abs_idx, rel_diff, rel_idx, rtol: float, atol: float) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind: str, diff, idx, tol) -> str:
        text = f"{kind.title()} difference: {diff}" if idx is None else \
            f"Greatest {kind} difference: {diff} at index {idx}"
        return text if equality else f"{text} (up to {tol} allowed)"

    return (f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra}\n"
            f"{line('absolute', abs_diff, abs_idx, atol)}\n{line('relative', rel_diff, rel_idx, rtol)}")


def _scalar_report(actual, expected, rtol: float, atol: float) -> str:
    diff = abs(actual - expected)
    rel = float("inf") if expected == 0 else diff / abs(expected)
    return _report("Scalars", f"Expected {expected} but got {actual}.", diff, None, rel, None, rtol, atol)


def _tensor_report(a: np.ndarray, e: np.ndarray, matches: np.ndarray, rtol: float, atol: float,
                   identifier: str) -> str:
    total = matches.size
    wrong = total - int(matches.sum())
    extra = f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})"
    shape = matches.shape
    a, e, matches = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
    integral = a.dtype.kind in "biu"
    if integral:
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[matches] = 0
        # PyTorch divides integer tensors in its default float dtype
        work = np.float32 if integral else abs_diff.dtype
        rel_diff = abs_diff.astype(work) / np.abs(e).astype(work)
        rel_diff[matches] = 0
    i, j = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    return _report(identifier, extra, abs_diff[i].item(), _unravel(i, shape), rel_diff[j].item(),
                   _unravel(j, shape), rtol, atol)


def _unravel(flat: int, shape: tuple) -> tuple:
    return tuple(int(k) for k in np.unravel_index(flat, shape))


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise AssertionError unless actual and expected are close: |actual - expected| <= atol + rtol * |expected|
    elementwise, with PyTorch's default rtol/atol for the dtype when neither is given."""
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                   check_stride=check_stride)
    try:
        pairs = _pairs(actual, expected, (), options)
        for compare, a, e, path, tolerances in pairs:
            compare(a, e, path, tolerances, options)
    except _Mismatch as mismatch:
        raise mismatch.to_error(msg) from None
