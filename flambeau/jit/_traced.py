"""What jit.trace returns: a callable that replays its traces, one per input signature it was traced for.

A call runs a trace only while everything the trace assumed holds: the inputs' shapes, dtypes and nesting
(the signature), the module's training mode, and the values it read into Python (its guards). Otherwise
it raises an error naming what changed (strict, the default) or traces again for the new input (strict=False).
"""
from __future__ import annotations

import json
from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._interpreter import GuardFailed, Program
from ._spec import flatten, unflatten
from ._tracer import Tracer
from .ir import Graph, verify


def record(fn: Callable, params: dict[str, Tensor], inputs: tuple) -> Program:
    """Run `fn(*inputs)` eagerly, recording its graph."""
    tensors, in_spec = flatten(inputs)
    tracer = Tracer(params)
    for t in tensors:
        tracer.add_input(t)
    from .. import _dispatch
    _dispatch.add_observer(tracer)
    try:
        with no_grad():
            out = fn(*inputs)
    finally:
        _dispatch.remove_observer(tracer)
    tracer.check_state_unchanged()
    out_tensors, out_spec = flatten(out)
    graph = tracer.graph
    graph.outputs = [tracer.value_of(t) for t in out_tensors]
    graph.input_spec, graph.output_spec = in_spec, out_spec
    verify(graph)
    return Program(graph, tracer.constants)


def _signature(tensors: list[Tensor], spec: Any, training: bool) -> tuple:
    """What a call's inputs must match to replay a trace: their shapes, dtypes, devices and nesting."""
    return (tuple((tuple(t._data.shape), t._data.dtype.name, str(t.device)) for t in tensors),
            json.dumps(spec), training)


def graph_signature(graph: Graph, training: bool) -> tuple:
    """The signature of the inputs `graph` was traced for."""
    return (tuple((v.type.shape, v.type.dtype, v.type.device) for v in graph.inputs),
            json.dumps(graph.input_spec), training)


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

    def _add(self, program: Program, training: bool) -> None:
        self._traces.setdefault(graph_signature(program.graph, training), []).append(program)

    def _trace(self, inputs: tuple) -> Program:
        program = record(self._fn, self._params, inputs)
        self._add(program, self.training)
        return program

    @property
    def graph(self) -> Graph:
        """The graph of the first trace."""
        return next(iter(self._traces.values()))[0].graph

    @property
    def code(self) -> str:
        return self.graph.code()

    def __call__(self, *inputs):
        tensors, spec = flatten(inputs)
        signature = _signature(tensors, spec, self.training)
        programs = self._traces.get(signature)
        if programs is None:
            if self._strict or self._fn is None:
                traced = _describe(next(iter(self._traces)))
                raise RuntimeError(f"jit.trace: the trace is specialised to inputs {traced}; got "
                                   f"{_describe(signature)}. Trace again with such inputs, or trace with strict=False "
                                   f"to trace each new input signature.")
            programs = [self._trace(inputs)]
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
            raise RuntimeError(f"jit.trace: the trace read a tensor's value into Python at {g.where} ({g.what} gave "
                               f"{g.expected!r}); these inputs give {failed.actual!r}, so the code may take another "
                               f"path. Trace with strict=False to trace again for such inputs.")
        program = self._trace(inputs)
        return self._outputs(program, program.run(arrays, params))

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
