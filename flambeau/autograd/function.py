"""autograd.Function: a user-defined operation with a hand-written backward.

`MyFn.apply(*args)` runs `forward` in no-grad mode and - in the dispatch spirit, only when grad
mode is on and some tensor argument requires grad - records one graph node, an instance of
`MyFnBackward`, which is also the `ctx` object that forward and backward share.
"""
from __future__ import annotations

import functools
import traceback

from .._dispatch import _edge, _modified_error, _rebase_history, check_inplace
from .._dtype import FLOATING_NP
from .._tensor import Tensor
from .graph import Node, freed_error, init_node
from .grad_mode import STATE, no_grad


class FunctionCtx(Node):
    """The ctx of a Function: what forward hands to backward. It is the backward node itself."""

    # no __slots__: ctx carries arbitrary user attributes (ctx.constant = ...)
    _forward_cls = None

    def save_for_backward(self, *tensors) -> None:
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self.released:
            raise freed_error()
        for t, v in zip(self.saved, self.versions):
            if t is not None and t._vc[0] != v:
                raise _modified_error(t, self, v)
        return self.saved

    def mark_dirty(self, *tensors) -> None:
        self.dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class BackwardCFunction(FunctionCtx):
    """The graph node of a Function call: calls the user's backward and checks what it returns."""

    def name(self) -> str:
        return type(self).__name__

    def apply(self, grads):
        if self.materialize_grads:
            grads = [_zeros(meta) if g is None else g for g, meta in zip(grads, self.out_metas)]
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_args = len(self.is_tensor_arg)
        if len(result) != n_args:
            if len(result) < n_args or any(g is not None for g in result[n_args:]):
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                                   f"(expected {n_args}, got {len(result)})")
            result = result[:n_args]
        in_grads = []
        for i, g in enumerate(result):
            if not self.is_tensor_arg[i]:
                if g is not None:
                    raise RuntimeError(f"function {self.name()} returned a gradient different than None at position "
                                       f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type {type(g).__name__} at "
                                f"position {i + 1}; expected a Tensor or None")
            in_grads.append(g if self.needs_input_grad[i] else None)
        return in_grads

    def release(self) -> None:
        self.released = True
        self.saved = None


def _zeros(meta) -> Tensor:
    from .._device import xp_for
    shape, dtype, device = meta
    return Tensor._wrap(xp_for(device).zeros(shape, dtype))


class Function:
    """Subclass with static `forward(ctx, *args)` (or `forward(*args)` plus `setup_context(ctx, inputs,
    output)`) and `backward(ctx, *grad_outputs)`; call it with `apply`."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(cls.__name__ + "Backward", (BackwardCFunction,), {"_forward_cls": cls})

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs: tuple, output) -> None:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        ctx.to_save, ctx.dirty, ctx.non_differentiable, ctx.materialize_grads = (), (), (), True
        ctx.is_tensor_arg = tuple([isinstance(a, Tensor) for a in args])
        ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a._rg for a in args])
        with no_grad():
            if cls.setup_context is Function.setup_context:
                output = cls.forward(ctx, *args, **kwargs)
            else:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
        record = STATE.enabled and any(ctx.needs_input_grad)
        tensors = [a for a in args if isinstance(a, Tensor)]
        init_node(ctx, tuple([_edge(t) if record else None for t in tensors]),
                  tuple([(t._data.shape, t._data.dtype) for t in tensors]))
        if record and STATE.anomaly:
            ctx.trace = traceback.format_stack()[:-1]
        is_tuple = isinstance(output, tuple)
        outputs = _wrap_outputs(ctx, tensors, output if is_tuple else (output,), record)
        ctx.saved = ctx.to_save
        ctx.versions = tuple([t._vc[0] if t is not None else 0 for t in ctx.saved])
        del ctx.to_save
        return outputs if is_tuple else outputs[0]


def _wrap_outputs(ctx, inputs: list, outputs: tuple, record: bool) -> tuple:
    """Give forward's tensor outputs their history: ctx is their grad_fn, unless non-differentiable."""
    dirty = {id(t) for t in ctx.dirty}
    non_diff = {id(t) for t in ctx.non_differentiable}
    input_ids = {id(t) for t in inputs}
    result, metas = [], []
    for o in outputs:
        if not isinstance(o, Tensor):
            result.append(o)
            continue
        nr = len(metas)
        metas.append((o._data.shape, o._data.dtype, o.device))
        differentiable = record and id(o) not in non_diff and o._data.dtype in FLOATING_NP
        if id(o) in dirty:
            if record:
                check_inplace(o)
            o._vc[0] += 1
            if differentiable:
                _rebase_history(o, _output_of(ctx, nr, o))
        else:
            if id(o) in input_ids:  # an input returned as is becomes an alias with its own history
                o = o.detach()
            if differentiable:
                o._rg, o.grad_fn, o._output_nr = True, ctx, nr
        result.append(o)
    ctx.n_outputs = len(metas)
    ctx.out_metas = tuple(metas)
    return tuple(result)


def _output_of(node, nr: int, like: Tensor) -> Tensor:
    t = Tensor._wrap(like._data)
    t._rg, t.grad_fn, t._output_nr = True, node, nr
    return t


class _DelayedError(Node):
    """Stands in for the backward of a once_differentiable backward: differentiating it again is an error."""

    __slots__ = ()

    def apply(self, grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(backward):
    """Decorate a Function's backward that is not itself differentiable: it runs without recording,
    and a later attempt to differentiate its result raises."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            result = backward(ctx, *grads)
        if not STATE.enabled:
            return result
        sources = [g for g in grads if isinstance(g, Tensor) and g._rg]
        if not sources:
            return result
        node = _DelayedError()
        init_node(node, tuple([_edge(g) for g in sources]), tuple([(g._data.shape, g._data.dtype) for g in sources]))
        single = not isinstance(result, tuple)
        wrapped = tuple(_output_of(node, 0, r) if isinstance(r, Tensor) else r
                        for r in ((result,) if single else result))
        return wrapped[0] if single else wrapped
    return wrapper
