"""Sizes that follow the dynamic axes: Syms, ints carrying an expression over the axes' sizes.

A trace bakes the example's sizes into the primitives' arguments (a view's target shape) and into the constants
it captures (an RNN's zero state). The exporter traces again twice per dynamic axis, with only that axis's size
moved, and compares: an integer that moved with the axes is expressed as `coeff * (product of those axes'
sizes) + offset` (the offset only for one axis: seq_len - 1), a size that fits neither has no expression and is
refused where it is used. An expression is flambeau.jit's form (flambeau/jit/_symbolic.py) as JSON: a symbol
"s0" (the size of the export's dynamic axis 0), an int, or ["+" | "*", a, b].
"""
from __future__ import annotations

import json
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
    traced: int              # the size in the example's trace
    expr: str | None         # its expression as JSON; None: no expression fits

    def __index__(self) -> int:
        raise SymbolicSizeUsed(self)

    # arithmetic or an order on it: a translation treating the size as static
    __int__ = __mul__ = __rmul__ = __add__ = __radd__ = __sub__ = __rsub__ = __floordiv__ = __mod__ = __index__
    __lt__ = __le__ = __gt__ = __ge__ = lambda self, other: self.__index__()


def traced(size: int | Sym) -> int:
    """The example's size: for a translation's static attributes that hold at every size (ceil mode)."""
    return size.traced if isinstance(size, Sym) else size


def symbol(axis: int) -> str:
    """The symbol of dynamic axis `axis` (its index among the export's dynamic axes)."""
    return f"s{axis}"


def solve(traced: int, moved: list[int], sizes: list[tuple[int, int, int]]) -> int | Sym:
    """The size `traced`, which is moved[i] in the trace with only dynamic axis g moved from a to b, where
    sizes[i] = (g, a, b). Each axis is traced at two other sizes, so that a formula fitted on one is checked on
    the other (a stride-2 pooling's output size keeps still at one size in two)."""
    points: dict[int, list] = {}   # axis -> (a, b, the size at b)
    for (g, a, b), v in zip(sizes, moved):
        points.setdefault(g, []).append((a, b, v))
    axes = [g for g, p in points.items() if any(v != traced for _, _, v in p)]
    if not axes:
        return traced
    base = math.prod(points[g][0][0] for g in axes)
    if traced % base == 0 and all(v * a == traced * b for g in axes for a, b, v in points[g]):
        expr: Any = symbol(axes[0])
        for g in axes[1:]:
            expr = ["*", expr, symbol(g)]
        return Sym(traced, json.dumps(expr if traced == base else ["*", traced // base, expr]))
    if len(axes) == 1 and all(v - traced == b - a for a, b, v in points[axes[0]]):
        return Sym(traced, json.dumps(["+", symbol(axes[0]), traced - points[axes[0]][0][0]]))
    return Sym(traced, None)


class TraceMismatch(OnnxExporterError):
    pass


def merge(traced: Any, moved: list, sizes: list[tuple[int, int, int]], where: str) -> Any:
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
