"""Backward nodes that a capture cannot trace through, replayed as one step each.

A derivative formula written with flambeau ops is traced primitive by primitive. Some formulas take a
fast path on raw arrays when grad mode is off (softmax's, cross entropy's, GELU's kernels): the tracer
sees no op for what they compute. The capture watches every backward node the engine runs; when a node
returns a gradient the tracer does not know, the ops it recorded for that node are dropped and the node
becomes one `NodeBackward` step: at replay, the primitive's own backward runs on a node rebuilt from the
replay's arrays (its saved inputs, output and arguments), exactly as the eager backward ran it.
"""
from __future__ import annotations

import functools

import numpy as np

from .._dispatch import Primitive
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import init_node
from ..jit._interpreter import resolve

_wrap = Tensor._wrap
_NEEDED = (None, 0)  # an edge stands for "this input needs its gradient" (needs_input_grad reads it)


class NodeBackward(Primitive):
    """arrays: the gradient of the output, then the saved inputs (those kept), then the output if saved.
    attrs: the primitive, its args, its inputs' (shape, dtype), which inputs need a gradient and which
    were saved, whether the output was saved. Returns one array (or None) per input of the primitive."""

    variadic = True
    differentiable = False
    multiple_outputs = True

    @staticmethod
    def forward(arrays, op: str, args: tuple, metas: tuple, needs: tuple, saved: tuple, output_saved: bool):
        prim = _primitive(op)
        node = prim.__new__(prim)
        init_node(node, tuple([_NEEDED if n else None for n in needs]),
                  tuple([(tuple(shape), dtype) for shape, dtype in metas]))
        node.args = args
        it = iter(arrays[1:])
        node.saved = tuple([_wrap(next(it)) if s else None for s in saved])
        node.versions = tuple([t._vc[0] if t is not None else None for t in node.saved])
        node.out_data = next(it) if output_saved else None
        if output_saved:
            node.out_vc, node.out_version = [0], 0
        enabled = STATE.enabled
        STATE.enabled = False
        try:
            grads = node.backward(_wrap(arrays[0]))
        finally:
            STATE.enabled = enabled
        return tuple([None if g is None else _array(g) for g in grads])


def _array(g):
    return g._data if isinstance(g, Tensor) else np.asarray(g)


@functools.lru_cache(maxsize=None)
def _primitive(op: str):
    return resolve(op)
