"""flambeau.compile: capture a function's forward, backward and optimizer steps into one graph, and replay it.

`compile(fn_or_module, ...)` has torch.compile's signature and uses (a call, or a decorator with or without
arguments). See _capture.py for what is captured, _program.py for how it is replayed, _function.py for when,
_guards.py for what a replay assumes. Where it differs from torch.compile:
- every backend and mode replays the same way; `dynamic` and `options` are accepted and ignored (each input
  shape is captured on its own);
- a call that cannot be replayed whole runs eagerly (one warning per reason) where torch.compile would split
  it at a graph break: random draws (dropout in training), values read into Python (.item(), bool()), shapes
  that depend on values (boolean masks, nonzero, unique), in-place writes into views or inputs, tensor hooks
  on parameters, optimizer.step(closure), arrays computed outside the dispatch;
- what a training step returns (a call that ran a backward or an optimizer step) carries no autograd history;
- a call made under vmap, forward-mode AD, jit.trace or the profiler runs eagerly, so that they see its ops.
"""
from __future__ import annotations

from typing import Any, Callable

from ._function import CompiledFunction
from ._module import OptimizedModule

__all__ = ["compile", "OptimizedModule"]

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str | Callable = "inductor", mode: str | None = None, options: dict[str, Any] | None = None,
            name: str | None = None, disable: bool = False, recompile_limit: int | None = None,
            isolate_recompiles: bool = False, dynamic_shapes: Any = None) -> Callable:
    """A compiled `model` (a Module or a function); without `model`, a decorator that compiles what it gets."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if model is None:
        def decorate(fn: Callable) -> Callable:
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                           name=name, disable=disable, recompile_limit=recompile_limit)
        return decorate
    if not callable(model):
        raise RuntimeError("model must be callable")
    if disable:
        return model
    from ..nn import Module
    compiled = CompiledFunction(model, fullgraph, recompile_limit)
    return OptimizedModule(model, compiled) if isinstance(model, Module) else compiled
