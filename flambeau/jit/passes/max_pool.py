"""Max pooling without its argmax: MaxPoolIndex + PlaneGather become one MaxPoolValues where nothing else reads
the index (inference: no backward will scatter through it).

Eager max pooling computes each window's argmax (kept for backward), then gathers the values. For inference
the values alone are a running np.maximum over strided views of the input, one spatial dim at a time (a max
over a box is a max over rows of maxes over columns: 2 + 2 passes for a 3x3 window instead of 8). The same
values (NaN wins, padding is -inf), without the index pass and without a padded copy of the input: each
kernel offset updates only the outputs whose sample lies inside the input. Ranges of planes run on the
intra-op threads.
"""
from __future__ import annotations

import numpy as np

from ..._dispatch import Primitive
from ..._runtime import get_num_threads
from ...ops._parallel import parallel_rows
from ...ops.pool import _lowest
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
        kernel, stride, dilation, padding, out = geom
        lead = x.ndim - len(kernel)
        y = np.empty(x.shape[:lead] + tuple(out), dtype=x.dtype)
        axis = 0 if lead == 1 or x.shape[0] >= get_num_threads() else 1
        dims = list(enumerate(zip(kernel, stride, dilation, padding, out)))

        def planes(lo: int, hi: int) -> None:
            part = (slice(None),) * axis + (slice(lo, hi),)
            v = x[part]
            for i, dim in dims:
                v = _max_along(v, lead + i, *dim, out=y[part] if i == len(dims) - 1 else None)
        parallel_rows(planes, x.shape[axis], x.size)
        return y


def _max_along(x, axis: int, k: int, s: int, d: int, p: int, o: int, out=None):
    """y[..., j, ...] = max over t < k of x[..., j * s + t * d - p, ...] along `axis`, samples outside x skipped."""
    n = x.shape[axis]
    shape = x.shape[:axis] + (o,) + x.shape[axis + 1:]
    y = np.empty(shape, dtype=x.dtype) if out is None else out
    y.fill(_lowest(x.dtype))
    lead = (slice(None),) * axis
    for t in range(k):
        offset = t * d - p
        lo, hi = max(0, -(offset // s) if offset < 0 else 0), min(o, (n - 1 - offset) // s + 1)
        if lo < hi:
            part = y[lead + (slice(lo, hi),)]
            np.maximum(part, x[lead + (slice(lo * s + offset, (hi - 1) * s + offset + 1, s),)], out=part)
    return y


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
