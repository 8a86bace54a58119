"""Transform levels interposed at the dispatch point: forward-mode AD (a dual level) and vmap.

Levels form a stack. While one is active, `_dispatch.apply` hands every primitive call to the innermost
level's `handle`; a level computes what it needs from the levels under it with `below` (one primitive)
or inside `lowered` (any code), during which the next level out is the one that sees the calls. So levels
compose: jvp of vmap, vmap of jvp, nested vmap, forward over reverse.

A level keeps what it attaches to tensors (a tangent, a batch) in a table keyed by the tensor's array:
a Tensor's array is its identity for the ops (a saved output is rewrapped from its array), and the table
holds the array itself, so an id is never reused while its entry lives. The table goes with the level.
"""
from __future__ import annotations

import contextlib

from .. import _dispatch
from .._tensor import Tensor

_stack: list = []


class Level:
    """One transform level; subclasses implement handle(prim, inputs, args) -> the result Tensor, or the
    result's array for _dispatch.apply to wrap."""

    def __init__(self) -> None:
        self.table: dict = {}  # id(array) -> (array, what this level attaches to it)
        self.lower = None      # the level under this one while it is active
        self.active = False

    def handle(self, prim, inputs: tuple, args: tuple):
        raise NotImplementedError

    def lookup(self, t: Tensor):
        """What this level attached to `t` (None if nothing)."""
        return self.lookup_array(t._data)

    def lookup_array(self, arr):
        """What this level attached to the tensors of array `arr` (None if nothing)."""
        entry = self.table.get(id(arr))
        return entry[1] if entry is not None and entry[0] is arr else None

    def host_read(self, t: Tensor, what: str) -> None:
        """`t`'s value is about to be read on the host (item, tolist): a level may refuse (vmap)."""
        if self.lower is not None:
            self.lower.host_read(t, what)

    def random_draw(self, batched_by_rule: bool = False) -> None:
        """A random operation is about to draw on arrays: a level may refuse (vmap's randomness='error').
        batched_by_rule: the drawing primitive has a batching rule that draws for the whole batch."""
        if self.lower is not None:
            self.lower.random_draw(batched_by_rule)

    def random_call(self, fn, args: tuple, kwargs: dict):
        """A public random function (ops.random.vmap_draws) called while this level is active: a level may
        run it its own way (vmap: per sample, or once for all)."""
        with self.lowered():
            return fn(*args, **kwargs)

    def batched_call(self, fn, args: tuple, kwargs: dict):
        """A function that treats leading dims as batch dims (linalg.batched_over_leading_dims) called while
        this level is active: a level may hand it its batch as one more leading dim (vmap)."""
        return fn(*args, **kwargs)

    def inplace(self, t: Tensor, result: Tensor) -> None:
        """`result` was written into `t` in place: update what this level attached to `t`, then the levels
        below do the same."""
        if self.lower is not None:
            self.lower.inplace(t, result)

    def detach_attached(self, t: Tensor) -> None:
        """Drop the autograd history of what this level attached to `t` (a detached result of an inner
        transform must not be differentiable through the levels below either)."""

    def attached(self, inputs: tuple) -> list | None:
        """What this level attached to each input (None where nothing), or None if to no input at all."""
        table = self.table
        found = None
        for i, t in enumerate(inputs):
            entry = table.get(id(t._data))
            if entry is not None and entry[0] is t._data:
                if found is None:
                    found = [None] * len(inputs)
                found[i] = entry[1]
        return found

    def attach(self, t: Tensor, value) -> None:
        self.table[id(t._data)] = (t._data, value)

    def below(self, prim, inputs: tuple, args: tuple) -> Tensor:
        """`prim` applied as the levels under this one see it."""
        with self.lowered():
            return _dispatch.apply(prim, inputs, *args)

    @contextlib.contextmanager
    def lowered(self):
        prev = _dispatch.interpose
        lower = self.lower
        _dispatch.interpose = lower.handle if lower is not None else None
        try:
            yield
        finally:
            _dispatch.interpose = prev


def push(level: Level) -> None:
    # NOTE: a level entered while another one is lowered (a transform called inside a batching rule)
    # sits on the level that is current then, not on the top of the stack
    current = _dispatch.interpose
    level.lower = current.__self__ if current is not None else None
    level.active = True
    _stack.append(level)
    _dispatch.interpose = level.handle


def pop(level: Level) -> None:
    if not _stack or _stack[-1] is not level:
        raise RuntimeError("transform levels must be exited in the reverse order they were entered")
    _stack.pop()
    level.active = False
    level.table = {}
    lower = level.lower
    _dispatch.interpose = lower.handle if lower is not None else None


def detach_everywhere(t: Tensor) -> Tensor:
    """t.detach(), and what the active levels attached to it detached too."""
    t = t.detach()
    for level in _stack:
        level.detach_attached(t)
    return t


def active_levels() -> list:
    """The levels currently entered, outermost first."""
    return list(_stack)
