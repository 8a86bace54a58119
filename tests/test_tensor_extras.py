"""Top-level odds and ends (torch.fill, torch.range, nonzero_static, empty_permuted, *_copy views, removed linalg
functions, process-wide switches), against torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_raises, gradcheck, randn

NAMES = ["fill", "fill_", "zero_", "as_strided_", "detach", "detach_", "is_signed", "is_inference", "adjoint",
         "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "range", "nonzero_static", "empty_permuted",
         "nuclear_norm", "frobenius_norm", "get_default_device", "set_default_device", "set_warn_always",
         "is_warn_always_enabled", "set_flush_denormal", "matrix_rank", "qr", "solve", "eig", "lstsq", "symeig",
         "alias_copy", "view_copy", "expand_copy", "permute_copy", "select_copy", "slice_copy", "split_copy",
         "split_with_sizes_copy", "squeeze_copy", "unsqueeze_copy", "t_copy", "transpose_copy", "unbind_copy",
         "unfold_copy", "diagonal_copy", "detach_copy", "view_as_real_copy", "view_as_complex_copy", "as_strided_copy",
         "as_strided_scatter", "histogram", "histogramdd", "gradient", "segment_reduce", "from_file", "poisson",
         "binomial", "frombuffer"]
METHODS = ["as_strided_", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "nonzero_static",
           "as_strided_scatter", "histogram", "qr", "solve", "eig", "lstsq", "symeig", "hardshrink", "prelu"]


def test_names_exist_and_are_callable():
    for name in NAMES:
        assert callable(getattr(torch, name)), name
        assert callable(getattr(flambeau, name, None)), name
    for name in METHODS:
        assert callable(getattr(torch.Tensor, name)), name
        assert callable(getattr(flambeau.Tensor, name, None)), name


X = randn(3, 4)

CASES = {
    "fill": (lambda t, x: t.fill(x, 2.5), X),
    "fill_": (lambda t, x: t.fill_(x * 1, -1.0), X),
    "zero_": (lambda t, x: t.zero_(x * 1), X),
    "detach": (lambda t, x: t.detach(x) * x, X),
    "adjoint": (lambda t, x: t.adjoint(x), X),
    "adjoint_complex": (lambda t, x: t.adjoint(x), (randn(2, 3) + 1j * randn(2, 3)).astype(np.complex128)),
    "unsafe_chunk": (lambda t, x: t.unsafe_chunk(x, 2, 1), X),
    "unsafe_split": (lambda t, x: t.unsafe_split(x, 3, 1), X),
    "unsafe_split_with_sizes": (lambda t, x: t.unsafe_split_with_sizes(x, [1, 3], 1), X),
    "unsafe_split_method": (lambda t, x: x.unsafe_split(2, 0), X),
    "nuclear_norm": (lambda t, x: t.nuclear_norm(x), X),
    "nuclear_norm_dim": (lambda t, x: t.nuclear_norm(x, [0, 2], True), randn(3, 2, 4)),
    "frobenius_norm": (lambda t, x: t.frobenius_norm(x, [0, 1]), X),
    "frobenius_norm_dim": (lambda t, x: t.frobenius_norm(x, [1], True), X),
    "alias_copy": (lambda t, x: t.alias_copy(x), X),
    "view_copy": (lambda t, x: t.view_copy(x, [2, 6]), X),
    "view_copy_dtype": (lambda t, x: t.view_copy(x, t.int64), X),
    "expand_copy": (lambda t, x: t.expand_copy(x, [2, 3, 4]), X),
    "permute_copy": (lambda t, x: t.permute_copy(x, [1, 0]), X),
    "select_copy": (lambda t, x: t.select_copy(x, 1, -1), X),
    "slice_copy": (lambda t, x: t.slice_copy(x, 1, 1, 4, 2), X),
    "slice_copy_default": (lambda t, x: t.slice_copy(x), X),
    "split_copy": (lambda t, x: t.split_copy(x, 2, 1), X),
    "split_with_sizes_copy": (lambda t, x: t.split_with_sizes_copy(x, [1, 2], 0), X),
    "squeeze_copy": (lambda t, x: t.squeeze_copy(x), randn(3, 1, 2)),
    "squeeze_copy_dim": (lambda t, x: t.squeeze_copy(x, 1), randn(3, 1, 2)),
    "unsqueeze_copy": (lambda t, x: t.unsqueeze_copy(x, -1), X),
    "t_copy": (lambda t, x: t.t_copy(x), X),
    "transpose_copy": (lambda t, x: t.transpose_copy(x, 0, 1), X),
    "unbind_copy": (lambda t, x: t.unbind_copy(x, 1), X),
    "unfold_copy": (lambda t, x: t.unfold_copy(x, 1, 2, 1), X),
    "diagonal_copy": (lambda t, x: t.diagonal_copy(x, 1), X),
    "view_as_real_copy": (lambda t, x: t.view_as_real_copy(x), (randn(3) + 1j * randn(3)).astype(np.complex64)),
    "as_strided_copy": (lambda t, x: t.as_strided_copy(x, [2, 2], [1, 2], 1), X),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    fn, *arrays = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the deprecated norms warn in both libraries
        check(fn, *arrays)


def test_copies_own_their_memory():
    x = flambeau.zeros(3, 4)
    for out in (flambeau.t_copy(x), flambeau.select_copy(x, 0, 0), flambeau.alias_copy(x),
                flambeau.permute_copy(x, [1, 0])):
        assert out.is_contiguous()
        out.fill_(7)
    assert not x.any()


def test_as_strided_in_place():
    def fn(t, x):
        y = x[1:] * 1
        assert t.as_strided_(y, (2, 2), (1, 2)) is y
        z = x * 2
        z.as_strided_((2, 3), (3, 1), 1)
        return y, z, y.stride(), z.stride()
    check(fn, X)


def test_no_gradient_copies():
    check(lambda t, x: t.view_as_complex_copy(x), randn(3, 2), grad=False)  # torch: complex outputs, no grad
    check(lambda t, x: t.detach_copy(x), X, grad=False)
    assert not flambeau.detach_copy(flambeau.ones(2, requires_grad=True)).requires_grad


def test_as_strided_scatter():
    # forward and src's gradient as torch; input's gradient by finite differences (docs/differences.md)
    check(lambda t, x, s: t.as_strided_scatter(x.detach(), s, [2, 2], [1, 2], 1), X, randn(2, 2))
    gradcheck(lambda t, x, s: t.as_strided_scatter(x, s, [2, 2], [1, 2], 1), X, randn(2, 2))


def test_predicates():
    for dtype in ("uint8", "int8", "bool", "float16", "float32", "int64"):
        t, f = torch.zeros(2, dtype=getattr(torch, dtype)), flambeau.zeros(2, dtype=getattr(flambeau, dtype))
        assert flambeau.is_signed(f) == torch.is_signed(t)
        assert flambeau.is_inference(f) == torch.is_inference(t)
    f = flambeau.ones(2, requires_grad=True) * 2
    assert flambeau.detach_(f) is f and not f.requires_grad and f.grad_fn is None


@pytest.mark.parametrize("args,kwargs", [((1, 4), {"dtype": "int64"}), ((0, 1, 0.3), {}),
                                         ((3, 1, -1), {}), ((0.5, 2.5, 0.5), {"dtype": "float64"}), ((2, 2), {})])
def test_range_is_end_inclusive_and_warns(args, kwargs):
    out = {}
    for lib in (torch, flambeau):
        kw = {k: getattr(lib, v) for k, v in kwargs.items()}
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            out[lib] = lib.range(*args, **kw)
    assert_same(out[torch], out[flambeau])


def test_range_bad_step():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_raises(lambda t: t.range(0, 1, 0))
        check_raises(lambda t: t.range(0, 3, -1))


@pytest.mark.parametrize("size,fill", [(3, -1), (1, 0), (6, 9), (0, -1)])
def test_nonzero_static(size, fill):
    x = np.array([[0, 1, 0], [2, 0, 3]])
    check(lambda t, x: t.nonzero_static(x, size=size, fill_value=fill), x)
    check_raises(lambda t, x: t.nonzero_static(x, size=-1), x)


@pytest.mark.parametrize("layout", [(0, 1, 2), (0, 2, 1), (2, 0, 1)])
def test_empty_permuted_strides(layout):
    t = torch.empty_permuted((2, 3, 4), layout, dtype=torch.float64)
    f = flambeau.empty_permuted((2, 3, 4), layout, dtype=flambeau.float64)
    assert (tuple(f.shape), f.stride(), repr(f.dtype)) == (tuple(t.shape), t.stride(), str(t.dtype))
    check_raises(lambda lib: lib.empty_permuted((2, 3), (0, 0)))


@pytest.mark.parametrize("name,args", [("matrix_rank", 1), ("qr", 1), ("solve", 2), ("eig", 1), ("lstsq", 2),
                                       ("symeig", 1)])
def test_removed_linalg_raises(name, args):
    a = randn(3, 3)
    check_raises(lambda t, a: getattr(t, name)(*[a] * args), a)
    if hasattr(torch.Tensor, name):
        check_raises(lambda t, a: getattr(a, name)(*[a] * (args - 1)), a)
    with pytest.raises(RuntimeError, match=f"linalg.{'eigh' if name == 'symeig' else name}"):
        getattr(flambeau, name)(flambeau.tensor(a))


def test_process_switches():
    assert repr(flambeau.get_default_device()) == repr(torch.get_default_device())
    flambeau.set_default_device("cpu")
    flambeau.set_default_device(None)
    with pytest.raises(RuntimeError):
        flambeau.set_default_device("meta")
    assert flambeau.is_warn_always_enabled() == torch.is_warn_always_enabled()
    for value in (True, False):
        flambeau.set_warn_always(value)
        torch.set_warn_always(value)
        assert flambeau.is_warn_always_enabled() == torch.is_warn_always_enabled() == value
    assert flambeau.set_flush_denormal(True) is False  # docs/differences.md: NumPy has no such switch
    assert flambeau.set_flush_denormal(False) is False
