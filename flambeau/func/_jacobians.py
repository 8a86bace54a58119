"""torch.func.jacrev, jacfwd and hessian: Jacobians row by row (reverse) or column by column (forward).

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


def _basis(like: Tensor, index: int) -> Tensor:
    from ..ops.creation import zeros
    e = zeros(like._data.size, dtype=like.dtype, device=like.device)
    e[index] = 1
    return e.reshape(like.shape)


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
        from ..ops.joining import stack
        positions, diff = _diff_args(args, argnums)
        in_leaves, in_spec = flatten(diff)

        def over_diff(*leaves):
            return func(*_with_args(args, argnums, positions, unflatten(leaves, in_spec)), **kwargs)

        result = vjp(over_diff, *in_leaves, has_aux=has_aux)
        out, vjp_fn = result[0], result[1]
        out_leaves, out_spec = flatten(out)
        per_output = []
        for j, o in enumerate(out_leaves):
            rows = []
            for e in range(o.numel()):
                cot = [_basis(o2, e) if k == j else o2.new_zeros(o2.shape) for k, o2 in enumerate(out_leaves)]
                rows.append(vjp_fn(unflatten(cot, out_spec)))
            per_output.append([_rows_to_jacobian(stack, [r[k] for r in rows], o, x) for k, x in enumerate(in_leaves)])
        jac = _assemble(per_output, out_spec, in_spec)
        return (jac, result[2]) if has_aux else jac

    return wrapper


def _rows_to_jacobian(stack, rows: list, out: Tensor, x: Tensor) -> Tensor:
    if not rows:
        return x.new_zeros(tuple(out.shape) + tuple(x.shape))
    return stack(rows).reshape(tuple(out.shape) + tuple(x.shape))


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """The Jacobian of func with respect to the args at argnums, one Jacobian-vector product per input element."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..ops.joining import stack
        positions, diff = _diff_args(args, argnums)
        in_leaves, in_spec = flatten(diff)
        check_tensors(in_leaves)

        def over_diff(*leaves):
            return func(*_with_args(args, argnums, positions, unflatten(leaves, in_spec)), **kwargs)

        columns = []  # per input leaf: per element, the tangents of the output leaves
        out = aux = None
        for k, x in enumerate(in_leaves):
            cols = []
            for e in range(x.numel()):
                tangents = tuple(_basis(x, e) if i == k else y.new_zeros(y.shape) for i, y in enumerate(in_leaves))
                result = jvp(over_diff, tuple(in_leaves), tangents, has_aux=has_aux)
                out, aux = result[0], (result[2] if has_aux else None)
                cols.append(flatten(result[1])[0])
            columns.append(cols)
        if out is None:  # no input element at all: evaluate once for the output's shape
            out = over_diff(*in_leaves)
            out, aux = out if has_aux else (out, None)
        out_leaves, out_spec = flatten(out)
        per_output = []
        for j, o in enumerate(out_leaves):
            jacs = []
            for k, x in enumerate(in_leaves):
                cols = [c[j] for c in columns[k]]
                if cols:
                    jac = stack(cols, dim=-1).reshape(tuple(o.shape) + tuple(x.shape))
                else:
                    jac = o.new_zeros(tuple(o.shape) + tuple(x.shape))
                jacs.append(jac)
            per_output.append(jacs)
        jac = _assemble(per_output, out_spec, in_spec)
        return (jac, aux) if has_aux else jac

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar func: forward-mode Jacobian of the reverse-mode gradient (jacfwd(jacrev))."""
    return jacfwd(jacrev(func, argnums), argnums)
