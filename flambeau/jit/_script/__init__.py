"""jit.script: compile Python source with its control flow into the same graph IR jit.trace records.

_frontend.py rewrites a function's AST so that if/while on tensors call the helpers of _runtime.py; _blocks.py
records those as prim.If / prim.Loop nodes while the converted code runs under the tracer; _module.py holds what
script returns (ScriptModule, scripted functions); _types.py reads annotations as TorchScript does.
"""
from __future__ import annotations

from types import FunctionType
from typing import Any, Callable

from .._traced import ScriptFunction
from ._frontend import NotSupportedError, UnsupportedNodeError
from ._module import ScriptedFunction, script_module_class

__all__ = ["script", "ignore", "unused", "export", "ScriptModule", "NotSupportedError", "UnsupportedNodeError"]


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None, example_inputs: Any = None):
    """Compile a module (its forward and @jit.export methods) or a function; returns it unchanged if scripted.
    example_inputs (a list of argument tuples, or a dict of them per method of a module) are run once each, so
    that the graphs for their signatures exist at once."""
    from ...nn.modules.module import Module
    if isinstance(obj, ScriptFunction):
        return obj
    if isinstance(obj, Module):
        scripted = script_module_class()(obj)
    elif isinstance(obj, FunctionType):
        scripted = ScriptedFunction(obj)
    elif isinstance(obj, type):
        raise NotSupportedError(f"jit.script of a class ({obj.__qualname__}) is not supported: script an instance "
                                f"of a Module, or a function")
    else:
        raise RuntimeError(f"jit.script expects a Module or a function, not {type(obj).__name__}")
    examples = example_inputs if isinstance(example_inputs, dict) else {"forward": example_inputs or []}
    for name, calls in examples.items():
        method = scripted if name == "forward" else getattr(scripted, name)
        for args in calls:
            method(*args)
    return scripted


def __getattr__(name: str) -> Any:
    if name == "ScriptModule":   # an nn.Module, made on first use (flambeau/jit/_script/_module.py)
        return script_module_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _mark(attr: str, fn: Callable) -> Callable:
    setattr(fn, attr, True)
    return fn


def ignore(drop: bool | Callable = False, **kwargs: Any) -> Callable:
    """@jit.ignore: scripted code calls the function as Python (a module calling one cannot be saved).
    @jit.ignore(drop=True) is @jit.unused."""
    if callable(drop):
        return _mark("_jit_ignore", drop)
    return lambda fn: _mark("_jit_unused" if drop else "_jit_ignore", fn)


def unused(fn: Callable) -> Callable:
    """@jit.unused: scripted code that calls the function raises instead."""
    return _mark("_jit_unused", fn)


def export(fn: Callable) -> Callable:
    """@jit.export: a method compiled as an entry point of the ScriptModule besides forward."""
    return _mark("_jit_export", fn)
