"""THE choke point: every operation that produces a Tensor goes through `apply`.

`apply` unwraps the inputs to backend arrays, runs the primitive's forward, wraps the result,
and - only when grad mode is on and some input requires grad - records the graph node that
remembers what backward needs. In-place operations go through `update_inplace`, which writes
an out-of-place result back into the tensor's own memory and rewires the graph.
The profiler and the JIT's tracer plug in as observers (`add_observer`); autocast plugs in here later.
"""
from __future__ import annotations

import traceback
import warnings

import numpy as np

from ._device import data_ptr
from ._dtype import FLOATING_NP, FROM_NP, can_cast
from ._tensor import Tensor
from .autograd.graph import Node, accumulator_of, freed_error, init_node
from .autograd.grad_mode import STATE

_wrap = Tensor._wrap

# NOTE: NumPy reports overflow, 0/0 and invalid casts as RuntimeWarnings; PyTorch computes the inf/nan
# silently. Ignoring them for code in flambeau's own modules costs nothing per op, unlike np.errstate
# (about 1 us per call). A user filter that turns warnings into errors still takes precedence.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"flambeau\.")
_generic = np.generic
_ndarray = np.ndarray


class Primitive(Node):
    """A primitive op: `forward` on backend arrays and `backward` in flambeau ops.

    Class attributes declare what the node keeps for backward:
      save_inputs  keep the input tensors (ctx.inputs), checked against in-place changes
      save_output  keep the result (ctx.output)
      is_view      the result shares memory with inputs[0]
      variadic     forward takes the tuple of arrays as its first argument (cat, stack, ...)
      differentiable  False for ops whose result never carries a gradient (comparisons, argmax)
      reads        with save_inputs/save_output: per input, what its gradient formula reads (input
                   indices, OUTPUT, OTHERS); only what the inputs that require grad read is kept, as in
                   PyTorch (x * 2 keeps the 2, not x, so x may be written in place afterwards).
                   None: the inputs (and output) are kept whenever declared.
    forward(*arrays, *args) -> array;  backward(ctx, grad) -> one grad (or None) per input.
    Inputs not kept read as None in ctx.inputs.
    """

    __slots__ = ("saved", "versions", "args", "out_data", "out_vc", "out_version")
    save_inputs = False
    save_output = False
    is_view = False
    variadic = False
    differentiable = True
    reads = None
    _read_masks = None  # `reads` as bit masks: bit i for input i, _OUTPUT_BIT, _OTHERS_BIT

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "reads" in cls.__dict__ and cls.reads is not None:
            cls._read_masks = tuple(_mask(r) for r in cls.reads)

    def name(self) -> str:
        return type(self).__name__ + "Backward0"

    @property
    def inputs(self) -> tuple:
        if self.released:
            raise freed_error()
        for t, v in zip(self.saved, self.versions):
            if t is not None and t._vc[0] != v:
                raise _modified_error(t, self, v)
        return self.saved

    @property
    def output(self) -> Tensor:
        if self.released:
            raise freed_error()
        if self.out_vc[0] != self.out_version:
            t = _wrap(self.out_data)
            raise _modified_error(t, self, self.out_version, self.out_vc[0])
        t = _wrap(self.out_data)
        t._vc = self.out_vc
        t._rg = True
        t.grad_fn = self
        return t

    def needs_input_grad(self, i: int) -> bool:
        return self.next[i] is not None

    def apply(self, grads):
        if self.released and (self.save_inputs or self.save_output):  # nodes that saved nothing run again
            raise freed_error()
        return self.backward(grads[0])

    def release(self):
        self.released = True
        self.saved = self.out_data = None

    @staticmethod
    def forward(*arrays):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError


OUTPUT = "output"
OTHERS = "others"  # every input but the one whose gradient this is (variadic primitives: one entry for all)
_OUTPUT_BIT, _OTHERS_BIT = 1 << 62, 1 << 61


def _mask(reads) -> int:
    return sum(_OUTPUT_BIT if r == OUTPUT else _OTHERS_BIT if r == OTHERS else 1 << r for r in reads)


def _modified_error(t, node, expected, actual=None):
    actual = t._vc[0] if actual is None else actual
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{t.type()} {list(t.shape)}] is at version {actual}; expected version {expected} instead "
        f"(saved by {node.name()}). Hint: the backtrace further above shows the operation that failed to "
        "compute its gradient. Enable anomaly detection with torch.autograd.set_detect_anomaly(True) "
        "to find the forward operation.")


# The transform levels that see every op while active (forward-mode AD, vmap: flambeau/autograd/_levels.py
# sets this to the innermost level's handler); None otherwise, so the eager path pays one global read.
# handler(prim, inputs, args) returns the finished Tensor, or the result's array for apply to wrap and record.
interpose = None

# Observers see every op: the profiler (flambeau/profiler) times it, the JIT's tracer (flambeau/jit) records it.
# They form a stack; `observer` is the innermost one's on_op(prim, inputs, args), which returns the op's result
# computed by `run_observed`. None when nothing observes, so the eager path pays one global read.
observer = None
_observers: list = []


class Observer:
    """What an observer sees besides ops; the defaults ignore it."""

    def on_op(self, prim, inputs: tuple, args: tuple):
        raise NotImplementedError

    def on_read(self, t: Tensor, what: str) -> None:
        """`t`'s value is read into Python ("item", "tolist", "bool", "numpy")."""

    def on_inplace(self, t: Tensor, result: Tensor) -> None:
        """`t`'s memory now holds `result` (update_inplace)."""

    def on_random(self) -> None:
        """A random number generator is about to draw (flambeau/ops/random.py's _rng)."""


def add_observer(obs: Observer) -> None:
    """Start showing every op to `obs`."""
    global observer
    _observers.append(obs)
    observer = obs.on_op


def remove_observer(obs) -> None:
    global observer
    _observers.remove(obs)
    observer = _observers[-1].on_op if _observers else None


def run_observed(obs, prim, inputs: tuple, args: tuple):
    """Run an op seen by `obs`: the observers outside it see it next; `obs` and those inside it see none of the
    ops it runs inside."""
    global observer
    i = _observers.index(obs)
    observer = _observers[i - 1].on_op if i else None
    try:
        return apply(prim, inputs, *args)
    finally:  # the stack may have changed meanwhile (a profiler stopped by another thread)
        observer = _observers[-1].on_op if _observers else None


def observe_read(t: Tensor, what: str) -> None:
    """`t`'s value is read into Python: the observers may record it (the tracer's guards)."""
    for obs in list(_observers):
        obs.on_read(t, what)


def observe_random() -> None:
    for obs in list(_observers):
        obs.on_random()


def __getattr__(name: str):
    if name == "profile_hook":  # the name the profiler's hook had before observers (tests/test_profiler.py reads it)
        return observer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def apply(prim, inputs: tuple, *args):
    """Run primitive `prim` on the Tensors `inputs` with extra non-tensor `args`."""
    if observer is not None:
        return observer(prim, inputs, args)
    if interpose is None:
        # NOTE: unrolled for one and two inputs: this function is the per-op overhead of everything
        try:
            if prim.variadic:
                out = prim.forward(tuple([t._data for t in inputs]), *args)
            elif len(inputs) == 2:
                out = prim.forward(inputs[0]._data, inputs[1]._data, *args)
            elif len(inputs) == 1:
                out = prim.forward(inputs[0]._data, *args)
            else:
                out = prim.forward(*[t._data for t in inputs], *args)
        except ValueError as e:
            raise _forward_error(e, inputs) from None
        if out.__class__ is not _ndarray and isinstance(out, _generic):  # NumPy returns scalars from 0-d math
            out = np.asarray(out)
    else:
        out = interpose(prim, inputs, args)
        if out.__class__ is Tensor:
            return out
    if STATE.enabled and prim.differentiable:
        for t in inputs:
            if t._rg:
                if out.dtype in FLOATING_NP and not STATE.inference:
                    return _record(prim, inputs, args, out)
                break
    result = _wrap(out)
    if prim.is_view:
        _link_view(result, inputs[0])
    return result


def _forward_error(error: ValueError, inputs: tuple) -> Exception:
    """NumPy's ValueError for shapes that do not broadcast becomes PyTorch's RuntimeError."""
    if "broadcast" not in str(error) or len(inputs) < 2:
        return error
    shapes = [t._data.shape for t in inputs]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        a, b = shapes[0], shapes[1]
        for i in range(1, min(len(a), len(b)) + 1):
            if a[-i] != b[-i] and a[-i] != 1 and b[-i] != 1:
                return RuntimeError(f"The size of tensor a ({a[-i]}) must match the size of tensor b ({b[-i]}) at "
                                    f"non-singleton dimension {max(len(a), len(b)) - i}")
        return RuntimeError(f"shapes {[list(s) for s in shapes]} cannot be broadcast together")
    return error


def _link_view(view: Tensor, source: Tensor) -> None:
    owner = view._data.base
    if owner is None:
        return
    src = source._data
    # NumPy points a view at the array owning the memory: the identity tests settle the usual cases
    if owner is src or owner is src.base or np.may_share_memory(view._data, src) or \
            (view._data.size == 0 and _based_on(owner, src)):
        view._base = source._base if source._base is not None else source
        view._vc = source._vc
        view._view_version = source._vc[0]


def _based_on(owner, src) -> bool:
    """An empty view shares no memory to test: follow its chain of bases (as_strided's DummyArray too)."""
    while owner is not None:
        if owner is src or owner is src.base:
            return True
        owner = getattr(owner, "base", None)
    return False


def _edge(t: Tensor):
    if t._base is not None and getattr(t, "_view_version", -1) != t._vc[0]:
        _refresh_view_history(t)
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._rg:
        return (accumulator_of(t), 0)
    return None


def _record(prim, inputs, args, out):
    node = prim.__new__(prim)
    init_node(node, tuple([_edge(t) for t in inputs]),
              tuple([(t._data.shape, t._data.dtype) for t in inputs]))
    node.args = args
    save_output = prim.save_output
    if prim.save_inputs:
        if prim._read_masks is not None:
            read = _read_by_grads(prim, inputs)
            inputs = tuple([t if read >> i & 1 else None for i, t in enumerate(inputs)])
            save_output = save_output and read & _OUTPUT_BIT
        node.saved = inputs
        node.versions = tuple([t._vc[0] if t is not None else None for t in inputs])
    else:
        node.saved = ()
        node.versions = ()
    result = _wrap(out)
    result._rg = True
    result.grad_fn = node
    if save_output:
        node.out_data = out
        node.out_vc = result._vc
        node.out_version = 0
    else:
        node.out_data = None
    if STATE.anomaly:
        node.trace = traceback.format_stack()[:-3]
    if prim.is_view:
        _link_view(result, inputs[0])
    return result


def _read_by_grads(prim, inputs) -> int:
    """The union of what the gradients of the inputs that require grad read (as a `reads` mask)."""
    masks = prim._read_masks
    read = 0
    for i, t in enumerate(inputs):
        if t._rg:
            m = masks[0] if prim.variadic else masks[i]
            read |= m
            if m & _OTHERS_BIT:
                read |= ((1 << len(inputs)) - 1) & ~(1 << i)
    return read


# ----------------------------------------------------------------------------------------------
# In-place operations


def check_inplace(self: Tensor) -> None:
    if STATE.enabled and self._rg and self.grad_fn is None:
        if self._base is not None and self._base._rg and self._base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def update_inplace(self: Tensor, result: Tensor, name: str = "") -> Tensor:
    """Write `result` (computed out of place) into `self`'s memory and make `self` carry its history."""
    check_inplace(self)
    dst = self._data
    src = result._data
    if src.shape != dst.shape:
        if np.broadcast_shapes(src.shape, dst.shape) != dst.shape:
            raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(src.shape, dst.shape))}")
    if src.dtype != dst.dtype and not can_cast(FROM_NP[src.dtype], FROM_NP[dst.dtype]):
        raise RuntimeError(f"result type {_type_name(src.dtype)} can't be cast to the desired output type "
                           f"{_type_name(dst.dtype)}")
    if result.grad_fn is not None:
        _snapshot_saved_self(result.grad_fn, self._vc)
    if dst.ndim == 0:
        dst[()] = src
    else:
        dst[...] = src
    self._vc[0] += 1
    if interpose is not None:  # the transform levels update what they attach to self (its batch, its tangent)
        interpose.__self__.inplace(self, result)
    if observer is not None:
        for obs in list(_observers):
            obs.on_inplace(self, result)
    if result._rg and STATE.enabled:
        if result._data.dtype != dst.dtype or result._data.shape != dst.shape:
            from .ops.elementwise import _cast_like
            result = _cast_like(result, self)
        if result.grad_fn is None:  # a leaf written into self (copy_): self's history is an alias of it
            from .ops.shape import View
            result = apply(View, (result,), result._data.shape)
        _rebase_history(self, result)
    return self


def _snapshot_saved_self(node, vc) -> None:
    """The node that computed an in-place result may have saved `self` (or a view of its memory),
    which the write is about to overwrite: keep the original values, like PyTorch's original_self."""
    if not isinstance(node, Primitive) or not node.saved or all(t is None or t._vc is not vc for t in node.saved):
        return
    node.saved = tuple(_original(t) if t is not None and t._vc is vc else t for t in node.saved)
    node.versions = tuple([t._vc[0] if t is not None else None for t in node.saved])


def _original(t: Tensor) -> Tensor:
    copy = _wrap(t._data.copy())
    copy.grad_fn, copy._rg, copy._output_nr = t.grad_fn, t._rg, t._output_nr
    return copy


def _type_name(np_dtype) -> str:
    return {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool", "c": "ComplexFloat"}[np_dtype.kind] \
        if np_dtype.kind != "f" or np_dtype.itemsize == 4 else {2: "Half", 8: "Double"}[np_dtype.itemsize]


def _rebase_history(self: Tensor, result: Tensor) -> None:
    base = self._base
    if base is None:
        self.grad_fn = result.grad_fn
        self._output_nr = result._output_nr
        self._rg = True
        return
    # self is a view: the base's history becomes "old base with this region replaced by result"
    # (PyTorch's CopySlices), and the view's history is re-derived from the new base.
    from .ops.view_scatter import AsStrided, AsStridedScatter
    old_base = _wrap(base._data)
    old_base._vc = base._vc
    old_base.grad_fn, old_base._rg, old_base._output_nr = base.grad_fn, base._rg, base._output_nr
    if base.grad_fn is None and base._rg:  # views of leaves were refused above
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    old_base = _in_view_dtype(old_base, self)
    geometry = _view_geometry(self._data, old_base._data)
    new_base = apply(AsStridedScatter, (old_base, result), geometry, True)
    if new_base._data.dtype != base._data.dtype:
        from .ops.complex import view_as_complex
        new_base = view_as_complex(new_base)
    base.grad_fn, base._output_nr, base._rg = new_base.grad_fn, 0, True
    new_view = apply(AsStrided, (_in_view_dtype(base, self),), geometry, True)
    self.grad_fn, self._output_nr, self._rg = new_view.grad_fn, 0, True
    self._view_version = self._vc[0]


def _refresh_view_history(view: Tensor) -> None:
    """The base of `view` was written in place (directly or through another view) after the view's
    history was recorded: re-derive the view from the base's current history, as PyTorch does."""
    base = view._base
    view._view_version = view._vc[0]
    if base.grad_fn is None and not base._rg:
        return
    from .ops.view_scatter import AsStrided
    source = _in_view_dtype(base, view)
    regenerated = apply(AsStrided, (source,), _view_geometry(view._data, source._data))
    view.grad_fn, view._output_nr, view._rg = regenerated.grad_fn, 0, True


def _in_view_dtype(base: Tensor, view: Tensor) -> Tensor:
    """A real view (real, imag, view_as_real) of complex memory is located in view_as_real(base),
    whose elements have the view's size."""
    if base._data.dtype == view._data.dtype:
        return base
    from .ops.complex import view_as_real
    return view_as_real(base)


def _view_geometry(view, base) -> tuple:
    """Where `view` lies in `base`'s memory: (view shape, view strides, offset, base shape, base strides),
    strides and offset in elements."""
    item = base.itemsize
    return (view.shape, tuple(s // item for s in view.strides), (data_ptr(view) - data_ptr(base)) // item,
            base.shape, tuple(s // item for s in base.strides))
