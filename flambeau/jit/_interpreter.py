"""Run a graph on backend arrays: each node calls its primitive's array-level forward, nothing else.

No Tensors, no autograd: a compiled Program is a list of steps (forward, input slots, args, output slot)
over a flat list of arrays. Guards are checked as soon as the value they read is computed.
"""
from __future__ import annotations

import importlib

import numpy as np

from .._dispatch import Primitive
from .._tensor import Tensor
from ._attrs import decode
from ._symbolic import SizeExpr, evaluate, symbols_of, text
from .ir import Graph, Guard


class GuardFailed(Exception):
    """An input broke what the trace assumed: `guard` read `actual` where the trace read guard.expected."""

    def __init__(self, guard: Guard, actual):
        super().__init__(guard.where)
        self.guard = guard
        self.actual = actual


def read_value(array, what: str):
    """What reading `array` into Python gives, as the trace records it (JSON values)."""
    if what == "bool":
        return bool(array.reshape(()))
    if what == "item":
        return array.reshape(()).item()
    return array.tolist()  # tolist, numpy


def _check(guard: Guard, array) -> None:
    actual = read_value(array, guard.what)
    if actual != guard.expected:
        raise GuardFailed(guard, actual)


def resolve(op: str):
    """The primitive class named "module.Class"; only flambeau's own modules are imported."""
    module, _, name = op.rpartition(".")
    if not module.startswith("flambeau."):
        raise ValueError(f"graph node names {op!r}, which is not a flambeau primitive")
    prim = getattr(importlib.import_module(module), name, None)
    if not (isinstance(prim, type) and issubclass(prim, Primitive)):
        raise ValueError(f"graph node names {op!r}, which is not a flambeau primitive")
    return prim


class _Slot:
    """Where an array argument's value lies among the arrays of a run; as_tensor: it is passed as a Tensor."""
    __slots__ = ("index", "as_tensor")

    def __init__(self, index: int, as_tensor: bool):
        self.index = index
        self.as_tensor = as_tensor


def _fill(arg, env: list):
    """`arg` with each _Slot replaced by its array (or a Tensor wrapping it)."""
    if arg.__class__ is _Slot:
        return Tensor._wrap(env[arg.index]) if arg.as_tensor else env[arg.index]
    if arg.__class__ in (tuple, list):
        return arg.__class__(_fill(a, env) for a in arg)
    if arg.__class__ is dict:
        return {k: _fill(v, env) for k, v in arg.items()}
    if arg.__class__ is _Size:
        return arg.evaluate(env)
    if arg.__class__ is slice:
        return slice(_fill(arg.start, env), _fill(arg.stop, env), _fill(arg.step, env))
    return arg


class _Size:
    """A size expression of a run: the last entry of a run's arrays is the symbols' sizes (Program.run)."""
    __slots__ = ("expr",)

    def __init__(self, expr, where: dict):
        unknown = symbols_of(expr) - where.keys()
        if unknown:  # a graph that does not say where a symbol lies is refused before it runs
            raise ValueError(f"size {text(expr)} uses {', '.join(sorted(unknown))}, which no input's dim is")
        self.expr = expr

    def evaluate(self, env: list) -> int:
        expr = self.expr
        return env[-1][expr] if expr.__class__ is str else evaluate(expr, env[-1])


def _bind_sizes(arg, where: dict):
    """`arg` with each SizeExpr bound to the input dims its symbols name; None when it holds none."""
    if arg.__class__ is SizeExpr:
        return _Size(arg.expr, where)
    if arg.__class__ in (tuple, list, slice):
        parts = (arg.start, arg.stop, arg.step) if arg.__class__ is slice else arg
        bound = [_bind_sizes(a, where) for a in parts]
        if all(b is None for b in bound):
            return None
        parts = [a if b is None else b for a, b in zip(parts, bound)]
        return slice(*parts) if arg.__class__ is slice else arg.__class__(parts)
    if arg.__class__ is dict:
        bound = {k: _bind_sizes(v, where) for k, v in arg.items()}
        return None if all(b is None for b in bound.values()) else \
            {k: v if bound[k] is None else bound[k] for k, v in arg.items()}
    return None


class Program:
    """A graph ready to run: its constants' arrays and its nodes resolved to forwards."""

    def __init__(self, graph: Graph, constants: dict):
        self.graph = graph
        slots: dict[str, int] = {}
        for v in [*graph.inputs, *graph.params.values(), *graph.constants]:
            slots[v.name] = len(slots)
        self.constants = [constants[v.name] for v in graph.constants]
        # the symbols of dynamic dims: where each lies among the inputs
        where = {d: (i, axis) for i, v in enumerate(graph.inputs) for axis, d in enumerate(v.type.shape)
                 if d.__class__ is str}
        self.symbols = tuple((name, i, axis) for name, (i, axis) in where.items())
        # "shape" guards (a size read into Python) are checked once the run is over: their expected sizes are
        # expressions of the inputs' sizes
        self.entry_guards, self.steps = _compile(graph, slots, where)
        self.shape_guards = [(slots[g.value.name], g, [_Size(e, where) for e in g.expected])
                             for g in _all_guards(graph) if g.what == "shape"]
        self.size = len(slots)
        self.outputs = [slots[v.name] for v in graph.outputs]
        self.releases = _releases(self.steps, len(graph.inputs) + len(graph.params) + len(graph.constants),
                                  set(self.outputs))

    def run(self, inputs: list, params: list) -> list:
        """The outputs' arrays for the inputs' arrays and the parameters' arrays (in graph.params order)."""
        env = [*inputs, *params, *self.constants] + [None] * (self.size - len(inputs) - len(params)
                                                            - len(self.constants))
        env.append({name: inputs[i].shape[axis] for name, i, axis in self.symbols})  # for size expressions
        for i, g in self.entry_guards:
            _check(g, env[i])
        try:
            execute(self.steps, env, self.releases)
        except (ValueError, IndexError, RuntimeError):
            self._check_shapes(env)  # a size the trace assumed that these inputs break: say which
            raise
        self._check_shapes(env)
        return [env[i] for i in self.outputs]

    def _check_shapes(self, env: list) -> None:
        for slot, g, sizes in self.shape_guards:
            if env[slot] is not None and env[slot].shape != tuple([s.evaluate(env) for s in sizes]):
                raise GuardFailed(g, list(env[slot].shape))


def _bound_step(step: tuple, where: dict) -> tuple:
    """A step whose arguments hold size expressions: they are filled in on each run."""
    forward, variadic, ins, args, refs, out, guards = step
    bound = None if variadic is None else _bind_sizes(args, where)
    return step if bound is None else (forward, variadic, ins, bound, True, out, guards)


class _Released:
    """What a run keeps of an intermediate after its last reader: its shape, for the shape guards checked at the end."""
    __slots__ = ("shape",)

    def __init__(self, array):
        self.shape = array.shape


def _releases(steps: list, first: int, kept: set) -> list[tuple]:
    """Per step, the intermediate slots (from `first` on, not `kept`) it reads last: a run drops their arrays
    there, so the memory returns to the allocator for the values computed next (the memory plan's reuse), instead
    of living until the run ends."""
    last: dict[int, int] = {}
    for k, (forward, variadic, ins, args, refs, out, guards) in enumerate(steps):
        if variadic is None:  # a control-flow step's blocks may read any value defined before it
            last.update(dict.fromkeys(last, k))
            last.update(dict.fromkeys(forward.outputs, k))
            continue
        last.update(dict.fromkeys(ins, k))
        if refs:
            last.update(dict.fromkeys(_slots_in(args), k))
        last.setdefault(out, k)  # a value nobody reads dies where it is made
    releases: list[list[int]] = [[] for _ in steps]
    for slot, k in last.items():
        if slot >= first and slot not in kept:
            releases[k].append(slot)
    return [tuple(r) for r in releases]


def _slots_in(arg) -> list[int]:
    if arg.__class__ is _Slot:
        return [arg.index]
    if arg.__class__ in (tuple, list):
        return [i for a in arg for i in _slots_in(a)]
    if arg.__class__ is dict:
        return [i for a in arg.values() for i in _slots_in(a)]
    return []


def execute(steps: list, env: list, releases: list | None = None) -> None:
    """Run compiled steps over the arrays of a run; a control-flow step (variadic None) runs its blocks.
    releases: per step, the slots to drop after it (the top-level program's; a block keeps its values)."""
    for k, (forward, variadic, ins, args, refs, out, guards) in enumerate(steps):
        if variadic is None:
            forward(env)
            if releases is not None:
                for i in releases[k]:
                    env[i] = _Released(env[i])
            continue
        if refs:
            args = _fill(args, env)
        if variadic:
            result = forward(tuple([env[i] for i in ins]), *args)
        else:
            result = forward(*[env[i] for i in ins], *args)
        if not isinstance(result, np.ndarray) and isinstance(result, np.generic):
            result = np.asarray(result)
        env[out] = result
        for g in guards:
            _check(g, result)
        if releases is not None:
            for i in releases[k]:
                env[i] = _Released(env[i])


def _all_guards(graph: Graph) -> list[Guard]:
    """The guards of a graph and of its blocks, at any depth."""
    return [*graph.guards, *(g for n in graph.nodes for b in n.blocks for g in _all_guards(b))]


def _compile(graph: Graph, slots: dict[str, int], where: dict) -> tuple[list, list]:
    """A graph's (or block's) steps, giving each value it defines a slot, and the guards to check on entry: those
    on values defined before it (inputs, parameters, a block's inputs and the values outside it). Size expressions
    are bound to the input dims `where` names; "shape" guards are the Program's, checked once a run is over (a
    block's value holds what its last run computed)."""
    guards: dict[str, list[Guard]] = {}
    for g in graph.guards:
        if g.what != "shape":
            guards.setdefault(g.value.name, []).append(g)
    steps = []
    for n in graph.nodes:
        if n.op in _CONTROL:
            for v in n.outputs:
                slots.setdefault(v.name, len(slots))
            step = _CONTROL[n.op](n, slots, where)
            step.guards = [(slots[v.name], g) for v in n.outputs for g in guards.pop(v.name, ())]
            steps.append((step, None, (), (), False, -1, ()))
            continue
        prim = resolve(n.op)
        ins = tuple(slots[v.name] for v in n.inputs)
        out = slots.setdefault(n.outputs[0].name, len(slots))
        refs: list[str] = []

        def slot(name: str, as_tensor: bool) -> _Slot:
            refs.append(name)
            return _Slot(slots[name], as_tensor)
        args = tuple(decode(a, slot) for a in n.attrs)
        out_guards = tuple(guards.pop(n.outputs[0].name, ()))
        step = (prim.forward, prim.variadic, ins, args, bool(refs), out, out_guards)
        steps.append(_bound_step(step, where))
    entry = [(slots[name], g) for name, gs in guards.items() for g in gs]
    return entry, steps


class _Block:
    """A compiled block: its input and output slots, entry guards and steps."""

    def __init__(self, block: Graph, slots: dict[str, int], where: dict):
        self.inputs = [slots.setdefault(v.name, len(slots)) for v in block.inputs]
        self.entry_guards, self.steps = _compile(block, slots, where)
        self.outputs = [slots[v.name] for v in block.outputs]

    def run(self, env: list) -> list:
        for i, g in self.entry_guards:
            _check(g, env[i])
        execute(self.steps, env)
        return [env[i] for i in self.outputs]


class _ControlStep:
    guards: list = []   # (slot, guard) on the node's outputs, set by _compile

    def finish(self, env: list, values: list) -> None:
        for slot, a in zip(self.outputs, values):
            env[slot] = a
        for i, g in self.guards:
            _check(g, env[i])


class _IfStep(_ControlStep):
    def __init__(self, node, slots: dict[str, int], where: dict):
        self.cond = slots[node.inputs[0].name]
        self.then, self.other = (_Block(b, slots, where) for b in node.blocks)
        self.outputs = [slots[v.name] for v in node.outputs]

    def __call__(self, env: list) -> None:
        self.finish(env, (self.then if _truth(env[self.cond]) else self.other).run(env))


class _LoopStep(_ControlStep):
    def __init__(self, node, slots: dict[str, int], where: dict):
        self.trip, self.cond, *self.initial = (slots[v.name] for v in node.inputs)
        self.body = _Block(node.blocks[0], slots, where)
        self.carried = node.blocks[0].outputs[1:]
        self.outputs = [slots[v.name] for v in node.outputs]
        self.where = node.attrs[0] if node.attrs else "a loop"

    def __call__(self, env: list) -> None:
        trip, go = int(env[self.trip]), _truth(env[self.cond])
        values = [env[i] for i in self.initial]
        # the carried values keep their types: each dim its size (a symbolic dim, its size on entry) and dtype
        expected = [(tuple(n if n.__class__ is int else a.shape[k] for k, n in enumerate(v.type.shape)), v.type.dtype)
                    for v, a in zip(self.carried, values)]
        i = 0
        while i < trip and go:
            env[self.body.inputs[0]] = np.asarray(i, dtype=np.int64)
            for slot, a in zip(self.body.inputs[1:], values):
                env[slot] = a
            go, *values = self.body.run(env)
            go = _truth(go)
            for v, a, (shape, dtype) in zip(self.carried, values, expected):  # the body is right for these only
                if a.shape != shape or a.dtype.name != dtype:
                    raise GuardFailed(Guard(v, "type", str(v.type), self.where),
                                      f"{a.dtype.name}[{', '.join(map(str, a.shape))}]")
            i += 1
        self.finish(env, values)


def _truth(array) -> bool:
    if array.size != 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous (a condition of shape "
                           f"{list(array.shape)})")
    return bool(array.reshape(()))


_CONTROL = {"prim.If": _IfStep, "prim.Loop": _LoopStep}
