"""AOT-autograd style backward for compiled calls whose outputs require grad.

At capture time, autograd.grad runs from the outputs (with placeholder output gradients, bound as graph
values) to the leaves the call used (parameters, inputs that require grad) while the capture observes:
the derivative formulas' primitives become the backward part of the graph. A replay runs the forward part
inside one autograd.Function, whose backward runs the backward part on the forward's saved slots.
"""
from __future__ import annotations

from .._dispatch import _modified_error
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import STATE


def trace_backward(capture, outputs: list) -> tuple:
    """(cotangent values, gradient value or None per leaf, leaves as ("input", i) or the parameter)."""
    from ..autograd import grad
    from ..ops.creation import zeros_like
    if _hooked(outputs):  # checked first: tracing would run the hooks once more
        raise RuntimeError("a hook on a gradient (register_hook, retain_grad) is Python code that a replay would "
                           "not run")
    inputs = [(("input", i), t) for i, t in enumerate(capture.input_tensors) if t._rg]
    params = [(p, p) for p in capture.params.values() if p._rg]
    leaves = inputs + params
    cotangents = [zeros_like(t) for t in outputs]
    values = [capture._bind(c, capture._fresh("cotangent")) for c in cotangents]
    capture.graph.params.update({v.name: v for v in values})
    grads = grad(outputs, [t for _, t in leaves], cotangents, retain_graph=True, allow_unused=True)
    return values, [None if g is None else capture.value_of(g) for g in grads], [which for which, _ in leaves]


def _hooked(outputs: list) -> bool:
    """Whether a node of the outputs' autograd graph has hooks."""
    seen, stack = set(), [t.grad_fn for t in outputs if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.pre_hooks or node.hooks:
            return True
        stack.extend(e[0] for e in node.next if e is not None)
    return False


class CompiledCall(Function):
    """forward(entry, input arrays, *leaves) runs the compiled forward; backward the compiled backward."""

    @staticmethod
    def forward(ctx, entry, inputs, *leaves):
        program = entry.program
        env = program.forward(inputs)
        ctx.entry, ctx.env = entry, env
        ctx.leaf_versions = [(t, t._vc[0]) for t in leaves]
        outs = [Tensor._wrap(a) for a in program.outputs_of(env)]
        ctx.mark_non_differentiable(*[o for o, d in zip(outs, entry.differentiable) if not d])
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        if STATE.enabled:
            raise RuntimeError("flambeau.compile: a double backward (create_graph=True) through a compiled call is "
                               "not supported; call the function without compile")
        for t, version in ctx.leaf_versions:
            if t._vc[0] != version:
                raise _modified_error(t, ctx, version)
        cotangents = [g._data for g, d in zip(grads, ctx.entry.differentiable) if d]
        arrays = ctx.entry.program.backward(list(ctx.env), cotangents)
        return (None, None, *[None if a is None else Tensor._wrap(a) for a in arrays])
