"""Legacy tensor types (torch.FloatTensor, ...), legacy storages and torch.autograd.Variable, against torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.autograd

import flambeau
import flambeau.autograd
from oracle import assert_same, check, check_raises, randn

TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
         "CharTensor", "ByteTensor", "BoolTensor"]
STORAGES = [name.replace("Tensor", "Storage") for name in TYPES]
SAMPLES = [np.array([1.5, -2.0]), np.array([3, 0], dtype=np.int64), np.array([True, False]),
           np.array([1, 2], dtype=np.uint8)]


def test_names_exist():
    for name in TYPES + STORAGES:
        assert hasattr(torch, name), name
        assert hasattr(flambeau, name), name
    assert repr(flambeau.FloatTensor) == repr(torch.FloatTensor)


@pytest.mark.parametrize("name", TYPES)
def test_construction_like_torch(name):
    for args in ((), (2, 3), (4,), (torch.Size([2, 1]),), ([1, 0, 1],), ((2, 3),), (np.array([1.0, 2.0]),)):
        fargs = tuple(flambeau.Size(a) if isinstance(a, torch.Size) else a for a in args)
        t, f = getattr(torch, name)(*args), getattr(flambeau, name)(*fargs)
        assert tuple(f.shape) == tuple(t.shape) and repr(f.dtype) == str(t.dtype), args
        if args and not isinstance(args[0], (int, torch.Size)):  # data, not uninitialised memory
            assert_same(t, f)


@pytest.mark.parametrize("name", TYPES)
def test_isinstance_answers_by_dtype(name):
    for a in SAMPLES:
        for dtype in ("float32", "float64", "int32", "int8", "int16", "float16", "bfloat16"):
            t, f = torch.tensor(a).to(getattr(torch, dtype)), flambeau.tensor(a).to(getattr(flambeau, dtype))
            assert isinstance(f, getattr(flambeau, name)) == isinstance(t, getattr(torch, name))
        t, f = torch.tensor(a), flambeau.tensor(a)
        assert isinstance(f, getattr(flambeau, name)) == isinstance(t, getattr(torch, name))
    assert not isinstance([1.0], flambeau.FloatTensor)


@pytest.mark.parametrize("name", TYPES)
def test_type_conversion(name):
    for a in SAMPLES:
        t, f = torch.tensor(a), flambeau.tensor(a)
        assert f.type() == t.type()
        assert_same(t.type(getattr(torch, name)), f.type(getattr(flambeau, name)))
        assert_same(t.type("torch." + name), f.type("torch." + name))


def test_alias_of_same_dtype_tensor_keeps_the_graph():
    check(lambda t, x: t.DoubleTensor(x) * 3, randn(3))
    x = flambeau.ones(3)
    y = flambeau.FloatTensor(x)
    y[0] = 5
    assert x[0].item() == 5  # shares memory, as torch's alias does


def test_bad_construction_raises_like_torch():
    check_raises(lambda t, x: t.FloatTensor(x), randn(2))  # float64 data into a float32 type
    check_raises(lambda t: t.FloatTensor("abc"))
    check_raises(lambda t: t.FloatTensor(2, 3.0))
    check_raises(lambda t: t.LongTensor([1], [2]))
    check_raises(lambda t: t.FloatTensor(-1))


@pytest.mark.parametrize("name", STORAGES)
def test_legacy_storages(name):
    t, f = getattr(torch, name)([1, 0, 1]), getattr(flambeau, name)([1, 0, 1])
    assert f.tolist() == t.tolist() and repr(f.dtype) == str(t.dtype)
    assert len(getattr(flambeau, name)(4)) == len(getattr(torch, name)(4))
    for a in SAMPLES:
        ts, fs = torch.tensor(a).storage(), flambeau.tensor(a).storage()
        assert isinstance(fs, getattr(flambeau, name)) == isinstance(ts, getattr(torch, name))


def test_variable():
    tV, fV = torch.autograd.Variable, flambeau.autograd.Variable
    for requires_grad in (False, True):
        t, f = tV(torch.ones(2) * 2, requires_grad=requires_grad), fV(flambeau.ones(2) * 2, requires_grad=requires_grad)
        assert (f.requires_grad, f.is_leaf, f.grad_fn) == (t.requires_grad, t.is_leaf, None)
        assert_same(t, f)
    check(lambda t, x: t.autograd.Variable(x, requires_grad=True) * x, randn(3))
    assert isinstance(flambeau.zeros(1), fV) and isinstance(torch.zeros(1), tV)
    assert not isinstance(1.0, fV)
    assert tuple(fV().shape) == tuple(tV().shape)
    with pytest.warns(UserWarning, match="volatile"):
        fV(flambeau.ones(1), volatile=True)
    check_raises(lambda t: t.autograd.Variable([1.0]))


CUDA_NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor",
              "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", CUDA_NAMES)
def test_cuda_legacy_types(name):
    """torch.cuda.FloatTensor and kin: the dtype and is_cuda, no CPU tensor is an instance, and building one
    (or converting to one) without a GPU is PyTorch's RuntimeError."""
    ours, theirs = getattr(flambeau.cuda, name), getattr(torch.cuda, name)
    assert repr(ours) == repr(theirs)
    assert str(ours.dtype) == str(theirs.dtype) and ours.is_cuda and theirs.is_cuda
    cpu = getattr(flambeau, name)
    x = flambeau.ones(2, dtype=ours.dtype)
    assert not isinstance(x, ours) and isinstance(x, cpu)
    if not torch.cuda.is_available():
        check_raises(lambda t: getattr(t.cuda, name)(2))
        check_raises(lambda t: t.ones(2).type(getattr(t.cuda, name)))
        check_raises(lambda t: t.ones(2).type(f"torch.cuda.{name}"))


def test_type_strings_need_a_torch_prefix():
    check_raises(lambda t: t.ones(2).type("foo.FloatTensor"))
    check_raises(lambda t: t.cuda.NotATensorType)
