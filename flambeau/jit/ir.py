"""The graph IR of flambeau.jit: typed values, nodes that apply primitives, guards; a printer and a verifier.

A Graph is straight-line code in SSA form. Values are defined once: as graph inputs, as parameters or
buffers (named by their state_dict key), as constants (arrays captured by the trace), or as the output of
a node. A node names a primitive by its import path ("flambeau.ops.matmul.MatMul") and keeps the
primitive's static arguments as JSON-serialisable `attrs`. `blocks` leaves room for the subgraphs of
control flow (jit.script). A guard is a value the trace read into Python: replaying is only correct while
the read gives the same answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._attrs import decode


@dataclass(frozen=True)
class Type:
    shape: tuple[int, ...]
    dtype: str   # NumPy's name of the dtype ("float32", "bfloat16")
    device: str = "cpu"

    def __str__(self) -> str:
        return f"{self.dtype}[{', '.join(map(str, self.shape))}]"


@dataclass(eq=False)
class Value:
    name: str
    type: Type


@dataclass(eq=False)
class Node:
    op: str                  # the primitive's "module.Class"
    inputs: list[Value]
    outputs: list[Value]
    attrs: list              # the primitive's static args, JSON-encoded (flambeau/jit/_attrs.py)
    blocks: list["Graph"] = field(default_factory=list)


@dataclass(eq=False)
class Guard:
    value: Value
    what: str                # how it was read: "item", "tolist", "bool", "numpy"
    expected: Any            # what the trace read, as JSON
    where: str               # the source line that read it


@dataclass(eq=False)
class Graph:
    inputs: list[Value] = field(default_factory=list)
    params: dict[str, Value] = field(default_factory=dict)     # state_dict key -> value
    constants: list[Value] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    input_spec: Any = None   # the nesting of the inputs and outputs (flambeau/jit/_spec.py)
    output_spec: Any = None

    def __str__(self) -> str:
        head = ", ".join(f"%{v.name} : {v.type}" for v in [*self.inputs, *self.params.values()])
        lines = [f"graph({head}):"]
        lines += [f"  %{v.name} : {v.type} = constant" for v in self.constants]
        guards = _guards_by_value(self)
        for n in self.nodes:
            outs = ", ".join(f"%{v.name} : {v.type}" for v in n.outputs)
            ins = ", ".join("%" + v.name for v in n.inputs)
            lines.append(f"  {outs} = {n.op}({ins}){_attr_text(n.attrs)}")
            lines += [f"  guard {g.what}(%{g.value.name}) == {g.expected!r}  # {g.where}" for v in n.outputs
                      for g in guards.get(v.name, ())]
        lines.append(f"  return ({', '.join('%' + v.name for v in self.outputs)})")
        return "\n".join(lines)

    def code(self) -> str:
        """The graph as readable Python-like source."""
        names = {v.name: _identifier(v.name) for v in self.inputs}
        names.update({v.name: "self." + key if all(p.isidentifier() for p in key.split(".")) else f"self[{key!r}]"
                      for key, v in self.params.items()})
        names.update({v.name: "CONSTANTS." + _identifier(v.name) for v in self.constants})
        lines = [f"def forward(self, {', '.join(names[v.name] for v in self.inputs)}):"]
        guards = _guards_by_value(self)
        for n in self.nodes:
            for v in n.outputs:
                names[v.name] = _identifier(v.name)
            args = [names[v.name] for v in n.inputs] + [_shown(a, names.__getitem__) for a in n.attrs]
            short = n.op.removeprefix("flambeau.")
            lines.append(f"    {', '.join(names[v.name] for v in n.outputs)} = {short}({', '.join(args)})")
            lines += [f"    assert {g.what}({names[v.name]}) == {g.expected!r}  # {g.where}" for v in n.outputs
                      for g in guards.get(v.name, ())]
        outs = ", ".join(names[v.name] for v in self.outputs)
        lines.append(f"    return ({outs},)" if len(self.outputs) == 1 else f"    return ({outs})")
        return "\n".join(lines)


def _guards_by_value(graph: Graph) -> dict[str, list[Guard]]:
    by_value: dict[str, list[Guard]] = {}
    for g in graph.guards:
        by_value.setdefault(g.value.name, []).append(g)
    return by_value


def _attr_text(attrs: list) -> str:
    return f"[args=({', '.join(_shown(a, lambda name: '%' + name) for a in attrs)})]" if attrs else ""


class _Shown:
    """A graph value inside a printed argument."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _shown(attr, name) -> str:
    return repr(decode(attr, lambda value, _: _Shown(name(value))))


def _identifier(name: str) -> str:
    return name.replace(".", "_") if not name[:1].isdigit() else "v" + name


class VerifyError(ValueError):
    """The graph breaks one of the IR's rules."""


def verify(graph: Graph) -> None:
    """Check that every value is defined once before use and that types are well formed."""
    defined: set[str] = set()

    def define(v: Value, where: str) -> None:
        if not isinstance(v, Value) or not isinstance(v.type, Type):
            raise VerifyError(f"{where}: {v!r} is not a typed Value")
        if v.name in defined:
            raise VerifyError(f"{where}: value %{v.name} is defined twice")
        t = v.type
        if not (isinstance(t.shape, tuple) and all(type(s) is int and s >= 0 for s in t.shape)
                and isinstance(t.dtype, str) and isinstance(t.device, str)):
            raise VerifyError(f"{where}: value %{v.name} has a malformed type {t!r}")
        defined.add(v.name)

    def use(name: str, where: str) -> None:
        if name not in defined:
            raise VerifyError(f"{where}: value %{name} is used before it is defined")

    for v in graph.inputs:
        define(v, "graph input")
    for key, v in graph.params.items():
        define(v, f"parameter {key!r}")
    for v in graph.constants:
        define(v, "constant")
    for i, n in enumerate(graph.nodes):
        where = f"node {i} ({n.op})"
        if not isinstance(n.op, str) or not isinstance(n.attrs, list):
            raise VerifyError(f"{where}: malformed op or attrs")
        for v in n.inputs:
            use(v.name, where)
        for a in n.attrs:
            decode(a, lambda name, _: use(name, where))  # the values array arguments refer to
        for block in n.blocks:
            verify(block)
        for v in n.outputs:
            define(v, where)
    for v in graph.outputs:
        use(v.name, "graph output")
    for g in graph.guards:
        use(g.value.name, f"guard at {g.where}")
