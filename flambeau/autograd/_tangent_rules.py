"""Tangent (Jacobian-vector product) rules of the primitives, keyed by primitive class.

A rule is rule(prim, inputs, tangents, out, args) -> the tangent of `out` (or None), written in flambeau ops;
tangents[i] is None where input i carries none. The families:
  linear        the primitive is linear in its first input (views, reductions by sum, gathers, casts):
                the tangent is the primitive applied to the tangent
  joining       cat/stack of the tangents (zeros for inputs without one)
  multilinear   matmul, einsum, conv: the sum over inputs of the primitive with one input replaced by its tangent
  diagonal      elementwise primitives, whose Jacobian is diagonal: J t = the backward formula applied to t
  softmax/log_softmax   closed forms
and every other primitive is derived exactly from its backward formula (the double-vjp trick): u -> J^T u is
linear in u, so J t = d/du <J^T u, t>. This is exact because derivative formulas are written in flambeau ops.
"""
from __future__ import annotations

from .._dtype import FLOATING_NP
from .._tensor import Tensor
from .grad_mode import STATE

_rules: dict = {}      # primitive class -> rule, filled from _families() on first use
_resolved: dict = {}   # primitive class -> rule, after looking through base classes


def tangent_of_result(prim, inputs: tuple, tangents: list, out: Tensor, args: tuple) -> Tensor | None:
    """The tangent of `out` = prim(inputs, args), given the inputs' tangents."""
    rule = _resolved.get(prim)
    if rule is None:
        rule = _resolved[prim] = _resolve(prim)
    tangents = [t if t is None or inputs[i]._data.dtype in FLOATING_NP else None for i, t in enumerate(tangents)]
    if all(t is None for t in tangents):
        return None
    grad_mode = STATE.enabled
    STATE.enabled = True  # formulas on tensors, never their array shortcuts (the arrays may be a batch's sample)
    try:
        tangent = rule(prim, inputs, tangents, out, args)
    finally:
        STATE.enabled = grad_mode
    if tangent is None:
        return None
    if not grad_mode:
        from ._levels import detach_everywhere
        tangent = detach_everywhere(tangent)
    return _like(tangent, out)


def _like(t: Tensor, out: Tensor) -> Tensor:
    from ..ops.elementwise import cast
    from ..ops.shape import expand
    if t._data.dtype != out._data.dtype:
        t = cast(t, out._data.dtype)
    return t if t._data.shape == out._data.shape else expand(t, out._data.shape)


def _resolve(prim):
    if not _rules:
        _rules.update(_families())
    for cls in prim.__mro__:
        rule = _rules.get(cls)
        if rule is not None:
            return rule
    return _from_backward


# ------------------------------------------------------------------------------- rule families

def _linear(prim, inputs, tangents, out, args):
    if tangents[0] is None:
        return None
    from .._dispatch import apply
    return apply(prim, (tangents[0],) + tuple(inputs[1:]), *args)


def _zeros_for(x: Tensor, t: Tensor | None) -> Tensor:
    if t is not None:
        return t
    from ..ops.creation import zeros_like
    return zeros_like(x)


def _joining(prim, inputs, tangents, out, args):
    from .._dispatch import apply
    return apply(prim, tuple(_zeros_for(x, t) for x, t in zip(inputs, tangents)), *args)


def _multilinear(prim, inputs, tangents, out, args):
    from .._dispatch import apply
    total = None
    for i, t in enumerate(tangents):
        if t is not None:
            term = apply(prim, tuple(inputs[:i]) + (t,) + tuple(inputs[i + 1:]), *args)
            total = term if total is None else total + term
    return total


def _diagonal(prim, inputs, tangents, out, args):
    if out._data.dtype.kind == "c" or any(x._data.dtype.kind == "c" for x in inputs):
        # a complex Jacobian is not its own adjoint: the formula applied to t is not J t
        return _from_backward(prim, inputs, tangents, out, args)
    total = None
    for i, t in enumerate(tangents):
        if t is not None:
            needs = tuple(j == i for j in range(len(inputs)))
            term = _ctx(prim, inputs, out, args, needs).backward(t)[i]
            if term is not None:
                total = term if total is None else total + term
    return total


def _softmax(prim, inputs, tangents, out, args):
    t = tangents[0]
    return out * (t - (out * t).sum(args[0], keepdim=True))


def _log_softmax(prim, inputs, tangents, out, args):
    t = tangents[0]
    return t - (out.exp() * t).sum(args[0], keepdim=True)


def _constant_pad(prim, inputs, tangents, out, args):
    from .._dispatch import apply
    pads, _value = args
    return apply(prim, (tangents[0],), pads, 0.0)  # the padding constant has no tangent


def _from_backward(prim, inputs, tangents, out, args):
    """J t = d/du <backward(u), t>, with the primitive's own derivative formula."""
    from ..ops.creation import ones_like
    from .backward_api import grad
    needs = tuple(t is not None for t in tangents)
    # NOTE: any u gives the same derivative of a linear function; ones, not zeros, keeps formulas that work in
    # log space (logcumsumexp's log|g|) away from their singularity at 0
    u = ones_like(out).requires_grad_(True)
    vjps = _ctx(prim, inputs, out, args, needs).backward(u)
    total = None
    for g, t in zip(vjps, tangents):
        if g is not None and t is not None:
            term = (g.conj() * t).real.sum()  # <g, t> over the reals (conj and real are no-ops on reals)
            total = term if total is None else total + term
    if total is None or not total.requires_grad:
        return None
    tracking = any(x.requires_grad for x in inputs) or any(t.requires_grad for t in tangents if t is not None)
    return grad(total, u, create_graph=tracking)[0]


# ------------------------------------------------------------------------------- the context of a formula

_ctx_classes: dict = {}


def _ctx(prim, inputs: tuple, out: Tensor, args: tuple, needs: tuple):
    """An object a primitive's backward formula accepts as its ctx: the real inputs and output (so that
    the formula's result stays differentiable with respect to them) and the inputs whose gradient we want."""
    cls = _ctx_classes.get(prim)
    if cls is None:
        cls = _ctx_classes[prim] = type(prim.__name__ + "TangentContext", (prim,), {
            "inputs": property(lambda c: c._inputs), "output": property(lambda c: c._output),
            "needs_input_grad": lambda c, i: c._needs[i]})
    ctx = cls.__new__(cls)
    ctx._inputs, ctx._output, ctx._needs = inputs, out, needs
    ctx.args = args
    ctx.metas = tuple([(x._data.shape, x._data.dtype) for x in inputs])
    ctx.next = tuple([True if n else None for n in needs])
    ctx.released = False
    return ctx


def elementwise_primitives() -> list:
    """The differentiable elementwise primitives (broadcasting, diagonal Jacobian), for vmap too."""
    from ..ops import activation, elementwise, elementwise_math, elementwise_rounding, math_extra, special, special_gamma
    prims = [elementwise.Add, elementwise.Sub, elementwise.Mul, elementwise.Div, elementwise.Neg, elementwise.Exp,
             elementwise.Log, elementwise.Pow, elementwise.Where, elementwise_rounding.Step, elementwise_rounding.Frac,
             elementwise_rounding.Remainder, elementwise_rounding.Fmod, special.Erf, special.Erfc, special.Erfinv,
             special.Xlogy, special.Logit, special_gamma.Lgamma, special_gamma.Polygamma, math_extra.I0, math_extra.I1,
             activation.Gelu, activation.Silu, activation.Softplus, activation.Elu]
    for name in dir(elementwise_math):  # every primitive of elementwise_math is elementwise
        prim = getattr(elementwise_math, name)
        if isinstance(prim, type) and prim.__module__ == elementwise_math.__name__ and hasattr(prim, "forward"):
            prims.append(prim)
    return prims


def _families() -> dict:
    from ..ops import (activation, conv, conversion, einsum, elementwise, indexing, joining, linalg, matmul, pool,
                       reduction, scan, scatter_gather, shape, view_scatter, windows)
    rules = {prim: _diagonal for prim in elementwise_primitives()}
    for prim in (shape.Reshape, shape.Expand, shape.Permute, shape.Slice, shape.SliceBackward, shape.Flip,
                 indexing.BasicIndex, indexing.AdvancedIndex, reduction.Sum, scan.Cumsum, conversion.Clone,
                 conversion.ToDevice, elementwise.Cast, elementwise.Neg, linalg.Tril, linalg.Triu, linalg.Diagonal,
                 linalg.DiagonalScatter, joining.Repeat, windows.Unfold, windows.UnfoldBackward, conv.Im2Col,
                 conv.Col2Im, pool.WindowSum, pool.WindowSumT, pool.PlaneGather, scatter_gather.Gather,
                 view_scatter.AsStrided):
        rules[prim] = _linear
    for prim in (joining.Cat, joining.Stack):
        rules[prim] = _joining
    for prim in (matmul.MatMul, einsum.Einsum, conv.Conv, conv.ConvInputGrad, conv.ConvWeightGrad, elementwise.Mul):
        rules[prim] = _multilinear
    rules[activation.Softmax] = _softmax
    rules[activation.LogSoftmax] = _log_softmax
    rules[pool.ConstantPad] = _constant_pad
    rules[pool.FillWindows] = _diagonal  # its backward is the identity
    return rules
