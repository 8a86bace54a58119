"""What jit.trace returns: a callable that replays its traces, one per input signature it was traced for.

A call runs a trace only while everything the trace assumed holds: the inputs' shapes, dtypes and nesting
(the signature: any size on a dynamic dim, flambeau/jit/_dynamic.py, the traced size elsewhere), the module's
training mode, and the values and sizes it read into Python (its guards). Otherwise it raises an error naming
what changed (strict, the default) or traces again for the new input (strict=False).
"""
from __future__ import annotations

import json
from typing import Any, Callable

from .._tensor import Tensor
from ._dynamic import trace_dynamic
from ._interpreter import GuardFailed, Program
from ._spec import flatten, unflatten
from ._symbolic import text
from .ir import Graph


def _signature(tensors: list[Tensor], spec: Any, training: bool) -> tuple:
    """What a call's inputs must match to replay a trace: their shapes, dtypes, devices and nesting."""
    return (tuple((tuple(t._data.shape), t._data.dtype.name, str(t.device)) for t in tensors),
            json.dumps(spec), training)


def graph_signature(graph: Graph, training: bool) -> tuple:
    """The signature of the inputs `graph` was traced for."""
    return (tuple((v.type.shape, v.type.dtype, v.type.device) for v in graph.inputs),
            json.dumps(graph.input_spec), training)


def _fits(signature: tuple, tensors: list) -> bool:
    """Whether the tensors match a signature: the same size on every exact dim, one size per symbol."""
    if len(signature) != len(tensors):
        return False
    sizes: dict = {}
    for (shape, dtype, device), t in zip(signature, tensors):
        a = t._data
        if a.dtype.name != dtype or len(a.shape) != len(shape) or str(t.device) != device:
            return False
        for d, n in zip(shape, a.shape):
            if d != n and (d.__class__ is not str or sizes.setdefault(d, n) != n or n < 2):
                return False
    return True


def _describe(signature: tuple) -> str:
    tensors = ", ".join(f"{dtype}[{', '.join(map(str, shape))}]" for shape, dtype, _ in signature[0])
    return f"{tensors or 'no tensors'} (training={signature[2]})"


class ScriptFunction:
    """A traced function. `fn` is None for a loaded one, which cannot trace again."""

    def __init__(self, fn: Callable | None, params: dict[str, Tensor], strict: bool, training: bool = False):
        self._fn = fn
        self._params = params
        self._strict = strict
        self.training = training
        self._traces: dict[tuple, list[Program]] = {}
        self._exact: dict[tuple, list[str]] = {}   # signature -> why its exact dims are (new traces only)

    def _add(self, program: Program, training: bool) -> None:
        self._traces.setdefault(graph_signature(program.graph, training), []).append(program)

    def _trace(self, inputs: tuple) -> Program:
        """Trace for these inputs; the trace that serves them (the last of the traces made)."""
        programs, exact = trace_dynamic(self._fn, self._params, inputs)
        for program in programs:
            self._add(program, self.training)
            self._exact.setdefault(graph_signature(program.graph, self.training), exact)
        return programs[-1]

    def _find(self, tensors: list, spec: Any) -> tuple | None:
        """The signature of the traces that serve these inputs."""
        rest = (json.dumps(spec), self.training)
        return next((s for s in self._traces if s[1:] == rest and _fits(s[0], tensors)), None)

    @property
    def graph(self) -> Graph:
        """The graph of the first trace."""
        return next(iter(self._traces.values()))[0].graph

    @property
    def code(self) -> str:
        return self.graph.code()

    def __call__(self, *inputs):
        tensors, spec = flatten(inputs)
        found = self._find(tensors, spec)
        if found is None:
            if self._strict or self._fn is None:
                first = next(iter(self._traces))
                exact = "".join(f" ({why})" for why in self._exact.get(first, ()))
                if any(d.__class__ is str for shape, _, _ in first[0] for d in shape):
                    exact += " (a dynamic dim, s0, s1, ..., takes any size from 2 up)"
                raise RuntimeError(f"{self._captured_by}: the trace is specialised to inputs {_describe(first)}; got "
                                   f"{_describe(_signature(tensors, spec, self.training))}{exact}. {self._advice()}")
            programs = [self._trace(inputs)]
        else:
            programs = self._traces[found]
        arrays = [t._data for t in tensors]
        params = [self._params[k]._data for k in programs[0].graph.params]
        failed = None
        for program in programs:
            try:
                return self._outputs(program, program.run(arrays, params))
            except GuardFailed as e:
                failed = e
        if self._strict or self._fn is None:
            g = failed.guard
            if g.what == "shape":
                shape = "[" + ", ".join(map(text, g.expected)) + "]"
                raise RuntimeError(f"{self._captured_by}: the trace read the shape {shape} of a tensor into Python at {g.where}; "
                                   f"these inputs give {failed.actual!r}, so the code may compute other sizes. "
                                   f"{self._advice()}")
            raise RuntimeError(f"{self._captured_by}: the trace read a tensor's value into Python at {g.where} ({g.what} gave "
                               f"{g.expected!r}); these inputs give {failed.actual!r}, so the code may take another "
                               f"path. {self._advice()}")
        program = self._trace(inputs)
        return self._outputs(program, program.run(arrays, params))

    _what = "jit.trace"  # what captured the graphs, as errors name it

    @property
    def _captured_by(self) -> str:
        return self._what if self._fn is not None else "jit.load"

    def _advice(self) -> str:
        """What to do about inputs no trace serves."""
        if self._fn is None:
            return ("A loaded model holds only the graphs it was saved with: capture the model again (trace or "
                    "script it, with such inputs) where its source is available, and save that.")
        return "Trace again with such inputs, or trace with strict=False to trace each new input signature."

    @staticmethod
    def _outputs(program: Program, arrays: list):
        return unflatten(program.graph.output_spec, [Tensor._wrap(a) for a in arrays])

    def state_dict(self) -> dict[str, Tensor]:
        return dict(self._params)


class TracedModule(ScriptFunction):
    """A traced nn.Module: its parameters and buffers are the module's own (their current values are used)."""

    def train(self, mode: bool = True) -> "TracedModule":
        """Set the mode calls run in; a trace in the other mode is used (or made, strict=False) for them."""
        self.training = mode
        if self._fn is not None and not self._strict:
            self._fn.train(mode)
        return self

    def eval(self) -> "TracedModule":
        return self.train(False)

    def forward(self, *inputs):
        return self(*inputs)
