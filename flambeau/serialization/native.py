"""flambeau's own checkpoint format: a zip archive of a JSON manifest and raw tensor buffers, with
no pickle unless the caller asked for one.

    flambeau/manifest.json   {"format": "flambeau", "version": 1, "byteorder": "little",
                              "object": <node>, "tensors": [...], "storages": [...]}
    flambeau/data/<key>      the bytes of one storage (little-endian, 64-byte aligned)
    flambeau/arrays/<n>      the bytes of one NumPy array (C order, little-endian, 64-byte aligned)
    flambeau/pickle/<n>      an object pickled because the caller passed allow_pickle=True

A node is a JSON string, number, bool, null or list (a Python list), or an object tagged by "$":
dict / odict (items as [key, value] pairs, so keys of any type and their order survive), tuple,
set, frozenset, float (non-finite), complex, bytes, tensor (an index into "tensors", so a tensor
saved twice loads as one object), size, dtype, device, scalar (a NumPy scalar), ndarray (a NumPy
array of numbers, strings, bytes or dates: an index into "arrays"), namedtuple (its type's name and
fields; loading reuses the class when its module is already imported, else makes an equivalent
namedtuple, so no code from the file runs), sparse_coo (an ndarray node of indices, a tensor node of
values, the size), pickle.
"""
from __future__ import annotations

import base64
import json
import math
import pickle
import sys
import zipfile
from collections import OrderedDict, namedtuple
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
_ARRAY_KINDS = "biufcSUmM"  # NumPy kinds stored as raw bytes; object and structured arrays need pickle
_CONTAINERS = {list: None, tuple: "tuple", dict: "dict", OrderedDict: "odict", set: "set", frozenset: "frozenset"}


class _Encoder:
    def __init__(self, allow_pickle: bool, pickle_module, pickle_protocol: int):
        self.allow_pickle = allow_pickle
        self.pickle_module = pickle_module
        self.pickle_protocol = pickle_protocol
        self.tensors: list[Tensor] = []
        self.index: dict[int, int] = {}
        self.pickles: list[tuple[str, bytes]] = []
        self.arrays: list[np.ndarray] = []
        self.array_index: dict[int, int] = {}
        self.active: set[int] = set()  # containers being encoded: a container inside itself is an error

    def node(self, obj, path: str):
        t = type(obj)
        if obj is None or t is bool or t is int or t is str:
            return obj
        if t is float:
            return obj if math.isfinite(obj) else {"$": "float", "value": repr(obj)}
        if isinstance(obj, Tensor) and obj.is_sparse:
            return {"$": "sparse_coo", "indices": self._array(obj._data.indices),
                    "values": self.node(obj._values(), path), "size": list(obj.shape),
                    "coalesced": obj.is_coalesced()}
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
        if t is np.ndarray and obj.dtype.kind in _ARRAY_KINDS and obj.dtype.fields is None:
            return self._array(obj)
        if isinstance(obj, tuple) and isinstance(getattr(t, "_fields", None), tuple):
            return {"$": "namedtuple", "module": t.__module__, "name": t.__qualname__, "fields": list(t._fields),
                    "items": [self.node(v, f"{path}.{f}") for f, v in zip(t._fields, obj)]}
        name = f"{t.__module__}.{t.__qualname__}"
        if not self.allow_pickle:
            raise TypeError(f"flambeau.save: {path} is a {name}, which flambeau's format stores only as a pickle; "
                            "pass allow_pickle=True to pickle it (loading the file will then need "
                            "weights_only=False)")
        record = f"flambeau/pickle/{len(self.pickles)}"
        self.pickles.append((record, self.pickle_module.dumps(obj, protocol=self.pickle_protocol)))
        return {"$": "pickle", "record": record, "type": name}

    def _array(self, obj: np.ndarray) -> dict:
        if id(obj) not in self.array_index:
            self.array_index[id(obj)] = len(self.arrays)
            self.arrays.append(obj)
        little = obj.dtype.newbyteorder("<") if obj.dtype.byteorder == ">" else obj.dtype
        return {"$": "ndarray", "index": self.array_index[id(obj)], "dtype": little.str, "shape": list(obj.shape)}

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
        for i, a in enumerate(enc.arrays):
            a = np.ascontiguousarray(a, a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype)
            write_record(zf, f"flambeau/arrays/{i}", memoryview(a.reshape(-1).view(np.uint8)), align=True)
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
        self.arrays: dict[int, np.ndarray] = {}

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
        if tag == "ndarray":
            return self._ndarray(n)
        if tag == "namedtuple":
            return self._namedtuple(n)
        if tag == "sparse_coo":
            return self._sparse(n)
        if tag == "pickle":
            return self._pickled(n)
        raise self._fail(f"unknown node {str(n)[:80]}")

    def _pairs(self, n) -> list:
        items = _field(n, "items", list, self.source, "a dict node")
        if not all(type(kv) is list and len(kv) == 2 for kv in items):
            raise self._fail("dict items must be [key, value] pairs")
        return [(self.node(k), self.node(v)) for k, v in items]

    def _ndarray(self, n) -> np.ndarray:
        index = _field(n, "index", int, self.source, "an ndarray node")
        if index not in self.arrays:
            try:
                dt = np.dtype(_field(n, "dtype", str, self.source, "an ndarray node"))
            except (TypeError, ValueError, SyntaxError):
                raise self._fail(f"ndarray of unknown dtype {n['dtype']!r}") from None
            shape = _field(n, "shape", list, self.source, "an ndarray node")
            if dt.kind not in _ARRAY_KINDS or dt.fields is not None or dt.byteorder == ">" or \
                    not all(type(d) is int and d >= 0 for d in shape):
                raise self._fail(f"ndarray of dtype {dt} and shape {shape}")
            raw = read_array(self.zf, f"flambeau/arrays/{index}", math.prod(shape) * dt.itemsize, self.source)
            self.arrays[index] = raw.view(dt).reshape(shape)
        return self.arrays[index]

    def _sparse(self, n) -> Tensor:
        from ..sparse import sparse_coo_tensor
        indices, values = self.node(n.get("indices")), self.node(n.get("values"))
        size = _field(n, "size", list, self.source, "a sparse_coo node")
        if not (isinstance(indices, np.ndarray) and isinstance(values, Tensor)):
            raise self._fail("a sparse_coo node needs an index array and a values tensor")
        try:  # the indices are checked against the size, so a corrupt file cannot index out of bounds
            return sparse_coo_tensor(indices, values, size, is_coalesced=n.get("coalesced") is True)
        except (RuntimeError, TypeError, ValueError) as e:
            raise self._fail(f"invalid sparse_coo tensor: {e}") from None

    def _namedtuple(self, n) -> tuple:
        module = _field(n, "module", str, self.source, "a namedtuple node")
        name = _field(n, "name", str, self.source, "a namedtuple node")
        fields = _field(n, "fields", list, self.source, "a namedtuple node")
        items = [self.node(x) for x in _field(n, "items", list, self.source, "a namedtuple node")]
        cls = _imported_class(module, name)
        if not (isinstance(cls, type) and issubclass(cls, tuple) and getattr(cls, "_fields", None) == tuple(fields)):
            try:
                cls = namedtuple(name.rpartition(".")[2], fields)
            except (TypeError, ValueError) as e:
                raise self._fail(f"namedtuple {name!r}: {e}") from None
        if len(items) != len(fields):
            raise self._fail(f"namedtuple {name!r} has {len(fields)} fields but {len(items)} items")
        return tuple.__new__(cls, items)  # no __new__ of the class runs

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


def _imported_class(module: str, qualname: str):
    """The class of that name if its module is already imported (importing would run code), else None.
    A class defined inside a function ("f.<locals>.C") is not found, as wanted."""
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


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
