"""A minimal torch.utils._pytree: flatten nested containers into their leaves and rebuild them.

The containers are list, tuple, namedtuple, dict, OrderedDict, defaultdict and deque, matched by exact type
as PyTorch does (a subclass of dict, or torch.Size, is a leaf). Anything else, None included, is a leaf.
"""
from __future__ import annotations

from collections import OrderedDict, defaultdict, deque
from typing import Any, Callable


def _is_namedtuple(tree: Any) -> bool:
    return isinstance(tree, tuple) and hasattr(type(tree), "_fields")


# type -> (children of a node, its context; rebuild from (children, context))
_NODES: dict[type, tuple[Callable, Callable]] = {
    list: (lambda t: (list(t), None), lambda children, _: list(children)),
    tuple: (lambda t: (list(t), None), lambda children, _: tuple(children)),
    deque: (lambda t: (list(t), t.maxlen), lambda children, maxlen: deque(children, maxlen)),
    dict: (lambda t: (list(t.values()), list(t)), lambda children, keys: dict(zip(keys, children))),
    OrderedDict: (lambda t: (list(t.values()), list(t)), lambda children, keys: OrderedDict(zip(keys, children))),
    defaultdict: (lambda t: (list(t.values()), (t.default_factory, list(t))),
                  lambda children, ctx: defaultdict(ctx[0], zip(ctx[1], children))),
}
_NAMEDTUPLE = (lambda t: (list(t), type(t)), lambda children, cls: cls(*children))


class namedtuple:
    """The spec type of every namedtuple (its own class is the spec's context), as PyTorch prints it."""


def _node_of(tree: Any):
    node = _NODES.get(type(tree))
    if node is None and _is_namedtuple(tree):
        return _NAMEDTUPLE
    return node


class TreeSpec:
    """The structure of a pytree: the container type, its context (keys, class) and its children's specs."""

    def __init__(self, type: type | None, context: Any, children_specs: list["TreeSpec"]) -> None:
        self.type = type
        self.context = context
        self.children_specs = children_specs
        self.num_leaves = 1 if type is None else sum(s.num_leaves for s in children_specs)

    def is_leaf(self) -> bool:
        return self.type is None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TreeSpec) and (self.type, self.context, self.children_specs) == \
            (other.type, other.context, other.children_specs)

    def __repr__(self) -> str:
        if self.is_leaf():
            return "*"
        return f"TreeSpec({self.type.__name__}, {self.context}, {self.children_specs})"

    def unflatten(self, leaves: list) -> Any:
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec refers "
                             f"to a pytree that holds {self.num_leaves} items ({self}).")
        return self._build(iter(leaves))

    def _build(self, leaves):
        if self.is_leaf():
            return next(leaves)
        children = [spec._build(leaves) for spec in self.children_specs]
        rebuild = _NAMEDTUPLE[1] if self.type is namedtuple else _NODES[self.type][1]
        return rebuild(children, self.context)


def LeafSpec() -> TreeSpec:
    return TreeSpec(None, None, [])


def tree_flatten(tree: Any) -> tuple[list, TreeSpec]:
    """The leaves of `tree`, depth first, and the spec that rebuilds it."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> TreeSpec:
    node = _node_of(tree)
    if node is None:
        leaves.append(tree)
        return LeafSpec()
    children, context = node[0](tree)
    spec_type = namedtuple if node is _NAMEDTUPLE else type(tree)
    return TreeSpec(spec_type, context, [_flatten(child, leaves) for child in children])


def tree_unflatten(leaves: list, treespec: TreeSpec) -> Any:
    """The tree of `treespec`'s structure holding `leaves`."""
    if not isinstance(treespec, TreeSpec):
        raise TypeError(f"tree_unflatten(leaves, treespec): Expected `treespec` to be instance of TreeSpec but "
                        f"got item of type {type(treespec)}.")
    return treespec.unflatten(leaves)


def tree_leaves(tree: Any) -> list:
    return tree_flatten(tree)[0]


def tree_map(fn: Callable, tree: Any) -> Any:
    """`tree` with `fn` applied to every leaf."""
    leaves, spec = tree_flatten(tree)
    return spec.unflatten([fn(leaf) for leaf in leaves])


def tree_map_only(cls: type | tuple, fn: Callable, tree: Any) -> Any:
    """`tree` with `fn` applied to the leaves that are instances of `cls`."""
    return tree_map(lambda leaf: fn(leaf) if isinstance(leaf, cls) else leaf, tree)
