"""Writes the pickle program of a PyTorch checkpoint (protocol 2, as torch.save writes it).

flambeau cannot pickle torch's globals through the pickle module (it would import torch), so the
few opcodes a weights-only checkpoint needs are emitted here directly: containers, numbers,
strings, and tensors as `torch._utils._rebuild_tensor_v2(<storage persistent id>, ...)`.
"""
from __future__ import annotations

import pickle
import struct
from collections import OrderedDict

from .._device import device
from .._dtype import dtype as Dtype
from .._tensor import Size, Tensor
from ._storage import Placement

STORAGE_TYPES = {"float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage",
                 "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
                 "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
                 "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage"}


def collect_tensors(obj, out: list) -> list:
    """Every tensor reachable through the containers the writer supports, in order."""
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            collect_tensors(v, out)
    elif isinstance(obj, (list, tuple, set)):
        for v in obj:
            collect_tensors(v, out)
    return out


class TorchPickler:
    def __init__(self, placements: dict[int, Placement], legacy: bool = False):
        self.placements = placements
        self.legacy = legacy  # legacy persistent ids carry a sixth field (view metadata)
        self.out = bytearray()
        self.memo: dict[int, int] = {}  # tensors written once, then fetched: identity survives loading
        self.active: set[int] = set()

    def dumps(self, obj) -> bytes:
        self.out += pickle.PROTO + b"\x02"
        self.save(obj, "obj")
        self.out += pickle.STOP
        return bytes(self.out)

    # ---------------------------------------------------------------- primitives
    def _global(self, module: str, name: str) -> None:
        self.out += pickle.GLOBAL + f"{module}\n{name}\n".encode()

    def _int(self, v: int) -> None:
        if 0 <= v < 256:
            self.out += pickle.BININT1 + bytes((v,))
        elif 0 <= v < 65536:
            self.out += pickle.BININT2 + struct.pack("<H", v)
        elif -2 ** 31 <= v < 2 ** 31:
            self.out += pickle.BININT + struct.pack("<i", v)
        else:
            data = pickle.encode_long(v)
            self.out += (pickle.LONG1 + bytes((len(data),)) if len(data) < 256
                         else pickle.LONG4 + struct.pack("<i", len(data))) + data

    def _str(self, v: str) -> None:
        data = v.encode("utf-8", "surrogatepass")
        self.out += pickle.BINUNICODE + struct.pack("<I", len(data)) + data

    def _call(self, module: str, name: str, args: tuple, path: str) -> None:
        self._global(module, name)
        self.save(args, path)
        self.out += pickle.REDUCE

    # ---------------------------------------------------------------- objects
    def save(self, obj, path: str) -> None:
        t = type(obj)
        if obj is None:
            self.out += pickle.NONE
        elif t is bool:
            self.out += pickle.NEWTRUE if obj else pickle.NEWFALSE
        elif t is int:
            self._int(obj)
        elif t is float:
            self.out += pickle.BINFLOAT + struct.pack(">d", obj)
        elif t is str:
            self._str(obj)
        elif isinstance(obj, Tensor):
            self._tensor(obj, path)
        elif t in (tuple, list, dict, OrderedDict, set):
            if id(obj) in self.active:
                raise ValueError(f"flambeau.save: {path} contains itself")
            self.active.add(id(obj))
            self._container(obj, t, path)
            self.active.discard(id(obj))
        elif t is Size:
            self._call("torch", "Size", (tuple(obj),), path)
        elif t is Dtype:
            self._global("torch", obj.name)
        elif t is device:
            self._call("torch", "device", (str(obj),), path)
        elif t is complex:
            self._call("builtins", "complex", (obj.real, obj.imag), path)
        elif t is bytes:
            self._call("_codecs", "encode", (obj.decode("latin-1"), "latin1"), path)
        elif t is bytearray:
            self._call("builtins", "bytearray", (bytes(obj),), path)
        else:
            raise TypeError(f"flambeau.save(format='torch') cannot write a {t.__module__}.{t.__qualname__} "
                            f"(at {path}): a PyTorch weights-only checkpoint holds tensors, containers, numbers "
                            "and strings")

    def _container(self, obj, t, path: str) -> None:
        out = self.out
        if t is tuple:
            if not obj:
                out += pickle.EMPTY_TUPLE
                return
            out += pickle.MARK
            for i, v in enumerate(obj):
                self.save(v, f"{path}[{i}]")
            out += pickle.TUPLE
        elif t is list:
            out += pickle.EMPTY_LIST
            if obj:
                out += pickle.MARK
                for i, v in enumerate(obj):
                    self.save(v, f"{path}[{i}]")
                out += pickle.APPENDS
        elif t is set:
            self._call("builtins", "set", (list(obj),), path)
        else:
            if t is OrderedDict:
                self._global("collections", "OrderedDict")
                out += pickle.EMPTY_TUPLE + pickle.REDUCE
            else:
                out += pickle.EMPTY_DICT
            if obj:
                out += pickle.MARK
                for k, v in obj.items():
                    self.save(k, path)
                    self.save(v, f"{path}[{k!r}]")
                out += pickle.SETITEMS
            metadata = getattr(obj, "_metadata", None) if t is OrderedDict else None
            if metadata is not None:  # a state_dict's per-module versions, as PyTorch keeps them
                self.save({"_metadata": metadata}, f"{path}._metadata")
                out += pickle.BUILD

    def _tensor(self, t: Tensor, path: str) -> None:
        if id(t) in self.memo:
            self.out += pickle.LONG_BINGET + struct.pack("<I", self.memo[id(t)])
            return
        from ..nn.parameter import Parameter
        if isinstance(t, Parameter):
            self._global("torch._utils", "_rebuild_parameter")
            self.out += pickle.MARK
            self._plain_tensor(t, False)
            self.save(t.requires_grad, path)
            self._call("collections", "OrderedDict", (), path)
            self.out += pickle.TUPLE + pickle.REDUCE
        else:
            self._plain_tensor(t, t.requires_grad)
        index = len(self.memo)
        self.memo[id(t)] = index
        self.out += pickle.LONG_BINPUT + struct.pack("<I", index)

    def _plain_tensor(self, t: Tensor, requires_grad: bool) -> None:
        p = self.placements[id(t)]
        s = p.storage
        self._global("torch._utils", "_rebuild_tensor_v2")
        out = self.out
        out += pickle.MARK + pickle.MARK
        self._str("storage")
        self._global("torch", STORAGE_TYPES[s.dtype.name])
        self._str(s.key)
        self._str(s.location)
        self._int(s.numel)
        if self.legacy:
            out += pickle.NONE
        out += pickle.TUPLE + pickle.BINPERSID
        self._int(p.offset)
        self.save(tuple(p.shape), "")
        self.save(tuple(p.stride), "")
        out += pickle.NEWTRUE if requires_grad else pickle.NEWFALSE
        self._call("collections", "OrderedDict", (), "")
        out += pickle.TUPLE + pickle.REDUCE
