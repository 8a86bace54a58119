"""A pickle machine that builds only what an allow-list permits.

Python's pickle calls whatever the file names. This one resolves every global through
`find_global` (which maps allowed names, e.g. `torch._utils._rebuild_tensor_v2`, to flambeau
functions and raises for anything else), calls only those, and restricts APPEND/SETITEM/BUILD to
plain containers. Like PyTorch's weights-only unpickler it is written in Python from the pickle
opcodes, so no opcode reaches code the allow-list did not name. With `trusted=True` (the caller
passed weights_only=False) unknown globals are imported and any object may be built.
"""
from __future__ import annotations

import importlib
import pickle
import struct
from collections import Counter, OrderedDict
from typing import Any, Callable

from .errors import CorruptFileError, UnsafeFileError

_DICTS = (dict, OrderedDict, Counter)


class _Mark:
    """The stack marker pushed by MARK."""


_MARK = _Mark()


class RestrictedUnpickler:
    def __init__(self, file, source: str, find_global: Callable[[str, str], Any],
                 persistent_load: Callable[[Any], Any] | None = None, trusted: bool = False,
                 setstate_types: tuple[type, ...] = ()):
        self.read = file.read
        self.readline = file.readline
        self.source = source
        self.find_global = find_global
        self.persistent_load = persistent_load
        self.trusted = trusted
        self.setstate_types = setstate_types  # BUILD may call __setstate__ on instances of these (e.g. numpy arrays)
        self._allowed: set[int] = set()  # ids of the objects find_global returned: the only callables

    # ---------------------------------------------------------------- helpers
    def _fail(self, what: str) -> pickle.UnpicklingError:
        return pickle.UnpicklingError(f"{self.source}: {what}")

    def _read(self, n: int) -> bytes:
        data = self.read(n)
        if len(data) != n:
            raise CorruptFileError(self.source, "pickle data was truncated")
        return data

    def _pop_mark(self) -> list:
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is _MARK:
                items = stack[i + 1:]
                del stack[i:]
                return items
        raise self._fail("could not find MARK")

    def _global(self, module: str, name: str):
        if module == "__builtin__":  # protocol 2 pickles name Python 2's module
            module = "builtins"
        obj = self.find_global(module, name)
        if obj is None:
            if not self.trusted:
                raise UnsafeFileError(self.source, f"Weights only load failed: unsupported global {module}.{name} "
                                                   "(not in the allow-list of tensor and container constructors). "
                                                   "Load with weights_only=False only if you trust the file's source.")
            obj = importlib.import_module(module)
            for part in name.split("."):
                obj = getattr(obj, part)
        self._allowed.add(id(obj))
        return obj

    def _check_callable(self, fn) -> None:
        if not self.trusted and id(fn) not in self._allowed:
            raise UnsafeFileError(self.source, f"Weights only load failed: the file calls {fn!r}, which is not an "
                                               "allowed global")

    # ---------------------------------------------------------------- the machine
    def load(self) -> Any:
        self.stack: list = []
        self.memo: dict = {}
        dispatch = _DISPATCH
        while True:
            op = self.read(1)
            if not op:
                raise CorruptFileError(self.source, "pickle data was truncated")
            handler = dispatch.get(op[0])
            if handler is None:
                raise self._fail(f"unsupported or invalid pickle opcode {op!r}")
            if handler is _stop:
                if len(self.stack) != 1:
                    raise self._fail("malformed pickle: STOP with a stack of size %d" % len(self.stack))
                return self.stack.pop()
            try:
                handler(self)
            except (pickle.UnpicklingError, RuntimeError):
                raise
            except (IndexError, KeyError, ValueError, struct.error, UnicodeDecodeError, AttributeError,
                    TypeError) as e:
                raise self._fail(f"malformed pickle at opcode {op!r}: {type(e).__name__}: {e}") from e


def _stop(u: RestrictedUnpickler) -> None:  # handled in load()
    pass


def _push(value):
    return lambda u: u.stack.append(value)


def _unpack(fmt: str, size: int, convert=None):
    def op(u):
        (v,) = struct.unpack(fmt, u._read(size))
        u.stack.append(v if convert is None else convert(u, v))
    return op


def _long(u, n: int) -> None:
    if n < 0:
        raise ValueError("negative length for LONG4")
    u.stack.append(int.from_bytes(u._read(n), "little", signed=True))


def _string(fmt: str, size: int, decode):
    def op(u):
        (n,) = struct.unpack(fmt, u._read(size))
        u.stack.append(decode(u._read(n)))
    return op


def _tuple(n: int):
    def op(u):
        items = u.stack[len(u.stack) - n:] if n else []
        if len(items) != n:
            raise IndexError("stack underflow")
        del u.stack[len(u.stack) - n:]
        u.stack.append(tuple(items))
    return op


def _append(u) -> None:
    value = u.stack.pop()
    _extend(u, u.stack[-1], [value])


def _appends(u) -> None:
    items = u._pop_mark()
    _extend(u, u.stack[-1], items)


def _extend(u, target, items) -> None:
    if type(target) is list:
        target.extend(items)
    elif u.trusted:
        extend = getattr(target, "extend", None)
        if extend is not None:
            extend(items)
        else:
            for x in items:
                target.append(x)
    else:
        raise UnsafeFileError(u.source, f"Weights only load failed: can only append to lists, not {type(target).__name__}")


def _setitems(u, items) -> None:
    target = u.stack[-1]
    if not (isinstance(target, _DICTS) or u.trusted):
        raise UnsafeFileError(u.source, f"Weights only load failed: can only set items of dicts, not {type(target).__name__}")
    if len(items) % 2:
        raise ValueError("odd number of items for SETITEMS")
    for i in range(0, len(items), 2):
        target[items[i]] = items[i + 1]


def _additems(u) -> None:
    items = u._pop_mark()
    target = u.stack[-1]
    if type(target) is not set and not u.trusted:
        raise UnsafeFileError(u.source, f"Weights only load failed: can only add items to sets, not {type(target).__name__}")
    for x in items:
        target.add(x)


def _global_op(u) -> None:
    module = u.readline()[:-1].decode("utf-8")
    name = u.readline()[:-1].decode("utf-8")
    u.stack.append(u._global(module, name))


def _stack_global(u) -> None:
    name = u.stack.pop()
    module = u.stack.pop()
    if type(module) is not str or type(name) is not str:
        raise u._fail("STACK_GLOBAL requires str")
    u.stack.append(u._global(module, name))


def _reduce(u) -> None:
    args = u.stack.pop()
    fn = u.stack.pop()
    u._check_callable(fn)
    if type(args) is not tuple:
        raise u._fail("REDUCE arguments must be a tuple")
    u.stack.append(fn(*args))


def _newobj(u) -> None:
    args = u.stack.pop()
    cls = u.stack.pop()
    u._check_callable(cls)
    if not isinstance(cls, type) or type(args) is not tuple:
        raise u._fail("NEWOBJ needs a class and a tuple")
    u.stack.append(cls.__new__(cls, *args))


def _build(u) -> None:
    state = u.stack.pop()
    inst = u.stack[-1]
    if u.trusted:
        setstate = getattr(inst, "__setstate__", None)
        if setstate is not None:
            setstate(state)
            return
        slots = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
        if state:
            inst.__dict__.update(state)
        for k, v in (slots or {}).items():
            setattr(inst, k, v)
        return
    if u.setstate_types and isinstance(inst, u.setstate_types):
        inst.__setstate__(state)
        return
    # a state_dict's OrderedDict carries `_metadata`; nothing else may gain attributes from a file
    if type(inst) is OrderedDict and type(state) is dict and all(type(k) is str for k in state):
        inst.__dict__.update(state)
        return
    raise UnsafeFileError(u.source, f"Weights only load failed: cannot set the state of a {type(inst).__name__}")


def _persid(u) -> None:
    pid = u.stack.pop()
    if u.persistent_load is None:
        raise u._fail("the pickle refers to a persistent id, but this format has none")
    u.stack.append(u.persistent_load(pid))


def _put(fmt: str, size: int):
    def op(u):
        (i,) = struct.unpack(fmt, u._read(size))
        u.memo[i] = u.stack[-1]
    return op


def _get(fmt: str, size: int):
    def op(u):
        (i,) = struct.unpack(fmt, u._read(size))
        if i not in u.memo:
            raise u._fail(f"memo key {i} not found")
        u.stack.append(u.memo[i])
    return op


def _memoize(u) -> None:
    u.memo[len(u.memo)] = u.stack[-1]


def _proto(u) -> None:
    v = u._read(1)[0]
    if v > pickle.HIGHEST_PROTOCOL:
        raise u._fail(f"unsupported pickle protocol: {v}")


def _frame(u) -> None:
    u._read(8)  # frame length: the opcodes follow inline


def _dict(u) -> None:
    items = u._pop_mark()
    u.stack.append({})
    _setitems(u, items)


def _latin1(b: bytes) -> str:
    return b.decode("latin-1")


def _utf8(b: bytes) -> str:
    return b.decode("utf-8", "surrogatepass")


def _dup(u) -> None:
    u.stack.append(u.stack[-1])


_DISPATCH: dict[int, Callable[[RestrictedUnpickler], None]] = {op[0]: fn for op, fn in {
    pickle.PROTO: _proto, pickle.FRAME: _frame, pickle.STOP: _stop,
    pickle.NONE: _push(None), pickle.NEWTRUE: _push(True), pickle.NEWFALSE: _push(False),
    pickle.BININT: _unpack("<i", 4), pickle.BININT1: _unpack("<B", 1), pickle.BININT2: _unpack("<H", 2),
    pickle.LONG1: lambda u: _long(u, u._read(1)[0]),
    pickle.LONG4: lambda u: _long(u, struct.unpack("<i", u._read(4))[0]),
    pickle.BINFLOAT: _unpack(">d", 8),
    pickle.BINUNICODE: _string("<I", 4, _utf8), pickle.SHORT_BINUNICODE: _string("<B", 1, _utf8),
    pickle.BINUNICODE8: _string("<Q", 8, _utf8),
    pickle.SHORT_BINSTRING: _string("<B", 1, _latin1), pickle.BINSTRING: _string("<i", 4, _latin1),
    pickle.BINBYTES: _string("<I", 4, bytes), pickle.SHORT_BINBYTES: _string("<B", 1, bytes),
    pickle.BINBYTES8: _string("<Q", 8, bytes),
    pickle.MARK: lambda u: u.stack.append(_MARK), pickle.POP: lambda u: u.stack.pop(), pickle.POP_MARK: lambda u: u._pop_mark(),
    pickle.DUP: _dup,
    pickle.EMPTY_TUPLE: _tuple(0), pickle.TUPLE1: _tuple(1), pickle.TUPLE2: _tuple(2), pickle.TUPLE3: _tuple(3),
    pickle.TUPLE: lambda u: u.stack.append(tuple(u._pop_mark())),
    pickle.EMPTY_LIST: lambda u: u.stack.append([]), pickle.LIST: lambda u: u.stack.append(u._pop_mark()),
    pickle.APPEND: _append, pickle.APPENDS: _appends,
    pickle.EMPTY_DICT: lambda u: u.stack.append({}),
    pickle.DICT: _dict,
    pickle.SETITEM: lambda u: _setitems(u, [u.stack.pop(-2), u.stack.pop()]),
    pickle.SETITEMS: lambda u: _setitems(u, u._pop_mark()),
    pickle.EMPTY_SET: lambda u: u.stack.append(set()), pickle.ADDITEMS: _additems,
    pickle.FROZENSET: lambda u: u.stack.append(frozenset(u._pop_mark())),
    pickle.GLOBAL: _global_op, pickle.STACK_GLOBAL: _stack_global,
    pickle.REDUCE: _reduce, pickle.NEWOBJ: _newobj, pickle.BUILD: _build,
    pickle.BINPERSID: _persid,
    pickle.BINPUT: _put("<B", 1), pickle.LONG_BINPUT: _put("<I", 4), pickle.MEMOIZE: _memoize,
    pickle.BINGET: _get("<B", 1), pickle.LONG_BINGET: _get("<I", 4),
}.items()}
