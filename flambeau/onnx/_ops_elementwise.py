"""Elementwise primitives -> ONNX: unary and binary math, comparisons, casts, clamp, where."""
from __future__ import annotations

import math

import numpy as np

from ..jit._attrs import numpy_dtype
from ._builder import tensor_type

_E = "flambeau.ops.elementwise."
_M = "flambeau.ops.elementwise_math."

# primitive -> the ONNX operator of the same meaning
_UNARY = {_E + "Neg": "Neg", _E + "Exp": "Exp", _E + "Log": "Log", _M + "Abs": "Abs", _M + "Sign": "Sign",
          _M + "Reciprocal": "Reciprocal", _M + "Sqrt": "Sqrt", _M + "Sin": "Sin", _M + "Cos": "Cos",
          _M + "Tan": "Tan", _M + "Asin": "Asin", _M + "Acos": "Acos", _M + "Atan": "Atan", _M + "Sinh": "Sinh",
          _M + "Cosh": "Cosh", _M + "Tanh": "Tanh", _M + "Asinh": "Asinh", _M + "Acosh": "Acosh",
          _M + "Atanh": "Atanh", _M + "Sigmoid": "Sigmoid", _M + "Relu": "Relu", _E + "LogicalNot": "Not",
          _E + "BitwiseNot": "BitwiseNot", "flambeau.ops.special.Erf": "Erf"}

# arithmetic: the inputs are cast to the result's dtype
_ARITHMETIC = {_E + "Add": "Add", _E + "Sub": "Sub", _E + "Mul": "Mul", _E + "Div": "Div", _E + "Pow": "Pow",
               _M + "Maximum": "Max", _M + "Minimum": "Min", _E + "BitwiseAnd": "BitwiseAnd",
               _E + "BitwiseOr": "BitwiseOr", _E + "BitwiseXor": "BitwiseXor", _E + "LogicalAnd": "And",
               _E + "LogicalOr": "Or", _E + "LogicalXor": "Xor"}

# comparisons: the inputs are cast to their common dtype, the result is bool
_COMPARE = {_E + "Equal": "Equal", _E + "Less": "Less", _E + "LessEqual": "LessOrEqual",
            _E + "Greater": "Greater", _E + "GreaterEqual": "GreaterOrEqual"}


def _unary(op_type: str):
    return lambda b, c: b.op(op_type, c.inputs)


def _arithmetic(op_type: str):
    def translate(b, c):
        if op_type == "Pow":  # ONNX's Pow keeps the base's type: only the base need be the result's dtype
            return b.op("Pow", [b.cast(c.inputs[0], c.dtypes[0], c.out_dtype), c.inputs[1]])
        return b.op(op_type, [b.cast(n, d, c.out_dtype) for n, d in zip(c.inputs, c.dtypes)])
    return translate


def _compare(op_type: str):
    def translate(b, c):
        common = np.result_type(*[numpy_dtype(d) for d in c.dtypes]).name
        return b.op(op_type, [b.cast(n, d, common) for n, d in zip(c.inputs, c.dtypes)])
    return translate


def not_equal(b, c):
    return b.op("Not", [_compare("Equal")(b, c)])


def rsqrt(b, c):
    return b.op("Reciprocal", [b.op("Sqrt", c.inputs)])


def expm1(b, c):
    return b.op("Sub", [b.op("Exp", c.inputs), b.scalar(1, c.out_dtype)])


def log1p(b, c):
    return b.op("Log", [b.op("Add", [c.inputs[0], b.scalar(1, c.out_dtype)])])


def log2(b, c):
    return b.op("Div", [b.op("Log", c.inputs), b.scalar(math.log(2), c.out_dtype)])


def log10(b, c):
    return b.op("Div", [b.op("Log", c.inputs), b.scalar(math.log(10), c.out_dtype)])


def exp2(b, c):
    return b.op("Pow", [b.scalar(2, c.out_dtype), c.inputs[0]])


def cast(b, c):
    return b.op("Cast", c.inputs, to=tensor_type(b.onnx, c.out_dtype))


def clamp_scalar(b, c):
    lo, hi = c.args
    bounds = ["" if v is None else b.scalar(v, c.out_dtype) for v in (lo, hi)]
    while bounds and bounds[-1] == "":
        bounds.pop()
    return b.op("Clip", [c.inputs[0], *bounds])


def where(b, c):
    cond, x, y = c.inputs
    return b.op("Where", [b.cast(cond, c.dtypes[0], "bool"), b.cast(x, c.dtypes[1], c.out_dtype),
                          b.cast(y, c.dtypes[2], c.out_dtype)])


TABLE = {**{k: _unary(v) for k, v in _UNARY.items()}, **{k: _arithmetic(v) for k, v in _ARITHMETIC.items()},
         **{k: _compare(v) for k, v in _COMPARE.items()},
         _E + "NotEqual": not_equal, _M + "Rsqrt": rsqrt, _M + "Expm1": expm1, _M + "Log1p": log1p,
         _M + "Log2": log2, _M + "Log10": log10, _M + "Exp2": exp2, _E + "Cast": cast, _M + "ClampScalar": clamp_scalar,
         _E + "Where": where}
