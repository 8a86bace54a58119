"""What the passes share: who uses a value, renaming uses, which nodes are pure, a node's primitive."""
from __future__ import annotations

from ..._dispatch import Primitive
from .._attrs import decode, numpy_dtype
from .._interpreter import resolve
from ..ir import Graph, Node, Type, Value


def attr_refs(node: Node) -> list[str]:
    """The names of the graph values a node's array arguments refer to (max pooling's argmax...)."""
    names: list[str] = []
    for a in node.attrs:
        decode(a, lambda name, _: names.append(name))
    return names


def used_names(node: Node) -> list[str]:
    """Every value a node reads: its inputs, its arguments' references, and whatever its blocks read."""
    names = [v.name for v in node.inputs] + attr_refs(node)
    for block in node.blocks:
        for inner in block.nodes:
            names += used_names(inner)
        names += [v.name for v in block.outputs]
    return names


def use_counts(graph: Graph) -> dict[str, int]:
    """value name -> how many times nodes, graph outputs and guards read it. A "shape" guard does not count: it
    reads no element, and a pass that replaces the value by one of the same type moves it (move_shape_guards)."""
    counts: dict[str, int] = {}
    names = [name for n in graph.nodes for name in used_names(n)]
    names += [v.name for v in graph.outputs] + [g.value.name for g in graph.guards if g.what != "shape"]
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return counts


def rename_attrs(data, mapping: dict[str, str]):
    if isinstance(data, list):
        return [rename_attrs(a, mapping) for a in data]
    if not isinstance(data, dict):
        return data
    (tag, body), = data.items()
    if tag in ("value", "tensor") and isinstance(body, str):
        return {tag: mapping.get(body, body)}
    if tag == "dict":
        return {tag: {k: rename_attrs(v, mapping) for k, v in body.items()}}
    return {tag: rename_attrs(body, mapping)}


def replace_uses(graph: Graph, mapping: dict[str, Value]) -> None:
    """Make every read of value `name` read mapping[name] instead (nodes, their arguments, outputs, guards)."""
    if not mapping:
        return
    names = {k: v.name for k, v in mapping.items()}

    def swap(values: list[Value]) -> list[Value]:
        return [mapping.get(v.name, v) for v in values]

    def visit(g: Graph) -> None:
        for n in g.nodes:
            n.inputs = swap(n.inputs)
            n.attrs = rename_attrs(n.attrs, names)
            for block in n.blocks:
                visit(block)
        g.outputs = swap(g.outputs)
    visit(graph)
    for guard in graph.guards:
        guard.value = mapping.get(guard.value.name, guard.value)


def move_shape_guards(graph: Graph, gone: list[Value], into: Value) -> None:
    """The shape guards of values a pass removed now read `into`, a value of the same type."""
    names = {v.name for v in gone}
    for g in graph.guards:
        if g.value.name in names and g.what == "shape":
            assert g.value.type == into.type
            g.value = into


def has_sizes(attrs: list) -> bool:
    """Whether arguments hold a size computed from the inputs' dynamic dims ({"sym": expr}): they change per run."""
    def walk(data) -> bool:
        if isinstance(data, list):
            return any(walk(a) for a in data)
        if isinstance(data, dict):
            (tag, body), = data.items()
            return tag == "sym" or walk(list(body.values()) if tag == "dict" else body)
        return False
    return walk(attrs)


def primitive(node: Node) -> type[Primitive]:
    return resolve(node.op)


def is_pure(node: Node) -> bool:
    """A node the passes may fold, merge or drop: no control flow, no random draw, no write into its inputs."""
    if node.blocks:
        return False
    prim = primitive(node)
    if getattr(prim, "draws", False):
        return False
    writes_input = getattr(prim, "writes_input", None)  # the fused kernel's in-place form declares it
    return writes_input is None or not writes_input(node.attrs)


def nbytes(v: Value, sizes: dict | None = None) -> int:
    """The bytes of a value; a symbolic dim takes its size from `sizes` (1 where it is not there)."""
    size = numpy_dtype(v.type.dtype).itemsize
    for s in v.type.shape:
        size *= s if s.__class__ is int else (sizes or {}).get(s, 1)
    return size


def fresh_name(graph: Graph, constants: dict, prefix: str) -> str:
    """prefix0, prefix1, ...: the first that names no value of the graph."""
    taken = set(constants) | {v.name for v in [*graph.inputs, *graph.params.values(), *graph.constants]}
    taken |= {v.name for n in graph.nodes for v in n.outputs}
    i = 0
    while f"{prefix}{i}" in taken:
        i += 1
    return f"{prefix}{i}"


def add_constant(graph: Graph, constants: dict, prefix: str, array) -> Value:
    """A new constant of the graph holding `array`, named prefix0, prefix1, ... (the first free name)."""
    v = Value(fresh_name(graph, constants, prefix), Type(array.shape, array.dtype.name))
    graph.constants.append(v)
    constants[v.name] = array
    return v
