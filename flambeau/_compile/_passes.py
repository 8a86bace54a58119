"""Rewrites of a captured graph before it is replayed (dead code is dropped when the program is built).

transpose_products: a linear layer's weight gradient is recorded as permute(matmul(permute(h), g)): a
transposed, non-contiguous array, which the optimizer's fused kernels (and eager's AccumulateGrad) must copy
to a contiguous one on every step. (h^T g)^T = g^T h computes it contiguous in one matmul on transposed views
(BLAS reads them in place). NOTE: BLAS sums the batch in another order then, so the gradient differs from
eager's in the last bits (float32 rounding); this is the one rewrite that does not keep results bitwise.
"""
from __future__ import annotations

from ..jit._attrs import decode
from ..jit.ir import Graph, Node, Type, Value
from ..ops.matmul import MatMul
from ..ops.shape import Permute

_MATMUL = f"{MatMul.__module__}.{MatMul.__qualname__}"
_PERMUTE = f"{Permute.__module__}.{Permute.__qualname__}"


def _is_transpose(node: Node) -> bool:
    return node.op == _PERMUTE and [decode(a, None) for a in node.attrs] == [(1, 0)]


def transpose_products(graph: Graph, fresh) -> None:
    """Rewrite permute(matmul(a, b)) of 2-D operands into matmul(b^T, a^T); fresh(prefix) names new values."""
    producer = {v.name: n for n in graph.nodes for v in n.outputs}
    nodes = []
    for node in graph.nodes:
        source = producer.get(node.inputs[0].name) if node.inputs else None
        if _is_transpose(node) and source is not None and source.op == _MATMUL and \
                all(len(v.type.shape) == 2 for v in source.inputs):
            a, b = source.inputs
            operands = []
            for v in (b, a):
                inner = producer.get(v.name)
                if inner is not None and _is_transpose(inner):
                    operands.append(inner.inputs[0])  # a transpose of a transpose: the original
                    continue
                t = Value(fresh("v"), Type(v.type.shape[::-1], v.type.dtype, v.type.device))
                nodes.append(Node(_PERMUTE, [v], [t], [{"tuple": [1, 0]}]))
                operands.append(t)
            node.op, node.inputs, node.attrs = _MATMUL, operands, []  # in place: the node keeps its segment
            producer[node.outputs[0].name] = node
        nodes.append(node)
    graph.nodes = nodes
