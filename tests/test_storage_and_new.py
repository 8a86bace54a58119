"""Tensor.storage()/untyped_storage() share memory with the tensor, and the legacy x.new(...) forms,
each case run on PyTorch and on flambeau with the results compared."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check_raises

pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")


def plain(x):
    """Results as comparable Python values."""
    if isinstance(x, (torch.Tensor, flambeau.Tensor)):
        return ("tensor", str(x.dtype), tuple(x.shape), x.tolist())
    if isinstance(x, (tuple, list)):
        return type(x)(plain(v) for v in x)
    if isinstance(x, (torch.dtype, flambeau.dtype, torch.Size, flambeau.Size)):
        return str(x)
    return x


def write_through(t, s):
    s[1] = 10
    return t


STORAGE_CASES = {
    "typed_size": lambda t: (lambda x: (x.storage().size(), len(x.storage()), x.storage().nbytes(),
                                        x.storage().element_size(), str(x.storage().dtype)))(t.arange(6.0).reshape(2, 3)),
    "untyped_size": lambda t: (lambda x: (x.untyped_storage().size(), x.untyped_storage().nbytes(),
                                          x.untyped_storage().element_size()))(t.arange(6.0).reshape(2, 3)),
    "data_ptr": lambda t: (lambda x: (x.storage().data_ptr() == x.data_ptr(),
                                      x.untyped_storage().data_ptr() == x.data_ptr()))(t.ones(3)),
    "view_offset": lambda t: (lambda v: (v.storage_offset(), v.storage().size(), v.untyped_storage().nbytes(),
                                         v.storage().tolist()))(t.arange(6.0).reshape(2, 3)[1, 1:]),
    "view_storage_is_base_memory": lambda t: (lambda x: x[1:].storage().data_ptr() == x.data_ptr())(t.ones(4)),
    "transpose_storage": lambda t: t.arange(6).reshape(2, 3).t().storage().tolist(),
    "element_access": lambda t: (lambda s: (s[0], s[-1], s[2]))(t.tensor([1.5, 2.5, 3.5]).storage()),
    "int16_bytes": lambda t: t.tensor([1, 2], dtype=t.int16).untyped_storage().tolist(),
    "float_bytes": lambda t: t.tensor([1.0], dtype=t.float32).untyped_storage().tolist(),
    "bool_storage": lambda t: t.tensor([True, False]).storage().tolist(),
    "scalar": lambda t: (t.tensor(5.0).storage().size(), t.tensor(5.0).storage()[0]),
    "empty": lambda t: (t.empty(0).storage().size(), t.empty(0).untyped_storage().nbytes()),
    "type_name": lambda t: (t.ones(1).storage().type(), t.ones(1, dtype=t.int64).storage().type()),
    "device": lambda t: (str(t.ones(1).storage().device), t.ones(1).storage().is_cuda),
    "typed_repr": lambda t: repr(t.tensor([1.0, 2.0]).storage()),
    "untyped_repr": lambda t: repr(t.tensor([1], dtype=t.int16).untyped_storage()),
    "untyped_slice": lambda t: (lambda u: (u[2:6].nbytes(), u[2:6].data_ptr() - u.data_ptr(),
                                           u[2:6].tolist()))(t.arange(4, dtype=t.int32).untyped_storage()),
    "typed_write_through": lambda t: (lambda x: write_through(x, x.storage()))(t.zeros(2, 2)),
    "typed_write_through_view": lambda t: (lambda x: (write_through(x, x[1].storage()), x)[1])(t.zeros(2, 2)),
    "untyped_write_through": lambda t: (lambda x: (x.untyped_storage().__setitem__(3, 63), x)[1])(t.zeros(2)),
    "fill": lambda t: (lambda x: (x.storage().fill_(3), x)[1])(t.zeros(2, 2)[0]),
    "copy": lambda t: (lambda x: (x.storage().copy_(t.ones(4).storage()), x)[1])(t.zeros(2, 2)),
    "clone_is_independent": lambda t: (lambda x: (x.storage().clone().fill_(7), x)[1])(t.zeros(3)),
    "storage_iter": lambda t: list(t.tensor([1, 2, 3]).storage()),
    "untyped_of_typed": lambda t: t.tensor([1], dtype=t.int16).storage().untyped().tolist(),
}


@pytest.mark.parametrize("name", list(STORAGE_CASES))
def test_storage_matches_torch(name):
    assert plain(STORAGE_CASES[name](flambeau)) == plain(STORAGE_CASES[name](torch))


ERROR_CASES = {
    "typed_index_out_of_range": lambda t: t.ones(6).storage()[10],
    "untyped_index_out_of_range": lambda t: t.ones(6).untyped_storage()[30],
    "typed_negative_out_of_range": lambda t: t.ones(2).storage()[-3],
    "typed_slice": lambda t: t.ones(6).storage()[1:3],
    "string_index": lambda t: t.ones(6).storage()["a"],
    "new_other_dtype": lambda t: t.zeros(1).new(t.ones(2, dtype=t.int64)),
    "new_scalar": lambda t: t.zeros(1).new(2.5),
    "new_negative": lambda t: t.zeros(1).new(-1, 2),
    "new_dtype_keyword": lambda t: t.zeros(1).new(2, dtype=t.int32),
    "new_requires_grad_keyword": lambda t: t.zeros(1).new(2, requires_grad=True),
    "new_storage_of_other_dtype": lambda t: t.zeros(1, dtype=t.int64).new(t.ones(2).storage()),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match_torch(name):
    check_raises(lambda t: ERROR_CASES[name](t))


@pytest.mark.parametrize("name", ["typed_index_out_of_range", "untyped_index_out_of_range", "typed_slice",
                                  "new_scalar", "new_negative", "new_storage_of_other_dtype"])
def test_error_messages_match_torch(name):
    messages = []
    for lib in (torch, flambeau):
        with pytest.raises(Exception) as info:
            ERROR_CASES[name](lib)
        messages.append(str(info.value))
    assert messages[1] == messages[0]


NEW_CASES = {
    "empty": lambda t: t.arange(3.0, dtype=t.float64).new(),
    "sizes": lambda t: t.arange(3.0, dtype=t.float64).new(2, 3).shape,
    "size_object": lambda t: t.ones(1, dtype=t.int32).new(t.Size([2, 1])).shape,
    "size_dtype": lambda t: t.ones(1, dtype=t.int32).new(2, 3).dtype,
    "zero_size": lambda t: t.ones(1).new(0).shape,
    "list": lambda t: t.ones(1, dtype=t.float64).new([1, 2]),
    "tuple_is_data": lambda t: t.ones(1, dtype=t.float64).new((1, 2)),
    "int_tensor_truncates": lambda t: t.arange(3).new([1.5, 2.7]),
    "nested": lambda t: t.ones(1, dtype=t.float16).new([[1, 2], [3, 4]]),
    "empty_list": lambda t: t.ones(1).new([]),
    "numpy": lambda t: t.ones(1, dtype=t.float64).new(np.array([1, 2])),
    "device": lambda t: str(t.ones(1).new(2, device="cpu").device),
    "unbound": lambda t: t.Tensor.new(t.ones(1, dtype=t.int64), 3).dtype,
    "storage": lambda t: t.ones(1).new(t.arange(4.0).storage()),
    "untyped_storage": lambda t: t.ones(1, dtype=t.int16).new(t.tensor([1, 2], dtype=t.int32).untyped_storage()),
    "new_helpers": lambda t: (lambda x: (x.new_tensor([1, 2]), x.new_zeros(2), x.new_ones((1, 2)), x.new_full((2,), 7),
                                         x.new_empty(3).shape))(t.ones(1, dtype=t.int32)),
}


@pytest.mark.parametrize("name", list(NEW_CASES))
def test_new_matches_torch(name):
    assert plain(NEW_CASES[name](flambeau)) == plain(NEW_CASES[name](torch))


@pytest.mark.parametrize("lib", [torch, flambeau], ids=["torch", "flambeau"])
def test_new_from_tensor_is_an_alias(lib):
    y = lib.ones(2, requires_grad=True)
    z = lib.zeros(1).new(y)
    assert z.data_ptr() == y.data_ptr() and z.requires_grad and z is not y
    (z * 3).sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("lib", [torch, flambeau], ids=["torch", "flambeau"])
def test_new_from_storage_shares_memory(lib):
    x = lib.zeros(2, 2)
    y = x.new(x.storage())
    y[3] = 5
    assert x.tolist() == [[0.0, 0.0], [0.0, 5.0]]


@pytest.mark.parametrize("lib", [torch, flambeau], ids=["torch", "flambeau"])
def test_storage_constructor(lib):
    u = lib.UntypedStorage(8)
    assert u.nbytes() == 8 and str(u.device) == "cpu"
    u.fill_(1)
    assert u.tolist() == [1] * 8
