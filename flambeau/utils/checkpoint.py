"""utils.checkpoint: trade compute for memory by recomputing a segment's forward during backward.

The segment runs once with grad mode on, only to learn where its graph touches the outside: the
caller's inputs and any tensor it captured (parameters, earlier activations). Those edges become
the edges of one CheckpointFunctionBackward node; the segment's own graph - and every tensor it
saved - is dropped. Backward recomputes the segment (same RNG state) and differentiates it up
to those edges. Both use_reentrant settings get these (non-reentrant) semantics.
"""
from __future__ import annotations

import warnings

from .._dispatch import _edge
from .._tensor import Tensor
from ..autograd.engine import run_backward
from ..autograd.graph import AccumulateGrad, Node, _next_seq, accumulator_of, freed_error, init_node
from ..autograd.grad_mode import STATE, enable_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


class CheckpointFunctionBackward(Node):
    __slots__ = ("function", "args", "kwargs", "rng_state", "boundary", "n_outputs")

    def apply(self, grads):
        if self.released:
            raise freed_error()
        leaves = _leaf_copies(self.args)
        with _rng_restored(self.rng_state), enable_grad():
            outputs = _tensors(self.function(*leaves, **self.kwargs))
        roots, root_grads = [], []
        for o, g in zip(outputs, grads):
            if g is not None and o._rg:
                roots.append(_edge(o))
                root_grads.append(g)
        # inputs are reached at their fresh leaves' accumulators, captured tensors at their own edges
        input_keys = [(accumulator_of(t), 0) if t._rg else None for t in leaves if isinstance(t, Tensor)]
        capture = {}
        for key in input_keys + list(self.boundary):
            if key is not None:
                capture.setdefault(key, len(capture))
        captured = run_backward(roots, root_grads, False, STATE.enabled, capture=capture,
                                accumulate_into=frozenset(), stop_at_capture=True) if roots else [None] * len(capture)
        return [captured[capture[key]] if key is not None else None for key in input_keys + list(self.boundary)]

    def release(self) -> None:
        self.released = True
        self.args = self.kwargs = self.function = None


def _tensors(output) -> tuple:
    return tuple(o for o in (output if isinstance(output, tuple) else (output,)) if isinstance(o, Tensor))


def _leaf_copies(args: tuple) -> tuple:
    """The segment's inputs as fresh leaves sharing memory, requiring grad where the originals do."""
    return tuple(a.detach().requires_grad_(a._rg) if isinstance(a, Tensor) else a for a in args)


class _rng_restored:
    """Run with the RNG state of the first forward, then put the current state back."""

    def __init__(self, state) -> None:
        self.state = state

    def __enter__(self) -> None:
        if self.state is not None:
            from ..ops.random import get_rng_state, set_rng_state
            self.saved = get_rng_state()
            set_rng_state(self.state)

    def __exit__(self, *exc) -> bool:
        if self.state is not None:
            from ..ops.random import set_rng_state
            set_rng_state(self.saved)
        return False


def _boundary(outputs: tuple, first_seq: int, input_accumulators: set) -> dict:
    """Edges from the segment's graph (nodes numbered from `first_seq` on) to the outside, with the
    (shape, dtype) of the tensor at each edge; the inputs' own accumulators are left out."""
    boundary = {}
    pending = [(_edge(o), (o._data.shape, o._data.dtype)) for o in outputs if o._rg]
    seen = set()
    while pending:
        edge, meta = pending.pop()
        nxt = edge[0]
        if nxt in input_accumulators:
            continue
        if isinstance(nxt, AccumulateGrad) or nxt.seq < first_seq:
            boundary.setdefault(edge, meta)
        elif nxt not in seen:
            seen.add(nxt)
            pending.extend((e, m) for e, m in zip(nxt.next, nxt.metas) if e is not None)
    return boundary


def checkpoint(function, *args, use_reentrant: bool | None = None, context_fn=None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs):
    """function(*args, **kwargs) without keeping its intermediate results; they are recomputed in backward."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "Refer to docs for more details on the differences between the two variants.", stacklevel=2)
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if not STATE.enabled:
        return function(*args, **kwargs)
    rng_state = None
    if preserve_rng_state:
        from ..ops.random import get_rng_state
        rng_state = get_rng_state()
    leaves = _leaf_copies(args)
    first_seq = _next_seq()  # every node the segment creates comes after this number
    with enable_grad():
        output = function(*leaves, **kwargs)
    outputs = _tensors(output)
    input_accs = {accumulator_of(t) for t in leaves if isinstance(t, Tensor) and t._rg}
    boundary = _boundary(outputs, first_seq, input_accs)
    inputs = [a for a in args if isinstance(a, Tensor)]
    if not boundary and not any(t._rg for t in inputs):
        return _detached(output)
    node = CheckpointFunctionBackward.__new__(CheckpointFunctionBackward)
    init_node(node, tuple([_edge(t) if t._rg else None for t in inputs]) + tuple(boundary),
              tuple([(t._data.shape, t._data.dtype) for t in inputs]) + tuple(boundary.values()))
    node.function, node.args, node.kwargs, node.rng_state = function, args, kwargs, rng_state
    node.boundary = tuple(boundary)
    node.n_outputs = len(outputs)
    return _rewired(output, node)


def _detached(output):
    if isinstance(output, tuple):
        return tuple(o.detach() if isinstance(o, Tensor) else o for o in output)
    return output.detach() if isinstance(output, Tensor) else output


def _rewired(output, node: Node):
    """The segment's outputs as new tensors sharing memory, whose history is the checkpoint node
    (so the segment's own graph can be freed)."""
    nr = 0
    result = []
    for o in (output if isinstance(output, tuple) else (output,)):
        if isinstance(o, Tensor):
            t = Tensor._wrap(o._data)  # not o.detach(): that would keep o, and the segment's graph, as its base
            t._vc, t._base = o._vc, o._base
            if o._rg:
                t._rg, t.grad_fn, t._output_nr = True, node, nr
            nr += 1
            o = t
        result.append(o)
    return tuple(result) if isinstance(output, tuple) else result[0]


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Run a sequence of modules/functions in `segments` checkpointed chunks (the last chunk runs normally)."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = max(len(functions) // segments, 1)

    def run(start: int, end: int):
        def forward(x):
            for fn in functions[start:end]:
                x = fn(x)
            return x
        return forward

    start = 0
    for _ in range(segments - 1):
        input = checkpoint(run(start, start + size), input, use_reentrant=use_reentrant, **kwargs)
        start += size
    return run(start, len(functions))(input)
