"""The helpers converted code calls (flambeau/jit/_script/_frontend.py). Outside a trace, or on a condition that
is a plain Python value, they run Python; on a traced tensor condition they record prim.If / prim.Loop nodes
(flambeau/jit/_script/_blocks.py)."""
from __future__ import annotations

import sys
from types import FunctionType, MethodType
from typing import Any, Callable

from ..._tensor import Tensor
from . import _blocks


class _Undefined:
    """The value of a local that no path has bound yet."""

    def __repr__(self) -> str:
        return "<undefined>"


UNDEFINED = _Undefined()
_LIBRARIES = {"flambeau", "numpy", "ml_dtypes", "typing"}
# while scripted calls trace (nested ones too): the set where each notes the @jit.ignore functions it calls
ignored_calls: list[set] = []


def lookup(scope: dict, name: str) -> Any:
    return scope.get(name, UNDEFINED)


def if_(cond: Any, then_fn: Callable, else_fn: Callable, args: tuple, where: str, outside_write: str | None):
    tracer = _blocks.active_tracer()
    if tracer is None or outside_write or not _blocks.is_traced(tracer, cond):
        return then_fn(*args) if cond else else_fn(*args)
    return _blocks.record_if(tracer, cond, then_fn, else_fn, args, where)


def while_(cond_fn: Callable, body_fn: Callable, args: tuple, where: str, outside_write: str | None) -> tuple:
    cond = cond_fn(*args)
    tracer = _blocks.active_tracer()
    if tracer is not None and not outside_write and _blocks.is_traced(tracer, cond):
        return _blocks.record_loop(tracer, cond, cond_fn, body_fn, args, where)
    while cond:
        args = body_fn(*args)
        cond = cond_fn(*args)
    return args


def not_(x: Any) -> Any:
    return x.logical_not() if isinstance(x, Tensor) else not x


def and_(x: Any, rest: Callable) -> Any:
    """Something as true as `x and rest()`, without reading a tensor into Python."""
    if not isinstance(x, Tensor):
        return rest() if x else x
    y = rest()
    if isinstance(y, Tensor):
        return x.logical_and(y)
    return x if y else False


def or_(x: Any, rest: Callable) -> Any:
    if not isinstance(x, Tensor):
        return x if x else rest()
    y = rest()
    if isinstance(y, Tensor):
        return x.logical_or(y)
    return True if y else x


def call(f: Any) -> Any:
    """What converted code calls for `f`: user functions and methods converted, @jit.unused ones replaced by a
    raise, @jit.ignore'd ones and library code as they are."""
    if isinstance(f, FunctionType):
        return _function(f)
    if isinstance(f, MethodType) and isinstance(f.__func__, FunctionType):
        g = _function(f.__func__)
        return f if g is f.__func__ else MethodType(g, f.__self__)
    return f


def _function(fn: FunctionType) -> Callable:
    from ._frontend import convert
    if getattr(fn, "_jit_unused", False):
        return unused_stub(fn)
    if getattr(fn, "_jit_ignore", False):
        for calls in ignored_calls:   # every scripted call tracing now, the outer ones too
            calls.add(fn.__qualname__)
        return fn
    return convert(fn) if is_user_code(fn) else fn


def unused_stub(fn: FunctionType) -> Callable:
    def unused(*args, **kwargs):
        raise RuntimeError(f"{fn.__qualname__} was marked @jit.unused and cannot be called from scripted code")
    return unused


def is_user_code(fn: FunctionType) -> bool:
    """A function jit.script converts: written in Python source outside flambeau, the standard library and
    installed packages."""
    root = (getattr(fn, "__module__", None) or "").partition(".")[0]
    filename = fn.__code__.co_filename
    return (root not in _LIBRARIES and root not in sys.stdlib_module_names and not filename.startswith("<")
            and "site-packages" not in filename and fn.__name__ != "<lambda>")
