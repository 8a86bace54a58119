"""Creation functions compared with PyTorch: values, dtypes, shapes, memory sharing and errors."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_raises, randn


def same(fn, **kw):
    """Run a creation lambda on both libraries and compare."""
    assert_same(fn(torch), fn(flambeau), **kw)


DATA = [1.5, 3, True, 2 + 1j, [], [[]], [1, 2, 3], [1, 2.5], [True, 1], [True, False], [[1.0, 2.0], [3.0, 4.0]],
        [1, 2 + 0j], [[1], [2]], ((1, 2), (3, 4)), [np.float64(1.5), 1], [np.int32(1), np.int32(2)], [np.int32(1), 2],
        np.array([1, 2], np.int16), np.array([[1.5]], np.float16), np.float64(2.5), np.bool_(True)]


@pytest.mark.parametrize("data", DATA, ids=[repr(d) for d in DATA])
def test_tensor_dtype_inference(data):
    same(lambda t: t.tensor(data))
    same(lambda t: t.as_tensor(data))


def test_tensor_of_tensors():
    same(lambda t: t.tensor([t.tensor(1), t.tensor(2.5)]))
    same(lambda t: t.tensor([t.tensor(1, dtype=t.int32), t.tensor(2, dtype=t.int32)]))
    same(lambda t: t.tensor([[t.ones(())], [t.zeros(1)]]))
    same(lambda t: t.tensor(t.arange(6).reshape(2, 3)))
    same(lambda t: t.tensor([t.tensor(1.5, dtype=t.float64), 1]))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "int8", "uint8", "int32", "int64", "bool"])
def test_tensor_explicit_dtype(dtype):
    same(lambda t: t.tensor([[0.0, 1.7], [2.9, 3.0]], dtype=getattr(t, dtype)))
    same(lambda t: t.tensor(np.array([0.5, -1.5]), dtype=getattr(t, dtype)))  # arrays cast without range checks


@pytest.mark.parametrize("case", [([256], "uint8"), ([-256], "uint8"), ([-0.5], "uint8"), ([256.0], "uint8"),
                                  ([300], "int8"), ([-129], "int8"), ([1e10], "int32"), ([2.0 ** 70], "int64"),
                                  ([2 ** 63], "int64")], ids=str)
def test_tensor_out_of_range_python_numbers(case):
    data, dtype = case
    check_raises(lambda t: t.tensor(data, dtype=getattr(t, dtype)))


def test_tensor_in_range_edges():
    same(lambda t: t.tensor([-1, -255, 255], dtype=t.uint8))  # negative ints wrap into uint8
    same(lambda t: t.tensor([255.5, 0.0], dtype=t.uint8))
    same(lambda t: t.tensor([-128, 127.9], dtype=t.int8))


def test_default_dtype_affects_inference():
    try:
        for lib in (torch, flambeau):
            lib.set_default_dtype(lib.float64)
        same(lambda t: t.tensor([1.5, 2]))
        same(lambda t: t.tensor(1 + 2j))
        same(lambda t: t.zeros(2))
        same(lambda t: t.arange(0.0, 1.0, 0.25))
    finally:
        for lib in (torch, flambeau):
            lib.set_default_dtype(lib.float32)


@pytest.mark.parametrize("bad", [[[1, 2], [3]], "a", [1, "a"], [1, None], [flambeau.ones(2), flambeau.ones(2)]],
                         ids=["ragged", "str", "str-in-list", "none", "multi-elem-tensors"])
def test_tensor_errors(bad):
    t_bad = [torch.ones(2), torch.ones(2)] if isinstance(bad, list) and isinstance(bad[0], flambeau.Tensor) else bad
    check_raises(lambda lib: lib.tensor(t_bad if lib is torch else bad))


def test_requires_grad_only_for_floats():
    check_raises(lambda t: t.tensor([1, 2], requires_grad=True))
    assert flambeau.tensor([1.0], requires_grad=True).requires_grad


def test_tensor_copies_and_as_tensor_shares():
    a = np.arange(6.0).reshape(2, 3)
    copied, shared, from_np = flambeau.tensor(a), flambeau.as_tensor(a), flambeau.from_numpy(a)
    a[0, 0] = 100
    assert copied[0, 0].item() == 0 and shared[0, 0].item() == 100 and from_np[0, 0].item() == 100
    assert flambeau.asarray(a).data_ptr() == a.__array_interface__["data"][0]
    assert flambeau.as_tensor(a, dtype=flambeau.float32).dtype == flambeau.float32  # a converting copy
    x = flambeau.ones(3)
    assert flambeau.as_tensor(x) is x


def test_from_numpy():
    for arr in (randn(2, 3), randn(4).astype(np.float32), np.arange(5, dtype=np.int16), np.array([True]), randn(3, 4).T):
        same(lambda t: t.from_numpy(arr))
    check_raises(lambda t: t.from_numpy(np.arange(4.0)[::-1]))
    check_raises(lambda t: t.as_tensor(np.arange(4.0)[::-1]))
    check_raises(lambda t: t.from_numpy([1, 2]))
    check_raises(lambda t: t.from_numpy(np.array(["a"])))


SIZES = [(), (0,), (3,), (2, 3), (2, 0, 4)]


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("name", ["zeros", "ones"])
def test_zeros_ones(name, size):
    same(lambda t: getattr(t, name)(*size) if size else getattr(t, name)(size))
    same(lambda t: getattr(t, name)(size, dtype=t.int32))
    same(lambda t: getattr(t, name)(list(size), dtype=t.bool))
    same(lambda t: getattr(t, name)(t.Size(size), dtype=t.float64))
    same(lambda t: getattr(t, name)(size).requires_grad)
    same(lambda t: getattr(t, name)(size, requires_grad=True).requires_grad)
    same(lambda t: getattr(t, name + "_like")(t.ones(size, dtype=t.int16)))
    same(lambda t: getattr(t, name + "_like")(t.ones(size), dtype=t.float64))
    same(lambda t: getattr(t.ones(2, dtype=t.int8), "new_" + name)(size))
    same(lambda t: getattr(t, name)(size, dtype=t.bfloat16))
    same(lambda t: getattr(t.ones(2, dtype=t.int8), "new_" + name)(size, dtype=t.float16))


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_filled_errors(name):
    check_raises(lambda t: getattr(t, name)(2, -1))
    check_raises(lambda t: getattr(t, name)(2, dtype=t.int64, requires_grad=True))


def test_empty_shapes_and_dtypes():
    same(lambda t: t.empty(2, 3).shape)
    same(lambda t: str(t.empty((2, 3), dtype=t.int64).dtype))
    same(lambda t: str(t.empty_like(t.ones(4, dtype=t.bool)).dtype))
    same(lambda t: str(t.ones(3).new_empty((2, 2)).dtype))
    same(lambda t: (t.empty_strided((2, 3), (1, 2)).stride(), t.empty_strided((2, 3), (1, 2)).shape))
    same(lambda t: t.ones(3).new_empty_strided((2, 2), (2, 1)).stride())


@pytest.mark.parametrize("fill", [1.5, 2, True, -0.0, float("inf")])
def test_full(fill):
    same(lambda t: t.full((2, 3), fill))
    same(lambda t: t.full([2], fill, dtype=t.float64))
    same(lambda t: t.full_like(t.ones(2, 2, dtype=t.int32), fill) if fill != float("inf") else t.zeros(1))
    same(lambda t: t.full_like(t.ones(3), fill, dtype=t.float16))
    same(lambda t: t.ones(2, dtype=t.float64).new_full((3,), fill))
    same(lambda t: t.full((2,), t.tensor(fill)))


def test_full_errors_and_truncation():
    same(lambda t: t.full((3,), 1.7, dtype=t.int64))
    same(lambda t: t.full((3,), -1.7, dtype=t.int32))
    check_raises(lambda t: t.full((2,), "x"))
    check_raises(lambda t: t.full((-2,), 1.0))


def test_scalar_tensor_and_new_tensor():
    same(lambda t: t.scalar_tensor(3))
    same(lambda t: t.scalar_tensor(True))
    same(lambda t: t.scalar_tensor(2.5, dtype=t.float64))
    same(lambda t: t.ones(2, dtype=t.int16).new_tensor([1.7, 2]))
    same(lambda t: t.ones(2).new_tensor([1, 2], dtype=t.float64, requires_grad=True).requires_grad)


def test_out_argument():
    for lib in (torch, flambeau):
        out = lib.empty(6)
        r = lib.zeros(2, 3, out=out)
        assert r is out and tuple(out.shape) == (2, 3) and out.sum().item() == 0
        out = lib.empty(2, 2, dtype=lib.float64)
        lib.ones(2, 2, out=out)
        assert out.dtype == lib.float64 and out.sum().item() == 4
        out = lib.empty(0, dtype=lib.int64)
        lib.arange(5, out=out)
        assert out.tolist() == [0, 1, 2, 3, 4]


ARANGES = [(5,), (2, 9), (0, 10, 3), (10, 0, -2), (0.0, 1.0, 0.1), (0.5, 10.3, 0.7), (-3, 7, 0.3), (1, 2, 1e-3),
           (0, 5, 1.5), (5.0,), (0, 0), (3, 1, -0.5), (-1.5, 3)]


@pytest.mark.parametrize("args", ARANGES, ids=str)
def test_arange(args):
    # NOTE: float steps match to within an ulp; PyTorch's vectorised kernel rounds some values differently
    same(lambda t: t.arange(*args), atol=1e-6, rtol=1e-6)
    same(lambda t: t.arange(*args, dtype=t.float64))
    same(lambda t: t.arange(*args, dtype=t.int64))
    same(lambda t: t.arange(*args, dtype=t.int16))
    same(lambda t: t.arange(*[t.tensor(a) for a in args]), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("args", [(0, 5, 0), (5, 0, 1), (0, 5, -1), (0, float("inf")), (float("nan"), 2)], ids=str)
def test_arange_errors(args):
    check_raises(lambda t: t.arange(*args))


LINSPACES = [(0, 1, 7), (-3.3, 9.1, 50), (0, 10, 1000), (1, -1, 9), (0, 1, 1), (0, 1, 0), (2, 2, 4), (0, 10, 5)]


@pytest.mark.parametrize("args", LINSPACES, ids=str)
def test_linspace_logspace(args):
    same(lambda t: t.linspace(*args), atol=1e-6, rtol=1e-6)
    same(lambda t: t.linspace(*args, dtype=t.float64))
    same(lambda t: t.linspace(*args, dtype=t.int64))
    same(lambda t: t.linspace(*args, dtype=t.int32))
    same(lambda t: t.logspace(args[0] / 10, args[1] / 10, args[2]), rtol=1e-5)
    same(lambda t: t.logspace(args[0] / 10, args[1] / 10, args[2], base=2, dtype=t.float64))
    same(lambda t: t.linspace(t.tensor(float(args[0])), t.tensor(float(args[1])), args[2]), atol=1e-6, rtol=1e-6)


def test_logspace_integer_and_errors():
    same(lambda t: t.logspace(0, 3, 4, dtype=t.int64))
    same(lambda t: t.logspace(0, 3, 4, base=3))
    check_raises(lambda t: t.linspace(0, 1, -1))
    check_raises(lambda t: t.logspace(0, 1, -2))


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (3, 0), (1, 1)], ids=str)
def test_eye(args):
    same(lambda t: t.eye(*args))
    same(lambda t: t.eye(*args, dtype=t.int32))
    same(lambda t: t.eye(*args, dtype=t.bool))
    same(lambda t: t.eye(*args, requires_grad=True).requires_grad)


def test_eye_errors():
    check_raises(lambda t: t.eye(-1))
    check_raises(lambda t: t.eye(2, -3))


def test_legacy_constructor():
    same(lambda t: t.Tensor(2, 3).shape)
    same(lambda t: t.Tensor([1, 2]))
    same(lambda t: t.Tensor(t.Size([2, 2])).shape)
    same(lambda t: t.Tensor().shape)


def test_created_tensors_are_leaves_with_grad():
    check(lambda t, x: (t.ones(2, 3, requires_grad=True) * x).sum(), randn(2, 3))
    check(lambda t, x: t.zeros_like(x, requires_grad=True) + x, randn(3))
