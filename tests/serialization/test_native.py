"""flambeau's own format: a zip of a JSON manifest and raw buffers, round-tripped through flambeau."""
import io
import json
import math
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import flambeau
from flambeau.serialization.errors import UnsafeFileError

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


def roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    flambeau.save(obj, buf)
    buf.seek(0)
    return flambeau.load(buf, **load_kwargs)


def sample(dtype_name, shape=(3, 4)):
    x = flambeau.arange(int(np.prod(shape))).reshape(*shape)
    if dtype_name == "bool":
        return x % 3 == 0
    return (x * 0.5 - 2).to(getattr(flambeau, dtype_name)) if "float" in dtype_name or "complex" in dtype_name \
        else x.to(getattr(flambeau, dtype_name))


def assert_same(a, b):
    assert type(a) is type(b)
    assert a.dtype == b.dtype and a.shape == b.shape and a.stride() == b.stride()
    assert np.array_equal(np.asarray(a._data), np.asarray(b._data))


@pytest.mark.parametrize("dtype_name", DTYPES)
def test_every_dtype(dtype_name):
    x = sample(dtype_name)
    assert_same(roundtrip(x), x)


def test_views_keep_strides_and_share_memory():
    base = flambeau.arange(24.0).reshape(4, 6)
    views = {"base": base, "t": base.t(), "row": base[1], "step": base[:, ::2], "scalar": base[2, 3]}
    out = roundtrip(views)
    for k, v in views.items():
        assert_same(out[k], v)
    assert out["row"].is_contiguous() and not out["t"].is_contiguous()
    out["base"][1, 2] = 100.0  # one storage: writes show through every view
    assert out["row"][2].item() == 100.0 and out["t"][2, 1].item() == 100.0 and out["step"][1, 1].item() == 100.0


def test_slice_of_large_tensor_writes_only_its_bytes():
    big = flambeau.zeros(100_000)
    buf = io.BytesIO()
    flambeau.save(big[10:20], buf)
    assert len(buf.getvalue()) < 2000
    buf.seek(0)
    assert flambeau.load(buf).shape == (10,)


def test_same_tensor_twice_loads_as_one_object():
    x = flambeau.ones(3)
    out = roundtrip({"a": x, "b": [x, x]})
    assert out["a"] is out["b"][0] is out["b"][1]


def test_tensors_with_distinct_memory_stay_distinct():
    x, y = flambeau.ones(3), flambeau.ones(3)
    out = roundtrip([x, y])
    out[0][0] = 5.0
    assert out[1][0].item() == 1.0


def test_containers_and_scalars():
    obj = {"none": None, "t": True, "f": False, "i": -7, "big": 2 ** 100, "x": 1.5, "inf": math.inf,
           "ninf": -math.inf, "str": "héllo $", 3: "int key", (1, "a"): "tuple key", "tuple": (1, (2.0, [3])),
           "list": [1, [2, []]], "set": {1, 2}, "frozen": frozenset({"a"}), "c": 2 - 3j, "bytes": b"\x00\xff",
           "size": flambeau.Size([2, 3]), "dtype": flambeau.bfloat16, "device": flambeau.device("cpu"),
           "np": np.float32(0.25), "npi": np.int64(3), "$": {"$": "tensor"}}
    out = roundtrip(obj)
    nan = roundtrip(math.nan)
    assert math.isnan(nan)
    assert out == obj and list(out) == list(obj)
    for k in obj:
        assert type(out[k]) is type(obj[k]), k


def test_ordered_dict_and_metadata_preserved():
    sd = OrderedDict([("z", flambeau.ones(1)), ("a", flambeau.zeros(2))])
    sd._metadata = OrderedDict([("", {"version": 1})])
    out = roundtrip(sd)
    assert type(out) is OrderedDict and list(out) == ["z", "a"]
    assert out._metadata == sd._metadata


def test_module_state_dict_roundtrip():
    m = flambeau.nn.Sequential(flambeau.nn.Linear(3, 4), flambeau.nn.BatchNorm1d(4))
    sd = m.state_dict()
    out = roundtrip(sd)
    assert type(out) is type(sd) and list(out) == list(sd)
    for k in sd:
        assert_same(out[k], sd[k])
    m2 = flambeau.nn.Sequential(flambeau.nn.Linear(3, 4), flambeau.nn.BatchNorm1d(4))
    m2.load_state_dict(out)
    assert np.array_equal(m2[0].weight.detach().numpy(), m[0].weight.detach().numpy())


@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter_and_requires_grad(requires_grad):
    p = flambeau.nn.Parameter(flambeau.ones(2, 3), requires_grad=requires_grad)
    t = flambeau.ones(2).requires_grad_(True)
    out = roundtrip({"p": p, "t": t, "nonleaf": t * 2})
    assert type(out["p"]) is flambeau.nn.Parameter and out["p"].requires_grad is requires_grad
    assert type(out["t"]) is flambeau.Tensor and out["t"].requires_grad and out["t"].is_leaf
    assert out["nonleaf"].requires_grad and out["nonleaf"].is_leaf
    assert np.array_equal(out["nonleaf"].detach().numpy(), [2.0, 2.0])


def test_paths_and_pathlike(tmp_path):
    x = sample("float32")
    flambeau.save(x, str(tmp_path / "a.pt"))
    flambeau.save(x, tmp_path / "b.pt")
    assert_same(flambeau.load(tmp_path / "a.pt"), x)
    assert_same(flambeau.load(str(tmp_path / "b.pt")), x)
    with open(tmp_path / "b.pt", "rb") as f:
        assert_same(flambeau.load(f), x)


def test_archive_holds_no_pickle():
    buf = io.BytesIO()
    flambeau.save({"w": flambeau.ones(2), "cfg": {"lr": 0.1}}, buf)
    names = zipfile.ZipFile(buf).namelist()
    assert names == ["flambeau/manifest.json", "flambeau/data/0"]
    manifest = json.loads(zipfile.ZipFile(buf).read("flambeau/manifest.json"))
    assert manifest["format"] == "flambeau" and manifest["storages"][0]["numel"] == 2


class Config:
    def __init__(self, lr):
        self.lr = lr

    def __eq__(self, other):
        return isinstance(other, Config) and other.lr == self.lr


def test_arbitrary_objects_need_both_opt_ins():
    obj = {"cfg": Config(0.1), "w": flambeau.ones(2)}
    with pytest.raises(TypeError, match=r"obj\['cfg'\] is a .*Config.*allow_pickle=True"):
        flambeau.save(obj, io.BytesIO())
    buf = io.BytesIO()
    flambeau.save(obj, buf, allow_pickle=True)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Config.*weights_only=False") as info:
        flambeau.load(buf)
    assert isinstance(info.value, UnsafeFileError)
    buf.seek(0)
    out = flambeau.load(buf, weights_only=False)
    assert out["cfg"] == Config(0.1) and np.array_equal(out["w"].numpy(), [1.0, 1.0])


def test_map_location_forms():
    x = sample("float32")
    for loc in ["cpu", flambeau.device("cpu"), {"cpu": "cpu"}, None]:
        assert_same(roundtrip(x, map_location=loc), x)
    seen = []

    def fn(storage, location):
        seen.append((storage.shape, location))
        return storage * 2

    out = roundtrip(x, map_location=fn)
    assert seen == [((12,), "cpu")]
    assert np.array_equal(out.numpy(), x.numpy() * 2)
    assert_same(roundtrip(x, map_location=lambda s, loc: None), x)
    if not flambeau.cuda.is_available():
        with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
            roundtrip(x, map_location="cuda:0")
        with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
            roundtrip(x, map_location={"cpu": "cuda"})


def test_bad_arguments():
    with pytest.raises(ValueError, match="format must be"):
        flambeau.save(1, io.BytesIO(), format="npz")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        flambeau.save(loop, io.BytesIO())
    with pytest.raises(RuntimeError, match="pickle_module"):
        flambeau.load(io.BytesIO(b"x"), pickle_module=pickle)
