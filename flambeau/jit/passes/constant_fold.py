"""Constant folding: a pure node whose every input is a constant runs once now and becomes a constant.

After freezing, the parameters are constants too, so every computation on weights alone (batch norm's
rsqrt(running_var + eps), a linear layer's transposed weight) is done once instead of on every call.
A value a guard reads stays computed by its node, so the guard still sees it.
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from .._attrs import decode
from ..ir import Graph
from ._graph import attr_refs, has_sizes, is_pure, primitive


def fold_constants(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    constants = dict(constants)
    guarded = {g.value.name for g in graph.guards}
    kept = []
    for node in graph.nodes:
        reads = [v.name for v in node.inputs] + attr_refs(node)
        if (not reads or not all(name in constants for name in reads) or not is_pure(node)
                or len(node.outputs) != 1 or node.outputs[0].name in guarded or has_sizes(node.attrs)):
            kept.append(node)
            continue
        out = node.outputs[0]
        constants[out.name] = _evaluate(node, constants)
        graph.constants.append(out)
    graph.nodes = kept
    return graph, constants


def _evaluate(node, constants: dict) -> np.ndarray:
    prim = primitive(node)
    args = [decode(a, lambda name, as_tensor: Tensor._wrap(constants[name]) if as_tensor else constants[name])
            for a in node.attrs]
    arrays = [constants[v.name] for v in node.inputs]
    result = prim.forward(tuple(arrays), *args) if prim.variadic else prim.forward(*arrays, *args)
    # NOTE: a copy, never a view: a folded View of a weight must not share memory with the weight it read
    result = np.array(result, copy=True)
    want = node.outputs[0].type
    if result.shape != tuple(want.shape) or result.dtype.name != want.dtype:
        raise ValueError(f"constant folding: {node.op} gave {result.dtype.name}{list(result.shape)}, "
                         f"the graph says {want}")
    return result
