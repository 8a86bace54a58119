"""torch.func's reverse-mode transforms: grad, grad_and_value, vjp.

Each call differentiates with the ordinary autograd engine on fresh leaves standing for the inputs. The
backward keeps its graph (create_graph) whenever something outside may differentiate the result again: an
enclosing grad transform, inputs that already require grad, or an active transform level (vmap, jvp), under
which derivative formulas must run as flambeau ops, never as their array shortcuts.
"""
from __future__ import annotations

import functools

from .._tensor import Tensor
from ..autograd import _levels
from ..autograd.backward_api import grad as autograd_grad
from ..autograd.grad_mode import enable_grad
from ._pytree import flatten, unflatten

_depth = [0]  # grad transforms being evaluated (an inner one keeps its graph for the outer one)


def check_tensors(leaves: list) -> None:
    for x in leaves:
        if not isinstance(x, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")


def track(x: Tensor) -> Tensor:
    """A leaf standing for `x` whose gradient can be taken; linked to x's own graph when x has one."""
    return x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True)


def needs_graph(leaves: list) -> tuple[bool, bool]:
    """(keep the graph of the backward, the result is differentiated again by an outer transform)."""
    outer = _depth[0] > 0 or any(x.requires_grad for x in leaves)
    return outer or bool(_levels.active_levels()), outer


def _positions(argnums, n_args: int) -> tuple:
    items = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not items:
        raise RuntimeError("argnums must be non-empty")
    if len(set(items)) != len(items):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    for a in items:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
    return tuple(a % n_args for a in items)


def _split_aux(out, has_aux: bool, api: str):
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise RuntimeError(f"{api}(f)(*args): output of function f should be a tuple: (output, aux) if has_aux is True")
    return out


def _finish(t, outer: bool):
    return t if outer or not isinstance(t, Tensor) else _levels.detach_everywhere(t)


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """A function returning (gradient of func with respect to the args at argnums, func's value)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions = _positions(argnums, len(args))
        diff = args[positions[0]] if isinstance(argnums, int) else tuple(args[i] for i in positions)
        leaves, spec = flatten(diff)
        check_tensors(leaves)
        create_graph, outer = needs_graph(leaves)
        _depth[0] += 1
        try:
            with enable_grad():
                tracked = [track(x) for x in leaves]
                new_args = list(args)
                inner = unflatten(tracked, spec)
                if isinstance(argnums, int):
                    new_args[positions[0]] = inner
                else:
                    for i, value in zip(positions, inner):
                        new_args[i] = value
                out, aux = _split_aux(func(*new_args, **kwargs), has_aux, "grad_and_value")
                if not isinstance(out, Tensor):
                    raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
                if out.dim() != 0:
                    raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                       f"tensor with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                       "instead?")
                grads = _grads(out, tracked, None, create_graph, retain=False)
        finally:
            _depth[0] -= 1
        grads = unflatten([_finish(g, outer) for g in grads], spec)
        value = _finish(out, outer)
        if has_aux:
            aux_leaves, aux_spec = flatten(aux)
            return grads, (value, unflatten([_finish(a, outer) for a in aux_leaves], aux_spec))
        return grads, value

    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """A function returning the gradient of the scalar func with respect to the args at argnums."""
    both = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = both(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def _grads(outputs, inputs: list, cotangents, create_graph: bool, retain: bool) -> list:
    """d outputs / d inputs (zeros where an input is unused)."""
    from ..ops.creation import zeros_like
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    pairs = [(o, c) for o, c in zip(outputs, cotangents or [None] * len(outputs)) if o.requires_grad]
    if pairs:
        outs, cots = zip(*pairs)
        grads = autograd_grad(outs, inputs, None if cotangents is None else cots, retain_graph=retain or None,
                              create_graph=create_graph, allow_unused=True)
    else:
        grads = [None] * len(inputs)
    return [g if g is not None else zeros_like(x) for g, x in zip(grads, inputs)]


def vjp(func, *primals, has_aux: bool = False):
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents) gives one gradient per primal."""
    leaves, spec = flatten(primals)
    check_tensors(leaves)
    keep_graph, outer = needs_graph(leaves)
    with enable_grad():
        tracked = [track(x) for x in leaves]
        out, aux = _split_aux(func(*unflatten(tracked, spec)), has_aux, "vjp")
    out_leaves, out_spec = flatten(out)
    for o in out_leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"vjp(f, *primals): Expected f to be a function that has non-empty Tensor outputs, "
                               f"got {type(o)}")

    def vjp_fn(cotangents, *, retain_graph: bool = True, create_graph: bool | None = None):
        cot_leaves, cot_spec = flatten(cotangents)
        if cot_spec.num_leaves != out_spec.num_leaves:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               "outputs to the function")
        for c, o in zip(cot_leaves, out_leaves):
            if c.shape != o.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {c.shape} and output[0] has "
                                   f"a shape of {o.shape}.")
        # called inside a transform (vmap of vjp_fn, as jacrev does in PyTorch), formulas must run as ops
        keep = bool(create_graph) or keep_graph or bool(_levels.active_levels())
        with enable_grad():
            grads = _grads(out_leaves, tracked, cot_leaves, keep, retain=retain_graph)
        return unflatten([_finish(g, outer) for g in grads], spec)

    result = unflatten([_finish(o, outer) for o in out_leaves], out_spec)
    if has_aux:
        aux_leaves, aux_spec = flatten(aux)
        return result, vjp_fn, unflatten([_finish(a, outer) for a in aux_leaves], aux_spec)
    return result, vjp_fn
