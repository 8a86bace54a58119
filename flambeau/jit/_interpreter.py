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
    return arg


class Program:
    """A graph ready to run: its constants' arrays and its nodes resolved to forwards."""

    def __init__(self, graph: Graph, constants: dict):
        self.graph = graph
        slots: dict[str, int] = {}
        for v in [*graph.inputs, *graph.params.values(), *graph.constants]:
            slots[v.name] = len(slots)
        self.constants = [constants[v.name] for v in graph.constants]
        guards: dict[str, list[Guard]] = {}
        for g in graph.guards:
            guards.setdefault(g.value.name, []).append(g)
        self.steps = []
        for n in graph.nodes:
            prim = resolve(n.op)
            ins = tuple(slots[v.name] for v in n.inputs)
            out = slots.setdefault(n.outputs[0].name, len(slots))
            refs: list[str] = []

            def slot(name: str, as_tensor: bool) -> _Slot:
                refs.append(name)
                return _Slot(slots[name], as_tensor)
            args = tuple(decode(a, slot) for a in n.attrs)
            self.steps.append((prim.forward, prim.variadic, ins, args, bool(refs), out,
                               tuple(guards.get(n.outputs[0].name, ()))))
        self.entry_guards = [(slots[g.value.name], g) for v in [*graph.inputs, *graph.params.values()]
                             for g in guards.get(v.name, ())]
        self.size = len(slots)
        self.outputs = [slots[v.name] for v in graph.outputs]

    def run(self, inputs: list, params: list) -> list:
        """The outputs' arrays for the inputs' arrays and the parameters' arrays (in graph.params order)."""
        env = [*inputs, *params, *self.constants] + [None] * (self.size - len(inputs) - len(params)
                                                            - len(self.constants))
        for i, g in self.entry_guards:
            _check(g, env[i])
        for forward, variadic, ins, args, refs, out, guards in self.steps:
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
        return [env[i] for i in self.outputs]
