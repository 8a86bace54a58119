"""The graph IR of flambeau.jit: typed values, nodes that apply primitives, guards; a printer and a verifier.

A Graph is straight-line code in SSA form. Values are defined once: as graph inputs, as parameters or
buffers (named by their state_dict key), as constants (arrays captured by the trace), or as the output of
a node. A node names a primitive by its import path ("flambeau.ops.matmul.MatMul") and keeps the
primitive's static arguments as JSON-serialisable `attrs`. A guard is a value the trace read into Python:
replaying is only correct while the read gives the same answer.

Control flow (jit.script) is two ops whose `blocks` are subgraphs; a block has inputs, nodes, outputs and guards
(no parameters or constants of its own) and may use any value visible where its node stands. Their semantics are
ONNX's If and Loop:
  prim.If    inputs [cond] (one element, read as bool); blocks [then, else], each without inputs and with one
             output per node output; attrs [where] (the source line).
  prim.Loop  inputs [max_trip_count (int64 scalar), cond, *initial]; blocks [body] with inputs [iteration (int64
             scalar), *carried] and outputs [cond, *carried]; outputs [*final]; attrs [where]. The body runs while
             the iteration count is below max_trip_count and cond holds; the carried values keep the types the body
             was traced for, and a run that breaks that is refused, never replayed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._attrs import decode


@dataclass(frozen=True)
class Type:
    # a dim is an int, or for a dynamic dim the text of its size expression (flambeau/jit/_symbolic.py): the
    # inputs' dynamic dims are symbols ("s0"), which the other values' dims ("s0*4") and size arguments use
    shape: tuple[int | str, ...]
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
    what: str                # how it was read: "item", "tolist", "bool", "numpy"; "shape": its sizes
    expected: Any            # what the trace read, as JSON ("shape": the dims, ints and size expressions)
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
        lines += _node_text(self, "  ")
        lines.append(f"  return ({', '.join('%' + v.name for v in self.outputs)})")
        return "\n".join(lines)

    def code(self) -> str:
        """The graph as readable Python-like source."""
        names = {v.name: _identifier(v.name) for v in self.inputs}
        names.update({v.name: "self." + key if all(p.isidentifier() for p in key.split(".")) else f"self[{key!r}]"
                      for key, v in self.params.items()})
        names.update({v.name: "CONSTANTS." + _identifier(v.name) for v in self.constants})
        lines = [f"def forward(self, {', '.join(names[v.name] for v in self.inputs)}):"]
        symbols = {d: f"{names[v.name]}.size({axis})" for v in self.inputs for axis, d in enumerate(v.type.shape)
                   if d.__class__ is str}  # the dynamic dims the size arguments use
        lines += [f"    {d} = {size}" for d, size in symbols.items()]
        lines += _node_code(self, names, "    ")
        outs = ", ".join(names[v.name] for v in self.outputs)
        lines.append(f"    return ({outs},)" if len(self.outputs) == 1 else f"    return ({outs})")
        return "\n".join(lines)


def _node_text(graph: Graph, indent: str) -> list[str]:
    """The printed lines of the graph's (or block's) nodes, blocks indented under their node."""
    lines = []
    guards = _guards_by_value(graph)
    for n in graph.nodes:
        outs = ", ".join(f"%{v.name} : {v.type}" for v in n.outputs)
        ins = ", ".join("%" + v.name for v in n.inputs)
        lines.append(f"{indent}{outs} = {n.op}({ins}){_attr_text(n.attrs)}")
        for i, block in enumerate(n.blocks):
            lines.append(f"{indent}  block{i}({', '.join(f'%{v.name} : {v.type}' for v in block.inputs)}):")
            lines += _node_text(block, indent + "    ")
            lines.append(f"{indent}    -> ({', '.join('%' + v.name for v in block.outputs)})")
        lines += [f"{indent}guard {g.what}(%{g.value.name}) == {g.expected!r}  # {g.where}" for v in n.outputs
                  for g in guards.get(v.name, ())]
    return lines


def _node_code(graph: Graph, names: dict[str, str], indent: str) -> list[str]:
    """The graph's (or block's) nodes as Python-like lines; prim.If and prim.Loop become if and while."""
    lines = []
    guards = _guards_by_value(graph)
    for n in graph.nodes:
        for v in n.outputs:
            names[v.name] = _identifier(v.name)
        outs = ", ".join(names[v.name] for v in n.outputs)
        if n.op == "prim.If":
            then, other = n.blocks
            lines.append(f"{indent}if bool({names[n.inputs[0].name]}):  # {n.attrs[0] if n.attrs else ''}")
            lines += _block_code(then, names, indent + "    ", outs)
            lines.append(f"{indent}else:")
            lines += _block_code(other, names, indent + "    ", outs)
        elif n.op == "prim.Loop":
            body, = n.blocks
            for v in body.inputs:
                names[v.name] = _identifier(v.name)
            it, carried = names[body.inputs[0].name], [names[v.name] for v in body.inputs[1:]]
            trip, cond = names[n.inputs[0].name], names[n.inputs[1].name]
            initial = [names[v.name] for v in n.inputs[2:]]
            lines.append(f"{indent}{it}, {', '.join([cond + '_', *carried])} = 0, {', '.join([cond, *initial])}")
            lines.append(f"{indent}while {it} < {trip} and bool({cond}_):  # {n.attrs[0] if n.attrs else ''}")
            lines += _block_code(body, names, indent + "    ", ", ".join([cond + "_", *carried]))
            lines.append(f"{indent}    {it} = {it} + 1")
            if outs:
                lines.append(f"{indent}{outs} = {', '.join(carried)}")
        else:
            args = [names[v.name] for v in n.inputs] + [_shown(a, names.__getitem__) for a in n.attrs]
            lines.append(f"{indent}{outs} = {n.op.removeprefix('flambeau.')}({', '.join(args)})")
        lines += [f"{indent}assert {g.what}({names[v.name]}) == {g.expected!r}  # {g.where}" for v in n.outputs
                  for g in guards.get(v.name, ())]
    return lines


def _block_code(block: Graph, names: dict[str, str], indent: str, targets: str) -> list[str]:
    lines = _node_code(block, names, indent)
    if targets:
        lines.append(f"{indent}{targets} = {', '.join(names[v.name] for v in block.outputs)}")
    return lines or [f"{indent}pass"]


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
    """Check that every value is defined once, before use and where it is visible, and that types are well formed.

    A block sees the values visible where its node stands; what it defines is visible only inside it.
    """
    defined: set[str] = set()   # every value of the graph, blocks included: each is defined once

    def define(v: Value, where: str, visible: set[str]) -> None:
        if not isinstance(v, Value) or not isinstance(v.type, Type):
            raise VerifyError(f"{where}: {v!r} is not a typed Value")
        if v.name in defined:
            raise VerifyError(f"{where}: value %{v.name} is defined twice")
        t = v.type
        if not (isinstance(t.shape, tuple) and all(type(s) is int and s >= 0 or type(s) is str and s
                                                         for s in t.shape)
                and isinstance(t.dtype, str) and isinstance(t.device, str)):
            raise VerifyError(f"{where}: value %{v.name} has a malformed type {t!r}")
        defined.add(v.name)
        visible.add(v.name)

    def use(name: str, where: str, visible: set[str]) -> None:
        if name not in visible:
            raise VerifyError(f"{where}: value %{name} is used before it is defined")

    def nodes(g: Graph, visible: set[str]) -> None:
        for i, n in enumerate(g.nodes):
            where = f"node {i} ({n.op})"
            if not isinstance(n.op, str) or not isinstance(n.attrs, list):
                raise VerifyError(f"{where}: malformed op or attrs")
            for v in n.inputs:
                use(v.name, where, visible)
            for a in n.attrs:
                decode(a, lambda name, _: use(name, where, visible))  # the values array arguments refer to
            _check_arity(n, where)
            for block in n.blocks:
                inner = set(visible)
                for v in block.inputs:
                    define(v, f"{where} block input", inner)
                nodes(block, inner)
            for v in n.outputs:
                define(v, where, visible)
        for v in g.outputs:
            use(v.name, "graph output", visible)
        for guard in g.guards:
            use(guard.value.name, f"guard at {guard.where}", visible)

    visible: set[str] = set()
    for v in graph.inputs:
        define(v, "graph input", visible)
    for key, v in graph.params.items():
        define(v, f"parameter {key!r}", visible)
    for v in graph.constants:
        define(v, "constant", visible)
    nodes(graph, visible)


def _check_arity(n: Node, where: str) -> None:
    """The inputs, blocks and outputs each op must have (control flow's are documented at the top)."""
    if n.op == "prim.If":
        ok = (len(n.inputs) == 1 and len(n.blocks) == 2 and
              all(not b.inputs and len(b.outputs) == len(n.outputs) for b in n.blocks))
    elif n.op == "prim.Loop":
        carried = len(n.inputs) - 2
        ok = (carried >= 0 and len(n.blocks) == 1 and len(n.blocks[0].inputs) == carried + 1 and
              len(n.blocks[0].outputs) == carried + 1 and len(n.outputs) == carried)
    else:
        ok = not n.blocks and len(n.outputs) == 1
    if not ok:
        raise VerifyError(f"{where}: wrong number of inputs, blocks or outputs for {n.op}")
