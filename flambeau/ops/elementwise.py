"""Elementwise arithmetic: primitives (forward on arrays + derivative formula) and their public functions.

Derivative formulas are written in flambeau ops so that create_graph=True gives higher-order
gradients. Broadcast gradients are summed back to each input's shape by the engine.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._dispatch import OUTPUT, Primitive, apply, update_inplace
from .._tensor import Tensor
from ._promote import promote, result_dtype, scalar_tensor
from .conjugate import holomorphic

_BOOL = np.dtype(np.bool_)


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


@holomorphic
class Mul(Primitive):
    save_inputs = True
    reads = ((1,), (0,))
    forward = staticmethod(np.multiply)

    def backward(ctx, g):
        a, b = ctx.inputs
        return (g * b if ctx.needs_input_grad(0) else None), (g * a if ctx.needs_input_grad(1) else None)


@holomorphic
class Div(Primitive):
    save_inputs = True
    reads = ((1,), (0, 1))

    @staticmethod
    def forward(a, b):
        return np.true_divide(a, b)  # x / 0 is inf or nan, like PyTorch, without NumPy's warning

    def backward(ctx, g):
        a, b = ctx.inputs
        ga = g / b if ctx.needs_input_grad(0) else None
        gb = -g * a / (b * b) if ctx.needs_input_grad(1) else None
        return ga, gb


class Neg(Primitive):
    forward = staticmethod(np.negative)

    def backward(ctx, g):
        return (-g,)


@holomorphic
class Exp(Primitive):
    save_output = True

    @staticmethod
    def forward(x):
        return np.exp(x)

    def backward(ctx, g):
        return (g * ctx.output,)


@holomorphic
class Log(Primitive):
    save_inputs = True

    @staticmethod
    def forward(x):
        return np.log(x)

    def backward(ctx, g):
        return (g / ctx.inputs[0],)


@holomorphic
class Pow(Primitive):
    save_inputs = True
    save_output = True
    reads = ((0, 1), (0, 1, OUTPUT))

    @staticmethod
    def forward(a, b):
        if a.dtype.kind in "iu" and (b < 0).any():
            return _int_pow_negative(a, b)
        return np.power(a, b)

    def backward(ctx, g):
        a, b = ctx.inputs
        ga = gb = None
        if ctx.needs_input_grad(0):
            # NOTE: where(b == 0, 0, ...) keeps 0 * a**-1 from turning into nan at a == 0
            ga = where(b == 0, 0.0, g * b * a ** (b - 1))
        if ctx.needs_input_grad(1):
            # NOTE: d/db a**b = a**b * log(a); defined as 0 where a == 0 and b >= 0, like PyTorch
            gb = where((a == 0) & (b.real >= 0), 0.0, g * ctx.output * log(a))
        return ga, gb


def _int_pow_negative(a, b):
    """Integer powers with negative exponents, as PyTorch defines them: 1 for a == 1, +-1 for
    a == -1, 0 otherwise."""
    r = np.power(a, np.maximum(b, 0))
    one = np.ones((), a.dtype)
    neg_value = np.where(a == 1, one, np.where(a == -1, np.where(b % 2 == 0, one, -one), np.zeros((), a.dtype)))
    return np.where(b < 0, neg_value, r)


_SAME_SIZE_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def _select(cond, a, b):
    """np.where(cond, a, b). NOTE: np.where branches per element and is ~15x slower than a multiply
    on an unpredictable mask; for large arrays of equal dtype, select the bits instead:
    b ^ ((a ^ b) & mask), with mask all ones where cond holds (exact for inf and nan too)."""
    if max(a.size, b.size) < 4096 or a.dtype != b.dtype or a.dtype.itemsize not in _SAME_SIZE_INT or not isinstance(a, np.ndarray):
        return np.where(cond, a, b)
    shape = np.broadcast_shapes(cond.shape, a.shape, b.shape)
    bits = _SAME_SIZE_INT[a.dtype.itemsize]
    mask = cond.astype(bits)
    np.negative(mask, out=mask)
    a_bits = np.broadcast_to(a, shape).view(bits)
    b_bits = np.broadcast_to(b, shape).view(bits)
    out = np.bitwise_xor(a_bits, b_bits)
    out &= mask
    out ^= b_bits
    return out.view(a.dtype)


class Where(Primitive):
    save_inputs = True
    reads = ((), (0,), (0,))

    @staticmethod
    def forward(cond, a, b):
        return _select(cond, a, b)

    def backward(ctx, g):
        cond = ctx.inputs[0]
        zero = g.new_zeros(())
        return (None,
                where(cond, g, zero) if ctx.needs_input_grad(1) else None,
                where(cond, zero, g) if ctx.needs_input_grad(2) else None)


class _NonDifferentiable(Primitive):
    """Ops whose result never carries a gradient: `forward` is the NumPy function."""
    differentiable = False


class Equal(_NonDifferentiable):
    forward = staticmethod(np.equal)


class NotEqual(_NonDifferentiable):
    forward = staticmethod(np.not_equal)


class Less(_NonDifferentiable):
    forward = staticmethod(np.less)


class LessEqual(_NonDifferentiable):
    forward = staticmethod(np.less_equal)


class Greater(_NonDifferentiable):
    forward = staticmethod(np.greater)


class GreaterEqual(_NonDifferentiable):
    forward = staticmethod(np.greater_equal)


class LogicalAnd(_NonDifferentiable):
    forward = staticmethod(np.logical_and)


class LogicalOr(_NonDifferentiable):
    forward = staticmethod(np.logical_or)


class LogicalXor(_NonDifferentiable):
    forward = staticmethod(np.logical_xor)


class LogicalNot(_NonDifferentiable):
    forward = staticmethod(np.logical_not)


class BitwiseAnd(_NonDifferentiable):
    forward = staticmethod(np.bitwise_and)


class BitwiseOr(_NonDifferentiable):
    forward = staticmethod(np.bitwise_or)


class BitwiseXor(_NonDifferentiable):
    forward = staticmethod(np.bitwise_xor)


class BitwiseNot(_NonDifferentiable):
    @staticmethod
    def forward(x):
        return np.logical_not(x) if x.dtype == np.bool_ else np.invert(x)


# NOTE: NumPy's shifts already give PyTorch's results for shift counts outside [0, bits):
# 0 for left shifts, the sign fill for right shifts
class LeftShift(_NonDifferentiable):
    forward = staticmethod(np.left_shift)


class RightShift(_NonDifferentiable):
    forward = staticmethod(np.right_shift)


class Predicate(_NonDifferentiable):
    """A test of each element, named so a graph can save it: forward(x, name) = ELEMENT_TESTS[name](x)."""

    @staticmethod
    def forward(x, name):
        return ELEMENT_TESTS[name](x)


def _isposinf(x):
    return np.isinf(x) & (x > 0)


def _isneginf(x):
    return np.isinf(x) & (x < 0)


def _none(x):
    return np.zeros_like(x, dtype=np.bool_)


def _all(x):
    return np.ones_like(x, dtype=np.bool_)


# the tests Predicate runs, by name (math_extra adds frexp's parts)
ELEMENT_TESTS = {"isnan": np.isnan, "isinf": np.isinf, "isposinf": _isposinf, "isneginf": _isneginf,
                 "isfinite": np.isfinite, "none": _none, "all": _all, "signbit": np.signbit}


class IsClose(_NonDifferentiable):
    @staticmethod
    def forward(a, b, rtol, atol, equal_nan):
        close = a == b
        if a.dtype.kind in "biu":
            if a.dtype == np.bool_ or (rtol == 0 and atol == 0):
                return close
            a, b = a.astype(np.float64), b.astype(np.float64)
        if equal_nan:
            close |= np.isnan(a) & np.isnan(b)
        error = np.abs(a - b)
        return close | (np.isfinite(error) & (error <= atol + np.abs(rtol * b)))


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


def _scaled(b: Tensor, alpha) -> Tensor:
    """`alpha * b` for add/sub, with PyTorch's checks on alpha's type."""
    kind = b._data.dtype.kind
    if isinstance(alpha, bool) and kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and kind in "biu":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return b * alpha


def add(input, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
    a, b = promote(input, other)
    if alpha != 1 or alpha is True:
        b = _scaled(b, alpha)
    result = apply(Add, (a, b))
    return result if out is None else _out(result, out)


def _is_bool(x) -> bool:
    return x._data.dtype == np.bool_ if isinstance(x, Tensor) else isinstance(x, bool)


def sub(input, other, *, alpha=1, out: Tensor | None = None) -> Tensor:
    if _is_bool(input) or _is_bool(other):
        if _is_bool(input) and _is_bool(other):
            raise NotImplementedError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                                      "Use the `^` or `logical_xor()` operator instead.")
        raise NotImplementedError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                                  "If you are trying to invert a mask, use the `~` or `logical_not()` operator "
                                  "instead.")
    a, b = promote(input, other)
    if alpha != 1 or isinstance(alpha, bool):
        b = _scaled(b, alpha)
    return _out(apply(Sub, (a, b)), out)


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    require_tensor("rsub", "input", 1, input)
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out: Tensor | None = None) -> Tensor:
    a, b = promote(input, other)
    result = apply(LogicalAnd if a._data.dtype is _BOOL else Mul, (a, b))
    return result if out is None else _out(result, out)


def div(input, other, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    if rounding_mode is None:
        return _out(apply(Div, _float_operands(input, other)), out)
    from .elementwise_rounding import div_floor, div_trunc
    if rounding_mode == "floor":
        return _out(div_floor(input, other), out)
    if rounding_mode == "trunc":
        return _out(div_trunc(input, other), out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def neg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype == np.bool_:
        raise NotImplementedError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                                  "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return _out(apply(Neg, (input,)), out)


def positive(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:
        raise NotImplementedError("The `+` operator, on a bool tensor is not supported.")
    return input


def _float_input(x: Tensor) -> Tensor:
    """Unary float functions of integer tensors compute in the default float dtype."""
    if x._data.dtype.kind in "biu":
        from .._dtype import get_default_dtype
        return cast(x, get_default_dtype().np)
    return x


def exp(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(Exp, (_float_input(input),)), out)


def log(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(Log, (_float_input(input),)), out)


def pow(input, exponent, *, out: Tensor | None = None) -> Tensor:
    a, b = promote(input, exponent)
    kind = a._data.dtype.kind
    if kind == "b":
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if kind in "iu" and not isinstance(exponent, Tensor) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _out(apply(Pow, (a, b)), out)


def where(condition, input=None, other=None) -> Tensor:
    if input is None and other is None:
        from .search import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not {type(condition).__name__}")
    if condition._data.dtype == np.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in "
                      "a future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=2)
        condition = cast(condition, _BOOL)
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_dtype_title(condition)}")
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        a, b = promote(input, other)
    else:  # two Python scalars: PyTorch's result type of the pair (where(mask, 1, 0) is int64)
        dt = result_dtype(input, other)
        a, b = scalar_tensor(input, dt, condition), scalar_tensor(other, dt, condition)
    return apply(Where, (condition, a, b))


def _compare(prim, name: str, ordered_kernel: str = ""):
    def op(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
        require_tensor(name, "input", 1, input)
        a, b = promote(input, other)
        if ordered_kernel and a._data.dtype.kind == "c":  # complex numbers have no order
            raise not_implemented(ordered_kernel, a)
        return _out(apply(prim, (a, b)), out)
    return op


eq = _compare(Equal, "eq")
ne = _compare(NotEqual, "ne")
lt = _compare(Less, "lt", "lt_cpu")
le = _compare(LessEqual, "le", "le_cpu")
gt = _compare(Greater, "gt", "gt_cpu")
ge = _compare(GreaterEqual, "ge", "ge_cpu")
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def require_tensor(name: str, arg: str, position: int, x) -> None:
    """Arguments that must be Tensors (no Python scalars) raise TypeError like PyTorch."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}")


def _logical(prim, name):
    def op(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        require_tensor(name, "input", 1, input)
        require_tensor(name, "other", 2, other)
        return _out(apply(prim, (input, other)), out)
    return op


logical_and = _logical(LogicalAnd, "logical_and")
logical_or = _logical(LogicalOr, "logical_or")
logical_xor = _logical(LogicalXor, "logical_xor")


def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(LogicalNot, (input,)), out)


_DTYPE_TITLES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                 "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
                 "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _dtype_title(t: Tensor) -> str:
    return _DTYPE_TITLES[t.dtype.name]


def not_implemented(kernel: str, t: Tensor) -> NotImplementedError:
    """PyTorch's error for a dtype a kernel does not support."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_dtype_title(t)}'")


def _integral(prim, kernel, allow_bool=True):
    def op(input, other, *, out: Tensor | None = None) -> Tensor:
        a, b = promote(input, other)
        if a._data.dtype.kind not in ("biu" if allow_bool else "iu"):
            raise not_implemented(kernel, a)
        return _out(apply(prim, (a, b)), out)
    return op


bitwise_and = _integral(BitwiseAnd, "bitwise_and_cpu")
bitwise_or = _integral(BitwiseOr, "bitwise_or_cpu")
bitwise_xor = _integral(BitwiseXor, "bitwise_xor_cpu")
bitwise_left_shift = _integral(LeftShift, "lshift_cpu", allow_bool=False)
bitwise_right_shift = _integral(RightShift, "rshift_cpu", allow_bool=False)


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype.kind not in "biu":
        raise not_implemented("bitwise_not_cpu", input)
    return _out(apply(BitwiseNot, (input,)), out)


def _invert(self: Tensor) -> Tensor:
    if self._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return apply(BitwiseNot, (self,))


def _predicate(name, otherwise):
    """A test that is ELEMENT_TESTS[name] on floating-point tensors and `otherwise` (constant) on integer ones."""
    def op(input: Tensor) -> Tensor:
        return apply(Predicate, (input,), name if input._data.dtype.kind not in "biu" else otherwise)
    return op


isnan = _predicate("isnan", "none")
isinf = _predicate("isinf", "none")
isposinf = _predicate("isposinf", "none")
isneginf = _predicate("isneginf", "none")
isfinite = _predicate("isfinite", "all")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    require_tensor("isclose", "input", 1, input)
    require_tensor("isclose", "other", 2, other)
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{_dtype_title(input)} did not match {_dtype_title(other)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    return apply(IsClose, (input, other), rtol, atol, equal_nan)


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


class Overwrite(Primitive):
    """In-place comparisons x.lt_(y) as a node of inputs (x, values, y): the gradients to x and y
    are zero, like PyTorch. (Its logical and bitwise in-place ops leave the history as it was.)"""

    @staticmethod
    def forward(x, values, other):
        return values.astype(x.dtype)

    def backward(ctx, g):
        return g.new_zeros(ctx.metas[0][0]), None, g.new_zeros(ctx.metas[2][0])


def _inplace_comparison(fn):
    def op(self, other):
        result = fn(self, other)
        if self._rg or getattr(other, "_rg", False):
            other = other if isinstance(other, Tensor) else result
            result = apply(Overwrite, (self, result, other))
        return update_inplace(self, result)
    op.__name__ = fn.__name__ + "_"
    return op


def add_inplace_variants(methods: dict, names, namespace: dict | None = None, exported=()) -> None:
    """Give every method in `names` its in-place `_` form; those in `exported` also become
    module-level functions (torch.relu_, torch.exp_...) in `namespace`."""
    for name in names:
        methods[name + "_"] = _inplace(methods[name])
    for name in exported:
        namespace[name + "_"] = methods[name + "_"]


def _rdiv(self: Tensor, other) -> Tensor:
    """number / tensor as PyTorch computes it: reciprocal(tensor) * number, whose backward keeps only the
    reciprocal (so the tensor may be written in place afterwards)."""
    if isinstance(other, (Tensor, np.ndarray)):
        return div(other, self)
    from .elementwise_math import reciprocal
    return reciprocal(self) * other


def _floor_divide(a, b):
    from .elementwise_rounding import floor_divide
    return floor_divide(a, b)


def _remainder(a, b):
    from .elementwise_rounding import remainder
    return remainder(a, b)


def _abs(self: Tensor) -> Tensor:
    from .elementwise_math import abs
    return abs(self)


TENSOR_METHODS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "exp": exp, "log": log, "pow": pow,
    "positive": positive, "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
    "less": lt, "less_equal": le, "greater": gt, "greater_equal": ge, "not_equal": ne,
    "subtract": sub, "multiply": mul, "divide": div, "true_divide": div, "negative": neg,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not,
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor, "bitwise_not": bitwise_not,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
    "where": lambda self, condition, other: where(condition, self, other),
    "isnan": isnan, "isinf": isinf, "isposinf": isposinf, "isneginf": isneginf, "isfinite": isfinite,
    "isclose": isclose,
    "__add__": add, "__radd__": _reflect(add), "__iadd__": _inplace(add),
    "__sub__": sub, "__rsub__": _reflect(sub), "__isub__": _inplace(sub),
    "__mul__": mul, "__rmul__": _reflect(mul), "__imul__": _inplace(mul),
    "__truediv__": div, "__rtruediv__": _rdiv, "__itruediv__": _inplace(div),
    "__floordiv__": _floor_divide, "__rfloordiv__": _reflect(_floor_divide), "__ifloordiv__": _inplace(_floor_divide),
    "__mod__": _remainder, "__rmod__": _reflect(_remainder), "__imod__": _inplace(_remainder),
    "__pow__": pow, "__rpow__": _reflect(pow), "__ipow__": _inplace(pow),
    "__neg__": neg, "__pos__": positive, "__abs__": _abs, "__invert__": _invert,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": bitwise_and, "__rand__": _reflect(bitwise_and), "__iand__": _inplace(bitwise_and),
    "__or__": bitwise_or, "__ror__": _reflect(bitwise_or), "__ior__": _inplace(bitwise_or),
    "__xor__": bitwise_xor, "__rxor__": _reflect(bitwise_xor), "__ixor__": _inplace(bitwise_xor),
    "__lshift__": bitwise_left_shift, "__rlshift__": _reflect(bitwise_left_shift),
    "__ilshift__": _inplace(bitwise_left_shift),
    "__rshift__": bitwise_right_shift, "__rrshift__": _reflect(bitwise_right_shift),
    "__irshift__": _inplace(bitwise_right_shift),
}
add_inplace_variants(TENSOR_METHODS, [
    "add", "sub", "mul", "div", "neg", "exp", "log", "pow", "subtract", "multiply", "divide", "true_divide",
    "negative", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift"], globals(), exported=["exp", "log", "neg", "negative"])
TENSOR_METHODS.update({name + "_": _inplace_comparison(TENSOR_METHODS[name]) for name in (
    "eq", "ne", "lt", "le", "gt", "ge", "less", "less_equal", "greater", "greater_equal", "not_equal")})

__all__ = ["add", "sub", "rsub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg", "negative",
           "positive", "exp", "log", "pow", "where", "eq", "ne", "lt", "le", "gt", "ge", "less", "less_equal",
           "greater", "greater_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
           "isnan", "isinf", "isposinf", "isneginf", "isfinite", "isclose", "exp_", "log_", "neg_", "negative_"]
subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
