"""Sizes that follow the dynamic axes: Syms, ints carrying an expression over the axes' sizes.

An expression is flambeau.jit's (flambeau/jit/_symbolic.py): a symbol "s0" (here the size of the export's
dynamic axis 0), an int, or [op, a, b] with op one of + - * // %. A symbolic trace keeps them in its values' dims
and in size arguments ({"sym": expr}). A plain trace bakes the example's sizes in instead: the exporter then traces
again once per dynamic axis, with only that axis's size changed, and an integer that moved with the axes is
expressed as `coeff * (product of those axes' sizes) + offset` (the offset only for one axis: seq_len - 1); a
size that fits neither has no expression and is refused where it is used.
"""
from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass
from typing import Any

from ..jit._symbolic import SizeExpr, evaluate, substitute, symbols_of
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

    __int__ = __index__


def symbol(axis: int) -> str:
    """The symbol of dynamic axis `axis` (its index among the export's dynamic axes)."""
    return f"s{axis}"


def solve(traced: int, moved: list[int], sizes: list[tuple[int, int, int]]) -> int | Sym:
    """The size `traced`, which is moved[i] in a trace with only dynamic axis g moved from a to b, where
    sizes[i] = (g, a, b)."""
    which = [i for i, v in enumerate(moved) if v != traced]
    if not which:
        return traced
    base = math.prod(sizes[i][1] for i in which)
    if all(traced * sizes[i][2] == moved[i] * sizes[i][1] for i in which) and traced % base == 0:
        expr: Any = symbol(sizes[which[0]][0])
        for i in which[1:]:
            expr = ["*", expr, symbol(sizes[i][0])]
        return Sym(traced, json.dumps(expr if traced == base else ["*", traced // base, expr]))
    if len(which) == 1:
        (g, a, b), v = sizes[which[0]], moved[which[0]]
        if v - traced == b - a:
            return Sym(traced, json.dumps(["+", symbol(g), traced - a]))
    return Sym(traced, None)


def from_trace(x: Any, sizes: dict[str, int], rename: dict[str, str]) -> Any:
    """A symbolic trace's dims or decoded arguments with their expressions (strings, [op, a, b] lists, SizeExprs)
    as Syms over the export's symbols: `rename` maps the trace's symbols of dynamic axes to them; the others take
    their example sizes (`sizes`)."""
    if isinstance(x, str) and sizes:  # a dim: a symbol, or the text of an expression ("s0*4"); not another string
        try:
            parsed = parse(x)
        except (SyntaxError, ValueError):
            parsed = None
        if parsed is not None and symbols_of(parsed) and symbols_of(parsed) <= sizes.keys():
            x = SizeExpr(parsed)
    if isinstance(x, SizeExpr):
        expr = x.expr
        kept = substitute(expr, {k: v for k, v in sizes.items() if k not in rename})
        return kept if type(kept) is int else Sym(evaluate(expr, sizes), json.dumps(_renamed(kept, rename)))
    if type(x) in (tuple, list):
        return type(x)(from_trace(a, sizes, rename) for a in x)
    if type(x) is dict:
        return {k: from_trace(a, sizes, rename) for k, a in x.items()}
    if type(x) is slice:
        return slice(*from_trace((x.start, x.stop, x.step), sizes, rename))
    return x


_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%"}


def parse(text: str) -> Any:
    """A dim's text ("s0", "s0*4", "(s0 + 1)//2", as flambeau.jit prints them) as an expression."""
    def expr(node):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return [_OPS[type(node.op)], expr(node.left), expr(node.right)]
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return ["-", 0, expr(node.operand)]
        raise ValueError(f"malformed size expression {text!r}")
    return expr(ast.parse(text, mode="eval").body)


def _renamed(expr: Any, rename: dict[str, str]) -> Any:
    if type(expr) is str:
        return rename[expr]
    if type(expr) is list:
        return [expr[0], _renamed(expr[1], rename), _renamed(expr[2], rename)]
    return expr


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
    if hasattr(a, "expr"):  # a SizeExpr
        return a.expr == b.expr
    if type(a) is range:
        return all(_same(x, y) for x, y in zip((a.start, a.stop, a.step), (b.start, b.stop, b.step)))
    return bool(a == b)
