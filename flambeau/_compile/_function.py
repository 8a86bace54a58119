"""A compiled function: one capture per input signature and guarded state, replayed on later calls.

The first call with a new signature runs eagerly while it is captured (its result is the eager result);
later calls replay the capture. A capture that hit something a replay cannot reproduce makes that signature
run eagerly from then on, with one warning naming the reason (torch.compile's graph breaks are logged; ours
warn once per reason). With fullgraph=True the reason is raised instead.
"""
from __future__ import annotations

import functools
import os
import sys
import warnings

import numpy as np

from .. import _dispatch
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..utils._pytree import tree_flatten, tree_unflatten
from ._aot import CompiledCall, trace_backward
from ._capture import Capture, _Unsupported
from ._guards import Guards, module_hooks, reachable_objects
from ._passes import fuse_linear, transpose_activations, transpose_products
from ._program import Program

CACHE_SIZE_LIMIT = 8  # captures per signature, as torch._dynamo.config.cache_size_limit
_EAGER = "eager"
_PLAIN = (bool, int, float, complex, str, type(None))


class CompiledFunction:
    def __init__(self, fn, fullgraph: bool = False, cache_size_limit: int | None = None):
        self._fn = fn
        self._fullgraph = fullgraph
        self._limit = CACHE_SIZE_LIMIT if cache_size_limit is None else cache_size_limit
        self._cache: dict = {}
        self._warned: set = set()
        if not isinstance(fn, type) and hasattr(fn, "__name__"):
            functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args, **kwargs):
        if Capture.active or _dispatch.observer is not None or _dispatch.interpose is not None:
            # inside a capture (which records the call inline), a jit.trace or the profiler (which must see its
            # ops), vmap or forward-mode AD (which transform its ops): a replay would bypass them all
            return self._fn(*args, **kwargs)
        leaves, spec = tree_flatten((args, kwargs))
        tensors = [x for x in leaves if isinstance(x, Tensor)]
        key = (repr(spec), STATE.enabled, tuple(_leaf_key(x) for x in leaves))
        entries = self._cache.setdefault(key, [])
        if entries is _EAGER:
            return self._fn(*args, **kwargs)
        for i, entry in enumerate(entries):
            if entry.guards.hold():
                if i:  # the state that held last is checked first next time
                    entries.insert(0, entries.pop(i))
                return entry.run(tensors) if entry.__class__ is _Entry else self._fn(*args, **kwargs)
        if len(entries) >= self._limit:
            self._give_up(key, f"the guarded state changed on {self._limit} captures in a row (recompile_limit)")
            return self._fn(*args, **kwargs)
        return self._capture(key, tensors, args, kwargs)

    def _capture(self, key, tensors: list, args: tuple, kwargs: dict):
        from ..nn import Module
        from ..optim import Optimizer
        objects = reachable_objects(self._fn, args, kwargs)
        modules = [o for o in objects if isinstance(o, Module)]
        optimizers = [o for o in objects if isinstance(o, Optimizer)]
        guards = Guards(self._fn, modules, optimizers)
        capture = Capture()
        others = [b for m in modules for b in m.buffers()]
        others += [t for opt in optimizers for s in opt.state.values() for t in s.values() if isinstance(t, Tensor)]
        others += [o for o in objects if isinstance(o, Tensor)]  # tensors the code names (globals, closure)
        if module_hooks(guards.modules):
            capture.fail("a module has forward or backward hooks (Python code that a replay would not run)")
        with capture:
            capture.track_state(guards.params, others)
            for t in tensors:
                capture.add_input(t)
            out = self._fn(*args, **kwargs)
            entry = None
            if capture.failure is None:
                try:
                    entry = _build(capture, out, guards)
                except _Unsupported as e:
                    capture.fail(str(e))
                except Exception as e:  # noqa: BLE001  a capture that cannot become a program runs eagerly too
                    capture.fail(f"building the program failed ({type(e).__name__}: {e})")
        if capture.failure is not None:
            self._give_up(key, capture.failure, guards)
        else:
            if not capture.touches_grads():
                guards.ignore_grads()
            self._cache[key].append(entry)
        return out

    def _give_up(self, key, reason: str, guards: Guards | None = None) -> None:
        """Run eagerly from now on: while `guards` hold, or for this signature whatever the state."""
        if self._fullgraph:
            raise RuntimeError(f"flambeau.compile(fullgraph=True): {_name(self._fn)} cannot be captured whole: "
                               f"{reason}")
        if guards is None:
            self._cache[key] = _EAGER
        else:
            self._cache[key].append(_Eager(guards))
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(f"flambeau.compile: {_name(self._fn)} runs eagerly: {reason}", stacklevel=_caller_level())


def _build(capture: Capture, out, guards: Guards) -> "_Entry":
    """The replayable form of a finished capture whose call returned `out`."""
    leaves, spec = tree_flatten(out)
    outs = [x for x in leaves if isinstance(x, Tensor)]
    if any(not isinstance(x, Tensor) and type(x) not in _PLAIN for x in leaves):
        raise _Unsupported("the compiled call returns something other than tensors and Python numbers")
    differentiable = [t._rg for t in outs]
    backward = None
    if STATE.enabled and any(differentiable) and not capture.events and not capture.backward_ran:
        try:
            backward = trace_backward(capture, [t for t in outs if t._rg])
        except RuntimeError as e:
            raise _Unsupported(f"the backward of the outputs cannot be traced ({e})") from None
    elif capture.backward_ran or capture.events:  # a training step: what it returns carries no history
        differentiable = [False] * len(outs)
    values, final = capture.finish(outs)
    graph = capture.graph
    transpose_products(graph, capture._fresh)
    writes = final + [w for e in capture.events for w in e[1]]
    kept = values + [w[2] for w in writes] + (list(backward[0]) + list(backward[1]) if backward else [])
    held = {v.name for v in kept if v is not None}  # what the program hands out or writes back
    fuse_linear(graph, held, capture.events)
    if backward is None and (capture.events or capture.backward_ran):
        # a training step (equal to eager to float32 rounding anyway): on transposed activations a narrow
        # product may round otherwise, which a forward's outputs must not
        transpose_activations(graph, held, capture._fresh)
    program = Program(graph, capture.sources, capture.events, values, final, backward)
    return _Entry(guards, program, backward[2] if backward else None, differentiable, leaves, spec)


class _Entry:
    """A capture ready to replay while its guards hold. leaves_of_grad: None without a compiled backward, else
    per leaf gradient the program computes, ("input", i) or the parameter."""

    def __init__(self, guards: Guards, program: Program, leaves_of_grad: list | None, differentiable: list,
                 out_leaves: list, out_spec):
        self.guards = guards
        self.program = program
        self.leaves_of_grad = leaves_of_grad
        self.differentiable = differentiable
        self.out_leaves = out_leaves
        self.out_spec = out_spec

    def run(self, tensors: list):
        inputs = [t._data for t in tensors]
        if self.leaves_of_grad is not None:  # captured with grad mode on (part of the cache key)
            leaves = [tensors[x[1]] if isinstance(x, tuple) else x for x in self.leaves_of_grad]
            outs = list(CompiledCall.apply(self, inputs, *leaves))
        else:
            outs = [Tensor._wrap(a) for a in self.program.outputs_of(self.program.forward(inputs))]
        it = iter(outs)
        return tree_unflatten([next(it) if isinstance(x, Tensor) else x for x in self.out_leaves], self.out_spec)


class _Eager:
    """A capture that failed: while its guards hold, the call runs eagerly."""

    def __init__(self, guards: Guards):
        self.guards = guards


def _leaf_key(x):
    if isinstance(x, Tensor):
        return x._data.shape, x._data.dtype, x._rg, x.device.type
    if type(x) in _PLAIN:
        return type(x), x
    if isinstance(x, np.ndarray):
        return "array", id(x)
    return type(x), id(x)


def _caller_level() -> int:
    """The warnings stacklevel, seen from _give_up, of the first frame outside this package: the user's call."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_code.co_filename.startswith(_HERE):
        frame, level = frame.f_back, level + 1
    return level


_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__
