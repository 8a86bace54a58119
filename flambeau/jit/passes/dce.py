"""Dead-code elimination: drop pure nodes nobody reads, and constants nobody reads.

A value is live when a graph output, a guard or a live node reads it; walking the nodes backwards finds
them all in one sweep. Impure nodes (control flow, random draws, in-place writes) always stay.
"""
from __future__ import annotations

from ..ir import Graph
from ._graph import is_pure, used_names


def eliminate_dead_code(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    live = {v.name for v in graph.outputs} | {g.value.name for g in graph.guards}
    kept = []
    for node in reversed(graph.nodes):
        if any(v.name in live for v in node.outputs) or not is_pure(node):
            kept.append(node)
            live.update(used_names(node))
    graph.nodes = kept[::-1]
    graph.constants = [v for v in graph.constants if v.name in live]
    return graph, {v.name: constants[v.name] for v in graph.constants}
