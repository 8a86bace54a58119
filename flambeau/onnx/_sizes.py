"""Sizes that follow the dynamic axes.

A trace bakes the example's sizes into the primitives' arguments (a view's target shape, a zeros state's
shape). The exporter traces again once per dynamic axis, with only that axis's size changed, and compares:
an integer that moved with an axis is expressed as a formula of the axes' sizes at run time, a Sym.
The formulas found are `coeff * (product of the axes it moved with) + offset`, with an offset only for
a single axis (seq_len - 1); a size that fits neither has no formula and is refused where it is used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import OnnxExporterError


class SymbolicSizeUsed(Exception):
    """A translation needed a static int where the size follows a dynamic axis."""

    def __init__(self, sym: "Sym"):
        super().__init__(sym)
        self.sym = sym


@dataclass(frozen=True)
class Sym:
    traced: int                 # the size in the example's trace
    coeff: int | None           # None: no formula fits
    axes: tuple[int, ...]       # the dynamic axes (their index in the export's list) it moves with
    offset: int = 0

    def __index__(self) -> int:
        raise SymbolicSizeUsed(self)

    __int__ = __index__


class TraceMismatch(OnnxExporterError):
    pass


def solve(traced: int, moved: list[int], sizes: list[tuple[int, int]]) -> int | Sym:
    """The size `traced`, which is moved[i] when only dynamic axis i goes from sizes[i][0] to sizes[i][1]."""
    axes = tuple(i for i, v in enumerate(moved) if v != traced)
    if not axes:
        return traced
    base = math.prod(sizes[i][0] for i in axes)
    if all(traced * sizes[i][1] == moved[i] * sizes[i][0] for i in axes) and traced % base == 0:
        return Sym(traced, traced // base, axes)
    if len(axes) == 1:
        (a, b), v = sizes[axes[0]], moved[axes[0]]
        if v - traced == b - a:
            return Sym(traced, 1, axes, traced - a)
    return Sym(traced, None, axes)


def merge(traced: Any, moved: list, sizes: list[tuple[int, int]], where: str) -> Any:
    """`traced` (a decoded argument or a shape) with each int that moved replaced by its Sym."""
    if type(traced) is int:
        if any(type(m) is not int for m in moved):
            raise TraceMismatch(f"{where}: the traced graph changes with the dynamic axes' sizes")
        return solve(traced, moved, sizes)
    if type(traced) in (tuple, list):
        if any(type(m) is not type(traced) or len(m) != len(traced) for m in moved):
            raise TraceMismatch(f"{where}: the traced graph changes with the dynamic axes' sizes")
        return type(traced)(merge(t, [m[i] for m in moved], sizes, where) for i, t in enumerate(traced))
    if type(traced) is dict:
        if any(type(m) is not dict or m.keys() != traced.keys() for m in moved):
            raise TraceMismatch(f"{where}: the traced graph changes with the dynamic axes' sizes")
        return {k: merge(v, [m[k] for m in moved], sizes, where) for k, v in traced.items()}
    if type(traced) is slice and all(type(m) is slice for m in moved):
        parts = merge((traced.start, traced.stop, traced.step), [(m.start, m.stop, m.step) for m in moved], sizes,
                      where)
        return slice(*parts)
    if any(not _same(traced, m) for m in moved):
        raise TraceMismatch(f"{where}: an argument of the traced graph ({traced!r}) changes with the dynamic "
                            f"axes' sizes; it cannot be exported with dynamic axes")
    return traced


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is range:
        return all(_same(x, y) for x, y in zip((a.start, a.stop, a.step), (b.start, b.stop, b.step)))
    return bool(a == b)
