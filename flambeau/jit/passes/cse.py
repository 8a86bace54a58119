"""Common-subexpression elimination: of two pure nodes applying the same primitive to the same values with
the same arguments, the second is dropped and its readers read the first's output.

Random draws, in-place writes and control flow are never merged (is_pure): two draws are two numbers.
"""
from __future__ import annotations

import json

from ..ir import Graph, Value
from ._graph import is_pure, rename_attrs, replace_uses


def eliminate_common_subexpressions(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    seen: dict[tuple, list[Value]] = {}
    mapping: dict[str, Value] = {}
    kept = []
    for node in graph.nodes:
        # the inputs as already renamed: a chain of duplicates collapses in one sweep
        inputs = tuple(mapping.get(v.name, v).name for v in node.inputs)
        attrs = rename_attrs(node.attrs, {name: v.name for name, v in mapping.items()})
        key = (node.op, inputs, json.dumps(attrs, sort_keys=True))
        first = seen.get(key) if is_pure(node) else None
        if first is not None and [v.type for v in first] == [v.type for v in node.outputs]:
            mapping.update({v.name: f for v, f in zip(node.outputs, first)})
            continue
        if is_pure(node):
            seen.setdefault(key, node.outputs)
        kept.append(node)
    graph.nodes = kept
    replace_uses(graph, mapping)
    return graph, constants
