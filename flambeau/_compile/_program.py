"""A captured call made ready to replay: primitives' array-level forwards over a flat list of slots.

No Tensors, no autograd graph, no dispatch: each step calls a primitive's forward on arrays and stores the
result in its slot; a slot is emptied after its last reader, so temporaries are freed as eager frees them.
Between segments of steps, the effects a capture recorded run in order: write-backs of state written in
place, the `.grad` each parameter ends with, and each optimizer's own step (which reads its learning rate
and step count live). Nodes that no output, write-back or gradient needs are dropped first (dead code).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..jit._attrs import decode
from ..jit._interpreter import _fill, _Slot, resolve

_wrap = Tensor._wrap
_ndarray = np.ndarray
_generic = np.generic


class Program:
    """graph: the capture's graph; sources: (Value, phase, kind, obj) live values; events: (last node,
    writes, optimizer); outputs: Values; final: the writes at the end; backward: (cotangent Values, leaf
    grad Values) when the outputs have a compiled backward, else None."""

    def __init__(self, graph, sources, events, outputs, final, backward=None):
        slots: dict[str, int] = {}

        def slot(v) -> int:
            return slots.setdefault(v.name, len(slots))
        self.inputs = [slot(v) for v in graph.inputs]
        self.cotangents = [slot(v) for v in backward[0]] if backward else []
        self.phases = [[] for _ in range(len(events) + 1)]
        for v, phase, kind, obj in sources:
            self.phases[phase].append((slot(v), _KINDS.index(kind), obj))
        source_slots = {s for phase in self.phases for s, _, _ in phase} | set(self.inputs)
        writes = final + [w for e in events for w in e[1]]  # (kind, tensor, value or None)
        forward_roots = list(outputs) + [w[2] for w in writes if w[2] is not None]
        forward_nodes = _needed(graph.nodes, forward_roots)
        backward_nodes = [n for n in _needed(graph.nodes, [v for v in backward[1] if v is not None])
                          if id(n) not in {id(m) for m in forward_nodes}] if backward else []
        segment_of = _segments(graph.nodes, events)
        ordered = [(segment_of[id(n)], n) for n in forward_nodes] + [(len(events) + 1, n) for n in backward_nodes]
        steps = [self._step(n, slot) for _, n in ordered]
        self.outputs = [slot(v) for v in outputs]
        held = list(outputs) + [w[2] for w in writes if w[0] == "grad" and w[2] is not None]
        shared = source_slots | {s for s in map(slot, held) if [slot(v) for v in held].count(s) > 1}
        self.events = [(_writes(w, slot, shared), opt) for _, w, opt in events]
        self.final = _writes(final, slot, shared)
        self.leaf_grads = [None if v is None else slot(v) for v in backward[1]] if backward else []
        keep = set(self.outputs) | set(self.leaf_grads) - {None}
        _mark_last_uses(steps, keep | source_slots, [w for ws, _ in self.events for w in ws] + self.final)
        self.segments = [[s for (seg, _), s in zip(ordered, steps) if seg == k] for k in range(len(events) + 2)]
        self.size = len(slots)
        self.copy_out = _aliased(self.outputs, self.events, self.final, source_slots)

    @staticmethod
    def _step(node, slot):
        prim = resolve(node.op)
        refs: list = []

        def ref(name: str, as_tensor: bool) -> _Slot:
            refs.append(name)
            return _Slot(slot(_Named(name)), as_tensor)
        args = tuple(decode(a, ref) for a in node.attrs)
        ins = tuple(slot(v) for v in node.inputs)
        outs = tuple(slot(v) for v in node.outputs)
        multiple = len(outs) > 1 or getattr(prim, "multiple_outputs", False)
        return [prim.forward, prim.variadic, ins, args, bool(refs), outs if multiple else outs[0], ()]

    # ------------------------------------------------------------------ running
    def forward(self, inputs: list) -> list:
        """Run up to the outputs, effects included, on the inputs' arrays; the slots (what `backward` reads)."""
        env = [None] * self.size
        for s, a in zip(self.inputs, inputs):
            env[s] = a
        phases, segments = self.phases, self.segments
        for k, (writes, opt) in enumerate(self.events):
            _read_sources(env, phases[k])
            _run(segments[k], env)
            _apply(writes, env)
            opt.step()
        _read_sources(env, phases[-1])
        _run(segments[len(self.events)], env)
        _apply(self.final, env)
        return env

    def outputs_of(self, env: list) -> list:
        return [env[s].copy() if copy else env[s] for s, copy in zip(self.outputs, self.copy_out)]

    def backward(self, env: list, cotangents: list) -> list:
        """The leaves' gradient arrays (None where no gradient flows) for the outputs' gradient arrays."""
        for s, g in zip(self.cotangents, cotangents):
            env[s] = g
        _run(self.segments[-1], env)
        return [None if s is None else env[s] for s in self.leaf_grads]


class _Named:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


def _needed(nodes: list, roots: list) -> list:
    """The nodes the values `roots` depend on, in order (dead-code elimination)."""
    live = {v.name for v in roots}
    kept = []
    for node in reversed(nodes):
        if any(v.name in live for v in node.outputs):
            kept.append(node)
            live.update(v.name for v in node.inputs)
            for a in node.attrs:
                decode(a, lambda name, _: live.add(name))
    return kept[::-1]


def _segments(nodes: list, events: list) -> dict:
    """id(node) -> how many optimizer steps ran before it (an event names the last node before it)."""
    ends = {id(last): k + 1 for k, (last, _, _) in enumerate(events) if last is not None}
    segment_of, k = {}, sum(last is None for last, _, _ in events)
    for node in nodes:
        segment_of[id(node)] = k
        k = ends.get(id(node), k)
    return segment_of


def _writes(writes: list, slot, shared: set) -> list:
    """(kind, tensor, slot, copy?): a .grad gets a copy of an array something else holds too, as eager's."""
    return [(kind, t, None if v is None else slot(v), v is not None and slot(v) in shared) for kind, t, v in writes]


def _mark_last_uses(steps: list, keep: set, writes: list) -> None:
    """Give each step the slots it reads for the last time, to empty after it (never kept or written ones)."""
    keep = keep | {w[2] for w in writes if w[2] is not None}
    seen: set = set()
    for step in reversed(steps):
        reads = set(step[2]) | {a.index for a in _slots_in(step[3])}
        dead = tuple(s for s in reads - seen - keep)
        seen |= reads
        step[6] = dead


def _slots_in(arg) -> list:
    if arg.__class__ is _Slot:
        return [arg]
    if arg.__class__ in (tuple, list):
        return [s for a in arg for s in _slots_in(a)]
    if arg.__class__ is dict:
        return [s for a in arg.values() for s in _slots_in(a)]
    return []


def _aliased(outputs: list, events: list, final: list, sources: set) -> list:
    """Per output: copy its array when a live tensor or a .grad also holds it, as eager never shares them."""
    held = [w[2] for ws, _ in events for w in ws] + [w[2] for w in final]
    return [s in sources or s in held for s in outputs]


_KINDS = ("tensor", "grad", "scratch", "list")


def _read_sources(env: list, sources: list) -> None:
    """Fill the slots of live values: a tensor's array, a leaf's .grad's, a fresh scratch buffer or list."""
    for s, kind, obj in sources:
        if kind == 0:
            env[s] = obj._data
        elif kind == 1:
            env[s] = obj._grad._data
        elif kind == 2:
            empty, shape, dtype = obj
            env[s] = empty(shape, dtype)
        else:
            env[s] = []


def _run(steps: list, env: list) -> None:
    for forward, variadic, ins, args, refs, out, dead in steps:
        if refs:
            args = _fill(args, env)
        if variadic:
            result = forward(tuple([env[i] for i in ins]), *args)
        elif len(ins) == 2:
            result = forward(env[ins[0]], env[ins[1]], *args)
        elif len(ins) == 1:
            result = forward(env[ins[0]], *args)
        else:
            result = forward(*[env[i] for i in ins], *args)
        if out.__class__ is tuple:  # a backward node run whole: one gradient per input
            for i, r in zip(out, result):
                env[i] = r
        else:
            if result.__class__ is not _ndarray and isinstance(result, _generic):
                result = np.asarray(result)
            env[out] = result
        for i in dead:
            env[i] = None


def _apply(writes: list, env: list) -> None:
    """Write back state written in place and set each parameter's .grad, as the eager call left them."""
    for kind, t, s, copy in writes:
        if kind == "grad":
            t._grad = None if s is None else _wrap(env[s].copy() if copy else env[s])
        elif env[s] is not t._data:
            t._data[...] = env[s]
            t._vc[0] += 1
