"""Common-subexpression elimination: of two pure nodes applying the same primitive to the same values with
the same arguments, the second is dropped and its readers read the first's output.

Random draws, in-place writes and control flow are never merged (is_pure): two draws are two numbers.
Small constants holding the same numbers (the scalars a trace captures, one per use) are merged first.
"""
from __future__ import annotations

import json

from ..ir import Graph, Value
from ._graph import is_pure, rename_attrs, replace_uses


def eliminate_common_subexpressions(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    mapping = _same_constants(graph, constants)
    seen: dict[tuple, list[Value]] = {}
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
    graph.constants = [v for v in graph.constants if v.name not in mapping]
    return graph, {v.name: constants[v.name] for v in graph.constants}


_SMALL = 1024  # elements: hashing every weight would cost more than merging them gains


def _same_constants(graph: Graph, constants: dict) -> dict[str, Value]:
    """constant name -> the first constant of the same dtype, shape and bytes (small constants only)."""
    first: dict[tuple, Value] = {}
    mapping = {}
    for v in graph.constants:
        a = constants[v.name]
        if a.size <= _SMALL:
            key = (a.dtype.str, a.shape, a.tobytes())
            mapping_to = first.setdefault(key, v)
            if mapping_to is not v:
                mapping[v.name] = mapping_to
    return mapping
