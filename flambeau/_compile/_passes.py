"""Rewrites of a captured graph before it is replayed (dead code is dropped when the program is built).

fuse_linear: around a linear layer's matmuls, relu(matmul + bias) becomes one in-place step (BiasRelu), and
relu's gradient with its sum over the batch (the bias gradient) one step with two outputs (ReluBackwardSum):
each saves a pass over an array that has just left the caches. Both are bit-exact (_fused.py).

transpose_activations: a relu layer's activations h are kept transposed (F-contiguous): its matmuls compute
(W @ a^T)^T, which BLAS runs 10-20% faster for the wide, short products of a batch (BLAS computes the same
sums: the values are bit-equal), and the gradients reaching the layer follow. Only where nothing but matmuls
and the fused steps read those values, so that no other op and no caller ever sees the layout. NOTE: the bias
gradient is then summed along the contiguous axis (NumPy's pairwise sum): it differs from eager's in the
last bits, as the weight gradients of transpose_products do.

transpose_products: a linear layer's weight gradient is recorded as permute(matmul(permute(h), g)): a
transposed, non-contiguous array, which the optimizer's fused kernels (and eager's AccumulateGrad) must copy
to a contiguous one on every step. (h^T g)^T = g^T h computes it contiguous in one matmul on transposed views
(BLAS reads them in place). NOTE: BLAS sums the batch in another order then, so the gradient differs from
eager's in the last bits (float32 rounding); this is the one rewrite that does not keep results bitwise.
"""
from __future__ import annotations

from ..jit._attrs import decode
from ..jit.ir import Graph, Node, Type, Value
from ..jit.passes._graph import used_names
from ..ops.elementwise import Add
from ..ops.elementwise_math import Relu, ReluBackward
from ..ops.matmul import MatMul
from ..ops.reduction import Sum
from ..ops.shape import Permute, Transpose
from ._fused import BiasRelu, ReluBackwardSum


def _name(prim) -> str:
    return f"{prim.__module__}.{prim.__qualname__}"


_MATMUL, _PERMUTE, _TRANSPOSE, _ADD, _RELU, _SUM = map(_name, (MatMul, Permute, Transpose, Add, Relu, Sum))
_RELU_BACKWARD, _BIAS_RELU, _RELU_BACKWARD_SUM = map(_name, (ReluBackward, BiasRelu, ReluBackwardSum))
_FLOATS = ("float32", "float64")


def _is_transpose(node: Node) -> bool:
    return node.op in (_PERMUTE, _TRANSPOSE) and [decode(a, None) for a in node.attrs] == [(1, 0)]


def transpose_products(graph: Graph, fresh) -> None:
    """Rewrite permute(matmul(a, b)) of 2-D operands into matmul(b^T, a^T), and let a matmul read a transpose
    of a transpose (the backward's W^T^T) as the original; fresh(prefix) names new values."""
    producer = {v.name: n for n in graph.nodes for v in n.outputs}
    nodes = []
    for node in graph.nodes:
        if node.op == _MATMUL:
            node.inputs = [_untransposed(v, producer) for v in node.inputs]
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


def _untransposed(v: Value, producer: dict) -> Value:
    """The value v is a transpose of a transpose of (both views), else v."""
    outer = producer.get(v.name)
    inner = producer.get(outer.inputs[0].name) if outer is not None and _is_transpose(outer) else None
    return inner.inputs[0] if inner is not None and _is_transpose(inner) else v


def fuse_linear(graph: Graph, held: set, events: list) -> None:
    """Put in BiasRelu and ReluBackwardSum (see the module docstring). held: the names of values the program
    hands out or writes back (their arrays must stay their own). A replaced node keeps its place and identity
    (events name nodes); a removed one is never an event's anchor, and both lie between the same two steps."""
    from ._program import _segments
    segment_of = _segments(graph.nodes, events)
    anchors = {id(last) for last, _, _ in events if last is not None}
    readers: dict = {}
    for node in graph.nodes:
        for name in used_names(node):
            readers[name] = readers.get(name, 0) + 1
    producer = {v.name: n for n in graph.nodes for v in n.outputs}

    def absorbable(v: Value, op: str, reader: Node):
        """v's producer, when it is an `op` node that `reader` may absorb: v read by reader alone, kept by
        nothing, the producer no anchor and in reader's segment."""
        node = producer.get(v.name)
        if node is None or node.op != op or readers.get(v.name) != 1 or v.name in held or id(node) in anchors \
                or segment_of[id(node)] != segment_of[id(reader)]:
            return None
        return node

    dropped = set()
    for node in graph.nodes:
        if node.op == _RELU:
            add = absorbable(node.inputs[0], _ADD, node)
            z, b = _matrix_and_bias(add) if add is not None and not add.attrs else (None, None)
            if z is not None and absorbable(z, _MATMUL, add) is not None:
                node.op, node.inputs, node.attrs = _BIAS_RELU, [z, b], []
                dropped.add(id(add))
        elif node.op == _SUM and _is_batch_sum(node) and id(node) not in anchors:
            source = producer.get(node.inputs[0].name)
            if source is not None and source.op == _RELU_BACKWARD and segment_of[id(source)] == segment_of[id(node)]:
                source.op, source.outputs = _RELU_BACKWARD_SUM, source.outputs + node.outputs
                dropped.add(id(node))
    graph.nodes = [n for n in graph.nodes if id(n) not in dropped]


def _matrix_and_bias(add: Node) -> tuple:
    """(z, b) of an add of an (N, C) float matrix z and a (C,) bias b of its dtype, either way round."""
    for z, b in (add.inputs, add.inputs[::-1]):
        if len(z.type.shape) == 2 and z.type.dtype in _FLOATS and b.type.dtype == z.type.dtype and \
                tuple(b.type.shape) == tuple(z.type.shape[1:]):
            return z, b
    return None, None


def _is_batch_sum(node: Node) -> bool:
    """A sum over axis 0 of an (N, C) float matrix, the dim kept, in its own dtype (a bias gradient)."""
    x = node.inputs[0].type
    return len(x.shape) == 2 and x.dtype in _FLOATS and [decode(a, None) for a in node.attrs] == [(0,), True, None]


_WIDE = 32  # output columns from which a product is computed transposed (a narrow one measured slower)


def transpose_activations(graph: Graph, held: set, fresh) -> None:
    """Keep relu layers' activations transposed (see the module docstring); held: names of values the program
    hands out or writes back; fresh(prefix) names new values."""
    producer = {v.name: n for n in graph.nodes for v in n.outputs}
    readers: dict = {}
    for node in graph.nodes:
        for name in used_names(node):
            readers.setdefault(name, []).append(node)

    def product_reads_only(v: Value) -> bool:
        """Nothing keeps v, and only matmuls read it, directly or through one transpose."""
        return v.name not in held and all(
            r.op == _MATMUL or (_is_transpose(r) and r.outputs[0].name not in held and
                                all(q.op == _MATMUL for q in readers.get(r.outputs[0].name, [])))
            for r in readers.get(v.name, []))

    def weight_product(z: Value, transposed: bool):
        """The matmul a @ W^T (transposed) or a @ W computing a wide z for one reader, W a 2-D graph source."""
        m = producer.get(z.name)
        if m is None or m.op != _MATMUL or z.name in held or len(readers.get(z.name, [])) != 1:
            return None
        a, w = m.inputs
        if transposed:
            t = producer.get(w.name)
            w = t.inputs[0] if t is not None and _is_transpose(t) else None
        width = z.type.shape[-1]
        if w is None or w.name in producer or len(w.type.shape) != 2 or len(a.type.shape) != 2 or \
                not isinstance(width, int) or width < _WIDE:
            return None
        return m

    chosen = []
    for node in graph.nodes:
        m = weight_product(node.inputs[0], True) if node.op == _BIAS_RELU else None
        if m is None:
            continue
        h, gradients = node.outputs[0], []
        for r in readers.get(h.name, []):
            if r.op == _RELU_BACKWARD_SUM and r.inputs[1].name == h.name and r.inputs[0].name != h.name:
                gm = weight_product(r.inputs[0], False)
                if gm is None or not product_reads_only(r.outputs[0]):
                    break
                gradients.append(gm)
            elif not (r.op == _MATMUL or (_is_transpose(r) and product_reads_only(r.outputs[0]))):
                break
        else:
            if h.name not in held:
                chosen += [(m, True)] + [(gm, False) for gm in gradients]
    before: dict = {}
    for m, transposed in chosen:
        before[id(m)] = _transposed_product(m, transposed, producer, fresh)
    graph.nodes = [n for node in graph.nodes for n in before.get(id(node), []) + [node]]


def _transposed_product(m: Node, transposed: bool, producer: dict, fresh) -> list:
    """Make m (z = a @ W^T, or a @ W) compute z as (W @ a^T)^T (or (W^T @ a^T)^T): m becomes the last
    transpose, keeping its place and identity; returns the nodes to put before it."""
    a, w = m.inputs
    z = m.outputs[0]

    def transpose(v: Value, nodes: list) -> Value:
        t = Value(fresh("v"), Type(tuple(v.type.shape[::-1]), v.type.dtype, v.type.device))
        nodes.append(Node(_TRANSPOSE, [v], [t], [{"tuple": [1, 0]}]))
        return t
    nodes: list = []
    weight = producer[w.name].inputs[0] if transposed else transpose(w, nodes)
    zt = Value(fresh("v"), Type(tuple(z.type.shape[::-1]), z.type.dtype, z.type.device))
    nodes.append(Node(_MATMUL, [weight, transpose(a, nodes)], [zt], []))
    m.op, m.inputs, m.attrs = _TRANSPOSE, [zt], [{"tuple": [1, 0]}]
    return nodes
