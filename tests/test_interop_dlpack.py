"""DLPack both ways with NumPy and PyTorch: memory shared (checked by writing on each side), strides kept,
0-d, bool and float16, read-only memory, versions, and flambeau.utils.dlpack's capsules."""
import numpy as np
import pytest
import torch
import torch.utils.dlpack as tdl

import flambeau
import flambeau.utils.dlpack as fdl

DTYPES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool", "complex64"]


def _written(x, index, value):
    """x with x[index] = value written in place, whichever library (or NumPy) x belongs to."""
    x[index] = value
    return x


def _values(x) -> list:
    return x.tolist()


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_and_flambeau_share_memory(dtype):
    a = np.zeros(4, dtype)
    t = flambeau.from_dlpack(a)
    assert t.dtype == getattr(flambeau, dtype)
    _written(a, 1, 1)
    _written(t, 2, 1)
    assert _values(a) == _values(t) == np.array([0, 1, 1, 0], dtype).tolist()
    back = np.from_dlpack(t)
    _written(back, 3, 1)
    assert _values(t)[3] == np.array(1, dtype).item() and np.shares_memory(back, a)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_and_flambeau_share_memory(dtype):
    theirs = torch.zeros(4, dtype=getattr(torch, dtype))
    ours = flambeau.from_dlpack(theirs)
    assert ours.dtype == getattr(flambeau, dtype) and ours.data_ptr() == theirs.data_ptr()
    _written(theirs, 0, 1)
    ours[1] = 1
    assert _values(ours) == _values(theirs) == torch.tensor([1, 1, 0, 0]).to(theirs.dtype).tolist()
    again = torch.from_dlpack(ours)
    assert again.dtype == theirs.dtype and again.data_ptr() == theirs.data_ptr()
    again[3] = 1
    assert _values(ours)[3] == _values(theirs)[3]


VIEWS = {
    "transposed": lambda x: x.t(),
    "stepped columns": lambda x: x[:, ::2],
    "one row": lambda x: x[1],
    "sliced then transposed": lambda x: x[1:, 1:].t(),
    "expanded": lambda x: x[:1].expand(3, 4),
}


@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_views_keep_their_strides_both_ways(view):
    theirs = torch.arange(12.0).reshape(3, 4)
    imported = flambeau.from_dlpack(VIEWS[view](theirs))
    assert imported.shape == VIEWS[view](theirs).shape and imported.stride() == VIEWS[view](theirs).stride()
    assert imported.tolist() == VIEWS[view](theirs).tolist()
    theirs.add_(100)  # every element moves, so the view must read the shared memory to follow
    assert imported.tolist() == VIEWS[view](theirs).tolist()

    ours = flambeau.arange(12.0).reshape(3, 4)
    exported = torch.from_dlpack(VIEWS[view](ours))
    assert exported.stride() == VIEWS[view](ours).stride() and exported.tolist() == VIEWS[view](ours).tolist()
    ours.mul_(-1)
    assert exported.tolist() == VIEWS[view](ours).tolist()


def test_zero_dim_both_ways():
    ours = flambeau.tensor(2.5)
    theirs = torch.from_dlpack(ours)
    assert theirs.shape == () and theirs.item() == 2.5
    theirs.fill_(4.0)
    assert ours.item() == 4.0
    back = flambeau.from_dlpack(torch.tensor(7))
    assert back.shape == () and back.dtype == flambeau.int64 and back.item() == 7


def test_bfloat16_is_refused_as_by_numpy():
    # NumPy's DLPack has no bfloat16, and flambeau's CPU tensors are NumPy arrays: PyTorch's own export of
    # bfloat16 to NumPy is refused the same way
    with pytest.raises(BufferError):
        torch.from_dlpack(flambeau.ones(2, dtype=flambeau.bfloat16))
    with pytest.raises(RuntimeError, match="Unsupported dtype"):
        flambeau.from_dlpack(torch.ones(2, dtype=torch.bfloat16))
    with pytest.raises(RuntimeError, match="Unsupported dtype"):
        np.from_dlpack(torch.ones(2, dtype=torch.bfloat16))


def test_read_only_arrays():
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.raises(BufferError, match="readonly"):
        a.__dlpack__()  # the unversioned protocol cannot say "read-only": NumPy refuses
    t = flambeau.from_dlpack(a)  # the versioned one can: the tensor views the memory, read-only
    assert t.tolist() == [0.0, 1.0, 2.0] and np.shares_memory(t.numpy(), a)
    with pytest.raises(ValueError, match="read-only"):
        t.add_(1)
    assert a.tolist() == [0.0, 1.0, 2.0]
    assert torch.from_dlpack(t).tolist() == [0.0, 1.0, 2.0]


def test_versions_are_per_tensor_as_in_pytorch():
    def versions(lib):
        x = lib.zeros(3)
        y = lib.from_dlpack(np.from_dlpack(x))
        y.add_(1)
        x.mul_(3)
        return x._version, y._version, x.tolist(), y.tolist()
    assert versions(flambeau) == versions(torch) == (1, 1, [3.0] * 3, [3.0] * 3)


def test_imported_tensor_in_autograd():
    theirs = torch.arange(3.0)
    x = flambeau.from_dlpack(theirs).requires_grad_()
    (x * x).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 4.0]
    z = (x * x).sum()  # keeps x for backward
    x.detach().add_(1)  # the detached alias shares flambeau's version counter with x
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    assert theirs.tolist() == [1.0, 2.0, 3.0]


def test_protocol_arguments():
    t = flambeau.arange(4.0)
    assert t.__dlpack_device__() == tuple(torch.arange(4.0).__dlpack_device__()) == (1, 0)
    copied = np.from_dlpack(t, copy=True)
    assert not np.shares_memory(copied, t.numpy()) and copied.tolist() == t.tolist()
    assert np.shares_memory(np.from_dlpack(t, copy=False), t.numpy())
    assert np.from_dlpack(t, device="cpu").tolist() == t.tolist()


def test_capsules_both_ways():
    theirs = torch.arange(6.0).reshape(2, 3)
    capsule = tdl.to_dlpack(theirs)
    ours = fdl.from_dlpack(capsule)
    ours[0, 0] = -1  # PyTorch writes through what a capsule holds: so does flambeau
    assert theirs[0, 0].item() == -1
    with pytest.raises(RuntimeError, match="consumed only once"):
        fdl.from_dlpack(capsule)
    mine = fdl.to_dlpack(ours.t())
    assert type(mine).__name__ == "PyCapsule"
    back = tdl.from_dlpack(mine)
    assert back.stride() == (1, 3) and back.data_ptr() == theirs.data_ptr()
    assert fdl.from_dlpack(fdl.to_dlpack(flambeau.ones(2))).tolist() == [1.0, 1.0]
    assert fdl.from_dlpack(np.arange(2)).tolist() == [0, 1]  # protocol objects need no capsule


def test_capsule_refusals_as_pytorch():
    for lib, dl in ((torch, tdl), (flambeau, fdl)):
        with pytest.raises(TypeError):
            dl.to_dlpack(np.ones(2))
        with pytest.raises(RuntimeError, match="invalid capsule"):
            dl.from_dlpack(3)
        # unlike __dlpack__, to_dlpack exports a tensor that requires grad (its data)
        assert dl.from_dlpack(dl.to_dlpack(lib.ones(2, requires_grad=True))).requires_grad is False
    assert flambeau.utils.dlpack is fdl
