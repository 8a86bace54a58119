"""PyTorch's checkpoint format both ways, against the real library: torch.save -> flambeau.load and
flambeau.save(format="torch") -> torch.load(weights_only=True)."""
import io
from collections import OrderedDict

import numpy as np
import pytest
import torch

import flambeau

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


def values(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    a = np.asarray(t.detach()._data)
    return a.astype(np.float32) if a.dtype.name == "bfloat16" else a


def assert_same(f, t):
    """A flambeau tensor and a torch tensor agree in values, dtype, shape and strides."""
    assert str(f.dtype) == str(t.dtype) and tuple(f.shape) == tuple(t.shape) and f.stride() == t.stride()
    assert f.requires_grad == t.requires_grad
    assert np.array_equal(values(f), values(t))


def torch_sample(name, shape=(3, 4)):
    x = torch.arange(int(np.prod(shape))).reshape(shape)
    if name == "bool":
        return x % 3 == 0
    return (x * 0.5 - 2).to(getattr(torch, name)) if "float" in name or "complex" in name else x.to(getattr(torch, name))


def torch_to_flambeau(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    buf.seek(0)
    return flambeau.load(buf)


def flambeau_to_torch(obj, **kwargs):
    buf = io.BytesIO()
    flambeau.save(obj, buf, format="torch", **kwargs)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def to_flambeau(t):
    return flambeau.tensor(values(t)).to(getattr(flambeau, str(t.dtype)[6:]))


# ---------------------------------------------------------------- torch -> flambeau

@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("name", DTYPES)
def test_torch_tensors_load(name, legacy):
    x = torch_sample(name)
    obj = {"x": x, "t": x.t(), "row": x[1], "step": x[:, ::2], "scalar": x[0, 0]}
    out = torch_to_flambeau(obj, _use_new_zipfile_serialization=not legacy)
    for k in obj:
        assert_same(out[k], obj[k])


def test_torch_views_share_memory_after_loading():
    x = torch.arange(6.0).reshape(2, 3)
    out = torch_to_flambeau([x, x.t(), x[1]])
    out[0][1, 0] = 50.0
    assert out[1][0, 1].item() == 50.0 and out[2][0].item() == 50.0


@pytest.mark.parametrize("make", [lambda: torch.nn.Linear(3, 4), lambda: torch.nn.Conv2d(2, 3, 3),
                                  lambda: torch.nn.BatchNorm2d(3)], ids=["Linear", "Conv2d", "BatchNorm2d"])
def test_torch_state_dicts(make, tmp_path):
    torch.manual_seed(0)
    m = make()
    if isinstance(m, torch.nn.BatchNorm2d):
        m(torch.randn(2, 3, 4, 4))  # non-trivial running stats and num_batches_tracked
    sd = m.state_dict()
    torch.save(sd, tmp_path / "model.pt")
    out = flambeau.load(tmp_path / "model.pt")
    assert type(out) is OrderedDict and list(out) == list(sd) and out._metadata == sd._metadata
    for k in sd:
        assert_same(out[k], sd[k])


def test_torch_state_dict_loads_into_flambeau_module():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    fm = flambeau.nn.Sequential(flambeau.nn.Linear(3, 4), flambeau.nn.ReLU(), flambeau.nn.Linear(4, 2))
    fm.load_state_dict(torch_to_flambeau(tm.state_dict()))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(fm(flambeau.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_torch_optimizer_state_dict():
    torch.manual_seed(0)
    m = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(m.parameters(), lr=0.01, betas=(0.8, 0.9))
    m(torch.randn(4, 3)).sum().backward()
    opt.step()
    sd = opt.state_dict()
    out = torch_to_flambeau(sd)
    assert out["param_groups"] == sd["param_groups"]
    assert list(out["state"]) == [0, 1]
    for i in (0, 1):
        assert list(out["state"][i]) == list(sd["state"][i])
        for k in sd["state"][i]:
            assert_same(out["state"][i][k], sd["state"][i][k])


@pytest.mark.parametrize("legacy", [False, True])
def test_torch_parameters(legacy):
    p = torch.nn.Parameter(torch.ones(2, 2))
    q = torch.nn.Parameter(torch.zeros(3), requires_grad=False)
    g = torch.ones(2).requires_grad_()
    out = torch_to_flambeau({"p": p, "q": q, "g": g}, _use_new_zipfile_serialization=not legacy)
    assert type(out["p"]) is flambeau.nn.Parameter and out["p"].requires_grad
    assert type(out["q"]) is flambeau.nn.Parameter and not out["q"].requires_grad
    assert type(out["g"]) is flambeau.Tensor and out["g"].requires_grad


def test_torch_tensor_with_attributes():
    t = torch.ones(2)
    t.note = "calibrated"  # pickled through torch._tensor._rebuild_from_type_v2
    p = torch.nn.Parameter(torch.ones(1))
    p.tag = 3  # pickled through _rebuild_parameter_with_state
    with pytest.warns(UserWarning, match=r"cannot hold attributes; dropped \['note'\]"):
        out = torch_to_flambeau({"t": t, "p": p})
    assert np.array_equal(out["t"].numpy(), [1.0, 1.0])
    assert out["p"].tag == 3


def test_torch_containers_and_scalars():
    obj = {"i": 3, "f": 2.5, "s": "x", "n": None, "b": True, "tup": (1, [2, 3]), 7: "int key", "set": {1, 2},
           "c": 1 + 2j, "bytes": b"\x00\xffa", "size": torch.Size([2, 3]), "dtype": torch.float16,
           "dev": torch.device("cpu"), "big": 2 ** 70, "neg": -(2 ** 40)}
    out = torch_to_flambeau(obj)
    assert out["size"] == flambeau.Size([2, 3]) and type(out["size"]) is flambeau.Size
    assert out["dtype"] is flambeau.float16 and out["dev"] == flambeau.device("cpu")
    for k in obj:
        if k not in ("size", "dtype", "dev"):
            assert out[k] == obj[k] and type(out[k]) is type(obj[k])


def test_torch_file_by_path_with_stem_prefix(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "weights.pth")  # records are named weights/...
    assert np.array_equal(flambeau.load(tmp_path / "weights.pth")["w"].numpy(), [1.0, 1.0])


def test_torch_map_location():
    x = torch.arange(4.0)
    buf = io.BytesIO()
    torch.save(x, buf)
    for loc in ("cpu", flambeau.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s):
        buf.seek(0)
        assert_same(flambeau.load(buf, map_location=loc), x)


# ---------------------------------------------------------------- flambeau -> torch

@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("name", DTYPES)
def test_flambeau_tensors_load_in_torch(name, legacy):
    x = to_flambeau(torch_sample(name))
    obj = {"x": x, "t": x.t(), "row": x[1], "step": x[:, ::2], "scalar": x[0, 0]}
    out = flambeau_to_torch(obj, _use_new_zipfile_serialization=not legacy)
    for k in obj:
        assert_same(obj[k], out[k])
    out["x"][1, 0] = 1  # one storage in torch too
    assert out["t"][0, 1].item() == 1


def test_flambeau_state_dict_loads_in_torch():
    fm = flambeau.nn.Sequential(flambeau.nn.Conv2d(2, 3, 3), flambeau.nn.BatchNorm2d(3), flambeau.nn.Flatten(),
                                flambeau.nn.Linear(12, 2))
    sd = fm.state_dict()
    out = flambeau_to_torch(sd)
    assert type(out) is OrderedDict and list(out) == list(sd)
    for k in sd:
        assert_same(sd[k], out[k])
    tm = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                             torch.nn.Linear(12, 2))
    tm.load_state_dict(out)
    tm.eval()
    fm.eval()
    x = np.random.default_rng(1).standard_normal((2, 2, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(tm(torch.tensor(x)).detach().numpy(), fm(flambeau.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_flambeau_parameters_and_containers_in_torch():
    p = flambeau.nn.Parameter(flambeau.ones(2))
    q = flambeau.nn.Parameter(flambeau.ones(1), requires_grad=False)
    od = OrderedDict([("b", 1), ("a", 2)])
    obj = {"p": p, "q": q, "again": p, "g": flambeau.ones(1).requires_grad_(), "od": od, "t": (1, 2.5, "s", None),
           "set": {1}, "c": 3j, "bytes": b"\x01", "size": flambeau.Size([1]), "dtype": flambeau.bfloat16,
           "dev": flambeau.device("cpu"), 5: [True, False], "big": -(2 ** 90)}
    out = flambeau_to_torch(obj)
    assert type(out["p"]) is torch.nn.Parameter and out["p"].requires_grad and out["again"] is out["p"]
    assert type(out["q"]) is torch.nn.Parameter and not out["q"].requires_grad
    assert out["g"].requires_grad and type(out["g"]) is torch.Tensor
    assert type(out["od"]) is OrderedDict and list(out["od"]) == ["b", "a"]
    assert out["size"] == torch.Size([1]) and out["dtype"] is torch.bfloat16 and out["dev"] == torch.device("cpu")
    for k in ("t", "set", "c", "bytes", 5, "big"):
        assert out[k] == obj[k] and type(out[k]) is type(obj[k])


def test_flambeau_torch_format_roundtrip_and_unsupported_objects():
    x = flambeau.arange(6.0).reshape(2, 3)
    buf = io.BytesIO()
    flambeau.save({"x": x.t()}, buf, format="torch")
    buf.seek(0)
    out = flambeau.load(buf)
    assert out["x"].stride() == (1, 3) and np.array_equal(out["x"].numpy(), x.t().numpy())
    with pytest.raises(TypeError, match=r"cannot write a .*object.*obj\['o'\]"):
        flambeau.save({"o": object()}, io.BytesIO(), format="torch")


def test_flambeau_torch_file_is_aligned(tmp_path):
    import zipfile
    flambeau.save({"a": flambeau.ones(3), "b": flambeau.zeros(5, dtype=flambeau.int64)}, tmp_path / "x.pt",
                  format="torch")
    with zipfile.ZipFile(tmp_path / "x.pt") as zf, open(tmp_path / "x.pt", "rb") as f:
        for info in zf.infolist():
            if "/data/" in info.filename:
                f.seek(info.header_offset + 26)
                n, m = np.frombuffer(f.read(4), np.uint16)
                assert (info.header_offset + 30 + n + m) % 64 == 0
    assert list(torch.load(tmp_path / "x.pt", weights_only=True, mmap=True)) == ["a", "b"]
