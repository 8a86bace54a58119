"""flambeau.jit (torch.jit): trace a module or function into a graph, replay it, save it without pickle.

jit.trace records every primitive at the dispatch point (flambeau/jit/_tracer.py) into the IR
(flambeau/jit/ir.py); calls replay the graph with the NumPy-only interpreter (flambeau/jit/_interpreter.py)
while the trace's assumptions hold (flambeau/jit/_traced.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ._archive import load, save
from ._freeze import freeze, optimize_for_inference
from ._script import export, ignore, script, unused
from ._spec import flatten
from ._traced import ScriptFunction, TracedModule

if TYPE_CHECKING:  # imported by trace: loading and running a saved model needs no flambeau.nn
    from ..nn.modules.module import Module

__all__ = ["trace", "save", "load", "freeze", "optimize_for_inference", "ScriptFunction", "TracedModule",
           "TracingCheckError", "script", "ignore", "unused", "export", "ScriptModule"]


class TracingCheckError(RuntimeError):
    """check_trace found the replayed trace disagreeing with eager execution."""


def trace(func: Module | Callable, example_inputs: Any, check_trace: bool = True,
          strict: bool = True) -> ScriptFunction:
    """Trace `func(*example_inputs)` (a Tensor alone is one input).

    strict=True: a call whose inputs break what the trace assumed (their shapes and dtypes, a value read into
    Python) raises an error naming it; strict=False: such a call is traced again, and the traces are kept.
    check_trace replays the trace on the example and compares with eager execution.
    """
    from ..nn.modules.module import Module
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    if isinstance(func, Module):
        traced = TracedModule(func, dict(func.state_dict(keep_vars=True)), strict, func.training)
    else:
        traced = ScriptFunction(func, {}, strict)
    traced._trace(inputs)
    if check_trace:
        _check(func, traced, inputs)
    return traced


def _check(func: Callable, traced: ScriptFunction, inputs: tuple) -> None:
    from ..autograd.grad_mode import no_grad
    with no_grad():
        expected, _ = flatten(func(*inputs))
    got, _ = flatten(traced(*inputs))
    for i, (e, g) in enumerate(zip(expected, got)):
        a, b = e._data, g._data
        if a.dtype != b.dtype or not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
            raise TracingCheckError(f"jit.trace: output {i} of the replayed trace differs from eager execution "
                                    f"(the traced code depends on something the trace does not see)")


def __getattr__(name: str):
    if name == "ScriptModule":   # an nn.Module, made on first use: loading a saved model needs no flambeau.nn
        from ._script import script_module_class
        return script_module_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
