"""PyTorch checkpoints without PyTorch.

Reading: torch.save's zip archive (`<prefix>/data.pkl` + `<prefix>/data/<key>` storages) and the
legacy stream format (magic number, protocol, system info, object, storage keys, raw storages),
through the restricted unpickler: torch's rebuild functions are mapped to the flambeau
constructors below, and no other global resolves unless the caller passed weights_only=False.
Writing: the zip archive that torch.load(weights_only=True) accepts, or the legacy stream.
"""
from __future__ import annotations

import hashlib
import io
import pickle
import struct
import warnings
import zipfile
from collections import Counter, OrderedDict
from typing import Any, NamedTuple

import numpy as np

from .._device import device, device_of, xp_for
from .._dtype import ALL, _BY_NAME, dtype as Dtype, uint8
from .._tensor import Size, Tensor
from ..ops.creation import rebuild_tensor as wrap_array
from ._pickle_writer import STORAGE_TYPES, TorchPickler, collect_tensors
from ._storage import plan_storages, relocate, storages_of, strided_view
from ._zip import read_array, read_record, write_record
from .errors import CorruptFileError
from .safe_unpickler import RestrictedUnpickler

MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
PROTOCOL_VERSION = 1001
LEGACY_HEAD = pickle.dumps(MAGIC_NUMBER, protocol=2)[:-1]  # how a legacy file starts
# dtypes PyTorch has and flambeau does not: named so the error says so instead of "unsupported global"
_MISSING_DTYPES = ("uint16", "uint32", "uint64", "complex32", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz",
                   "float8_e5m2fnuz", "qint8", "quint8", "qint32", "quint4x2")

# user additions through add_safe_globals: "module.name" -> object
safe_globals: dict[str, Any] = {}


class StorageType(NamedTuple):
    """What `torch.FloatStorage` and friends resolve to: the dtype of the storage's elements."""
    dtype: Dtype


class LoadedStorage(NamedTuple):
    array: Any  # 1-D array of `dtype` elements on its final device
    dtype: Dtype


def _safe_encode(text: str, encoding: str = "utf-8") -> bytes:
    # protocol-2 pickles spell bytes as _codecs.encode(text, 'latin1'); nothing else is allowed
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is allowed only as (str, 'latin1') for bytes")
    return text.encode("latin-1")


def _get_layout(name: str) -> str:
    if name != "torch.strided":
        raise pickle.UnpicklingError(f"flambeau supports only strided tensors, not {name}")
    return name


def _parameter_class():
    from ..nn.parameter import Parameter
    return Parameter


class Rebuilder:
    """The allow-list: torch's names for the constructors a weights-only checkpoint may call."""

    def __init__(self, source: str, map_location: Any, trusted: bool):
        self.source = source
        self.map_location = map_location
        self.trusted = trusted
        self.rebuild_fns = (self.rebuild_tensor, self.rebuild_tensor_v2, self.rebuild_tensor_v3,
                            self.rebuild_parameter, self.rebuild_parameter_with_state)
        g: dict[str, Any] = {
            "collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
            "torch.Size": Size, "torch.Tensor": Tensor, "torch.device": device,
            "torch._utils._rebuild_tensor": self.rebuild_tensor,
            "torch._utils._rebuild_tensor_v2": self.rebuild_tensor_v2,
            "torch._utils._rebuild_tensor_v3": self.rebuild_tensor_v3,
            "torch._utils._rebuild_parameter": self.rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state": self.rebuild_parameter_with_state,
            "torch._tensor._rebuild_from_type_v2": self.rebuild_from_type_v2,
            "torch.serialization._get_layout": _get_layout, "_codecs.encode": _safe_encode,
            "builtins.set": set, "builtins.frozenset": frozenset, "builtins.complex": complex,
            "builtins.bytearray": bytearray, "builtins.slice": slice,
            "torch.UntypedStorage": StorageType(uint8), "torch.storage.UntypedStorage": StorageType(uint8),
        }
        for d in ALL:
            g[f"torch.{d.name}"] = d
        for name, storage in STORAGE_TYPES.items():
            g[f"torch.{storage}"] = StorageType(_BY_NAME[name])
        self.globals = g

    def find_global(self, module: str, name: str):
        full = f"{module}.{name}"
        if full == "torch.nn.parameter.Parameter":
            return _parameter_class()
        obj = self.globals.get(full, safe_globals.get(full))
        if obj is None and module == "torch" and name in _MISSING_DTYPES:
            raise CorruptFileError(self.source, f"the checkpoint holds torch.{name} data, a dtype flambeau does not have")
        if obj is None and self.trusted and (module == "torch" or module.startswith("torch.")):
            obj = self._flambeau_equivalent(module, name)
        return obj

    def _flambeau_equivalent(self, module: str, name: str):
        import importlib
        try:
            obj = importlib.import_module("flambeau" + module[5:])
            for part in name.split("."):
                obj = getattr(obj, part)
            return obj
        except (ImportError, AttributeError):
            raise pickle.UnpicklingError(f"{self.source}: the checkpoint pickles {module}.{name}, which has no "
                                         "flambeau equivalent") from None

    # ---------------------------------------------------------------- rebuild functions
    def _tensor(self, storage, dt: Dtype, offset, size, stride, requires_grad) -> Tensor:
        if not isinstance(storage, LoadedStorage):
            raise pickle.UnpicklingError(f"{self.source}: a tensor's storage is a {type(storage).__name__}")
        array = storage.array
        if dt is not storage.dtype:  # _rebuild_tensor_v3 reads an untyped storage as `dt`
            if array.nbytes % dt.itemsize:
                raise CorruptFileError(self.source, f"a storage of {array.nbytes} bytes cannot hold {dt} elements")
            array = array.view(dt.np)
        t = wrap_array(strided_view(array, offset, size, stride, self.source), False)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def rebuild_tensor(self, storage, storage_offset, size, stride) -> Tensor:
        return self._tensor(storage, getattr(storage, "dtype", None), storage_offset, size, stride, False)

    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                          metadata=None) -> Tensor:
        return self._tensor(storage, getattr(storage, "dtype", None), storage_offset, size, stride, requires_grad)

    def rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                          metadata=None) -> Tensor:
        if not isinstance(dtype, Dtype):
            raise pickle.UnpicklingError(f"{self.source}: _rebuild_tensor_v3 expects a dtype, got {dtype!r}")
        return self._tensor(storage, dtype, storage_offset, size, stride, requires_grad)

    def rebuild_parameter(self, data, requires_grad, backward_hooks):
        if not isinstance(data, Tensor):
            raise pickle.UnpicklingError(f"{self.source}: a Parameter's data is a {type(data).__name__}")
        return _parameter_class()(data, bool(requires_grad))

    def rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        param = self.rebuild_parameter(data, requires_grad, backward_hooks)
        self._set_state(param, state)
        return param

    def rebuild_from_type_v2(self, func, new_type, args, state):
        if func not in self.rebuild_fns or type(args) is not tuple:
            raise pickle.UnpicklingError(f"{self.source}: _rebuild_from_type_v2 may only call a tensor rebuild function")
        ret = func(*args)
        parameter = _parameter_class()
        if new_type is parameter and not isinstance(ret, parameter):
            ret = parameter(ret, ret.requires_grad)
        elif new_type not in (Tensor, parameter):
            raise pickle.UnpicklingError(f"{self.source}: cannot rebuild a tensor of type {new_type!r}")
        self._set_state(ret, state)
        return ret

    def _set_state(self, obj, state) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict state, slot state)
            for part in state:
                self._set_state(obj, part)
            return
        if not state:
            return
        if type(state) is not dict or not all(type(k) is str and not k.startswith("__") for k in state):
            raise pickle.UnpicklingError(f"{self.source}: invalid tensor attributes {state!r}")
        if not hasattr(obj, "__dict__"):  # a plain flambeau Tensor has slots only
            warnings.warn(f"{self.source}: flambeau tensors cannot hold attributes; dropped {sorted(state)}")
            return
        for k, v in state.items():
            setattr(obj, k, v)

    # ---------------------------------------------------------------- persistent ids
    def check_pid(self, pid, n: int) -> tuple:
        if type(pid) is not tuple or len(pid) != n or pid[0] != "storage" or not isinstance(pid[1], StorageType) \
                or type(pid[3]) is not str or type(pid[4]) is not int or pid[4] < 0:
            raise pickle.UnpicklingError(f"{self.source}: invalid storage reference {pid!r}")
        return pid


# ---------------------------------------------------------------- reading

def zip_prefix(zf: zipfile.ZipFile) -> str | None:
    """The record prefix of a torch.save archive ('archive/', or the file's stem in older files)."""
    for name in zf.namelist():
        if name.endswith("/data.pkl") and name.count("/") == 1:
            return name[:-len("data.pkl")]
    return None


def load_zip(zf: zipfile.ZipFile, prefix: str, source: str, map_location, weights_only: bool):
    rb = Rebuilder(source, map_location, not weights_only)
    big_endian = f"{prefix}byteorder" in zf.namelist() and read_record(zf, f"{prefix}byteorder", source) == b"big"
    storages: dict[str, LoadedStorage] = {}

    def persistent_load(pid):
        _, stype, key, location, numel = rb.check_pid(pid, 5)
        if key not in storages:
            raw = read_array(zf, f"{prefix}data/{key}", numel * stype.dtype.itemsize, source)
            typed = raw.view(stype.dtype.np)
            if big_endian:
                typed.byteswap(inplace=True)
            storages[key] = LoadedStorage(relocate(typed, location, map_location, source), stype.dtype)
        return storages[key]

    data = read_record(zf, f"{prefix}data.pkl", source)
    return RestrictedUnpickler(io.BytesIO(data), source, rb.find_global, persistent_load, rb.trusted).load()


def load_legacy(f, size: int, source: str, map_location, weights_only: bool):
    rb = Rebuilder(source, map_location, not weights_only)

    def unpickle(persistent_load=None):
        return RestrictedUnpickler(f, source, rb.find_global, persistent_load, rb.trusted).load()

    if unpickle() != MAGIC_NUMBER:
        raise CorruptFileError(source, "Invalid magic number; corrupt file?")
    version = unpickle()
    if version != PROTOCOL_VERSION:
        raise CorruptFileError(source, f"Invalid protocol version: {version!r}")
    sys_info = unpickle()
    if type(sys_info) is not dict or sys_info.get("little_endian") is not True:
        raise CorruptFileError(source, "only little-endian legacy checkpoints are supported")
    roots: dict = {}
    views: dict = {}

    def persistent_load(pid):
        _, stype, key, location, numel, view = rb.check_pid(pid, 6)
        dt = stype.dtype
        if key not in roots:
            if numel * dt.itemsize > size:
                raise CorruptFileError(source, f"storage {key!r} claims {numel} elements, more than the file holds")
            roots[key] = LoadedStorage(relocate(np.empty(numel, dt.np), location, map_location, source), dt)
        if view is None:
            return roots[key]
        view_key, offset, view_size = view
        if view_key not in views:
            views[view_key] = LoadedStorage(roots[key].array[offset:offset + view_size], dt)
        return views[view_key]

    obj = unpickle(persistent_load)
    keys = unpickle()
    if type(keys) is not list or not all(type(k) is str for k in keys) or set(keys) != set(roots):
        raise CorruptFileError(source, "the list of storages does not match the storages the object uses")
    for key in keys:
        root = roots[key]
        head = f.read(8)
        numel = struct.unpack("<q", head)[0] if len(head) == 8 else -1
        if numel != root.array.size:
            raise CorruptFileError(source, f"storage {key!r}: truncated file or wrong element count")
        data = f.read(numel * root.dtype.itemsize)
        if len(data) != numel * root.dtype.itemsize:
            raise CorruptFileError(source, f"storage {key!r} is truncated")
        host = np.frombuffer(data, root.dtype.np)
        root.array[...] = host if isinstance(root.array, np.ndarray) else xp_for(device_of(root.array)).asarray(host)
    return obj


# ---------------------------------------------------------------- writing

def save_zip(obj, f) -> None:
    placements = plan_storages(collect_tensors(obj, []))
    data = TorchPickler(placements).dumps(obj)
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        write_record(zf, "archive/data.pkl", data)
        write_record(zf, "archive/.format_version", b"1")
        write_record(zf, "archive/.storage_alignment", b"64")
        write_record(zf, "archive/byteorder", b"little")
        for s in storages_of(placements):
            write_record(zf, f"archive/data/{s.key}", memoryview(s.memory), align=True)
        write_record(zf, "archive/version", b"3\n")
        # PyTorch records an id per file; a hash of the contents keeps saving deterministic
        digest = int.from_bytes(hashlib.sha256(data).digest()[:16], "little")
        write_record(zf, "archive/.data/serialization_id", str(digest).zfill(40)[:40].encode())


def save_legacy(obj, f) -> None:
    placements = plan_storages(collect_tensors(obj, []))
    data = TorchPickler(placements, legacy=True).dumps(obj)
    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    for header in (MAGIC_NUMBER, PROTOCOL_VERSION, sys_info):
        f.write(pickle.dumps(header, protocol=2))
    f.write(data)
    storages = storages_of(placements)
    f.write(pickle.dumps([s.key for s in storages], protocol=2))
    for s in storages:
        f.write(struct.pack("<q", s.numel))
        f.write(memoryview(s.memory))
