"""Elementwise arithmetic: primitives (forward on arrays + derivative formula) and their public functions.

Derivative formulas are written in flambeau ops so that create_graph=True gives higher-order
gradients. Broadcast gradients are summed back to each input's shape by the engine.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply, update_inplace
from .._tensor import Tensor
from ._promote import promote, result_dtype

_FLOAT32 = np.dtype(np.float32)


# ------------------------------------------------------------------------------- primitives

class Cast(Primitive):
    @staticmethod
    def forward(x, np_dtype):
        return x.astype(np_dtype)

    def backward(ctx, g):
        return (g,)  # the engine casts the gradient back to the input's dtype


class Add(Primitive):
    forward = staticmethod(np.add)

    def backward(ctx, g):
        return g, g


class Sub(Primitive):
    forward = staticmethod(np.subtract)

    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad(1) else None)


class Mul(Primitive):
    save_inputs = True
    forward = staticmethod(np.multiply)

    def backward(ctx, g):
        a, b = ctx.inputs
        return (g * b if ctx.needs_input_grad(0) else None), (g * a if ctx.needs_input_grad(1) else None)


class Div(Primitive):
    save_inputs = True
    forward = staticmethod(np.true_divide)

    def backward(ctx, g):
        a, b = ctx.inputs
        ga = g / b if ctx.needs_input_grad(0) else None
        gb = -g * a / (b * b) if ctx.needs_input_grad(1) else None
        return ga, gb


class Neg(Primitive):
    forward = staticmethod(np.negative)

    def backward(ctx, g):
        return (-g,)


class Exp(Primitive):
    save_output = True
    forward = staticmethod(np.exp)

    def backward(ctx, g):
        return (g * ctx.output,)


class Log(Primitive):
    save_inputs = True
    forward = staticmethod(np.log)

    def backward(ctx, g):
        return (g / ctx.inputs[0],)


class Pow(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(a, b):
        if b.dtype.kind in "iu" and a.dtype.kind in "iu" and (b < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return np.power(a, b)

    def backward(ctx, g):
        a, b = ctx.inputs
        ga = gb = None
        if ctx.needs_input_grad(0):
            # NOTE: where(b == 0, 0, ...) keeps 0 * a**-1 from turning into nan at a == 0
            ga = where(b == 0, 0.0, g * b * a ** (b - 1))
        if ctx.needs_input_grad(1):
            # NOTE: d/db a**b = a**b * log(a); defined as 0 where a == 0 and b >= 0, like PyTorch
            gb = where((a == 0) & (b >= 0), 0.0, g * ctx.output * log(a))
        return ga, gb


class Where(Primitive):
    save_inputs = True

    @staticmethod
    def forward(cond, a, b):
        return np.where(cond, a, b)

    def backward(ctx, g):
        cond = ctx.inputs[0]
        zero = g.new_zeros(())
        return (None,
                where(cond, g, zero) if ctx.needs_input_grad(1) else None,
                where(cond, zero, g) if ctx.needs_input_grad(2) else None)


class Equal(Primitive):
    differentiable = False
    forward = staticmethod(np.equal)


class NotEqual(Primitive):
    differentiable = False
    forward = staticmethod(np.not_equal)


class Less(Primitive):
    differentiable = False
    forward = staticmethod(np.less)


class LessEqual(Primitive):
    differentiable = False
    forward = staticmethod(np.less_equal)


class Greater(Primitive):
    differentiable = False
    forward = staticmethod(np.greater)


class GreaterEqual(Primitive):
    differentiable = False
    forward = staticmethod(np.greater_equal)


class LogicalAnd(Primitive):
    differentiable = False
    forward = staticmethod(np.logical_and)


class BitwiseAnd(Primitive):
    differentiable = False
    forward = staticmethod(np.bitwise_and)


class BitwiseOr(Primitive):
    differentiable = False
    forward = staticmethod(np.bitwise_or)


class BitwiseXor(Primitive):
    differentiable = False
    forward = staticmethod(np.bitwise_xor)


class BitwiseNot(Primitive):
    differentiable = False

    @staticmethod
    def forward(x):
        return np.logical_not(x) if x.dtype == np.bool_ else np.invert(x)


# ------------------------------------------------------------------------------- public functions

def cast(t: Tensor, np_dtype) -> Tensor:
    if t._data.dtype == np_dtype:
        return t
    return apply(Cast, (t,), np_dtype)


def _cast_like(t: Tensor, like: Tensor) -> Tensor:
    """`t` converted to `like`'s dtype and broadcast to its shape (for in-place results)."""
    from .shape import expand
    t = cast(t, like._data.dtype)
    return t if t._data.shape == like._data.shape else expand(t, like._data.shape)


def _float_operands(a, b):
    """Operands of true division: integer results are computed in the default float dtype."""
    a, b = promote(a, b)
    if a._data.dtype.kind in "biu":
        from .._dtype import get_default_dtype
        dt = get_default_dtype().np
        a, b = cast(a, dt), cast(b, dt)
    return a, b


def add(input, other, *, alpha=1, out=None) -> Tensor:
    a, b = promote(input, other)
    if alpha != 1:
        b = b * alpha
    return _out(apply(Add, (a, b)), out)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    a, b = promote(input, other)
    if a._data.dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        b = b * alpha
    return _out(apply(Sub, (a, b)), out)


def mul(input, other, *, out=None) -> Tensor:
    a, b = promote(input, other)
    if a._data.dtype == np.bool_:
        return _out(apply(LogicalAnd, (a, b)), out)
    return _out(apply(Mul, (a, b)), out)


def div(input, other, *, rounding_mode: str | None = None, out=None) -> Tensor:
    if rounding_mode is None:
        return _out(apply(Div, _float_operands(input, other)), out)
    from .elementwise_rounding import floor_divide, trunc_divide
    if rounding_mode == "floor":
        return _out(floor_divide(input, other), out)
    if rounding_mode == "trunc":
        return _out(trunc_divide(input, other), out)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def neg(input, *, out=None) -> Tensor:
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return _out(apply(Neg, (input,)), out)


def _float_input(x: Tensor) -> Tensor:
    """Unary float functions of integer tensors compute in the default float dtype."""
    if x._data.dtype.kind in "biu":
        from .._dtype import get_default_dtype
        return cast(x, get_default_dtype().np)
    return x


def exp(input, *, out=None) -> Tensor:
    return _out(apply(Exp, (_float_input(input),)), out)


def log(input, *, out=None) -> Tensor:
    return _out(apply(Log, (_float_input(input),)), out)


def pow(input, exponent, *, out=None) -> Tensor:
    a, b = promote(input, exponent)
    return _out(apply(Pow, (a, b)), out)


def where(condition, input=None, other=None) -> Tensor:
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor) or condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{getattr(condition, 'dtype', type(condition).__name__)}")
    a, b = promote(input, other)
    return apply(Where, (condition, a, b))


def _compare(prim):
    def op(input, other, *, out=None) -> Tensor:
        return _out(apply(prim, promote(input, other)), out)
    return op


eq = _compare(Equal)
ne = _compare(NotEqual)
lt = _compare(Less)
le = _compare(LessEqual)
gt = _compare(Greater)
ge = _compare(GreaterEqual)
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def _bitwise(prim, name):
    def op(input, other, *, out=None) -> Tensor:
        a, b = promote(input, other)
        if a._data.dtype.kind not in "biu":
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_dtype_title(a)}'")
        return _out(apply(prim, (a, b)), out)
    return op


def _dtype_title(t: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}.get(t.dtype.name, t.dtype.name)


bitwise_and = _bitwise(BitwiseAnd, "bitwise_and")
bitwise_or = _bitwise(BitwiseOr, "bitwise_or")
bitwise_xor = _bitwise(BitwiseXor, "bitwise_xor")


def bitwise_not(input, *, out=None) -> Tensor:
    if input._data.dtype.kind not in "biu":
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{_dtype_title(input)}'")
    return _out(apply(BitwiseNot, (input,)), out)


def _out(result: Tensor, out: Tensor | None) -> Tensor:
    """Support the `out=` argument: copy the result into `out` (resizing an empty one)."""
    if out is None:
        return result
    if out._data.shape != result._data.shape:
        if out._data.size == 0 or out._data.size == result._data.size:
            out._data = np.empty_like(result._data, dtype=out._data.dtype) if isinstance(out._data, np.ndarray) \
                else out._data.reshape(result._data.shape)
        else:
            raise RuntimeError(f"output with shape {list(out.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)}")
    if out._rg and result._rg:
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    return update_inplace(out, result.detach())


def _reflect(fn):
    def op(self, other):
        return fn(other, self)
    return op


def _inplace(fn):
    def op(self, *args, **kwargs):
        return update_inplace(self, fn(self, *args, **kwargs))
    op.__name__ = fn.__name__ + "_"
    return op


TENSOR_METHODS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "exp": exp, "log": log, "pow": pow,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "less": lt, "less_equal": le, "greater": gt, "greater_equal": ge, "not_equal": ne,
    "subtract": sub, "multiply": mul, "divide": div, "true_divide": div, "negative": neg,
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "where": lambda self, condition, other: where(condition, self, other),
    "__add__": add, "__radd__": _reflect(add), "__iadd__": _inplace(add),
    "__sub__": sub, "__rsub__": _reflect(sub), "__isub__": _inplace(sub),
    "__mul__": mul, "__rmul__": _reflect(mul), "__imul__": _inplace(mul),
    "__truediv__": div, "__rtruediv__": _reflect(div), "__itruediv__": _inplace(div),
    "__pow__": pow, "__rpow__": _reflect(pow), "__ipow__": _inplace(pow),
    "__neg__": neg,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": bitwise_and, "__rand__": _reflect(bitwise_and), "__iand__": _inplace(bitwise_and),
    "__or__": bitwise_or, "__ror__": _reflect(bitwise_or), "__ior__": _inplace(bitwise_or),
    "__xor__": bitwise_xor, "__rxor__": _reflect(bitwise_xor), "__ixor__": _inplace(bitwise_xor),
    "__invert__": bitwise_not,
}
# every method above that has an in-place form gets its `_` variant
INPLACE = ["add", "sub", "mul", "div", "neg", "exp", "log", "pow", "eq", "ne", "lt", "le", "gt", "ge",
           "subtract", "multiply", "divide", "true_divide", "negative", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "less", "less_equal", "greater", "greater_equal", "not_equal"]
TENSOR_METHODS.update({name + "_": _inplace(TENSOR_METHODS[name]) for name in INPLACE})

__all__ = ['less', 'less_equal', 'greater', 'greater_equal', 'not_equal', 'add', 'bitwise_and', 'bitwise_not', 'bitwise_or', 'bitwise_xor', 'div', 'eq', 'exp', 'ge', 'gt', 'le', 'log', 'lt', 'mul', 'ne', 'neg', 'pow', 'sub', 'where']
