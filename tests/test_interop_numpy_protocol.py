"""NumPy's protocols on tensors, against PyTorch: what ufuncs and array functions return for tensors (with and
without requires_grad), __array__'s dtype/copy, __array_priority__, and from_numpy's views and refusals."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import check_raises


UFUNCS = {
    "exp": lambda lib: np.exp(lib.tensor([0.5, 1.0, 2.0])),
    "add scalar": lambda lib: np.add(lib.tensor([0.5, 1.0, 2.0]), 1),
    "add float64 array": lambda lib: np.add(lib.tensor([0.5, 1.0, 2.0]), np.array([1.0, 2.0, 3.0])),
    "sqrt": lambda lib: np.sqrt(lib.tensor([1.0, 4.0])),
    "negative int": lambda lib: np.negative(lib.tensor([1, -2])),
    "exp of int": lambda lib: np.exp(lib.tensor([1, 2])),
    "isnan": lambda lib: np.isnan(lib.tensor([1.0, float("nan")])),
    "less (a bool result)": lambda lib: np.less(lib.tensor([1.0, 3.0]), 2.0),
    "0-d": lambda lib: np.exp(lib.tensor(0.0)),
    "maximum of two tensors": lambda lib: np.maximum(lib.tensor([1.0, 5.0]), lib.tensor([3.0, 2.0])),
    "ndarray / tensor": lambda lib: np.array([1.0, 2.0]) / lib.tensor([2.0, 4.0]),
    "ndarray == tensor": lambda lib: np.array([1.0, 2.0]) == lib.tensor([1.0, 4.0]),
    "numpy scalar * tensor": lambda lib: np.float64(2) * lib.tensor([1.0, 2.0]),
}


@pytest.mark.parametrize("case", UFUNCS, ids=list(UFUNCS))
def test_ufuncs_return_tensors_as_in_pytorch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PyTorch's __array_wrap__ lacks NumPy 2's arguments
        theirs = UFUNCS[case](torch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # flambeau's has them
        ours = UFUNCS[case](flambeau)
    assert type(theirs) is torch.Tensor and type(ours) is flambeau.Tensor
    assert str(ours.dtype) == str(theirs.dtype) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


ARRAY_RESULTS = {
    "ufunc with out=": lambda lib: np.add(lib.tensor([1.0, 2.0]), 1, out=np.empty(2)),
    "concatenate": lambda lib: np.concatenate([lib.tensor([1.0]), lib.tensor([2.0, 3.0])]),
    "where": lambda lib: np.where(lib.tensor([1.0, 3.0]) > 2, lib.tensor([1.0, 3.0]), 0),
    "sort": lambda lib: np.sort(lib.tensor([3, 1, 2])),
    "stack": lambda lib: np.stack([lib.tensor([1.0, 2.0])] * 2),
    "dot": lambda lib: np.dot(lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])),
    "asarray": lambda lib: np.asarray(lib.tensor([[1, 2], [3, 4]], dtype=lib.int16)),
    "array with dtype": lambda lib: np.array(lib.tensor([1.5, 2.5]), dtype=np.int32),
    "float64 of a tensor requiring grad": lambda lib: np.float64(lib.tensor(2.0, requires_grad=True)),
}


@pytest.mark.parametrize("case", ARRAY_RESULTS, ids=list(ARRAY_RESULTS))
def test_array_functions_return_numpy_values_as_in_pytorch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about converting a tensor requiring grad
        theirs, ours = ARRAY_RESULTS[case](torch), ARRAY_RESULTS[case](flambeau)
    assert type(ours) is type(theirs) and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


REFUSED = {
    "ufunc on a tensor requiring grad": lambda lib: np.exp(lib.tensor([1.0], requires_grad=True)),
    "ufunc with a scalar, requiring grad": lambda lib: np.add(lib.tensor([1.0], requires_grad=True), 1),
    "asarray of a tensor requiring grad": lambda lib: np.asarray(lib.tensor([1.0], requires_grad=True)),
    "array copy of a tensor requiring grad": lambda lib: np.array(lib.tensor([1.0], requires_grad=True), copy=True),
    "np.sum": lambda lib: np.sum(lib.tensor([1.0, 2.0])),
    "np.mean": lambda lib: np.mean(lib.tensor([1.0, 2.0])),
    "np.max": lambda lib: np.max(lib.tensor([1.0, 2.0])),
    "np.sum, requiring grad": lambda lib: np.sum(lib.tensor([1.0], requires_grad=True)),
    "from_numpy of a list": lambda lib: lib.from_numpy([1.0, 2.0]),
    "from_numpy of negative strides": lambda lib: lib.from_numpy(np.arange(4.0)[::-1]),
    "from_numpy of an unsupported dtype": lambda lib: lib.from_numpy(np.array(["a", "b"])),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_refusals_as_in_pytorch(case):
    check_raises(lambda lib: REFUSED[case](lib))


def test_requires_grad_message_names_detach():
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        np.exp(flambeau.ones(2, requires_grad=True))


def test_array_shares_memory_unless_a_copy_is_asked():
    t = flambeau.arange(4.0)
    same = np.asarray(t)
    same[0] = 10
    assert t[0].item() == 10
    # PyTorch's __array__ takes no copy argument, so NumPy refuses copy=False for it; flambeau honours it
    assert np.shares_memory(np.asarray(t, copy=False), same)
    copied = np.array(t, copy=True)
    copied[1] = -1
    assert t[1].item() == 1.0
    converted = np.asarray(t, dtype=np.float64)
    assert converted.dtype == np.float64 and not np.shares_memory(converted, same)
    assert t.__array__(np.float32) is t.numpy()


def test_array_priority_and_shape():
    assert flambeau.Tensor.__array_priority__ == torch.Tensor.__array_priority__
    shape = np.shape(flambeau.ones(2, 3))
    assert type(shape) is flambeau.Size and shape == np.shape(torch.ones(2, 3))


def test_ufunc_results_are_fresh_tensors():
    t = flambeau.tensor([1.0, 2.0])
    out = np.multiply(t, 2)
    out[0] = 100
    assert t.tolist() == [1.0, 2.0] and out.requires_grad is False and out.grad_fn is None


VIEWS = {
    "stepped": lambda a: a[:, ::2],
    "fortran order": lambda a: np.asfortranarray(a),
    "transposed": lambda a: a.T,
    "0-d": lambda a: a[1, 2, ...],
    "broadcast (stride 0)": lambda a: np.broadcast_to(a[:1], (3, 4)),
}


@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_from_numpy_keeps_strides(view):
    base = np.arange(12.0).reshape(3, 4)
    arr = VIEWS[view](base)
    theirs, ours = torch.from_numpy(arr), flambeau.from_numpy(arr)
    assert ours.shape == theirs.shape and ours.stride() == theirs.stride()
    assert ours.tolist() == theirs.tolist()
    assert np.shares_memory(ours.numpy(), arr)
