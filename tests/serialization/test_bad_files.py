"""Corrupt, truncated and malicious files: a clear error naming the file and the problem, and
nothing from the file is ever executed."""
import io
import json
import os
import pickle
import struct
import zipfile

import pytest
import torch

import flambeau
from flambeau.serialization import safetensors as st
from flambeau.serialization.errors import CorruptFileError, UnsafeFileError


class Evil:
    """Unpickling this runs a shell command that creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class EvilEval:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (eval, (f"open({self.marker!r}, 'w').close()",))


def rewrite_zip(data: bytes, replace=None, drop=()):
    """The zip archive `data` with records replaced or dropped."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name not in drop:
                dst.writestr(name, (replace or {}).get(name, src.read(name)))
    return out.getvalue()


def torch_bytes(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    return buf.getvalue()


def flambeau_bytes(obj, **kwargs):
    buf = io.BytesIO()
    flambeau.save(obj, buf, **kwargs)
    return buf.getvalue()


def load_path(tmp_path, data, name="bad.pt", **kwargs):
    path = tmp_path / name
    path.write_bytes(data)
    return flambeau.load(path, **kwargs)


# ---------------------------------------------------------------- malicious pickles

@pytest.mark.parametrize("payload", [Evil, EvilEval])
@pytest.mark.parametrize("protocol", [2, 4])
def test_malicious_torch_zip_is_refused(tmp_path, payload, protocol):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({"w": 1, "x": payload(marker)}, protocol=protocol)
    data = rewrite_zip(torch_bytes({"w": torch.ones(1)}), replace={"archive/data.pkl": evil})
    with pytest.raises(pickle.UnpicklingError, match=r"bad\.pt.*unsupported global (posix|nt)\.system|"
                                                      r"bad\.pt.*unsupported global builtins\.eval") as info:
        load_path(tmp_path, data)
    assert isinstance(info.value, UnsafeFileError)
    assert not marker.exists()


def test_malicious_legacy_stream_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    data = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950a86a20f9469cfc6c, 1001, {"little_endian": True},
                                                             Evil(marker)))
    with pytest.raises(UnsafeFileError, match="system"):
        load_path(tmp_path, data)
    with pytest.raises(UnsafeFileError, match="system"):  # a bare pickle, as a legacy header
        load_path(tmp_path, pickle.dumps(Evil(marker), protocol=2))
    assert not marker.exists()


def test_allowed_globals_cannot_be_abused(tmp_path):
    marker = tmp_path / "pwned"
    # BUILD (setting state) on anything but an OrderedDict, and APPEND on a non-list are refused
    build = b"\x80\x02cbuiltins\nset\n)R}b."
    with pytest.raises(UnsafeFileError, match="cannot set the state of a set"):
        load_path(tmp_path, rewrite_zip(torch_bytes(1), replace={"archive/data.pkl": build}))
    append = b"\x80\x02ccollections\nOrderedDict\n)R(K\x01e."
    with pytest.raises(UnsafeFileError, match="append to lists"):
        load_path(tmp_path, rewrite_zip(torch_bytes(1), replace={"archive/data.pkl": append}))
    # a rebuild function handed something other than a storage
    fake = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(X\x01\x00\x00\x00sK\x00)K\x00\x89ccollections\nOrderedDict\n)RtR."
    with pytest.raises(pickle.UnpicklingError, match="storage is a str"):
        load_path(tmp_path, rewrite_zip(torch_bytes(1), replace={"archive/data.pkl": fake}))
    assert not marker.exists()


def test_weights_only_false_is_the_only_way_to_run_pickles(tmp_path):
    data = rewrite_zip(torch_bytes(1), replace={"archive/data.pkl": pickle.dumps({"v": len("abc")})})
    assert load_path(tmp_path, data) == {"v": 3}
    data = rewrite_zip(torch_bytes(1), replace={"archive/data.pkl": pickle.dumps(print)})
    with pytest.raises(UnsafeFileError, match="builtins.print"):
        load_path(tmp_path, data)
    assert load_path(tmp_path, data, weights_only=False) is print


def test_native_pickle_record_needs_opt_in(tmp_path):
    marker = tmp_path / "pwned"
    data = flambeau_bytes({"w": flambeau.ones(1), "x": Evil(marker)}, allow_pickle=True)
    with pytest.raises(UnsafeFileError, match=r"bad\.pt.*pickled .*Evil.*weights_only=False"):
        load_path(tmp_path, data)
    assert not marker.exists()


# ---------------------------------------------------------------- damaged archives

@pytest.mark.parametrize("kind", ["flambeau", "torch", "legacy", "safetensors"])
def test_truncated_files(tmp_path, kind):
    obj = {"w": flambeau.arange(100.0)}
    if kind == "flambeau":
        data = flambeau_bytes(obj)
    elif kind == "safetensors":
        data = st.save(obj)
    else:
        data = flambeau_bytes(obj, format="torch", _use_new_zipfile_serialization=kind == "torch")
    for cut in (len(data) // 2, len(data) - 10, 12):
        with pytest.raises(CorruptFileError, match=r"bad\.pt"):
            load_path(tmp_path, data[:cut])


def test_missing_records(tmp_path):
    data = torch_bytes({"w": torch.ones(3)})
    with pytest.raises(CorruptFileError, match=r"bad\.pt.*no record 'archive/data/0'"):
        load_path(tmp_path, rewrite_zip(data, drop=["archive/data/0"]))
    with pytest.raises(CorruptFileError, match=r"neither a flambeau manifest nor a PyTorch data\.pkl"):
        load_path(tmp_path, rewrite_zip(data, drop=["archive/data.pkl"]))
    native = flambeau_bytes({"w": flambeau.ones(3)})
    with pytest.raises(CorruptFileError, match=r"no record 'flambeau/data/0'"):
        load_path(tmp_path, rewrite_zip(native, drop=["flambeau/data/0"]))


def test_wrong_record_size_and_flipped_byte(tmp_path):
    data = torch_bytes({"w": torch.ones(3)})
    with pytest.raises(CorruptFileError, match=r"record 'archive/data/0' holds 8 bytes, expected 12"):
        load_path(tmp_path, rewrite_zip(data, replace={"archive/data/0": b"\x00" * 8}))
    native = bytearray(flambeau_bytes({"w": flambeau.ones(64)}))
    native[native.index(b"\x00\x00\x80\x3f") + 2] ^= 0xFF  # inside the tensor's bytes: the CRC check fails
    with pytest.raises(CorruptFileError, match=r"cannot read record 'flambeau/data/0'.*CRC"):
        load_path(tmp_path, bytes(native))


def _edit_manifest(data: bytes, edit) -> bytes:
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("flambeau/manifest.json"))
    edit(manifest)
    return rewrite_zip(data, replace={"flambeau/manifest.json": json.dumps(manifest)})


def test_bad_manifests(tmp_path):
    data = flambeau_bytes({"w": flambeau.ones(4)})
    with pytest.raises(CorruptFileError, match=r"bad\.pt': the manifest is not valid JSON"):
        load_path(tmp_path, rewrite_zip(data, replace={"flambeau/manifest.json": b"{not json"}))
    cases = [
        (lambda m: m["tensors"][0].update(shape=[5]), "require a storage of 5 elements, but the storage holds 4"),
        (lambda m: m["tensors"][0].update(offset=-1), "invalid tensor geometry"),
        (lambda m: m["tensors"][0].update(dtype="float99"), "unknown dtype 'float99'"),
        (lambda m: m["object"]["items"][0].__setitem__(1, {"$": "tensor", "index": 7}), "tensor index 7 out of range"),
        (lambda m: m["object"].update({"$": "eval"}), "unknown node"),
        (lambda m: m.update(version=99), "unsupported flambeau format version 99"),
        (lambda m: m["storages"][0].update(numel=8), "holds 16 bytes, expected 32"),
        (lambda m: m["tensors"][0].pop("stride"), "tensor 0 has no valid 'stride' field"),
    ]
    for edit, message in cases:
        with pytest.raises(CorruptFileError, match=message):
            load_path(tmp_path, _edit_manifest(data, edit))


def test_torch_geometry_beyond_storage(tmp_path):
    data = torch_bytes(torch.ones(4))
    pkl = zipfile.ZipFile(io.BytesIO(data)).read("archive/data.pkl").replace(b"K\x04\x85", b"K\x09\x85")
    with pytest.raises(CorruptFileError, match="sizes \\[9\\].*storage of 9 elements, but the storage holds 4"):
        load_path(tmp_path, rewrite_zip(data, replace={"archive/data.pkl": pkl}))


def test_unrecognised_and_empty_files(tmp_path):
    with pytest.raises(CorruptFileError, match=r"bad\.pt': the file is empty"):
        load_path(tmp_path, b"")
    with pytest.raises(CorruptFileError, match="not a flambeau, PyTorch or safetensors checkpoint"):
        load_path(tmp_path, b"hello world, not a checkpoint")
    with pytest.raises(CorruptFileError, match="not a readable zip archive"):
        load_path(tmp_path, b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(CorruptFileError, match="Invalid magic number"):
        load_path(tmp_path, pickle.dumps(12345, protocol=2))
    with pytest.raises(CorruptFileError, match="pickle data was truncated"):
        load_path(tmp_path, b"\x80\x02\x8a\x0a")


def test_bad_safetensors(tmp_path):
    good = st.save({"a": flambeau.ones(2), "b": flambeau.zeros(3)})
    (n,) = struct.unpack("<Q", good[:8])
    header = json.loads(good[8:8 + n])

    def with_header(h, tail=good[8 + n:]):
        text = json.dumps(h).encode()
        return struct.pack("<Q", len(text)) + text + tail

    cases = [
        (good[:6], "too small"),
        (struct.pack("<Q", 10 ** 12) + b"{}", "header too large"),
        (struct.pack("<Q", 500) + good[8:], "runs past the end of the file"),
        (struct.pack("<Q", 4) + b"{abc", "not valid JSON"),
        (with_header({**header, "a": {**header["a"], "data_offsets": [0, 400]}}), "data_offsets \\[0, 400\\]"),
        (with_header({**header, "a": {**header["a"], "data_offsets": [4, 12]}}), "without gaps"),
        (with_header({**header, "a": {**header["a"], "dtype": "X9"}}), "unsupported dtype 'X9'"),
        (with_header(header, good[8 + n:] + b"extra"), "the file holds 25"),
        (with_header({**header, "__metadata__": {"k": 1}}), "__metadata__ must map str to str"),
    ]
    for data, message in cases:
        path = tmp_path / "bad.safetensors"
        path.write_bytes(data)
        with pytest.raises(CorruptFileError, match=r"bad\.safetensors.*" + message):
            st.load_file(path)
