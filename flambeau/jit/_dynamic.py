"""Which dims of the inputs a trace may leave dynamic: those the trace shows it does not depend on.

The inputs' dims of one size form a group that shares one symbol (a call must give them one size again). Every
group is a candidate. A group used as a Python number while tracing (a comparison, int(), bool(): see
flambeau/jit/_symbolic.py) is exact. The remaining groups are checked by tracing at two other sizes (each group
grown, its values repeated along the dim): both traces must record the same graph (the same ops, arguments,
size expressions, constants and guards), and the first one's graph, replayed, must equal eager execution at the
second sizes and at the example (where its sizes are 2 or more). Only then is the first graph kept, its groups
dynamic. When the groups together fail, each is tried alone, and those that hold are tried together once more; the
rest are exact. The traced code therefore runs several times (three at least), as check_trace runs it again.

This is a check at a few sizes, not a proof: Python code that turns a size into a plain int where the trace cannot
see it (range(), len(), NumPy) and behaves the same at the sizes tried but differently at others escapes it.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import _tensor
from .._device import device_of, xp_for
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from . import _symbolic
from ._interpreter import Program
from ._spec import flatten, unflatten
from ._tracer import Tracer
from .ir import verify


def record(fn: Callable, params: dict[str, Tensor], inputs: tuple, symbols: dict | None = None) -> Tracer:
    """Run `fn(*inputs)` eagerly, recording its graph; the input dims named by `symbols` are dynamic.
    The tracer holds the graph (`program`) and the eager outputs' arrays (`outputs`)."""
    tensors, in_spec = flatten(inputs)
    tracer = Tracer(params, symbols)
    for t in tensors:
        tracer.add_input(t)
    from .. import _dispatch
    hook, active = _tensor.shape_hook, _symbolic.active
    if symbols:
        _tensor.shape_hook, _symbolic.active = tracer.shape_of, tracer
    _dispatch.add_observer(tracer)
    try:
        with no_grad():
            out = fn(*inputs)
    finally:
        _dispatch.remove_observer(tracer)
        _tensor.shape_hook, _symbolic.active = hook, active
    tracer.check_state_unchanged()
    out_tensors, out_spec = flatten(out)
    graph = tracer.graph
    graph.outputs = [tracer.value_of(t) for t in out_tensors]
    graph.input_spec, graph.output_spec = in_spec, out_spec
    verify(graph)
    tracer.program = Program(graph, tracer.constants)
    tracer.outputs = [t._data for t in out_tensors]
    return tracer


def trace_dynamic(fn: Callable, params: dict[str, Tensor], inputs: tuple) -> tuple[list[Program], list[str]]:
    """The graph of `fn(*inputs)` with every group of dims dynamic that the checks above let be, and for each
    exact group the reason. A dynamic dim takes sizes from 2 up: where the example has size 1 on one, the example's
    own trace comes second."""
    tensors, spec = flatten(inputs)
    groups: dict[int, list] = {}   # size -> the dims (input index, axis) of that size
    for i, t in enumerate(tensors):
        for axis, n in enumerate(t._data.shape):
            if n > 0:
                groups.setdefault(n, []).append((i, axis))
    example = record(fn, params, inputs)  # errors at once; the graph that serves the example's sizes only
    search = _Search(fn, params, tensors, spec, groups, example)
    dynamic = list(groups)
    found = search.holds(dynamic) if dynamic else None
    if found is None and len(dynamic) > 1:
        alone = [f for f in (search.holds([n]) for n in dynamic) if f is not None]
        if len(alone) == 1:
            found = alone[0]
        elif 1 < len(alone) < len(dynamic):
            found = search.holds([n for f in alone for n in f.dynamic])
    for n in groups:
        if found is None or n not in found.dynamic:
            search.notes.setdefault(n, "at another size, tracing fails or records another graph")
    if found is None:
        return [example.program], search.describe()
    return [found.tracer.program] + ([example.program] if min(found.dynamic) < 2 else []), search.describe()


class _Found:
    def __init__(self, tracer: Tracer, dynamic: list):
        self.tracer = tracer
        self.dynamic = dynamic


class _Search:
    def __init__(self, fn: Callable, params: dict, tensors: list, spec, groups: dict, example: Tracer):
        self.fn, self.params, self.tensors, self.spec, self.groups = fn, params, tensors, spec, groups
        self.notes: dict[int, str] = {}   # size of an exact group -> why
        self.expected = example.outputs
        # two other sizes per group: odd (a size 1 broadcasts, powers of two are common sizes) and unlike every
        # size of the values the example computes, so that an output's size rarely equals a group's by chance
        graph = example.graph
        taken = set(groups) | {n for v in [*graph.constants, *graph.outputs] for n in v.type.shape}
        taken.update(n for node in graph.nodes for v in node.outputs for n in v.type.shape)
        self.other: dict[int, tuple] = {}
        for n in groups:
            sizes = []
            m = n + 1 + n % 2
            while len(sizes) < 2:
                if m not in taken:
                    sizes.append(m)
                    taken.add(m)
                m += 2
            self.other[n] = tuple(sizes)

    def symbols(self, dynamic: list) -> dict:
        return {dim: f"s{k}" for k, n in enumerate(dynamic) for dim in self.groups[n]}

    def drop_pinned(self, tracer: Tracer, dynamic: list) -> list:
        """`dynamic` without the groups the trace used as Python numbers."""
        names = {f"s{k}": n for k, n in enumerate(dynamic)}
        for symbol, where in tracer.pinned.items():
            self.notes.setdefault(names[symbol], f"used as a Python number at {where}")
        return [n for n in dynamic if n not in self.notes]

    def holds(self, dynamic: list) -> _Found | None:
        """The trace with `dynamic` groups symbolic, if it holds at two other sizes of them."""
        traces = []
        for which in (0, 1):
            inputs = self._resized({n: self.other[n][which] for n in dynamic})
            try:
                tracer = record(self.fn, self.params, inputs, self.symbols(dynamic))
            except Exception:  # eager execution or tracing fails at these sizes: they are not free
                return None
            if tracer.pinned:
                rest = self.drop_pinned(tracer, dynamic)
                return self.holds(rest) if rest else None
            traces.append((tracer, inputs))
        (first, _), (second, inputs) = traces
        if not (_same(first, second) and self._replays(first, inputs, second.outputs)
                and (min(dynamic) < 2 or self._replays(first, None, self.expected))):
            return None
        return _Found(first, dynamic)

    def _resized(self, sizes: dict) -> tuple:
        """The example inputs with each group's dims grown to `sizes`, repeating their values along the dim."""
        tensors = []
        for i, t in enumerate(self.tensors):
            a = t._data
            for axis, n in enumerate(a.shape):
                if n in sizes:
                    xp = xp_for(device_of(a))  # a CUDA tensor's values stay on its device
                    a = xp.take(a, xp.arange(sizes[n]) % n, axis=axis)
            tensors.append(Tensor._wrap(a))
        return unflatten(self.spec, tensors)

    def _replays(self, tracer: Tracer, inputs, expected: list) -> bool:
        tensors = self.tensors if inputs is None else flatten(inputs)[0]
        program = tracer.program
        try:
            got = program.run([t._data for t in tensors], [self.params[k]._data for k in program.graph.params])
        except Exception:
            return False
        return all(a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
                   for a, b in zip(got, expected))

    def describe(self) -> list[str]:
        return [f"size {n} ({', '.join(f'dim {axis} of input {i}' for i, axis in self.groups[n])}) is exact: {why}"
                for n, why in self.notes.items()]


def _same(a: Tracer, b: Tracer) -> bool:
    """Whether two traces recorded the same graph, but for the sizes of their values."""
    ga, gb = a.graph, b.graph
    if [(n.op, [v.name for v in n.inputs], [v.name for v in n.outputs], n.attrs) for n in ga.nodes] != \
            [(n.op, [v.name for v in n.inputs], [v.name for v in n.outputs], n.attrs) for n in gb.nodes]:
        return False
    guards = [[(g.value.name, g.what, g.where, g.expected if g.what == "shape" else None) for g in graph.guards]
              for graph in (ga, gb)]
    constants = [[(v.name, v.type) for v in graph.constants] for graph in (ga, gb)]
    return (guards[0] == guards[1] and constants[0] == constants[1] and list(ga.params) == list(gb.params)
            and [v.name for v in ga.outputs] == [v.name for v in gb.outputs] and ga.output_spec == gb.output_spec
            and all(np.array_equal(a.constants[v.name], b.constants[v.name]) for v in ga.constants))
