"""torch.func.jvp: forward-mode AD on a private dual level (levels nest, unlike the public forward_ad API)."""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd import _levels
from ..autograd.forward_ad import DualLevel, make_dual_at, unpack_dual_at
from ._pytree import flatten, unflatten
from ._reverse import check_tensors


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """(func(*primals), J tangents[, aux]): the Jacobian-vector product by forward-mode AD."""
    if strict:
        raise RuntimeError("jvp(f, primals, tangents): strict=True is not supported.")
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected {name} to be a tuple. E.g. it should be valid "
                               "to call f(*primals).")
    p_leaves, p_spec = flatten(primals)
    t_leaves, t_spec = flatten(tangents)
    if p_spec.num_leaves != t_spec.num_leaves:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be.")
    check_tensors(p_leaves)
    check_tensors(t_leaves)
    level = DualLevel()
    _levels.push(level)
    try:
        duals = [make_dual_at(level, p, t) for p, t in zip(p_leaves, t_leaves)]
        out = func(*unflatten(duals, p_spec))
        if has_aux:
            if not isinstance(out, tuple) or len(out) != 2:
                raise RuntimeError("jvp(f, primals, tangents): output of function f should be a tuple: "
                                   "(output, aux) if has_aux is True")
            out, aux = out
        out_leaves, out_spec = flatten(out)
        out_tangents = []
        for o in out_leaves:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"jvp(f, primals, tangents): Expected f(*primals) to return only tensors, got "
                                   f"unsupported type {type(o)}")
            out_tangents.append(unpack_dual_at(level, o).tangent)
    finally:
        _levels.pop(level)
    from ..ops.creation import zeros_like
    out_tangents = [t if t is not None else zeros_like(o) for t, o in zip(out_tangents, out_leaves)]
    result = (unflatten(out_leaves, out_spec), unflatten(out_tangents, out_spec))
    return result + (aux,) if has_aux else result
