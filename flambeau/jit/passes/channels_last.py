"""Channels-last layout: runs of convolutions, fused elementwise chains and max pooling computed on
(B, *spatial, C) arrays, converted from and back to (B, C, *spatial) only where the run starts and ends.

In (B, *spatial, C) an im2col row is the kernel taps' channel vectors, runs of C contiguous values, and
the matmul writes its output in the same layout (ops/_conv_channels_last.py): ResNet-18's 3x3 layers at
batch 64 take about 0.6x the time of the (B, C, *spatial) path. Eager mode pays a transposing copy in
and out of each such convolution and a transposing copy of the weight; here the weight is packed once
into a constant and the activations stay channels-last between layers, as PyTorch's frozen graphs keep
MKLDNN's blocked layout.

Rewritten (top-level float32/float64 nodes only): an ungrouped Conv with a constant weight that reads a
channels-last value or is faster channels-last (`makes_runs`: a 3-channel stem stays put); a 2-d depthwise
Conv (each tap one multiply-add over contiguous channels: 0.5 against 16 ms for MobileNetV2's 960-channel
layer on 2x2 maps at batch 64, where a plane is 4 values), which takes MobileNet's 1x1 layers with it,
each then one matmul over the whole batch; a fused
elementwise node one of whose operands is already channels-last (its constants are transposed alike);
max pooling of a channels-last value. A value read by anything else is converted back by a
ToChannelsFirst node placed before its first such reader, under its own name, so no other node changes.
Shape guards on a converted value check its channels-last twin with the dims in the same order.
"""
from __future__ import annotations

import numpy as np

from ..._dispatch import Primitive
from ..._runtime import get_num_threads
from ...ops import _conv_channels_last as _kernel
from ...ops._parallel import parallel_rows
from .._attrs import decode, encode
from ..ir import Graph, Node, Type, Value
from .conv_bn import CONV
from .fused import FUSED
from .max_pool import VALUES, _max_along
from ._graph import add_constant, fresh_name, used_names

_FLOATS = ("float32", "float64")


def _last(ndim: int) -> tuple:
    """The permutation (B, C, *spatial) -> (B, *spatial, C)."""
    return (0,) + tuple(range(2, ndim)) + (1,)


def _first(ndim: int) -> tuple:
    """The permutation (B, *spatial, C) -> (B, C, *spatial)."""
    return (0, ndim - 1) + tuple(range(1, ndim - 1))


class ToChannelsLast(Primitive):
    """The (B, *spatial, C) view of a (B, C, *spatial) array: no copy (the next kernel copies anyway)."""
    is_view = True
    differentiable = False

    @staticmethod
    def forward(x):
        return x.transpose(_last(x.ndim))


class ToChannelsFirst(Primitive):
    """A C-contiguous (B, C, *spatial) copy of a (B, *spatial, C) array, split over the intra-op threads."""
    differentiable = False

    @staticmethod
    def forward(x):
        return _kernel.to_channels_first(x)


class ChannelsLastConv(Primitive):
    """Convolution of a channels-last x with a packed weight (K * C, O): (B, *out, O)."""
    differentiable = False

    @staticmethod
    def forward(x, packed, ksize, pads, stride, dilation):
        return _kernel.conv(_kernel.pad(x, pads), packed, ksize, stride, dilation)


class ChannelsLastDepthwise(Primitive):
    """2-d depthwise convolution of a channels-last x with taps (KH, KW, C): (B, OH, OW, C)."""
    differentiable = False

    @staticmethod
    def forward(x, taps, pads, stride, dilation):
        return _kernel.depthwise(_kernel.pad(x, pads), taps, taps.shape[:2], stride, dilation)


class ChannelsLastMaxPool(Primitive):
    """MaxPoolValues on a channels-last x: the same running maximum along each spatial dim."""
    differentiable = False

    @staticmethod
    def forward(x, geom):
        kernel, stride, dilation, padding, out = geom
        y = np.empty((x.shape[0],) + tuple(out) + (x.shape[-1],), x.dtype)
        dims = list(enumerate(zip(kernel, stride, dilation, padding, out)))
        axis = 0 if x.shape[0] >= get_num_threads() else x.ndim - 1

        def part(lo: int, hi: int) -> None:
            rows = (slice(None),) * axis + (slice(lo, hi),)
            v = x[rows]
            for i, dim in dims:
                v = _max_along(v, 1 + i, *dim, out=y[rows] if i == len(dims) - 1 else None)
        parallel_rows(part, x.shape[axis], x.size)
        return y


CL_CONV, CL_POOL = f"{__name__}.ChannelsLastConv", f"{__name__}.ChannelsLastMaxPool"
CL_DEPTHWISE = f"{__name__}.ChannelsLastDepthwise"
TO_LAST, TO_FIRST = f"{__name__}.ToChannelsLast", f"{__name__}.ToChannelsFirst"


def _permuted(t: Type, order: tuple) -> Type:
    return Type(tuple(t.shape[i] for i in order), t.dtype, t.device)


def _no_values(name, _):
    raise AssertionError(f"a layout-changed node reads no graph value by argument ({name})")


def to_channels_last(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    _Rewrite(graph, constants).run()
    return graph, constants


class _Rewrite:
    def __init__(self, graph: Graph, constants: dict):
        self.graph, self.constants = graph, constants
        self.twins: dict[str, Value] = {}     # (B, C, *spatial) value name -> its channels-last value
        self.dropped: set[str] = set()        # values no node computes any more (their twin does)
        self.nodes: list[Node] = []

    def run(self) -> None:
        for node in self.graph.nodes:
            new = None if node.blocks else self._rewrite(node)
            if new is None:
                self._need_first(used_names(node))
                self.nodes.append(node)
            else:
                self.nodes.append(new)
                self.twins[node.outputs[0].name] = new.outputs[0]
                self.dropped.add(node.outputs[0].name)
        self._need_first([v.name for v in self.graph.outputs]
                         + [g.value.name for g in self.graph.guards if g.what != "shape"])
        for g in self.graph.guards:
            if g.what == "shape" and g.value.name in self.dropped:
                g.value = self.twins[g.value.name]
                g.expected = [g.expected[i] for i in _last(len(g.expected))]
        self.graph.nodes = self.nodes

    def _need_first(self, names) -> None:
        """Compute each dropped value that is read here, once, from its twin, under its own name."""
        for name in names:
            if name in self.dropped:
                twin = self.twins[name]
                self.nodes.append(Node(TO_FIRST, [twin], [Value(name, _permuted(twin.type, _first(len(twin.type.shape))))], []))
                self.dropped.discard(name)

    def _rewrite(self, node: Node) -> Node | None:
        if len(node.outputs) != 1 or node.outputs[0].type.dtype not in _FLOATS or len(node.outputs[0].type.shape) < 3:
            return None
        if node.op == CONV:
            return self._conv(node)
        if node.op == FUSED:
            return self._fused(node)
        if node.op == VALUES and node.inputs[0].name in self.twins:
            return Node(CL_POOL, [self.twins[node.inputs[0].name]], [self._twin_of(node.outputs[0])], list(node.attrs))
        return None

    def _twin_of(self, v: Value) -> Value:
        name = fresh_name(self.graph, self.constants, f"{v.name}_cl")
        return Value(name, _permuted(v.type, _last(len(v.type.shape))))

    def _channels_last_input(self, v: Value) -> Value:
        if v.name in self.twins:
            return self.twins[v.name]
        twin = self._twin_of(v)
        self.nodes.append(Node(TO_LAST, [v], [twin], []))
        self.twins[v.name] = twin
        return twin

    def _conv(self, node: Node) -> Node | None:
        x, w = node.inputs
        pads, stride, dilation, groups = decode(node.attrs, _no_values)
        weight = self.constants.get(w.name)
        if weight is None or weight.dtype.name != node.outputs[0].type.dtype:
            return None
        if groups > 1 and groups == weight.shape[0] == x.type.shape[1] and weight.ndim == 4:
            taps = add_constant(self.graph, self.constants, "taps", _kernel.depthwise_taps(weight))
            return Node(CL_DEPTHWISE, [self._channels_last_input(x), taps], [self._twin_of(node.outputs[0])],
                        list(node.attrs[:3]))
        if groups != 1:
            return None
        if x.name not in self.twins and not _kernel.makes_runs(weight.shape[1], weight, pads, stride):
            return None   # no faster channels-last: starting a run here would only add conversions
        packed = add_constant(self.graph, self.constants, "packed_weight", _kernel.pack_weight(weight))
        attrs = [encode(tuple(weight.shape[2:]), None), *node.attrs[:3]]
        return Node(CL_CONV, [self._channels_last_input(x), packed], [self._twin_of(node.outputs[0])], attrs)

    def _fused(self, node: Node) -> Node | None:
        out = node.outputs[0]
        ndim = len(out.type.shape)
        if not any(v.name in self.twins for v in node.inputs):
            return None
        inputs = []
        for v in node.inputs:
            k = self.constants.get(v.name)
            if k is not None:
                inputs.append(self._permuted_constant(v, k, ndim))
            elif v.type.shape == out.type.shape:
                inputs.append(self._channels_last_input(v))
            else:   # a computed operand that broadcasts: not worth a layout of its own
                return None
        return Node(FUSED, inputs, [self._twin_of(out)], [node.attrs[0], node.attrs[1], False])

    def _permuted_constant(self, v: Value, k: np.ndarray, ndim: int) -> Value:
        if k.ndim == 0 or k.size == 1:
            return v
        full = k.reshape((1,) * (ndim - k.ndim) + k.shape)
        return add_constant(self.graph, self.constants, "channels_last", np.ascontiguousarray(full.transpose(_last(ndim))))
