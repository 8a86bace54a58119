"""Hook handles and the full backward hooks of nn.Module (torch.utils.hooks' RemovableHandle and BackwardHook).

A module with full backward hooks wraps its tensor inputs and its outputs in identity autograd
Functions. The output identity's backward sees grad_output (and runs the backward pre-hooks, which
may replace it); the input identity's backward sees grad_input and runs the backward hooks, which
may replace it.
"""
from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import STATE


class RemovableHandle:
    """Removes a hook from the dicts it was registered in (torch.utils.hooks.RemovableHandle)."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = () if extra_dict is None else extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        hooks_dict = self.hooks_dict_ref()
        if hooks_dict is not None and self.id in hooks_dict:
            del hooks_dict[self.id]
        for ref in self.extra_dict_ref:
            extra = ref()
            if extra is not None and self.id in extra:
                del extra[self.id]

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def add_hook(hooks: OrderedDict, hook, prepend: bool = False, extra_dict=None) -> RemovableHandle:
    handle = RemovableHandle(hooks, extra_dict=extra_dict)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class _Identity(Function):
    """Passes tensors through; its backward hands the incoming gradients to `callback(state, grads)`.
    As in PyTorch, grad_input has zeros where no gradient arrived, grad_output has None."""

    @staticmethod
    def forward(ctx, state, callback, materialize, *tensors):
        ctx.state, ctx.callback = state, callback
        ctx.set_materialize_grads(materialize)
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None, None, None) + tuple(ctx.callback(ctx.state, grads))


def _tensor_positions(values: tuple) -> list:
    return [i for i, v in enumerate(values) if isinstance(v, Tensor)]


def _replace(values: tuple, positions: list, new: tuple) -> tuple:
    out = list(values)
    for i, v in zip(positions, new):
        out[i] = v
    return tuple(out)


class BackwardHook:
    """The per-call state shared by a module's input and output identity nodes."""

    def __init__(self, module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.n_inputs = 0
        self.input_positions = None
        self.grad_outputs = None

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        positions = _tensor_positions(args)
        if not (STATE.enabled and any(args[i].requires_grad for i in positions)):
            return args
        self.input_positions = positions
        wrapped = _Identity.apply(self, BackwardHook._on_grad_input, True, *[args[i] for i in positions])
        return _replace(args, positions, wrapped)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not isinstance(outputs, tuple) or not STATE.enabled:
            return result
        positions = _tensor_positions(outputs)
        if not any(outputs[i].requires_grad for i in positions):
            return result
        self.output_positions = positions
        wrapped = _replace(outputs, positions,
                           _Identity.apply(self, BackwardHook._on_grad_output, False, *[outputs[i] for i in positions]))
        return wrapped[0] if single else wrapped

    def _on_grad_output(self, grads: tuple) -> tuple:
        grad_outputs = grads
        for hook in self.pre_hooks:
            out = hook(self.module, grad_outputs)
            if out is not None:
                if not isinstance(out, tuple):
                    out = (out,)
                if len(out) != len(grad_outputs):
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got "
                                       f"{len(out)}, but expected {len(grad_outputs)}")
                grad_outputs = out
        self.grad_outputs = grad_outputs
        if self.input_positions is None and self.hooks:  # no input requires grad: hooks run now, grad_input None
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                          "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
        return grad_outputs

    def _on_grad_input(self, grads: tuple) -> tuple:
        if not self.hooks:
            return grads
        grad_inputs = _replace((None,) * self.n_inputs, self.input_positions, grads)
        for hook in self.hooks:
            out = hook(self.module, grad_inputs, self.grad_outputs)
            if out is not None:
                if not isinstance(out, tuple):
                    out = (out,)
                if len(out) != len(grad_inputs):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(out)}, "
                                       f"but expected {len(grad_inputs)}")
                grad_inputs = out
        return tuple(grad_inputs[i] for i in self.input_positions)
