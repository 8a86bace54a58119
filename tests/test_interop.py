"""NumPy and DLPack interoperability: zero-copy views both ways, __array__, mixed ndarray/tensor arithmetic."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check_raises, randn


def test_numpy_shares_memory_both_ways():
    for lib in (torch, flambeau):
        a = np.zeros(4, np.float32)
        t = lib.from_numpy(a)
        t[1] = 5
        a[2] = 7
        assert a.tolist() == [0, 5, 7, 0] and t.tolist() == [0, 5, 7, 0]
        n = t.numpy()
        n[0] = -1
        assert t[0].item() == -1


def test_numpy_of_views_shares_memory():
    x = flambeau.arange(12.0).reshape(3, 4)
    v = x.t().numpy()
    assert np.shares_memory(v, x.numpy()) and v.shape == (4, 3)


def test_numpy_refusals():
    check_raises(lambda t: t.ones(2, requires_grad=True).numpy())
    assert flambeau.ones(2, requires_grad=True).detach().numpy().tolist() == [1.0, 1.0]
    assert flambeau.ones(2, requires_grad=True).numpy(force=True).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool"])
def test_array_protocol(dtype):
    t = torch.tensor([1, 0, 3]).to(getattr(torch, dtype))
    f = flambeau.tensor([1, 0, 3]).to(getattr(flambeau, dtype))
    assert np.asarray(f).dtype == np.asarray(t).dtype
    np.testing.assert_array_equal(np.asarray(f), np.asarray(t))
    assert np.asarray(f, dtype=np.float64).dtype == np.float64


def test_ndarray_and_tensor_arithmetic():
    a = randn(2, 3)
    # tensor on the left: PyTorch 2.14 itself refuses some ndarray-first forms (ndarray + tensor)
    for fn in (lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y, lambda x, y: x ** y):
        t_out = fn(torch.tensor(randn(2, 3) * 0 + 2), a)
        f_out = fn(flambeau.tensor(randn(2, 3) * 0 + 2), a)
        assert type(t_out) is torch.Tensor and type(f_out) is flambeau.Tensor
        assert_same(t_out, f_out)


def test_numpy_functions_on_tensors():
    x = flambeau.tensor([1.0, 4.0, 9.0])
    np.testing.assert_allclose(np.sqrt(x), [1, 2, 3])
    assert np.sum(np.asarray(x)) == 14


def test_dlpack_roundtrip():
    x = flambeau.arange(6.0).reshape(2, 3)
    y = flambeau.from_dlpack(x)
    assert y is x or y.data_ptr() == x.data_ptr()
    n = np.from_dlpack(x)
    assert np.shares_memory(n, x.numpy())
    z = flambeau.from_dlpack(np.arange(4.0))
    assert z.tolist() == [0, 1, 2, 3]
    tt = torch.from_dlpack(flambeau.arange(4, dtype=flambeau.int32))
    assert tt.dtype == torch.int32 and tt.tolist() == [0, 1, 2, 3]
    back = flambeau.from_dlpack(torch.arange(3.0))
    assert back.tolist() == [0.0, 1.0, 2.0] and back.dtype == flambeau.float32


def test_dlpack_refuses_tensors_requiring_grad():
    check_raises(lambda t: t.ones(2, requires_grad=True).__dlpack__())


def test_tolist_and_item_types():
    for data in ([1.5, 2.0], [[1, 2], [3, 4]], [True, False], 3.25, 7):
        t, f = torch.tensor(data), flambeau.tensor(data)
        assert f.tolist() == t.tolist()
        assert type(f.tolist()) is type(t.tolist())
    assert type(flambeau.tensor(2).item()) is int and type(flambeau.tensor(2.5).item()) is float
    assert type(flambeau.tensor(True).item()) is bool


def test_bfloat16_to_numpy_keeps_ml_dtypes():
    x = flambeau.tensor([1.5, 2.25], dtype=flambeau.bfloat16)
    assert np.asarray(x).dtype.name == "bfloat16"
    assert x.float().tolist() == [1.5, 2.25]
