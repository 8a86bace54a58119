"""The recording in progress: the hooks it sets at the dispatch point and in the autograd engine.

An op is recorded as "flambeau::<Primitive>" (e.g. flambeau::MatMul, flambeau::Add): flambeau's own
primitive names, as its grad_fn names are (MatMulBackward0), not PyTorch's aten names. A backward node
runs inside a range named as PyTorch names it: "autograd::engine::evaluate_function: MulBackward0".
"""
from __future__ import annotations

import os
import sys
import threading
from time import perf_counter_ns

from .. import _dispatch
from ..autograd import engine
from ._events import FunctionEvent, link_children

active: Recorder | None = None  # one recording at a time, as in PyTorch

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_MODULES = os.path.join(_PACKAGE, "nn") + os.sep


def _user_stack() -> list[str]:
    """Where the op was called from, innermost first: the caller's frames and nn's (a module's forward), not
    flambeau's op plumbing - the frames PyTorch shows, whose ops are C++."""
    stack = []
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if not path.startswith(_PACKAGE) or path.startswith(_MODULES):
            stack.append(f"{path}({frame.f_lineno}): {frame.f_code.co_name}")
        frame = frame.f_back
    return stack


def _now_us() -> float:
    return perf_counter_ns() / 1000.0


class Recorder(_dispatch.Observer):
    def __init__(self, record_shapes: bool, profile_memory: bool, with_stack: bool = False):
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.events: list[FunctionEvent] = []

    def start(self) -> None:
        global active
        if active is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        active = self
        _dispatch.add_observer(self)
        engine.profile_node = self.node_range

    def stop(self) -> list[FunctionEvent]:
        """Stop recording; ranges still open end now. Returns the events, linked into trees."""
        global active
        if self in _dispatch._observers:
            _dispatch.remove_observer(self)
        engine.profile_node = None
        active = None
        end = _now_us()
        for e in self.events:
            if e.end_us < 0:
                e.end_us = end
        link_children(self.events)
        return self.events

    def on_op(self, prim, inputs: tuple, args: tuple):
        """The dispatch observer: run the op (ops it runs inside are part of it) and time it."""
        start = perf_counter_ns()
        try:
            out = _dispatch.run_observed(self, prim, inputs, args)
        finally:
            end = perf_counter_ns()
        shapes = [list(t._data.shape) for t in inputs] + [[] for _ in args] if self.record_shapes else None
        memory = out._data.nbytes if self.profile_memory and out._data.base is None else 0  # views allocate nothing
        stack = _user_stack() if self.with_stack else None
        self.events.append(FunctionEvent(len(self.events), "flambeau::" + prim.__name__, threading.get_ident(),
                                         start / 1000.0, end / 1000.0, shapes, memory, stack=stack))
        return out

    def open(self, name: str) -> FunctionEvent:
        event = FunctionEvent(len(self.events), name, threading.get_ident(), _now_us(), is_op=False)
        self.events.append(event)
        return event

    def node_range(self, node):
        """The engine's hook: a range around one backward node, entered; the engine exits it."""
        return Range(self.open("autograd::engine::evaluate_function: " + node.name()))


class Range:
    """An open range; exiting it (as a context manager would) ends it."""

    __slots__ = ("event",)

    def __init__(self, event: FunctionEvent):
        self.event = event

    def __exit__(self, *exc) -> None:
        if self.event.end_us < 0:
            self.event.end_us = _now_us()
