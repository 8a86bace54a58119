"""Recording a graph at the dispatch point: the tracer observes every op, read and in-place write.

A tensor is known by its array (ops rewrap arrays, so the Tensor object is not its identity), together
with its version counter: a tensor written in place behind the tracer's back (its version moved) is
refused rather than replayed with its old value.
"""
from __future__ import annotations

import linecache
import os
import sys

from .. import _dispatch
from .._tensor import Tensor
from ._attrs import UnserializableArgument, encode
from ._interpreter import read_value
from .ir import Graph, Guard, Node, Type, Value

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_PLUMBING = tuple(_PACKAGE + f for f in ("_tensor.py", "_dispatch.py", "ops" + os.sep, "jit" + os.sep))


class Tracer(_dispatch.Observer):
    def __init__(self, params: dict[str, Tensor]):
        self.graph = Graph()
        self.constants: dict = {}   # constant value name -> array
        self.known: dict = {}       # id(array) -> (array, Value, version counter, version)
        self.names = set(params)    # the parameters are named by their keys; other values get fresh names
        self.counts: dict = {}      # prefix -> the next number to try
        self.state: list = []       # (what, tensor, its version when the trace began)
        for key, t in params.items():
            self.graph.params[key] = self._bind(t, key)
            self.state.append((f"parameter or buffer {key!r}", t, t._vc[0]))

    def _bind(self, t: Tensor, name: str) -> Value:
        a = t._data
        v = Value(name, Type(tuple(a.shape), a.dtype.name, str(t.device)))
        self.known[id(a)] = (a, v, t._vc, t._vc[0])
        return v

    def _fresh(self, prefix: str) -> str:
        """The first of prefix0, prefix1, ... that names no value yet."""
        n = self.counts.get(prefix, 0)
        while f"{prefix}{n}" in self.names:
            n += 1
        self.counts[prefix] = n + 1
        self.names.add(f"{prefix}{n}")
        return f"{prefix}{n}"

    def add_input(self, t: Tensor) -> None:
        self.state.append((f"input {len(self.graph.inputs)}", t, t._vc[0]))
        self.graph.inputs.append(self._bind(t, self._fresh("input")))

    def check_state_unchanged(self) -> None:
        """A replay computes outputs only: a write into the inputs or the module's state would be lost."""
        for what, t, version in self.state:
            if t._vc[0] != version:
                raise RuntimeError(f"jit.trace: the traced code wrote into {what} in place (batch norm's running "
                                   f"statistics in training mode?); a replay would not: trace in eval mode")

    def lookup(self, t: Tensor) -> Value | None:
        """The value of a tensor the trace knows (None otherwise); refuses one written behind its back."""
        entry = self.known.get(id(t._data))
        if entry is None or entry[0] is not t._data:
            return None
        if entry[2][0] != entry[3]:
            raise RuntimeError(f"jit.trace: a tensor of shape {list(t.shape)} was written in place after it was "
                               f"computed (a view of a tensor written in place, or a write the tracer does not "
                               f"see); tracing cannot replay it")
        return entry[1]

    def value_of(self, t: Tensor) -> Value:
        """A known tensor's value; any other tensor becomes a constant captured now."""
        v = self.lookup(t)
        if v is None:
            v = self._bind(t, self._fresh("c"))
            self.graph.constants.append(v)
            self.constants[v.name] = t._data.copy()
        return v

    def on_op(self, prim, inputs: tuple, args: tuple):
        ins = [self.value_of(t) for t in inputs]
        name = f"{prim.__module__}.{prim.__qualname__}"
        try:
            attrs = [encode(a, self._array_name) for a in args]
        except UnserializableArgument as e:
            raise RuntimeError(f"jit.trace: primitive {name} has an argument that cannot be saved ({e}); "
                               f"trace arguments must be numbers, strings, None, dtypes, slices and tuples of them")
        out = _dispatch.run_observed(self, prim, inputs, args)
        self.graph.nodes.append(Node(name, ins, [self._bind(out, self._fresh("v"))], attrs))
        return out

    def _array_name(self, a) -> str:
        """The value of an array argument (max pooling's argmax, an index tensor's array)."""
        entry = self.known.get(id(a))
        if entry is None or entry[0] is not a:
            raise UnserializableArgument(f"an array of shape {list(a.shape)} that is no tensor of the trace")
        return entry[1].name

    def on_read(self, t: Tensor, what: str) -> None:
        v = self.lookup(t)
        if v is not None and v.name not in self.constants:
            self.graph.guards.append(Guard(v, what, read_value(t._data, what), _source_line()))

    def on_random(self) -> None:
        raise RuntimeError(f"jit.trace: a random draw at {_source_line()} would be replayed with the same numbers "
                           f"on every call; trace in eval mode (dropout), or pass random tensors as inputs")

    def on_inplace(self, t: Tensor, result: Tensor) -> None:
        if t._base is not None:
            raise RuntimeError("jit.trace: an in-place write into a view is not supported yet")
        if result._data.shape != t._data.shape or result._data.dtype != t._data.dtype:
            raise RuntimeError("jit.trace: an in-place write that broadcasts or casts is not supported yet")
        v = self.value_of(result)
        self.known[id(t._data)] = (t._data, v, t._vc, t._vc[0])


def _source_line() -> str:
    """The innermost line outside the tensor, dispatch and ops plumbing: the code that read or drew."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PLUMBING):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    path, line = frame.f_code.co_filename, frame.f_lineno
    return f"{path}:{line}: {linecache.getline(path, line).strip()}"
