"""Recording control flow on a traced tensor condition into prim.If / prim.Loop nodes (flambeau/jit/ir.py).

A block is recorded by pointing the tracer's node and guard lists at the block's while code runs; a block may
use values from outside it. Whatever the code computes is the real, eager result: an If runs both branches
(the taken one first) and returns the taken one's values; a Loop traces its first iteration into the body and
finishes the loop eagerly with the tracer paused. Where the two branches disagree (types, Python values, an
error in the other branch), or a loop's carried values change type or Python values, the node cannot stand for
the code: the taken branch joins the graph as straight-line code, the loop runs again from the start unrolled,
and the trace guards on each condition read, so a call that goes another way traces again (or, loaded without
source, is refused).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable

import numpy as np

from ... import _dispatch, _tensor
from ..._tensor import Tensor
from ...utils._pytree import tree_flatten, tree_unflatten
from .. import _symbolic
from .._tracer import Tracer
from ..ir import Graph, Node, Type, Value

_MAX_TRIPS = 2 ** 63 - 1   # a while loop's max_trip_count


def active_tracer() -> Tracer | None:
    """The tracer recording now, if it is the innermost observer (a paused one is not)."""
    observers = _dispatch._observers
    return observers[-1] if observers and isinstance(observers[-1], Tracer) else None


def is_traced(tracer: Tracer, x: Any) -> bool:
    """A one-element tensor the trace computed: a condition that can select a block at run time."""
    return isinstance(x, Tensor) and x._data.size == 1 and tracer.lookup(x) is not None


@contextmanager
def _recording(tracer: Tracer, block: Graph):
    graph = tracer.graph
    saved = graph.nodes, graph.guards
    graph.nodes, graph.guards = block.nodes, block.guards
    try:
        yield
    finally:
        graph.nodes, graph.guards = saved


@contextmanager
def _paused(tracer: Tracer):
    """The tracer neither records ops nor hands out symbolic sizes (flambeau/jit/_symbolic.py) meanwhile."""
    hooks = _tensor.shape_hook, _symbolic.active
    _dispatch.remove_observer(tracer)
    _tensor.shape_hook, _symbolic.active = None, None
    try:
        yield
    finally:
        _tensor.shape_hook, _symbolic.active = hooks
        _dispatch.add_observer(tracer)


def _truth(t: Tensor) -> bool:
    """A condition's value, read without recording a guard."""
    return bool(t._data.reshape(()))


def _type(tracer: Tracer, t: Tensor) -> Type:
    return tracer.value_of(t).type


def _bind_like(tracer: Tracer, t: Tensor, prefix: str, like: Value) -> Value:
    """Bind `t` to a new value with the dims of `like` (symbolic dims where the tracer keeps them)."""
    dims = getattr(tracer, "dims", {}).get(like.name)
    if dims is None:
        return tracer._bind(t, tracer._fresh(prefix))
    return tracer._bind(t, tracer._fresh(prefix), dims)


def _fresh_output(tracer: Tracer, t: Tensor, like: Value) -> tuple[Tensor, Value]:
    """A copy of `t` bound to a new value of `like`'s type: a node's output (the copy keeps it apart from the value
    it came from)."""
    copy = Tensor._wrap(t._data.copy())
    return copy, _bind_like(tracer, copy, "v", like)


def record_if(tracer: Tracer, cond: Tensor, then_fn: Callable, else_fn: Callable, args: tuple, where: str):
    taken = _truth(cond)
    first, second = (then_fn, else_fn) if taken else (else_fn, then_fn)
    blocks = [Graph(), Graph()]
    with _recording(tracer, blocks[0]):
        result = first(*args)
    try:
        with _recording(tracer, blocks[1]):
            other = second(*args)
    except Exception:   # the other branch fails on these values: only the taken one can be traced
        merged = None
    else:
        merged = _merge(tracer, result, other)
    if merged is None:
        return _straight_line(tracer, blocks[0], cond, result)
    spec, leaves, pairs = merged
    outputs = []
    for i, (mine, theirs) in pairs.items():
        leaves[i], value = _fresh_output(tracer, mine, tracer.value_of(mine))
        outputs.append((value, tracer.value_of(mine), tracer.value_of(theirs)))
    blocks[0].outputs = [m for _, m, _ in outputs]
    blocks[1].outputs = [t for _, _, t in outputs]
    then_block, else_block = blocks if taken else blocks[::-1]
    tracer.graph.nodes.append(Node("prim.If", [tracer.lookup(cond)], [v for v, _, _ in outputs], [where],
                                   [then_block, else_block]))
    return tree_unflatten(leaves, spec)


def _straight_line(tracer: Tracer, block: Graph, cond: Tensor, result: Any) -> Any:
    """The taken branch's nodes join the graph, guarded by the condition's value."""
    tracer.graph.nodes.extend(block.nodes)
    tracer.graph.guards.extend(block.guards)
    tracer.on_read(cond, "bool")
    return result


def _merge(tracer: Tracer, mine: Any, theirs: Any):
    """The taken branch's result as (spec, leaves, {leaf index: (its tensor, the other branch's)}), where both
    branches agree on everything but tensor values; None where they do not. A local bound on one path only is
    unbound after the if (UNDEFINED), as in TorchScript."""
    from ._runtime import UNDEFINED
    if type(mine) is tuple and type(theirs) is tuple and len(mine) == len(theirs):
        mine = tuple(UNDEFINED if a is UNDEFINED or b is UNDEFINED else a for a, b in zip(mine, theirs))
        theirs = tuple(UNDEFINED if a is UNDEFINED else b for a, b in zip(mine, theirs))
    leaves, spec = tree_flatten(mine)
    others, other_spec = tree_flatten(theirs)
    if spec != other_spec:
        return None
    pairs = {}
    for i, (a, b) in enumerate(zip(leaves, others)):
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            if _type(tracer, a) != _type(tracer, b):
                return None
            pairs[i] = (a, b)
        elif isinstance(a, Tensor) or isinstance(b, Tensor) or not _same(a, b):
            return None
    return spec, leaves, pairs


def _same(a: Any, b: Any) -> bool:
    """Whether two Python values (not tensors) are the same for the code that follows."""
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def record_loop(tracer: Tracer, cond: Tensor, cond_fn: Callable, body_fn: Callable, args: tuple, where: str):
    from ._runtime import UNDEFINED
    go = _truth(cond)
    carried = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    initial = [tracer.value_of(args[i]) for i in carried]
    # the body runs on copies: a speculative first iteration (the loop does not run) must not write into the
    # caller's tensors, and two names of one tensor must be two block inputs
    copies = list(args)
    block = Graph(inputs=[Value(tracer._fresh("i"), Type((), "int64"))])
    for i in carried:
        copies[i] = Tensor._wrap(args[i]._data.copy())
        block.inputs.append(_bind_like(tracer, copies[i], "b", tracer.value_of(args[i])))
    try:
        with _recording(tracer, block):
            new = body_fn(*copies)
            new_cond = cond_fn(*new)
            outputs = _loop_outputs(tracer, block, args, new, new_cond)
    except Exception:
        if go:
            raise
        outputs = None   # the body fails on values the loop never runs on
    final = args
    if outputs is not None and go:
        final = _finish(tracer, body_fn, cond_fn, new, new_cond, carried)
    if outputs is None or final is None:   # the traced body cannot serve every iteration: it is dropped
        return _unrolled(cond, cond_fn, body_fn, args)
    block.outputs = outputs
    trips = tracer.value_of(Tensor._wrap(np.asarray(_MAX_TRIPS, dtype=np.int64)))
    result = list(final)
    node_outputs = []
    for i, like in zip(carried, outputs[1:]):
        result[i], value = _fresh_output(tracer, final[i], like)
        node_outputs.append(value)
    for i, a in enumerate(args):
        if a is UNDEFINED:
            result[i] = UNDEFINED   # a local first bound in the body is the body's own, as in TorchScript
    tracer.graph.nodes.append(Node("prim.Loop", [trips, tracer.lookup(cond), *initial], node_outputs, [where],
                                   [block]))
    return tuple(result)


def _loop_outputs(tracer: Tracer, block: Graph, args: tuple, new: tuple, new_cond: Any) -> list[Value] | None:
    """The body's outputs [cond, *carried] where one traced iteration serves every iteration: the condition a
    traced tensor, each carried tensor of its input's type, the Python values unchanged, no guard inside."""
    from ._runtime import UNDEFINED
    if not is_traced(tracer, new_cond) or _has_guards(block):
        return None
    outputs = [tracer.value_of(new_cond)]
    inputs = iter(block.inputs[1:])
    for a, b in zip(args, new):
        if a is UNDEFINED:
            continue
        if isinstance(a, Tensor):
            if not isinstance(b, Tensor) or _type(tracer, b) != next(inputs).type:
                return None
            outputs.append(tracer.value_of(b))
        elif isinstance(b, Tensor) or not _same(a, b):
            return None
    return outputs


def _has_guards(block: Graph) -> bool:
    return bool(block.guards) or any(_has_guards(b) for n in block.nodes for b in n.blocks)


def _finish(tracer: Tracer, body_fn: Callable, cond_fn: Callable, values: tuple, cond: Tensor,
            carried: list[int]) -> tuple | None:
    """Run the rest of the loop eagerly, unrecorded (the copies the first iteration ran on keep the caller's
    tensors untouched); None where an iteration gives other carried types than the first, which the body was
    traced for."""
    def types(values: tuple) -> list:
        return [(values[i]._data.shape, values[i]._data.dtype) if isinstance(values[i], Tensor) else None
                for i in carried]
    traced = types(values)
    with _paused(tracer):
        while _truth(cond):
            values = body_fn(*values)
            cond = cond_fn(*values)
            if not isinstance(cond, Tensor) or types(values) != traced:
                return None
    return values


def _unrolled(cond: Any, cond_fn: Callable, body_fn: Callable, args: tuple) -> tuple:
    """The loop as straight-line code, run from the start: the trace guards on every read of the condition."""
    while cond:
        args = body_fn(*args)
        cond = cond_fn(*args)
    return args
