"""flambeau's own format stores NumPy arrays and namedtuples natively (no pickle), so scripts that save a
data set or a results dict work with the defaults and load with the default, weights-only loader.
The oracle is torch.save + torch.load(weights_only=False), which pickles the same objects."""
import io
import json
import sys
import zipfile
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch

import flambeau
from flambeau.serialization.errors import CorruptFileError

Result = namedtuple("Result", "loss accuracy history")


def roundtrip(obj):
    buf = io.BytesIO()
    flambeau.save(obj, buf)
    buf.seek(0)
    return flambeau.load(buf)


def torch_roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=False)


def assert_same_array(a, b):
    assert type(a) is type(b) is np.ndarray
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


def test_issue_reproduction_numpy_array_saves_with_defaults():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert_same_array(roundtrip(x), torch_roundtrip(x))


ARRAYS = {
    "float64": np.linspace(-1, 1, 7),
    "float16_nan": np.array([np.nan, np.inf, -0.0, 1.5], np.float16),
    "int8": np.arange(-4, 4, dtype=np.int8),
    "uint32": np.arange(6, dtype=np.uint32).reshape(2, 3),
    "bool": np.array([[True, False]]),
    "complex64": np.array([1 + 2j, -3j], np.complex64),
    "big_endian": np.arange(5, dtype=">i4"),
    "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    "strided": np.arange(20.0).reshape(4, 5)[::2, 1::2],
    "zero_size": np.zeros((0, 3), np.float32),
    "zero_d": np.array(3.25),
    "unicode": np.array(["héllo", "x"]),
    "bytes": np.array([b"ab", b"c"]),
    "datetime": np.array(["2024-01-02", "2025-03-04"], "datetime64[D]"),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_numpy_arrays_match_torch_pickle_roundtrip(name):
    a = ARRAYS[name]
    out, expected = roundtrip(a), torch_roundtrip(a)
    assert_same_array(out, expected.astype(expected.dtype.newbyteorder("=")))
    out[...] = out  # loaded arrays are writable, like unpickled ones


def test_results_dict_of_mixed_values():
    results = OrderedDict(
        epoch=3, name="run-1", blob=b"\x00\x01", missing=None, lr=(0.1, 0.01),
        curve=np.array([0.9, 0.5, 0.25]), summary=Result(0.25, 0.9, [np.float64(0.9), np.float64(0.5)]),
        shape=flambeau.Size([2, 3]), dtype=flambeau.float16, device=flambeau.device("cpu"),
        weights=flambeau.ones(2),
    )
    out = roundtrip(results)
    expected = torch_roundtrip(OrderedDict((k, v) for k, v in results.items()
                                           if k not in ("shape", "dtype", "device", "weights")))
    assert type(out) is OrderedDict and list(out) == list(results)
    for k, v in expected.items():
        assert type(out[k]) is type(v), k
        if isinstance(v, np.ndarray):
            assert_same_array(out[k], v)
        else:
            assert out[k] == v, k
    assert out["shape"] == flambeau.Size([2, 3]) and type(out["shape"]) is flambeau.Size
    assert out["dtype"] is flambeau.float16 and out["device"] == flambeau.device("cpu")
    assert out["weights"].tolist() == [1.0, 1.0]


def test_namedtuple_class_reused_when_its_module_is_imported():
    r = Result(0.5, np.float32(0.75), [1, 2])
    out = roundtrip(r)
    assert type(out) is Result and out == r and out.accuracy == np.float32(0.75)


def test_namedtuple_of_unimported_module_comes_back_equivalent():
    def edit(node):
        node["module"] = "a_module_nobody_imported"
    out = flambeau.load(_rewritten(Result(1, 2, 3), edit))
    assert "a_module_nobody_imported" not in sys.modules  # nothing was imported
    assert type(out) is not Result and type(out).__name__ == "Result"
    assert out._fields == Result._fields and tuple(out) == (1, 2, 3) and out.history == 3


def test_same_array_twice_loads_as_one_object():
    a = np.ones(3)
    out = roundtrip([a, {"again": a}])
    assert out[0] is out[1]["again"]


def test_archive_holds_no_pickle():
    buf = io.BytesIO()
    flambeau.save({"x": np.ones(2), "r": Result(1, 2, 3)}, buf)
    names = zipfile.ZipFile(buf).namelist()
    assert names == ["flambeau/manifest.json", "flambeau/arrays/0"]


def test_sparse_tensors_round_trip():
    s = flambeau.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [1.0, 2.0, 3.0], (2, 3))
    out = roundtrip({"s": s, "c": s.coalesce(), "grad": s.requires_grad_()})
    for key, original in (("s", s), ("c", s.coalesce())):
        assert out[key].is_sparse and out[key].is_coalesced() == original.is_coalesced()
        flambeau.testing.assert_close(out[key], original.detach())
    assert out["grad"].requires_grad


def test_sparse_indices_out_of_range_are_corrupt():
    def edit(node):
        node["size"] = [1, 3]
    with pytest.raises(CorruptFileError, match="size is inconsistent with indices"):
        flambeau.load(_rewritten(flambeau.sparse_coo_tensor([[0, 1], [2, 0]], [1.0, 2.0], (2, 3)), edit))


def test_object_arrays_still_need_pickle():
    a = np.array([{"a": 1}, None], dtype=object)
    with pytest.raises(TypeError, match="numpy.ndarray.*allow_pickle=True"):
        flambeau.save(a, io.BytesIO())
    buf = io.BytesIO()
    flambeau.save(a, buf, allow_pickle=True)
    buf.seek(0)
    with pytest.raises(Exception, match="weights_only=False"):
        flambeau.load(buf)


def _rewritten(obj, edit) -> io.BytesIO:
    """The file of flambeau.save(obj) after edit(root node of its manifest)."""
    buf = io.BytesIO()
    flambeau.save(obj, buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "flambeau/manifest.json":
                manifest = json.loads(data)
                edit(manifest["object"])
                data = json.dumps(manifest)
            zout.writestr(name, data)
    out.seek(0)
    return out


@pytest.mark.parametrize("edit", [
    lambda n: n.update(dtype="|O"),
    lambda n: n.update(dtype="not a dtype"),
    lambda n: n.update(shape=[5]),
    lambda n: n.update(shape=[-4]),
    lambda n: n.update(index=3),
], ids=["object", "unknown", "too_big", "negative", "missing_record"])
def test_bad_array_nodes_are_corrupt_files(edit):
    with pytest.raises(CorruptFileError):
        flambeau.load(_rewritten(np.arange(4, dtype=np.int32), edit))
