"""The backward engine: a loop over the graph, never recursion.

Nodes run once all their consumers have delivered gradients (a ready-count per node);
gradients reaching the same node output are summed. Deep graphs (an RNN over 10,000
steps) never touch Python's recursion limit.
"""
from __future__ import annotations

import warnings

from .._dtype import FLOATING_NP
from .graph import AccumulateGrad
from .grad_mode import STATE

# The profiler (flambeau/profiler) sets this while it records: profile_node(node) returns a range around the
# node's backward, entered, for the engine to exit. None otherwise.
profile_node = None


def _dependencies(roots, needed=None, stop=()) -> dict:
    """Count, for every node reachable from `roots`, how many edges point to it (only edges between
    `needed` nodes when given, and none out of the `stop` nodes, which will not run)."""
    deps = {}
    seen = set()
    stack = [n for n in roots if n is not None and (needed is None or n in needed)]
    for n in stack:
        seen.add(n)
    while stack:
        node = stack.pop()
        if node in stop:
            continue
        for edge in node.next:
            if edge is None:
                continue
            nxt = edge[0]
            if needed is not None and nxt not in needed:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _needed(roots, targets, stop_at_targets: bool) -> set:
    """The nodes on some path from `roots` to a node of `targets` (iterative post-order walk), so that
    autograd.grad and backward(inputs=...) run - and free - only the part of the graph they need."""
    done = {}
    expanded = set()
    stack = list(roots)
    while stack:
        node = stack[-1]
        if node in done:
            stack.pop()
        elif stop_at_targets and node in targets:
            stack.pop()
            done[node] = True
        elif node not in expanded:
            expanded.add(node)
            stack.extend(e[0] for e in node.next if e is not None and e[0] not in done)
        else:
            stack.pop()
            done[node] = node in targets or any(done.get(e[0], False) for e in node.next if e is not None)
    return {n for n, keep in done.items() if keep}


def _validate(grad, meta, node, i):
    """Sum a broadcast gradient back to the input's shape and cast it to the input's dtype."""
    shape, dtype = meta
    if grad._data.shape != shape:
        from ..ops.reduction import sum_to_shape
        try:
            grad = sum_to_shape(grad, shape)
        except ValueError:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - got "
                               f"{list(grad.shape)} but expected shape compatible with {list(shape)}") from None
    if grad._data.dtype != dtype:
        from ..ops.elementwise import cast
        grad = cast(grad, dtype)
    return grad


def run_backward(roots: list, grads: list, retain_graph: bool, create_graph: bool,
                 capture: dict | None = None, accumulate_into=None, stop_at_capture: bool = False) -> list | None:
    """Propagate `grads` from the edges `roots` ((node, output_nr) pairs).

    capture: {(node, output_nr): position} - return the gradients arriving there (autograd.grad).
    accumulate_into: a set of AccumulateGrad nodes allowed to run (backward(inputs=...)); None means all.
    stop_at_capture: never run a captured node, even when it leads to another one (checkpoint's
             recomputation stops at the edge of its segment).
    """
    root_nodes = [r[0] for r in roots]
    needed = None
    if capture is not None or accumulate_into is not None:
        targets = {key[0] for key in capture or ()}.union(accumulate_into or ())
        needed = _needed(root_nodes, targets, stop_at_capture)
    deps = _dependencies(root_nodes, needed, targets if stop_at_capture else ())
    buffers: dict = {}
    for (node, nr), g in zip(roots, grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = [n for n in dict.fromkeys(root_nodes) if deps.get(n, 0) == 0 and (needed is None or n in needed)]
    captured = [None] * len(capture) if capture is not None else None
    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            node_grads = buffers.pop(node)
            if node.pre_hooks:
                for hook in node.pre_hooks:
                    new = hook(node_grads)
                    if new is not None:
                        node_grads = new
            if capture is not None:
                for nr in range(node.n_outputs):
                    pos = capture.get((node, nr))
                    if pos is not None:
                        captured[pos] = node_grads[nr]
            if isinstance(node, AccumulateGrad):
                if accumulate_into is None or node in accumulate_into:
                    node.apply(node_grads)
                continue
            if needed is not None and (not any(e is not None and e[0] in needed for e in node.next)
                                       or stop_at_capture and node in targets):
                continue  # a captured tensor whose own history is not needed: neither run nor freed
            for g in node_grads:
                if g is not None:
                    break
            else:  # nothing flows through this node
                in_grads = (None,) * len(node.next)
            if g is not None:
                span = None if profile_node is None else profile_node(node)
                try:
                    in_grads = node.apply(node_grads) if not STATE.anomaly else _apply_with_anomaly(node, node_grads)
                finally:
                    if span is not None:
                        span.__exit__(None, None, None)
                if node.hooks:
                    for hook in node.hooks:
                        new = hook(tuple(in_grads), tuple(node_grads))
                        if new is not None:
                            in_grads = new
            if not retain_graph:
                node.release()
            i = -1
            for edge in node.next:
                i += 1
                if edge is None or (needed is not None and edge[0] not in needed):
                    continue
                nxt, nr = edge
                g = in_grads[i]
                if g is not None:
                    meta = node.metas[i]
                    if g._data.shape != meta[0] or g._data.dtype != meta[1]:
                        g = _validate(g, meta, node, i)
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * nxt.n_outputs
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                elif nxt not in buffers:
                    buffers[nxt] = [None] * nxt.n_outputs
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    ready.append(nxt)
    finally:
        STATE.enabled = prev_mode
    return captured


def _apply_with_anomaly(node, node_grads):
    """node.apply, naming the forward operation (and its stack trace) when backward fails or makes NaN."""
    try:
        in_grads = node.apply(node_grads)
    except Exception:
        warnings.warn(f"Error detected in {node.name()}. {_forward_trace(node)}", stacklevel=2)
        raise
    if STATE.check_nan:
        for i, g in enumerate(in_grads):
            if g is not None and g._data.dtype in FLOATING_NP and bool((g._data != g._data).any()):
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                                   f"{_forward_trace(node)}")
    return in_grads


def _forward_trace(node) -> str:
    trace = "".join(node.trace) if node.trace else "(no forward trace recorded)\n"
    return f"Traceback of forward call that caused the error:\n{trace}"
