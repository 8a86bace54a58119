"""The nesting of a traced function's inputs and outputs as JSON: tuples, lists and str-keyed dicts of leaves.

Leaves come from flambeau.utils._pytree. A tensor leaf is {"tensor": i} (the i-th graph input or output);
any other leaf must be a JSON value and is kept as it is: the trace specialised on it.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..utils._pytree import TreeSpec, tree_flatten


def flatten(tree: Any) -> tuple[list[Tensor], Any]:
    """The tensors of `tree`, in order, and its JSON spec."""
    leaves, spec = tree_flatten(tree)
    tensors: list[Tensor] = []
    return tensors, _encode(spec, iter(leaves), tensors)


def _encode(spec: TreeSpec, leaves, tensors: list) -> Any:
    if spec.is_leaf():
        leaf = next(leaves)
        if isinstance(leaf, Tensor):
            tensors.append(leaf)
            return {"tensor": len(tensors) - 1}
        if leaf is None or type(leaf) in (bool, int, float, str):
            return {"leaf": leaf}
        raise TypeError(f"jit.trace: inputs and outputs must be tensors, numbers, strings or None nested in "
                        f"tuples, lists and dicts, not {type(leaf).__name__}")
    children = [_encode(s, leaves, tensors) for s in spec.children_specs]
    if spec.type in (tuple, list):
        return {spec.type.__name__: children}
    if spec.type is dict and all(type(k) is str for k in spec.context):
        return {"dict": dict(zip(spec.context, children))}
    raise TypeError(f"jit.trace: a {spec.type.__name__} in the inputs or outputs is not supported (tuple, list or "
                    f"a dict with str keys)")


def unflatten(spec: Any, tensors: list) -> Any:
    """The tree of `spec` holding `tensors`."""
    (tag, body), = spec.items()
    if tag == "tensor":
        return tensors[body]
    if tag == "leaf":
        return body
    if tag == "dict":
        return {k: unflatten(v, tensors) for k, v in body.items()}
    children = [unflatten(s, tensors) for s in body]
    return tuple(children) if tag == "tuple" else children
