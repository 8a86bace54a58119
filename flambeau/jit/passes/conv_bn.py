"""Convolution + batch norm folding: the per-channel affine ops after a convolution go into its weight and bias.

Batch norm in eval mode is (y - mean) * rsqrt(var + eps) * weight + bias; once frozen and constant-folded
it is a chain of Sub, Mul, Mul, Add by per-channel constants after the convolution (with the convolution's
own bias Add). Any such chain is y -> a * y + c per output channel, and a * conv(x, w) + c = conv(x, a * w) + c:
the chain becomes one convolution with a scaled weight and one Add of a bias. a and c are accumulated in
float64 and cast back once.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Node
from ._graph import add_constant, move_shape_guards, use_counts

CONV = "flambeau.ops.conv.Conv"
ADD = "flambeau.ops.elementwise.Add"
_AFFINE = {ADD: "add", "flambeau.ops.elementwise.Sub": "sub", "flambeau.ops.elementwise.Mul": "mul",
           "flambeau.ops.elementwise.Div": "div"}


def fold_conv_bn(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    constants = dict(constants)
    uses = use_counts(graph)
    readers: dict[str, Node] = {}
    for n in graph.nodes:
        for v in n.inputs:
            readers[v.name] = n
    dropped: set[int] = set()
    nodes = []
    for node in graph.nodes:
        if id(node) in dropped:
            continue
        nodes.append(node)
        if node.op != CONV or node.inputs[1].name not in constants or node.blocks:
            continue
        chain, scale, shift = _affine_chain(node, constants, uses, readers)
        if not chain:
            continue
        dropped.update(id(n) for n in chain)
        last = chain[-1].outputs[0]
        move_shape_guards(graph, [n.outputs[0] for n in chain[:-1]], last)
        weight = constants[node.inputs[1].name]
        folded = (weight.astype(np.float64) * scale.reshape((-1,) + (1,) * (weight.ndim - 1))).astype(weight.dtype)
        node.inputs = [node.inputs[0], add_constant(graph, constants, "folded_weight", folded)]
        if any(_AFFINE[n.op] in ("add", "sub") for n in chain):
            out = node.outputs[0]
            bias = shift.astype(weight.dtype).reshape((1, -1) + (1,) * (len(out.type.shape) - 2))
            nodes.append(Node(ADD, [out, add_constant(graph, constants, "folded_bias", bias)], [last], []))
        else:
            move_shape_guards(graph, node.outputs, last)
            node.outputs = [last]
    graph.nodes = nodes
    return graph, constants


def _affine_chain(conv: Node, constants: dict, uses: dict, readers: dict) -> tuple[list[Node], np.ndarray, np.ndarray]:
    """The affine nodes that follow `conv` alone, and their composite per-channel scale and shift (float64)."""
    out = conv.outputs[0]
    channels = out.type.shape[1]
    chain: list[Node] = []
    if channels.__class__ is not int:   # a dynamic channel count: no weight to fold into
        return chain, np.ones(0), np.zeros(0)
    scale, shift = np.ones(channels), np.zeros(channels)
    current = out
    while uses.get(current.name) == 1 and current.name in readers:
        node = readers[current.name]
        kind = _AFFINE.get(node.op)
        if kind is None or node.attrs or node.blocks or len(node.inputs) != 2 \
                or node.outputs[0].type != out.type or out.type.dtype not in ("float16", "float32", "float64"):
            break
        first = node.inputs[0] is current
        other = node.inputs[1] if first else node.inputs[0]
        k = _per_channel(constants.get(other.name), out.type.shape)
        if k is None or (kind == "div" and not first):
            break
        if kind == "mul":
            scale, shift = scale * k, shift * k
        elif kind == "div":
            scale, shift = scale / k, shift / k
        elif kind == "add":
            shift = shift + k
        elif first:  # y - k
            shift = shift - k
        else:        # k - y
            scale, shift = -scale, k - shift
        chain.append(node)
        current = node.outputs[0]
    return chain, scale, shift


def _per_channel(k, shape: tuple) -> np.ndarray | None:
    """A constant that broadcasts along dim 1 of `shape` only, as float64 per channel; None for anything else."""
    if k is None or k.ndim > len(shape) or k.dtype.kind != "f":
        return None
    padded = (1,) * (len(shape) - k.ndim) + k.shape
    if any(s != 1 for i, s in enumerate(padded) if i != 1) or padded[1] not in (1, shape[1]):
        return None
    return np.broadcast_to(k.astype(np.float64).reshape(-1), (shape[1],))
