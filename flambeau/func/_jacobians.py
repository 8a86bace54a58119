"""torch.func.jacrev, jacfwd and hessian: Jacobians as vmapped vector-Jacobian products (one row per output
element) or vmapped Jacobian-vector products (one column per input element), as in PyTorch.

The Jacobian of an output leaf o with respect to an input leaf x has shape o.shape + x.shape. The result
nests like torch.func's: the output's structure, each leaf holding the structure of the differentiated
argument(s) (a tuple of them when argnums is a tuple).
"""
from __future__ import annotations

import functools

from .._tensor import Tensor
from ._forward import jvp
from ._pytree import flatten, unflatten
from ._reverse import _positions, check_tensors, vjp
from ._vmap import vmap


def _basis(like: Tensor) -> Tensor:
    """The one-hot tensors shaped like `like`, stacked: (like.numel(), *like.shape)."""
    from ..ops.creation import eye
    n = like.numel()
    return eye(n, dtype=like.dtype, device=like.device).reshape((n,) + tuple(like.shape))


def _diff_args(args: tuple, argnums):
    positions = _positions(argnums, len(args))
    diff = args[positions[0]] if isinstance(argnums, int) else tuple(args[i] for i in positions)
    return positions, diff


def _with_args(args: tuple, argnums, positions: tuple, diff) -> list:
    new_args = list(args)
    if isinstance(argnums, int):
        new_args[positions[0]] = diff
    else:
        for i, value in zip(positions, diff):
            new_args[i] = value
    return new_args


def _assemble(per_output: list, out_spec, in_spec):
    return unflatten([unflatten(jacs, in_spec) for jacs in per_output], out_spec)


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size: int | None = None):
    """The Jacobian of func with respect to the args at argnums, one vector-Jacobian product per output element."""
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions, diff = _diff_args(args, argnums)
        in_leaves, in_spec = flatten(diff)

        def over_diff(*leaves):
            return func(*_with_args(args, argnums, positions, unflatten(leaves, in_spec)), **kwargs)

        result = vjp(over_diff, *in_leaves, has_aux=has_aux)
        out, vjp_fn = result[0], result[1]
        out_leaves, out_spec = flatten(out)
        per_output = []
        for j, o in enumerate(out_leaves):
            def row(e, j=j):  # the vector-Jacobian product of one basis cotangent of output j
                cot = [e if k == j else o2.new_zeros(o2.shape) for k, o2 in enumerate(out_leaves)]
                return tuple(vjp_fn(unflatten(cot, out_spec)))
            rows = vmap(row, chunk_size=chunk_size)(_basis(o)) if o.numel() else None
            per_output.append([_to_jacobian(rows[k] if rows else None, o, x, rows_first=True)
                               for k, x in enumerate(in_leaves)])
        jac = _assemble(per_output, out_spec, in_spec)
        return (jac, result[2]) if has_aux else jac

    return wrapper


def _to_jacobian(parts: Tensor | None, out: Tensor, x: Tensor, rows_first: bool) -> Tensor:
    """The (out.shape + x.shape) Jacobian from vmapped products: (out.numel(), *x.shape) rows, or
    (x.numel(), *out.shape) columns; None when there is no element to map over."""
    shape = tuple(out.shape) + tuple(x.shape)
    if parts is None:
        return x.new_zeros(shape)
    if not rows_first:
        parts = parts.reshape(x.numel(), out.numel()).t()
    return parts.reshape(shape)


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """The Jacobian of func with respect to the args at argnums, one Jacobian-vector product per input element."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        positions, diff = _diff_args(args, argnums)
        in_leaves, in_spec = flatten(diff)
        check_tensors(in_leaves)

        def over_diff(*leaves):
            return func(*_with_args(args, argnums, positions, unflatten(leaves, in_spec)), **kwargs)

        out = over_diff(*in_leaves)
        out, aux = out if has_aux else (out, None)
        out_leaves, out_spec = flatten(out)
        columns = []  # per input leaf: the output leaves' tangents, one per basis tangent of that leaf
        for k, x in enumerate(in_leaves):
            def column(e, k=k):
                tangents = tuple(e if i == k else y.new_zeros(y.shape) for i, y in enumerate(in_leaves))
                return tuple(flatten(jvp(over_diff, tuple(in_leaves), tangents, has_aux=has_aux)[1])[0])
            columns.append(vmap(column, randomness=randomness)(_basis(x)) if x.numel() else None)
        per_output = [[_to_jacobian(columns[k][j] if columns[k] else None, o, x, rows_first=False)
                       for k, x in enumerate(in_leaves)] for j, o in enumerate(out_leaves)]
        jac = _assemble(per_output, out_spec, in_spec)
        return (jac, aux) if has_aux else jac

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar func: forward-mode Jacobian of the reverse-mode gradient (jacfwd(jacrev))."""
    return jacfwd(jacrev(func, argnums), argnums)
