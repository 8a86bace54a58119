"""flambeau's own checkpoint format: a zip archive of a JSON manifest and raw tensor buffers, with
no pickle unless the caller asked for one.

    flambeau/manifest.json   {"format": "flambeau", "version": 1, "byteorder": "little",
                              "object": <node>, "tensors": [...], "storages": [...]}
    flambeau/data/<key>      the bytes of one storage (little-endian, 64-byte aligned)
    flambeau/pickle/<n>      an object pickled because the caller passed allow_pickle=True

A node is a JSON string, number, bool, null or list (a Python list), or an object tagged by "$":
dict / odict (items as [key, value] pairs, so keys of any type and their order survive), tuple,
set, frozenset, float (non-finite), complex, bytes, tensor (an index into "tensors", so a tensor
saved twice loads as one object), size, dtype, device, scalar (a NumPy scalar), pickle.
"""
from __future__ import annotations

import base64
import json
import math
import pickle
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .._device import device
from .._dtype import _BY_NAME, dtype as Dtype
from .._tensor import Size, Tensor
from ..ops.creation import rebuild_tensor as wrap_array
from ._storage import plan_storages, relocate, storages_of, strided_view
from ._zip import read_array, read_record, write_record
from .errors import CorruptFileError, UnsafeFileError

MANIFEST = "flambeau/manifest.json"
VERSION = 1
_CONTAINERS = {list: None, tuple: "tuple", dict: "dict", OrderedDict: "odict", set: "set", frozenset: "frozenset"}


class _Encoder:
    def __init__(self, allow_pickle: bool, pickle_module, pickle_protocol: int):
        self.allow_pickle = allow_pickle
        self.pickle_module = pickle_module
        self.pickle_protocol = pickle_protocol
        self.tensors: list[Tensor] = []
        self.index: dict[int, int] = {}
        self.pickles: list[tuple[str, bytes]] = []
        self.active: set[int] = set()  # containers being encoded: a container inside itself is an error

    def node(self, obj, path: str):
        t = type(obj)
        if obj is None or t is bool or t is int or t is str:
            return obj
        if t is float:
            return obj if math.isfinite(obj) else {"$": "float", "value": repr(obj)}
        if isinstance(obj, Tensor):
            if id(obj) not in self.index:
                self.index[id(obj)] = len(self.tensors)
                self.tensors.append(obj)
            return {"$": "tensor", "index": self.index[id(obj)]}
        if t in _CONTAINERS:
            if id(obj) in self.active:
                raise ValueError(f"flambeau.save: {path} contains itself")
            self.active.add(id(obj))
            try:
                return self._container(obj, t, path)
            finally:
                self.active.discard(id(obj))
        if t is Size:
            return {"$": "size", "items": list(obj)}
        if t is Dtype:
            return {"$": "dtype", "name": obj.name}
        if t is device:
            return {"$": "device", "name": str(obj)}
        if t is complex:
            return {"$": "complex", "real": self.node(obj.real, path), "imag": self.node(obj.imag, path)}
        if t is bytes:
            return {"$": "bytes", "base64": base64.b64encode(obj).decode()}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biufc":
            return {"$": "scalar", "dtype": obj.dtype.name, "value": self.node(obj.item(), path)}
        name = f"{t.__module__}.{t.__qualname__}"
        if not self.allow_pickle:
            raise TypeError(f"flambeau.save: {path} is a {name}, which flambeau's format stores only as a pickle; "
                            "pass allow_pickle=True to pickle it (loading the file will then need "
                            "weights_only=False)")
        record = f"flambeau/pickle/{len(self.pickles)}"
        self.pickles.append((record, self.pickle_module.dumps(obj, protocol=self.pickle_protocol)))
        return {"$": "pickle", "record": record, "type": name}

    def _container(self, obj, t, path: str):
        tag = _CONTAINERS[t]
        if tag is None:
            return [self.node(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        if tag in ("dict", "odict"):
            items = [[self.node(k, path), self.node(v, f"{path}[{k!r}]")] for k, v in obj.items()]
            out = {"$": tag, "items": items}
            metadata = getattr(obj, "_metadata", None) if tag == "odict" else None
            if metadata is not None:  # a state_dict's per-module versions, as PyTorch keeps them
                out["metadata"] = self.node(metadata, f"{path}._metadata")
            return out
        return {"$": tag, "items": [self.node(v, f"{path}[{i}]") for i, v in enumerate(obj)]}


def save_native(obj, f, allow_pickle: bool, pickle_module, pickle_protocol: int) -> None:
    enc = _Encoder(allow_pickle, pickle_module, pickle_protocol)
    root = enc.node(obj, "obj")
    placements = plan_storages(enc.tensors)
    from ..nn.parameter import Parameter
    tensors = []
    for t in enc.tensors:
        p = placements[id(t)]
        tensors.append({"storage": p.storage.key, "dtype": p.storage.dtype.name, "offset": p.offset,
                        "shape": list(p.shape), "stride": list(p.stride), "requires_grad": t.requires_grad,
                        "parameter": isinstance(t, Parameter)})
    storages = storages_of(placements)
    manifest = {"format": "flambeau", "version": VERSION, "byteorder": "little", "object": root,
                "tensors": tensors,
                "storages": [{"key": s.key, "dtype": s.dtype.name, "numel": s.numel, "location": s.location}
                             for s in storages]}
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        write_record(zf, MANIFEST, json.dumps(manifest, allow_nan=False, separators=(",", ":")).encode())
        for s in storages:
            write_record(zf, f"flambeau/data/{s.key}", memoryview(s.memory), align=True)
        for record, data in enc.pickles:
            write_record(zf, record, data)


# ---------------------------------------------------------------- loading

def _field(d, key: str, kind, source: str, where: str):
    value = d.get(key) if type(d) is dict else None
    ok = isinstance(value, kind) and not (kind is int and type(value) is bool)
    if not ok:
        raise CorruptFileError(source, f"invalid manifest: {where} has no valid '{key}' field")
    return value


def _dtype(name, source: str) -> Dtype:
    if name not in _BY_NAME:
        raise CorruptFileError(source, f"invalid manifest: unknown dtype {name!r}")
    return _BY_NAME[name]


class _Decoder:
    def __init__(self, zf: zipfile.ZipFile, manifest: dict, source: str, map_location, weights_only: bool,
                 pickle_module):
        self.zf, self.source = zf, source
        self.map_location = map_location
        self.weights_only = weights_only
        self.pickle_module = pickle_module
        self.tensor_entries = _field(manifest, "tensors", list, source, "the manifest")
        self.storage_entries = {}
        for e in _field(manifest, "storages", list, source, "the manifest"):
            self.storage_entries[_field(e, "key", str, source, "a storage")] = e
        self.tensors: dict[int, Tensor] = {}
        self.storages: dict[str, Any] = {}

    def _fail(self, what: str) -> CorruptFileError:
        return CorruptFileError(self.source, f"invalid manifest: {what}")

    def node(self, n):
        t = type(n)
        if n is None or t in (bool, int, float, str):
            return n
        if t is list:
            return [self.node(x) for x in n]
        tag = n.get("$") if t is dict else None
        if tag == "tensor":
            return self._tensor(_field(n, "index", int, self.source, "a tensor node"))
        if tag in ("dict", "odict"):
            items = self._pairs(n)
            if tag == "dict":
                return dict(items)
            out = OrderedDict(items)
            if "metadata" in n:
                out._metadata = self.node(n["metadata"])
            return out
        if tag in ("tuple", "set", "frozenset"):
            items = [self.node(x) for x in _field(n, "items", list, self.source, f"a {tag} node")]
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
        if tag == "size":
            return Size(self.node(_field(n, "items", list, self.source, "a size node")))
        if tag == "float" and n.get("value") in ("inf", "-inf", "nan"):
            return float(n["value"])
        if tag == "complex":
            return complex(self.node(n.get("real")), self.node(n.get("imag")))
        if tag == "bytes":
            return base64.b64decode(_field(n, "base64", str, self.source, "a bytes node"), validate=True)
        if tag == "dtype":
            return _dtype(n.get("name"), self.source)
        if tag == "device":
            return device(_field(n, "name", str, self.source, "a device node"))
        if tag == "scalar":
            dt = np.dtype(_field(n, "dtype", str, self.source, "a scalar node"))
            if dt.kind not in "biufc":
                raise self._fail(f"scalar of dtype {dt}")
            return dt.type(self.node(n.get("value")))
        if tag == "pickle":
            return self._pickled(n)
        raise self._fail(f"unknown node {str(n)[:80]}")

    def _pairs(self, n) -> list:
        items = _field(n, "items", list, self.source, "a dict node")
        if not all(type(kv) is list and len(kv) == 2 for kv in items):
            raise self._fail("dict items must be [key, value] pairs")
        return [(self.node(k), self.node(v)) for k, v in items]

    def _pickled(self, n):
        record = _field(n, "record", str, self.source, "a pickle node")
        if self.weights_only:
            raise UnsafeFileError(self.source, f"Weights only load failed: the file holds a pickled "
                                               f"{n.get('type', 'object')} (saved with allow_pickle=True), and "
                                               "unpickling can run arbitrary code. Pass weights_only=False only if "
                                               "you trust the file's source.")
        return self.pickle_module.loads(read_record(self.zf, record, self.source))

    def _storage(self, key: str):
        if key not in self.storages:
            e = self.storage_entries.get(key)
            if e is None:
                raise self._fail(f"a tensor refers to storage {key!r}, which is not listed")
            dt = _dtype(e.get("dtype"), self.source)
            numel = _field(e, "numel", int, self.source, f"storage {key!r}")
            location = _field(e, "location", str, self.source, f"storage {key!r}")
            raw = read_array(self.zf, f"flambeau/data/{key}", numel * dt.itemsize, self.source)
            self.storages[key] = relocate(raw.view(dt.np), location, self.map_location, self.source)
        return self.storages[key]

    def _tensor(self, index: int) -> Tensor:
        if index in self.tensors:
            return self.tensors[index]
        if not 0 <= index < len(self.tensor_entries):
            raise self._fail(f"tensor index {index} out of range")
        e = self.tensor_entries[index]
        where = f"tensor {index}"
        storage = self._storage(_field(e, "storage", str, self.source, where))
        if _dtype(e.get("dtype"), self.source).np != storage.dtype:
            raise self._fail(f"{where} and its storage have different dtypes")
        array = strided_view(storage, _field(e, "offset", int, self.source, where),
                             _field(e, "shape", list, self.source, where),
                             _field(e, "stride", list, self.source, where), self.source)
        t = wrap_array(array, False)
        requires_grad = _field(e, "requires_grad", bool, self.source, where)
        if _field(e, "parameter", bool, self.source, where):
            from ..nn.parameter import Parameter
            t = Parameter(t, requires_grad)
        elif requires_grad:
            t.requires_grad_(True)
        self.tensors[index] = t
        return t


def load_native(zf: zipfile.ZipFile, source: str, map_location, weights_only: bool, pickle_module=pickle):
    try:
        manifest = json.loads(read_record(zf, MANIFEST, source))
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise CorruptFileError(source, f"the manifest is not valid JSON: {e}") from None
    if type(manifest) is not dict or manifest.get("format") != "flambeau":
        raise CorruptFileError(source, "the manifest is not a flambeau manifest")
    if manifest.get("version") != VERSION:
        raise CorruptFileError(source, f"unsupported flambeau format version {manifest.get('version')!r} "
                                       f"(this flambeau reads version {VERSION})")
    if "object" not in manifest:
        raise CorruptFileError(source, "invalid manifest: no 'object'")
    try:
        return _Decoder(zf, manifest, source, map_location, weights_only, pickle_module).node(manifest["object"])
    except RecursionError:
        raise CorruptFileError(source, "invalid manifest: nesting too deep") from None
