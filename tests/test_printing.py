"""Tensor repr/str compared character for character with PyTorch's."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import RNG, randn

_nonfinite = np.array([np.nan, np.inf, -np.inf, 1.0, -2.5])
DATA = [
    np.float32(1.5), np.array(1.0, np.float32), np.array(-0.0), np.array(np.nan), np.array(3, np.int64),
    np.array(True), np.array([1.0, 2.0, 3.0], np.float32), randn(3, 4, dtype=np.float32), randn(2, 3, 4),
    randn(2, 1, 2, 3, dtype=np.float32), np.array([1e-5, 1.0], np.float32), np.array([1e9, 1.0], np.float32),
    np.array([1e-10, 5.0, -3.0]), np.array([100000.0, 2.0]), np.array([1234.5, 0.001]), _nonfinite,
    np.array([np.nan, np.inf]), np.array([0.0, 0.0]), np.array([-0.0, 1.0]), np.array([10.0, -1000.0, 3.0]),
    np.arange(100, dtype=np.int32), np.arange(-50, 50, dtype=np.int64).reshape(10, 10), np.array([True, False]),
    np.array([[True], [False]]), np.arange(12, dtype=np.uint8).reshape(3, 4), np.array([-128, 127], np.int8),
    np.array([1, -300], np.int16), randn(30, dtype=np.float32) * 1000, randn(25, dtype=np.float32) * 1e-3,
    np.arange(2000, dtype=np.float32).reshape(40, 50) / 7, np.arange(3000).reshape(10, 10, 30),
    randn(1001), np.arange(1500).reshape(3, 500), randn(5, 300), np.zeros((0, 3), np.float32),
    np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros((2, 0, 1), np.int32),
    np.array([1 + 2j, -3.5 - 0.5j], np.complex64), np.array([[1j, 2], [3 - 1e-6j, 4e5]]),
    np.array([0.1, 0.25, 1.0], np.float16), RNG.standard_normal(8).astype(np.float16),
]


def _both(arr, **kw):
    return torch.tensor(arr, **kw), flambeau.tensor(arr, **kw)


@pytest.mark.parametrize("arr", DATA, ids=range(len(DATA)))
def test_repr_matches_torch(arr):
    t, f = _both(arr)
    assert repr(f) == repr(t)
    assert str(f) == str(t)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float64", "int32", "int16", "uint8"])
def test_dtype_suffix(dtype):
    arr = np.array([[0.5, 1.0], [2.0, 3.25]])
    t, f = torch.tensor(arr).to(getattr(torch, dtype)), flambeau.tensor(arr).to(getattr(flambeau, dtype))
    assert repr(f) == repr(t)


def test_autograd_suffixes():
    t, f = _both(np.array([1.0, 2.0], np.float32), requires_grad=True)
    assert repr(f) == repr(t)
    assert repr(f * 2) == repr(t * 2)
    assert repr(f.sum()) == repr(t.sum())
    assert repr((f + 1).exp()) == repr((t + 1).exp())


def test_suffix_wraps_past_linewidth():
    arr = np.arange(15, dtype=np.float64) * 1.5
    t, f = _both(arr, requires_grad=True)
    assert repr(f) == repr(t)
    assert repr(f * 2) == repr(t * 2)


def test_default_dtype_changes_suffix():
    arr = np.array([1.5, 2.0])
    try:
        torch.set_default_dtype(torch.float64)
        flambeau.set_default_dtype(flambeau.float64)
        for a in (arr, arr.astype(np.float32), np.zeros(0), np.zeros(0, np.float32), arr.astype(np.complex128)):
            t, f = _both(a)
            assert repr(f) == repr(t)
    finally:
        torch.set_default_dtype(torch.float32)
        flambeau.set_default_dtype(flambeau.float32)


OPTIONS = [dict(precision=2), dict(precision=8), dict(threshold=5), dict(edgeitems=1, threshold=10),
           dict(linewidth=40), dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
           dict(profile="full"), dict(edgeitems=0, threshold=3)]


@pytest.mark.parametrize("opts", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_printoptions(opts):
    from torch._tensor_str import get_printoptions as torch_get
    from flambeau._tensor_str import get_printoptions as flam_get
    try:
        torch.set_printoptions(**opts)
        flambeau.set_printoptions(**opts)
        assert flam_get() == torch_get()
        for arr in (randn(4, 6), np.arange(30, dtype=np.float32) * 1e-6, np.arange(20), randn(3, 3, 3) * 100):
            t, f = _both(arr)
            assert repr(f) == repr(t)
    finally:
        torch.set_printoptions(profile="default")
        flambeau.set_printoptions(profile="default")


def test_printoptions_context_manager():
    from flambeau._tensor_str import get_printoptions, printoptions
    with printoptions(precision=1):
        assert get_printoptions()["precision"] == 1
        assert repr(flambeau.tensor([1.25])) == "tensor([1.2])"
    assert get_printoptions()["precision"] == 4


def test_format_of_scalar_tensor():
    t, f = _both(np.array(2.5))
    assert f"{f:.3f}" == f"{t:.3f}"
