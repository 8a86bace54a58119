"""safetensors read and written directly: against bytes built by hand from the spec, and against the
`safetensors` package where the test environment has it."""
import json
import struct

import numpy as np
import pytest
import torch

import flambeau
from flambeau.serialization import load_file, safe_open, save_file
from flambeau.serialization import safetensors as st

CODES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64",
         "float16": "F16", "bfloat16": "BF16", "float32": "F32", "float64": "F64", "complex64": "C64"}


def sample(name, shape=(2, 3)):
    x = flambeau.arange(int(np.prod(shape))).reshape(*shape)
    return x % 2 == 0 if name == "bool" else (x - 2).to(getattr(flambeau, name))


def raw(t):
    return np.asarray(t._data)


def hand_built(entries, metadata=None, pad=True):
    """A safetensors file written by hand from the spec: {name: (code, shape, bytes)}."""
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (code, shape, payload) in entries.items():
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize("name", list(CODES))
def test_roundtrip_every_dtype(name, tmp_path):
    x = sample(name)
    save_file({"x": x, "t": x.t()}, tmp_path / "a.safetensors")
    out = load_file(tmp_path / "a.safetensors")
    assert out["x"].dtype == x.dtype and np.array_equal(raw(out["x"]), raw(x))
    assert out["t"].shape == (3, 2) and np.array_equal(raw(out["t"]), raw(x.t()))  # stored contiguous


def test_reads_hand_built_file():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1, -2], dtype=np.int64)
    data = hand_built({"b": ("I64", [2], b.tobytes()), "a": ("F32", [2, 3], a.tobytes()),
                       "e": ("F16", [0, 4], b"")}, metadata={"format": "pt"}, pad=False)
    out = st.load(data)
    assert list(out) == ["b", "a", "e"]
    assert np.array_equal(raw(out["a"]), a) and np.array_equal(raw(out["b"]), b) and out["e"].shape == (0, 4)
    out["a"][0, 0] = 9.0  # loaded tensors are writable


def test_writer_follows_the_spec():
    x, y = flambeau.ones(3, dtype=flambeau.float16), flambeau.arange(2)
    data = st.save({"x": x, "y": y}, metadata={"k": "v"})
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0 and 8 + n + 6 + 16 == len(data)
    header = json.loads(data[8:8 + n])
    assert header == {"__metadata__": {"k": "v"}, "y": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]},
                      "x": {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]}}
    assert data[8 + n:8 + n + 16] == np.arange(2, dtype=np.int64).tobytes()


def test_safe_open(tmp_path):
    save_file({"b": flambeau.ones(2), "a": flambeau.zeros(1)}, tmp_path / "m.safetensors", metadata={"m": "1"})
    with safe_open(tmp_path / "m.safetensors", framework="pt") as f:
        assert f.keys() == ["a", "b"] and f.metadata() == {"m": "1"}
        b = f.get_tensor("b")
        with pytest.raises(KeyError):
            f.get_tensor("zz")
    assert type(b._data) is np.ndarray and np.array_equal(raw(b), [1.0, 1.0])


def test_flambeau_load_and_save_recognise_safetensors(tmp_path):
    x = sample("float32")
    flambeau.save({"x": x}, tmp_path / "w.safetensors", format="safetensors")
    out = flambeau.load(tmp_path / "w.safetensors", map_location="cpu")
    assert np.array_equal(raw(out["x"]), raw(x))


def test_refuses_what_the_format_cannot_hold():
    with pytest.raises(TypeError, match="dict of str -> Tensor"):
        st.save({"x": 1})
    with pytest.raises(ValueError, match="complex128"):
        st.save({"x": flambeau.zeros(1, dtype=flambeau.complex128)})


def test_against_the_safetensors_package(tmp_path):
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file as t_load, save_file as t_save
    tensors = {"w": torch.randn(3, 4), "h": torch.ones(2, dtype=torch.bfloat16), "i": torch.arange(5),
               "b": torch.tensor([True, False]), "s": torch.tensor(2.5)}  # "s": 0-d keeps its shape []
    t_save(tensors, tmp_path / "t.safetensors", metadata={"a": "b"})
    out = load_file(tmp_path / "t.safetensors")
    for k, v in tensors.items():
        assert str(out[k].dtype) == str(v.dtype) and np.array_equal(raw(out[k]).astype(np.float64),
                                                                    v.double().numpy())
    ours = {k: flambeau.tensor(v.double().numpy()).to(getattr(flambeau, str(v.dtype)[6:])) for k, v in tensors.items()}
    save_file(ours, tmp_path / "f.safetensors", metadata={"a": "b"})
    back = t_load(tmp_path / "f.safetensors")
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape and torch.equal(back[k], v)
    assert open(tmp_path / "f.safetensors", "rb").read() == open(tmp_path / "t.safetensors", "rb").read()
