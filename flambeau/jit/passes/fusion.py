"""Elementwise fusion: a chain of elementwise primitives becomes one FusedElementwise node (fused.py).

A chain grows while a node reads the chain's value and nothing else does, and the value already has the
node's output shape and dtype (so one buffer holds it all the way). Its other operands become inputs of the
fused node. The fused node stands where the chain's last node stood, after everything its operands need.
Only float chains of one dtype are fused: every step then computes exactly what the primitive it replaces does.
"""
from __future__ import annotations

from ..ir import Graph, Node, Value
from ._graph import move_shape_guards, use_counts
from .fused import FUSED, FUSIBLE

_FLOATS = ("float16", "float32", "float64")


class _Chain:
    def __init__(self, start: Value, position: int):
        self.inputs = [start]
        self.steps: list = []
        self.output = start
        self.position = position   # where in the new node list its fused node stands

    def operand(self, v: Value) -> int:
        if not any(u is v for u in self.inputs):
            self.inputs.append(v)
        return next(i for i, u in enumerate(self.inputs) if u is v)

    def node(self) -> Node:
        return Node(FUSED, list(self.inputs), [self.output], [self.steps, 0, False])


def _fusible(node: Node) -> bool:
    entry = FUSIBLE.get(node.op)
    if entry is None or node.blocks or len(node.outputs) != 1 or len(node.inputs) != entry[1]:
        return False
    out = node.outputs[0].type
    return out.dtype in _FLOATS and len(out.shape) > 0 and all(v.type.dtype == out.dtype for v in node.inputs)


def fuse_elementwise(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    uses = use_counts(graph)
    ends: dict[str, _Chain] = {}    # the value a chain has computed so far -> the chain
    items: list = []                # nodes and chains, in the new order (a moved chain leaves None behind)
    for node in graph.nodes:
        if not _fusible(node):
            items.append(node)
            continue
        out = node.outputs[0]
        kind = FUSIBLE[node.op][0]
        grow = [i for i, v in enumerate(node.inputs)
                if v.name in ends and uses.get(v.name) == 1 and v.type == out.type]
        if grow:
            position = grow[0]
            chain = ends.pop(node.inputs[position].name)
            items[chain.position] = None
            move_shape_guards(graph, [chain.output], out)
        else:
            full = [i for i, v in enumerate(node.inputs) if v.type == out.type]
            position = full[0] if full else 0
            chain = _Chain(node.inputs[position], 0)
        other = node.inputs[1 - position] if len(node.inputs) == 2 else None
        chain.steps.append([kind, None if other is None else chain.operand(other), position == 0, node.attrs])
        chain.output = out
        chain.position = len(items)
        items.append(chain)
        ends[out.name] = chain
    graph.nodes = [item.node() if isinstance(item, _Chain) else item for item in items if item is not None]
    return graph, constants
