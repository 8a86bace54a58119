"""Capturing one eager call of a function: forward, backward and optimizer step, at the dispatch point.

The call runs eagerly, exactly as without compile; a tracer (jit's, extended here) records every primitive
it runs, the backward formulas' too. What a replay must reproduce besides the outputs is recorded as
effects: tensors that existed before the call and were written in place (write-backs), the `.grad` each
parameter ends with, and each `optimizer.step()`, kept as one opaque node run by the optimizer itself so
that its learning rate (a scheduler's), step count and state are read live at every replay, never baked in.

Tensors that existed before the call (parameters, buffers, gradients, anything else read) are "live"
values: a replay reads their arrays when it starts, or right after the optimizer step that wrote them.
Anything that a replay could not reproduce (a random draw, a value read into Python, an in-place write into
a view, a tensor hook) does not stop the call: the capture records the reason and stops recording, and the
caller falls back to eager.
"""
from __future__ import annotations

import linecache
import sys

import numpy as np

from .. import _dispatch
from .._device import device_of, xp_for
from .._dispatch import Primitive
from .._tensor import Tensor
from ..autograd import engine
from ._backward import NodeBackward
from ..jit._attrs import UnserializableArgument, encode
from ..jit._tracer import _PACKAGE, Tracer
from ..jit.ir import Node, Type, Value
from ..optim import optimizer as _optimizer

# primitives whose output shape depends on the input's values (and indexing with a boolean mask): the Python
# code after them may bake that shape into the graph (a mean's 1 / n), so a replay with other values is refused
DATA_DEPENDENT = ("Nonzero", "Unique", "UniqueConsecutive")
# primitives taking a scratch array their forward fills and their backward reads (cross entropy's softmax)
SCRATCH_ARGS = ("CrossEntropy",)
# primitives taking a list their forward fills with arrays their backward reads (norms, attention)
SCRATCH_LISTS = ("Normalize", "NormalizeRowsAffine", "NormalizeChannels", "ScaledDotProductAttention")


class Capture(Tracer):
    """Records an eager call; `failure` is None while everything seen can be replayed."""

    active = 0  # captures under way (a compiled function called inside one runs eagerly, recorded inline)

    def __init__(self):
        super().__init__({})
        self.failure: str | None = None
        self.paused = False           # inside an optimizer step: its own work is the opaque node
        self.sources: list = []       # (Value, phase, kind, obj): read obj's array (kind "tensor") or obj.grad's
        self.events: list = []        # (last node before it, write-backs, optimizer) at each optimizer step
        self.live_tensors: dict = {}  # id(array) -> tensor, for the arrays of live values
        self.written: dict = {}       # id(tensor) -> tensor: live tensors written in place
        self.params: dict = {}        # id(leaf) -> leaf: leaves that require grad, whose .grad is replayed
        self.grad_state: dict = {}    # id(leaf) -> the value of the leaf's .grad (or None) at the last sync
        self.pending: dict = {}       # id(leaf) -> (incoming gradient's value, old .grad's value or None)
        self.state_ids: set = set()   # ids of the tensors that outlive a call (parameters, buffers, optimizer state)
        self.input_arrays: set = set()
        self.input_tensors: list = []
        self._handles: list = []
        self._scratch_ok = False
        self.lists: dict = {}         # id(list) -> (list, value name): the scratch lists of SCRATCH_LISTS
        self._outer_profile = None
        self.backward_ran = False     # a backward ran inside the call (a training step)

    def track_state(self, params: list, others: list) -> None:
        """Parameters and the other tensors the call may write (buffers, optimizer state), known beforehand."""
        for p in params:
            if id(p) not in self.params:
                self._track_param(p)
                self.value_of(p)
        self.state_ids.update(id(t) for t in [*params, *others])

    def add_input(self, t: Tensor) -> None:
        super().add_input(t)
        self.input_arrays.add(id(t._data))
        self.input_tensors.append(t)

    # ------------------------------------------------------------------ starting and stopping
    def __enter__(self):
        self._handles = [_optimizer.register_optimizer_step_pre_hook(self._before_step),
                         _optimizer.register_optimizer_step_post_hook(self._after_step)]
        self._outer_profile, engine.profile_node = engine.profile_node, self._node_runs
        _dispatch.add_observer(self)
        Capture.active += 1
        return self

    def __exit__(self, *exc):
        Capture.active -= 1
        _dispatch.remove_observer(self)
        engine.profile_node = self._outer_profile
        for h in self._handles:
            h.remove()
        self._handles = []

    def fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason

    # ------------------------------------------------------------------ values
    def value_of(self, t: Tensor) -> Value:
        v = self.lookup(t)
        return v if v is not None else self._live(t)

    def _live(self, t: Tensor) -> Value:
        """A tensor the call did not compute: read its array when a replay reaches this phase. It must be state
        (a parameter, its .grad, a buffer, optimizer state, a tensor the code names, a leaf that requires grad)
        or hold one repeated value (backward's ones, a zeros made outside the dispatch): anything else may have
        been computed from the inputs behind the tracer's back, and is refused."""
        owner = next((p for p in self.params.values() if p._grad is t), None)
        if owner is not None:
            return self._source(t, "grad", owner)
        if t.grad_fn is not None:
            raise _Unsupported("a tensor with autograd history from outside the compiled call is used")
        if t._rg and id(t) not in self.params:
            self._track_param(t)
        a = t._data
        if not t._rg and id(t) not in self.state_ids and a.size and not (a == a.reshape(-1)[0]).all():
            raise _Unsupported(f"a tensor of shape {list(a.shape)} was computed outside the dispatch (or is a "
                               f"tensor attribute that is no parameter or buffer)")
        return self._source(t, "tensor", t)

    def _source(self, t: Tensor, kind: str, obj) -> Value:
        v = self._bind(t, self._fresh("live"))
        self.graph.params[v.name] = v
        self.sources.append((v, len(self.events), kind, obj))
        self.live_tensors[id(t._data)] = t
        return v

    def _scratch_list(self, lst: list) -> None:
        """A list the primitive's forward fills: each replay passes a fresh one (and its backward the same)."""
        v = Value(self._fresh("list"), Type((), "object"))
        self.graph.params[v.name] = v
        self.sources.append((v, len(self.events), "list", None))
        self.lists[id(lst)] = (lst, v.name)

    def _encode_args(self, args: tuple) -> list:
        """A primitive's args as attrs: a scratch list is a reference to its value, the rest JSON."""
        attrs = []
        for a in args:
            entry = self.lists.get(id(a)) if type(a) is list else None
            attrs.append({"value": entry[1]} if entry is not None and entry[0] is a else encode(a, self._array_name))
        return attrs

    def _array_name(self, a) -> str:
        entry = self.known.get(id(a))
        if (entry is None or entry[0] is not a) and self._scratch_ok:
            xp = np if isinstance(a, np.ndarray) else xp_for(device_of(a))
            v = self._source(Tensor._wrap(a), "scratch", (xp.empty, a.shape, a.dtype))
            return v.name
        return super()._array_name(a)

    def _track_param(self, p: Tensor) -> None:
        hooks = p._hooks
        if hooks is not None and (hooks.leaf or hooks.post_accumulate):
            raise _Unsupported("a parameter has tensor hooks (Python code that a replay would not run)")
        self.params[id(p)] = p
        self.grad_state[id(p)] = None if p._grad is None else self.value_of(p._grad)
        self._handles.append(p.register_hook(lambda g, p=p: self._grad_arrives(p, g)))
        self._handles.append(p.register_post_accumulate_grad_hook(self._grad_stored))

    # ------------------------------------------------------------------ what the tracer sees
    def on_op(self, prim, inputs: tuple, args: tuple):
        if self.failure is not None or self.paused:
            return _dispatch.run_observed(self, prim, inputs, args)
        try:
            if prim.__name__ in DATA_DEPENDENT or _boolean_mask(args):
                raise _Unsupported("its output shape depends on its input's values (a boolean mask, nonzero, unique)")
            ins = [self.value_of(t) for t in inputs]
            self._scratch_ok = prim.__name__ in SCRATCH_ARGS
            if prim.__name__ in SCRATCH_LISTS:
                for a in args:
                    if type(a) is list:
                        self._scratch_list(a)
            attrs = self._encode_args(args)
        except (_Unsupported, UnserializableArgument, RuntimeError) as e:
            self.fail(f"{prim.__name__}: {e} (at {_source_line()})")
            return _dispatch.run_observed(self, prim, inputs, args)
        out = _dispatch.run_observed(self, prim, inputs, args)
        name = f"{prim.__module__}.{prim.__qualname__}"
        self.graph.nodes.append(Node(name, ins, [self._bind(out, self._fresh("v"))], attrs))
        return out

    def on_read(self, t: Tensor, what: str) -> None:
        if not self.paused:
            self.fail(f"a tensor's value is read into Python (.{what}()) at {_source_line()}")

    def on_random(self) -> None:
        if not self.paused:
            self.fail(f"a random draw at {_source_line()} (pass random tensors as inputs, or call eval())")

    def on_inplace(self, t: Tensor, result: Tensor) -> None:
        if self.paused or self.failure is not None:
            return
        if t._base is not None:
            return self.fail(f"an in-place write into a view at {_source_line()}")
        if result._data.shape != t._data.shape or result._data.dtype != t._data.dtype:
            return self.fail(f"an in-place write that broadcasts or casts at {_source_line()}")
        try:
            v = self.value_of(result)
        except (_Unsupported, RuntimeError) as e:
            return self.fail(str(e))
        if id(t._data) in self.input_arrays:
            return self.fail(f"an in-place write into an input of the compiled call at {_source_line()}")
        is_grad = any(p._grad is t for p in self.params.values())
        if id(t._data) in self.live_tensors and not is_grad:  # gradients are replayed through their leaf
            if id(t) not in self.state_ids:
                return self.fail(f"an in-place write into a tensor that is neither an input, a parameter, a buffer "
                                 f"nor optimizer state, at {_source_line()}")
            self.written[id(t)] = t
        self.known[id(t._data)] = (t._data, v, t._vc, t._vc[0])

    # ------------------------------------------------------------------ gradients reaching leaves
    def _grad_arrives(self, p: Tensor, g: Tensor) -> None:
        if self.failure is None and not self.paused:
            old = p._grad
            try:
                self.pending[id(p)] = (self.value_of(g), None if old is None else self.value_of(old))
            except (_Unsupported, RuntimeError) as e:
                self.fail(str(e))

    def _grad_stored(self, p: Tensor) -> None:
        """AccumulateGrad stored a copy of the gradient, or the sum with the old one, outside dispatch."""
        if self.failure is not None or self.paused:
            return
        g, old = self.pending.pop(id(p), (None, None))
        if g is None:
            return self.fail("a gradient was stored that the capture did not see arrive")
        if old is not None:
            from ..ops.elementwise import Add
            new = self._bind(p._grad, self._fresh("v"))
            self.graph.nodes.append(Node(f"{Add.__module__}.{Add.__qualname__}", [old, g], [new], []))
        else:
            a = p._grad._data
            self.known[id(a)] = (a, g, p._grad._vc, p._grad._vc[0])

    # ------------------------------------------------------------------ backward nodes
    def _node_runs(self, node):
        """The engine is about to run `node`'s backward (its profiler hook): watch what it returns."""
        outer = self._outer_profile(node) if self._outer_profile is not None else None
        self.backward_ran = True
        if node.pre_hooks or node.hooks:
            self.fail(f"a hook on the gradient of {node.name()} (register_hook, retain_grad): Python code that a "
                      f"replay would not run")
        if self.failure is None and not self.paused:
            mark, hooks = len(self.graph.nodes), node.hooks

            def returned(in_grads, node_grads):
                node.hooks = hooks
                self._node_returned(node, mark, in_grads, node_grads)
            node.hooks = [returned, *(hooks or ())]
        return outer if outer is not None else _NO_RANGE

    def _node_returned(self, node, mark: int, in_grads: tuple, node_grads: tuple) -> None:
        if self.failure is not None:
            return
        try:
            if all(g is None or self.lookup(g) is not None for g in in_grads):
                return  # traced primitive by primitive
            if not isinstance(node, Primitive) or len(node_grads) != 1:
                raise _Unsupported(f"the backward of {node.name()} computes outside the dispatch")
            del self.graph.nodes[mark:]  # replaced by one step that runs the node's own backward
            saved = [t is not None for t in node.saved]
            ins = [self.value_of(node_grads[0])] + [self.value_of(t) for t in node.saved if t is not None]
            if node.out_data is not None:
                ins.append(self._known_array(node.out_data))
            attrs = [f"{type(node).__module__}.{type(node).__qualname__}", {"tuple": self._encode_args(node.args)},
                     encode(node.metas, self._array_name), encode(tuple(e is not None for e in node.next), None),
                     encode(tuple(saved), None), node.out_data is not None]
            outs = []
            for g, (shape, dtype) in zip(in_grads, node.metas):
                if g is None:
                    outs.append(Value(self._fresh("v"), Type(tuple(shape), np.dtype(dtype).name)))
                else:
                    outs.append(self._bind(g, self._fresh("v")))
            self.graph.nodes.append(Node(f"{NodeBackward.__module__}.NodeBackward", ins, outs, attrs))
        except (_Unsupported, UnserializableArgument, RuntimeError) as e:
            self.fail(f"backward of {node.name()}: {e}")

    def _known_array(self, a) -> Value:
        entry = self.known.get(id(a))
        if entry is None or entry[0] is not a:
            raise _Unsupported("a saved output the capture does not know")
        return entry[1]

    # ------------------------------------------------------------------ optimizer steps
    def _before_step(self, opt, args, kwargs) -> None:
        if self.failure is not None:
            return
        if len(args) > 1 or kwargs:
            return self.fail("optimizer.step() is called with a closure")
        last = self.graph.nodes[-1] if self.graph.nodes else None  # the last node before the step
        self.events.append((last, self.sync(), opt))
        self.paused = True

    def _after_step(self, opt, args, kwargs) -> None:
        if not self.paused:
            return
        self.paused = False
        for group in opt.param_groups:  # written by the step: read again after it
            for p in group["params"]:
                self.known.pop(id(p._data), None)
                if id(p) in self.params:
                    self.value_of(p)

    def sync(self) -> list:
        """What a replay writes back here: (tensor, value) in place, ("grad", leaf, value or None) for .grad."""
        writes = []
        for t in self.written.values():
            writes.append(("inplace", t, self.lookup(t)))
        for key, p in self.params.items():
            g = p._grad
            now = None if g is None else self.lookup(g)
            if g is not None and now is None:
                raise _Unsupported("a .grad was assigned a tensor computed outside the compiled call")
            if now is not self.grad_state[key]:
                writes.append(("grad", p, now))
                self.grad_state[key] = now
        return writes

    def touches_grads(self) -> bool:
        """Whether a replay reads or writes some .grad (then whether each parameter has one is guarded)."""
        return any(kind == "grad" for _, _, kind, _ in self.sources) or \
            any(w[0] == "grad" for ws in [self.final_writes] + [e[1] for e in self.events] for w in ws)

    def finish(self, outputs: list) -> tuple:
        """The graph's outputs' values and the final write-backs (raises _Unsupported)."""
        values = [self.value_of(t) for t in outputs]
        self.final_writes = self.sync()
        return values, self.final_writes


def _boolean_mask(args) -> bool:
    """Whether a primitive's arguments hold a boolean array (an index by mask: x[x > 0], masked_select)."""
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype == np.bool_ or isinstance(a, (tuple, list)) and _boolean_mask(a):
            return True
    return False


def _source_line() -> str:
    """The innermost line outside flambeau: the user's code that made the capture fail."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    path, line = frame.f_code.co_filename, frame.f_lineno
    return f"{path}:{line}: {linecache.getline(path, line).strip()}"


class _NoRange:
    """What the engine's profiler hook returns when no profiler records: a range that does nothing."""

    def __exit__(self, *exc) -> None:
        pass


_NO_RANGE = _NoRange()


class _Unsupported(Exception):
    """Something a replay cannot reproduce; its message is the reason given for falling back to eager."""
