"""Max pooling without its argmax: MaxPoolIndex + PlaneGather become one MaxPoolValues where nothing else reads
the index (inference: no backward will scatter through it).

Eager max pooling computes each window's argmax (kept for backward), then gathers the values. For inference
the values alone are a running np.maximum over the kernel's strided views of the padded input: the same values
(NaN wins, padding is -inf), without the index pass.
"""
from __future__ import annotations

import numpy as np

from ..._dispatch import Primitive
from ...ops.pool import _lowest, _offsets, _padded
from .._attrs import decode
from ..ir import Graph, Node
from ._graph import use_counts

INDEX, GATHER = "flambeau.ops.pool.MaxPoolIndex", "flambeau.ops.pool.PlaneGather"
VALUES = f"{__name__}.MaxPoolValues"


class MaxPoolValues(Primitive):
    """Each window's maximum; geom is MaxPoolIndex's (kernel, stride, dilation, padding, out)."""
    differentiable = False

    @staticmethod
    def forward(x, geom):
        padded = _padded(x, geom, _lowest(x.dtype))
        out = None
        for _, key in _offsets(geom):
            out = padded[key].copy() if out is None else np.maximum(out, padded[key], out=out)
        return out


def pool_values_only(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    uses = use_counts(graph)
    guarded = {g.value.name for g in graph.guards}
    indices = {n.outputs[0].name: n for n in graph.nodes if n.op == INDEX}
    replaced: dict[int, Node] = {}
    for n in graph.nodes:
        if n.op != GATHER or len(n.attrs) != 2 or not isinstance(n.attrs[0], dict):
            continue
        name = n.attrs[0].get("value")
        index = indices.get(name)
        if index is None or uses.get(name) != 1 or name in guarded or index.inputs[0] is not n.inputs[0]:
            continue
        kernel = decode(index.attrs[0], lambda *_: None)[0]
        if n.attrs[1] == len(kernel):
            replaced[id(index)] = None
            replaced[id(n)] = Node(VALUES, list(n.inputs), list(n.outputs), list(index.attrs))
    graph.nodes = [replaced.get(id(n), n) for n in graph.nodes if replaced.get(id(n), n) is not None]
    return graph, constants
