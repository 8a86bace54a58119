"""Nested containers of tensors (pytrees): tuples, lists, namedtuples and dicts; anything else is a leaf."""
from __future__ import annotations


class Spec:
    """The structure of a pytree: the container type, its keys and the children's specs (None: a leaf)."""

    __slots__ = ("kind", "keys", "children")

    def __init__(self, kind, keys, children) -> None:
        self.kind, self.keys, self.children = kind, keys, children

    @property
    def num_leaves(self) -> int:
        if self.kind is None:
            return 1
        return sum(c.num_leaves for c in self.children)


LEAF = Spec(None, None, ())


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def flatten(tree) -> tuple[list, Spec]:
    """(leaves in order, spec)."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves: list) -> Spec:
    if isinstance(tree, dict):
        keys = list(tree)
        return Spec(type(tree), keys, [_flatten(tree[k], leaves) for k in keys])
    if isinstance(tree, (tuple, list)):
        return Spec(type(tree), None, [_flatten(x, leaves) for x in tree])
    leaves.append(tree)
    return LEAF


def unflatten(leaves, spec: Spec):
    it = iter(leaves)
    return _build(it, spec)


def _build(it, spec: Spec):
    if spec.kind is None:
        return next(it)
    children = [_build(it, c) for c in spec.children]
    if spec.keys is not None:
        return spec.kind(zip(spec.keys, children))
    if issubclass(spec.kind, tuple) and spec.kind is not tuple:
        return spec.kind(*children)  # a namedtuple
    return spec.kind(children)


def broadcast_prefix(prefix, tree, what: str) -> list:
    """One entry of `prefix` per leaf of `tree`: `prefix` is a leaf (applied to the whole subtree) or a
    container of the same structure as the top of `tree` (vmap's in_dims/out_dims)."""
    out: list = []
    _broadcast(prefix, tree, out, what)
    return out


def _broadcast(prefix, tree, out: list, what: str) -> None:
    if not isinstance(prefix, (tuple, list, dict)):
        out.extend([prefix] * flatten(tree)[1].num_leaves)
        return
    if isinstance(prefix, dict):
        if not isinstance(tree, dict) or set(prefix) != set(tree):
            raise ValueError(f"{what} is a dict whose keys do not match the corresponding input")
        for k in tree:
            _broadcast(prefix[k], tree[k], out, what)
        return
    if not isinstance(tree, (tuple, list)) or len(prefix) != len(tree):
        raise ValueError(f"{what} has a structure that does not match the corresponding input")
    for p, t in zip(prefix, tree):
        _broadcast(p, t, out, what)
