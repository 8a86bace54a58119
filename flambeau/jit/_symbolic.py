"""Symbolic sizes for jit.trace: a dynamic dim of the inputs is a symbol (s0, s1, ...), sizes computed from it are
expressions over the symbols, and a graph keeps those expressions where it needs a size at run time.

An expression, as JSON (the body of the attrs tag {"sym": expr}, flambeau/jit/_attrs.py, and of "shape" guards):
  "s0"                                      a symbol: a dynamic dim of the graph's inputs; the input types name
                                            where each lies (Type.shape holds the symbol's name at that dim)
  7                                         an int
  ["+", a, b]  ["-", a, b]  ["*", a, b]     a and b expressions; "//" and "%" are Python's floor division and
  ["//", a, b]  ["%", a, b]                 modulo (the result takes the divisor's sign)
Evaluating one needs only the sizes of the inputs' dims, so an exporter can rebuild it from Shape/Gather nodes.

While a trace runs, Tensor.shape of a traced tensor gives SymInts: ints carrying their expression, so eager code
runs unchanged and arithmetic on them stays symbolic. Using one as a plain Python number the trace can see
(a comparison, bool(), int(), float(), true division) specialises the symbols it reads: the tracer is told
(`active.pin`) and those dims become exact in the trace's signature.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._dispatch import Primitive

# The tracer recording now (flambeau/jit/_tracer.py), told of every SymInt made and every one read as a number.
active = None

_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv, "%": operator.mod}


def evaluate(expr: Any, sizes: dict) -> int:
    """The value of `expr` for the symbols' `sizes`."""
    if expr.__class__ is int:
        return expr
    if expr.__class__ is str:
        return sizes[expr]
    return _OPS[expr[0]](evaluate(expr[1], sizes), evaluate(expr[2], sizes))


def symbols_of(expr: Any) -> set:
    if expr.__class__ is str:
        return {expr}
    if expr.__class__ is list:
        return symbols_of(expr[1]) | symbols_of(expr[2])
    return set()


def text(expr: Any) -> str:
    """`expr` as Python source: s0*4, (s0 + 1)//2."""
    if expr.__class__ is not list:
        return str(expr)
    op, a, b = expr
    rank = _RANK[op]
    left = f"({text(a)})" if a.__class__ is list and _RANK[a[0]] < rank else text(a)
    right = text(b)
    if b.__class__ is list and (_RANK[b[0]] < rank or _RANK[b[0]] == rank and not (op in "+*" and b[0] == op)):
        right = f"({right})"
    return f"{left} {op} {right}" if rank == 1 else f"{left}{op}{right}"


_RANK = {"+": 1, "-": 1, "*": 2, "//": 2, "%": 2}


def check(expr: Any) -> Any:
    """`expr` if it is a well-formed expression; ValueError otherwise (a file is checked before it runs)."""
    if expr.__class__ is str and expr.isidentifier() or expr.__class__ is int:
        return expr
    if expr.__class__ is list and len(expr) == 3 and expr[0] in _OPS:
        check(expr[1])
        check(expr[2])
        return expr
    raise ValueError(f"malformed size expression {expr!r:.80}")


class SizeExpr:
    """A decoded {"sym": expr} argument: the interpreter evaluates it for each run's input sizes."""
    __slots__ = ("expr",)

    def __init__(self, expr: Any):
        self.expr = expr

    def __repr__(self) -> str:
        return text(self.expr)


def _plain(x) -> int:
    return int.__int__(x) if isinstance(x, SymInt) else x


def _expr(x) -> Any:
    return x.expr if isinstance(x, SymInt) else x


def _arithmetic(op: str):
    fn = _OPS[op]

    def forward(self, other):
        if not isinstance(other, int) or other.__class__ is bool:
            return NotImplemented
        if other.__class__ is int and (op in "+-" and other == 0 or op in ("*", "//") and other == 1):
            return self
        return SymInt(fn(int.__int__(self), _plain(other)), [op, self.expr, _expr(other)])

    def reflected(self, other):
        if not isinstance(other, int) or other.__class__ is bool:
            return NotImplemented
        if op == "+" and other == 0 or op == "*" and other == 1:
            return self
        return SymInt(fn(other, int.__int__(self)), [op, other, self.expr])
    return forward, reflected


def _comparison(fn):
    def compare(self, other):
        if not isinstance(other, (int, float)):
            return NotImplemented
        if isinstance(other, SymInt) and other.expr == self.expr:
            return fn(0, 0)  # the same expression: the answer holds for every size
        if not isinstance(other, SymInt):
            low = _lower_bound(self.expr)
            if low is not None and (low > other or low == other and fn in (operator.lt, operator.ge)):
                return fn(low, other)  # the same answer for every size a dynamic dim may take
        _pin(self, other)
        return fn(int.__int__(self), _plain(other))
    return compare


def _lower_bound(expr: Any) -> int | None:
    """A least value of `expr` (None: not known) where each symbol is at least 2: a dynamic dim takes sizes from 2
    up (sizes 0 and 1 broadcast, index and branch differently: a trace at such a size keeps them exact)."""
    if expr.__class__ is str:
        return 2
    if expr.__class__ is int:
        return expr
    a, b = _lower_bound(expr[1]), _lower_bound(expr[2])
    if a is None or b is None or a < 0 or b < 0 or expr[0] not in ("+", "*"):
        return None
    return a + b if expr[0] == "+" else a * b


def _pin(*values) -> None:
    if active is not None:
        active.pin(set().union(*(symbols_of(v.expr) for v in values if isinstance(v, SymInt))))


class SymInt(int):
    """An int computed from dynamic dims: `expr` says how (an expression over the symbols, see above)."""

    def __new__(cls, value: int, expr: Any) -> "SymInt":
        self = int.__new__(cls, value)
        self.expr = expr
        if active is not None:
            active.note(self)
        return self

    __add__, __radd__ = _arithmetic("+")
    __sub__, __rsub__ = _arithmetic("-")
    __mul__, __rmul__ = _arithmetic("*")
    __floordiv__, __rfloordiv__ = _arithmetic("//")
    __mod__, __rmod__ = _arithmetic("%")

    def __neg__(self) -> "SymInt":
        return SymInt(-int.__int__(self), ["-", 0, self.expr])

    def __pos__(self) -> "SymInt":
        return self

    __eq__ = _comparison(operator.eq)
    __ne__ = _comparison(operator.ne)
    __lt__ = _comparison(operator.lt)
    __le__ = _comparison(operator.le)
    __gt__ = _comparison(operator.gt)
    __ge__ = _comparison(operator.ge)
    __hash__ = int.__hash__

    def __bool__(self) -> bool:
        low = _lower_bound(self.expr)
        if low is None or low < 1:
            _pin(self)
        return int.__int__(self) != 0

    def __int__(self) -> int:
        _pin(self)
        return int.__int__(self)

    def __float__(self) -> float:
        _pin(self)
        return float(int.__int__(self))

    def __truediv__(self, other):
        _pin(self, other)
        return int.__int__(self) / _plain(other)

    def __rtruediv__(self, other):
        _pin(self)
        return other / int.__int__(self)

    def __pow__(self, other, modulo=None):
        _pin(self, other)
        return pow(int.__int__(self), _plain(other), modulo)


class Full(Primitive):
    """A tensor of one value whose shape follows dynamic dims (torch.zeros(batch, n) in traced code): what the
    tracer records in place of such a captured constant. ONNX: ConstantOfShape."""

    @staticmethod
    def forward(shape: tuple, value, dtype) -> np.ndarray:
        return np.full(shape, value, dtype=dtype)
