"""Elementwise math: abs/sign, roots, exponentials and logarithms, trigonometric and hyperbolic
functions, sigmoid/relu, and the binary functions built on them (atan2, hypot, logaddexp, copysign,
minimum/maximum, clamp, lerp, addcmul/addcdiv, float_power, heaviside).

NumPy's floating-point warnings (inf/nan are results here) are silenced for flambeau's modules in _dispatch.py.
Functions that save their output use it in the derivative (exp-like and tanh-like functions).
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import OUTPUT, Primitive, apply, update_inplace
from .._tensor import Tensor
from ._promote import factor_for, promote, result_dtype
from .conjugate import holomorphic
from .elementwise import (_dtype_title, _float_input, _float_operands, _out, _select, add_inplace_variants, cast,
                          exp, isfinite, not_implemented, require_tensor, where)
from ._parallel import parallel_rows
from .elementwise_rounding import Step

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)



# ------------------------------------------------------------------------------- unary primitives

class Abs(Primitive):
    save_inputs = True
    forward = staticmethod(np.abs)

    def backward(ctx, g):
        return (g * sgn(ctx.inputs[0]),)  # z / |z| for complex z


class Sign(Step):
    @staticmethod
    def forward(x):
        # (x > 0) - (x < 0): 0 for nan and for -0.0, like PyTorch (np.sign gives nan for nan)
        return x.copy() if x.dtype == np.bool_ else np.subtract(x > 0, x < 0, dtype=x.dtype)


@holomorphic
class Reciprocal(Primitive):
    save_output = True
    forward = staticmethod(np.reciprocal)

    def backward(ctx, g):
        out = ctx.output
        return (-g * out * out,)


@holomorphic
class Sqrt(Primitive):
    save_output = True
    forward = staticmethod(np.sqrt)

    def backward(ctx, g):
        return (g / (2 * ctx.output),)


@holomorphic
class Rsqrt(Primitive):
    save_output = True
    forward = staticmethod(lambda x: np.reciprocal(np.sqrt(x)))

    def backward(ctx, g):
        out = ctx.output
        return (-0.5 * g * out * out * out,)


@holomorphic
class Exp2(Primitive):
    save_output = True
    forward = staticmethod(np.exp2)

    def backward(ctx, g):
        return (g * ctx.output * _LN2,)


@holomorphic
class Expm1(Primitive):
    save_output = True
    forward = staticmethod(np.expm1)

    def backward(ctx, g):
        return (g * (ctx.output + 1),)


@holomorphic
class Log2(Primitive):
    save_inputs = True
    forward = staticmethod(np.log2)

    def backward(ctx, g):
        return (g / (ctx.inputs[0] * _LN2),)


@holomorphic
class Log10(Primitive):
    save_inputs = True
    forward = staticmethod(np.log10)

    def backward(ctx, g):
        return (g / (ctx.inputs[0] * _LN10),)


@holomorphic
class Log1p(Primitive):
    save_inputs = True
    forward = staticmethod(np.log1p)

    def backward(ctx, g):
        return (g / (ctx.inputs[0] + 1),)


@holomorphic
class Sin(Primitive):
    save_inputs = True
    forward = staticmethod(np.sin)

    def backward(ctx, g):
        return (g * cos(ctx.inputs[0]),)


@holomorphic
class Cos(Primitive):
    save_inputs = True
    forward = staticmethod(np.cos)

    def backward(ctx, g):
        return (-g * sin(ctx.inputs[0]),)


@holomorphic
class Tan(Primitive):
    save_output = True
    forward = staticmethod(np.tan)

    def backward(ctx, g):
        out = ctx.output
        return (g * (out * out + 1),)


@holomorphic
class Asin(Primitive):
    save_inputs = True
    forward = staticmethod(np.arcsin)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g * rsqrt(1 - x * x),)


@holomorphic
class Acos(Primitive):
    save_inputs = True
    forward = staticmethod(np.arccos)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (-g * rsqrt(1 - x * x),)


@holomorphic
class Atan(Primitive):
    save_inputs = True
    forward = staticmethod(np.arctan)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g / (x * x + 1),)


@holomorphic
class Sinh(Primitive):
    save_inputs = True
    forward = staticmethod(np.sinh)

    def backward(ctx, g):
        return (g * cosh(ctx.inputs[0]),)


@holomorphic
class Cosh(Primitive):
    save_inputs = True
    forward = staticmethod(np.cosh)

    def backward(ctx, g):
        return (g * sinh(ctx.inputs[0]),)


@holomorphic
class Tanh(Primitive):
    save_output = True
    forward = staticmethod(np.tanh)

    def backward(ctx, g):
        out = ctx.output
        return (g * (1 - out * out),)


@holomorphic
class Asinh(Primitive):
    save_inputs = True
    forward = staticmethod(np.arcsinh)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g * rsqrt(x * x + 1),)


@holomorphic
class Acosh(Primitive):
    save_inputs = True
    forward = staticmethod(np.arccosh)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g * rsqrt(x - 1) * rsqrt(x + 1),)  # not rsqrt(x * x - 1): the branches differ for complex x


@holomorphic
class Atanh(Primitive):
    save_inputs = True
    forward = staticmethod(np.arctanh)

    def backward(ctx, g):
        x = ctx.inputs[0]
        return (g / (1 - x * x),)


@holomorphic
class Sigmoid(Primitive):
    save_output = True
    # exp(-x) overflows to inf for very negative x, giving the right limit 0
    forward = staticmethod(lambda x: np.reciprocal(1 + np.exp(-x)))

    def backward(ctx, g):
        out = ctx.output
        return (g * out * (1 - out),)


class Relu(Primitive):
    save_output = True
    forward = staticmethod(lambda x: np.maximum(x, 0))

    def backward(ctx, g):
        return (apply(ReluBackward, (g, ctx.output)),)


class ReluBackward(Primitive):
    """relu's gradient (PyTorch's threshold_backward): g where the output y is positive, 0 elsewhere.
    NOTE: the gradient at 0 is 0 (the subgradient PyTorch picks); a nan output passes g through. One
    primitive rather than where(y <= 0, 0, g): a compare and a select are two passes and a mask array."""
    save_inputs = True
    reads = ((1,), ())

    @staticmethod
    def forward(g, y):
        if g.dtype not in _KERNEL_FLOATS or g.dtype != y.dtype or g.size < _KERNEL_MIN:
            return _select(y <= 0, np.zeros((), g.dtype), g)
        from .._kernels import activation as kernels
        if g.ndim > 1 and g.flags.f_contiguous and y.flags.f_contiguous and g.shape == y.shape:
            return ReluBackward.forward(g.T, y.T).T  # (a compiled step's transposed activations) in their layout
        g, y = np.ascontiguousarray(g), np.ascontiguousarray(y)
        out = np.empty_like(g)
        flat = [a.reshape(-1) for a in (g, y, out)]
        parallel_rows(lambda start, stop: kernels.relu_backward(*flat, start, stop), out.size, out.size)
        return out

    def backward(ctx, gg):
        return apply(ReluBackward, (gg, ctx.inputs[1])), None


_KERNEL_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_KERNEL_MIN = 4096  # below this many elements NumPy's select costs less than a kernel call


# ------------------------------------------------------------------------------- binary primitives

class Atan2(Primitive):
    save_inputs = True
    forward = staticmethod(np.arctan2)

    def backward(ctx, g):
        y, x = ctx.inputs
        denom = y * y + x * x
        # NOTE: 0 at the origin, where atan2 has no derivative, like PyTorch
        scale = where(denom == 0, 0.0, g / denom)
        return scale * x, -scale * y


class Hypot(Primitive):
    save_inputs = True
    save_output = True
    reads = ((0, OUTPUT), (1, OUTPUT))
    forward = staticmethod(np.hypot)

    def backward(ctx, g):
        a, b = ctx.inputs
        scale = g / ctx.output
        return (scale * a if ctx.needs_input_grad(0) else None), (scale * b if ctx.needs_input_grad(1) else None)


def logaddexp_array(a, b):
    """log(exp(a) + exp(b)); complex values (which np.logaddexp refuses) as big + log1p(exp(small - big)),
    big the one with the larger real part: PyTorch's form, whose imaginary part is big's plus a small angle
    (not wrapped into (-pi, pi])."""
    if a.dtype.kind != "c":
        return np.logaddexp(a, b)
    a, b = np.broadcast_arrays(a, b)
    b_bigger = b.real > a.real
    big, small = np.where(b_bigger, b, a), np.where(b_bigger, a, b)
    out = big + np.log1p(np.exp(small - big))
    # -inf real parts on both sides: the sum is 0 (big as it is); +inf on both: log of the sum
    both_inf = np.isinf(big.real) & (big.real == small.real)
    if both_inf.any():
        out = np.where(both_inf & (big.real < 0), small, out)
        out = np.where(both_inf & (big.real > 0), np.log(np.exp(small) + np.exp(big)), out)
    return out


@holomorphic
class LogAddExp(Primitive):
    save_inputs = True
    forward = staticmethod(logaddexp_array)

    def backward(ctx, g):
        a, b = ctx.inputs
        return g / (exp(b - a) + 1), g / (exp(a - b) + 1)


class LogAddExp2(Primitive):
    save_inputs = True
    forward = staticmethod(np.logaddexp2)

    def backward(ctx, g):
        a, b = ctx.inputs
        return g / (exp2(b - a) + 1), g / (exp2(a - b) + 1)


class Copysign(Primitive):
    save_inputs = True
    save_output = True
    reads = ((0, OUTPUT), ())
    forward = staticmethod(np.copysign)

    def backward(ctx, g):
        ga = None
        if ctx.needs_input_grad(0):
            a = ctx.inputs[0]
            ga = where(a == 0, 0.0, g * ctx.output / a)
        return ga, g.new_zeros(ctx.metas[1][0])


class Maximum(Primitive):
    save_inputs = True
    forward = staticmethod(np.maximum)

    def backward(ctx, g):
        a, b = ctx.inputs
        return _split_ties(g, a < b, a, b), _split_ties(g, a > b, a, b)


class Minimum(Primitive):
    save_inputs = True
    forward = staticmethod(np.minimum)

    def backward(ctx, g):
        a, b = ctx.inputs
        return _split_ties(g, a > b, a, b), _split_ties(g, a < b, a, b)


def _split_ties(g, loses, a, b):
    """An operand's gradient from a max/min: none where it lost, half on ties. With a nan operand
    neither comparison holds, so both sides get the whole gradient, like PyTorch."""
    return where(loses, 0.0, where(a == b, g / 2, g))


class Fmax(Maximum):
    forward = staticmethod(np.fmax)


class Fmin(Minimum):
    forward = staticmethod(np.fmin)


class ClampScalar(Primitive):
    """clamp with Python-number bounds (either may be None)."""
    save_inputs = True

    @staticmethod
    def forward(x, lo, hi):
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)  # bfloat16 would come back as float32

    def backward(ctx, g):
        x = ctx.inputs[0]
        lo, hi = ctx.args
        # NOTE: strictly inside the bounds only: PyTorch gives 0 at the bounds themselves
        inside = None if lo is None else x > lo
        if hi is not None:
            inside = x < hi if inside is None else inside & (x < hi)
        return (where(inside, g, 0.0),)


class NanToNum(Primitive):
    save_inputs = True

    @staticmethod
    def forward(x, nan, posinf, neginf):
        if x.dtype.kind in "biu":
            return x.copy()
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(ctx, g):
        return (where(isfinite(ctx.inputs[0]), g, 0.0),)


class Heaviside(Primitive):
    @staticmethod
    def forward(x, values):
        return np.where(x == 0, values, (x > 0).astype(x.dtype))

    def backward(ctx, g):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


# ------------------------------------------------------------------------------- public functions

def _unary_float(prim):
    """A float function: integer and bool inputs compute in the default float dtype."""
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        return _out(apply(prim, (_float_input(input),)), out)
    op.__name__ = prim.__name__.lower()
    return op


reciprocal = _unary_float(Reciprocal)
sqrt = _unary_float(Sqrt)
rsqrt = _unary_float(Rsqrt)
exp2 = _unary_float(Exp2)
expm1 = _unary_float(Expm1)
log2 = _unary_float(Log2)
log10 = _unary_float(Log10)
log1p = _unary_float(Log1p)
sin = _unary_float(Sin)
cos = _unary_float(Cos)
tan = _unary_float(Tan)
asin = arcsin = _unary_float(Asin)
acos = arccos = _unary_float(Acos)
atan = arctan = _unary_float(Atan)
sinh = _unary_float(Sinh)
cosh = _unary_float(Cosh)
tanh = _unary_float(Tanh)
asinh = arcsinh = _unary_float(Asinh)
acosh = arccosh = _unary_float(Acosh)
atanh = arctanh = _unary_float(Atanh)
sigmoid = _unary_float(Sigmoid)


def abs(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype == np.bool_:
        raise not_implemented("abs_cpu", input)
    return _out(apply(Abs, (input,)), out)


absolute = abs


def sign(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype.kind == "c":
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                           "torch.sgn instead.")
    return _out(apply(Sign, (input,)), out)


def sgn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """sign for real numbers; z / |z| (0 at 0) for complex ones."""
    if input._data.dtype.kind != "c":
        return sign(input, out=out)
    magnitude = abs(input)
    zero = magnitude == 0  # NOTE: 0 there, and so is the gradient, like PyTorch
    return _out(where(zero, 0.0, input / where(zero, 1.0, magnitude)), out)


def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype == np.bool_:
        input = cast(input, np.dtype(np.int64))  # like pow(bool, 2)
    return _out(input * input, out)


def relu(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:
        raise NotImplementedError("Boolean inputs not supported for relu")
    if input._data.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    return apply(Relu, (input,))


def deg2rad(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype.kind == "c":
        raise RuntimeError("deg2rad is not supported for complex tensors.")
    return _out(_float_input(input) * (math.pi / 180.0), out)


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype.kind == "c":
        raise RuntimeError("rad2deg is not supported for complex tensors.")
    return _out(_float_input(input) * (180.0 / math.pi), out)


def atan2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    require_tensor("atan2", "input", 1, input)
    require_tensor("atan2", "other", 2, other)
    return _out(apply(Atan2, _float_operands(input, other)), out)


arctan2 = atan2


def _float_kernel(prim, kernel: str, name: str):
    """Binary float functions that PyTorch does not define for integer tensors."""
    def op(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        require_tensor(name, "input", 1, input)
        require_tensor(name, "other", 2, other)
        a, b = promote(input, other)
        if a._data.dtype.kind in "biu":
            raise not_implemented(kernel, a)
        return _out(apply(prim, (a, b)), out)
    return op


hypot = _float_kernel(Hypot, "hypot_cpu", "hypot")
logaddexp = _float_kernel(LogAddExp, "logaddexp_cpu", "logaddexp")
logaddexp2 = _float_kernel(LogAddExp2, "logaddexp2_cpu", "logaddexp2")


def copysign(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    require_tensor("copysign", "input", 1, input)
    if not isinstance(other, Tensor):  # a negative number must not wrap in an unsigned dtype first
        input = _float_input(input)
    return _out(apply(Copysign, _float_operands(input, other)), out)


def _extremum(prim, name: str):
    def op(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
        require_tensor(name, "input", 1, input)
        require_tensor(name, "other", 2, other)
        a, b = promote(input, other)
        if a._data.dtype.kind == "c":
            raise RuntimeError(f"{name} not implemented for complex tensors.")
        return _out(apply(prim, (a, b)), out)
    return op


maximum = _extremum(Maximum, "maximum")
minimum = _extremum(Minimum, "minimum")
fmax = _extremum(Fmax, "fmax")
fmin = _extremum(Fmin, "fmin")


def clamp(input: Tensor, min=None, max=None, *, out: Tensor | None = None) -> Tensor:
    require_tensor("clamp", "input", 1, input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    tensors = [isinstance(b, Tensor) for b in bounds]
    if any(tensors) and not all(tensors):
        raise TypeError("clamp() received an invalid combination of arguments: min and max must both be "
                        "Tensors or both be numbers")
    dt = result_dtype(input, *bounds)
    if dt.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    x = cast(input, dt)
    if not any(tensors):
        if dt == np.bool_:  # (bool tensor bounds are fine: maximum and minimum below)
            raise not_implemented("clamp_scalar_cpu", input)
        if dt.kind in "iu":  # NOTE: integer bounds wrap to the tensor's dtype first, like PyTorch (-1 is 255 in uint8)
            min, max = (None if b is None else np.array(b).astype(dt).item() for b in (min, max))
        return _out(apply(ClampScalar, (x,), min, max), out)
    # tensor bounds: max/min compose exactly, ties and nan handled as in maximum/minimum
    if min is not None:
        x = maximum(x, cast(min, dt))
    if max is not None:
        x = minimum(x, cast(max, dt))
    return _out(x, out)


clip = clamp


def clamp_min(input: Tensor, min, *, out: Tensor | None = None) -> Tensor:
    return clamp(input, min, None, out=out)


def clamp_max(input: Tensor, max, *, out: Tensor | None = None) -> Tensor:
    return clamp(input, None, max, out=out)


def lerp(input: Tensor, end: Tensor, weight, *, out: Tensor | None = None) -> Tensor:
    require_tensor("lerp", "input", 1, input)
    require_tensor("lerp", "end", 2, end)
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {input.dtype} for `{name}` but got dtype {t.dtype}")
    if input._data.dtype.kind in "biu":
        raise not_implemented("lerp_kernel_scalar", input)
    return _out(input + weight * (end - input), out)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out: Tensor | None = None) -> Tensor:
    _require_tensors("addcmul", input, tensor1, tensor2)
    if result_dtype(input, tensor1, tensor2) == np.bool_:
        raise not_implemented("addcmul_cpu_out", input)
    product = tensor1 * tensor2
    value = factor_for(value, product)
    return _out(input + (product if value == 1 else value * product), out)


def _require_tensors(name: str, *tensors) -> None:
    for position, (arg, x) in enumerate(zip(("input", "tensor1", "tensor2"), tensors), 1):
        require_tensor(name, arg, position, x)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out: Tensor | None = None) -> Tensor:
    _require_tensors("addcdiv", input, tensor1, tensor2)
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs.")
    quotient = tensor1 / tensor2
    return _out(input + (quotient if value == 1 else value * quotient), out)


_FLOAT64 = np.dtype(np.float64)
_COMPLEX128 = np.dtype(np.complex128)


def float_power(input, exponent, *, out: Tensor | None = None) -> Tensor:
    """pow computed in double precision: complex128 when either operand is complex, float64 otherwise."""
    if any(x._data.dtype.kind == "c" if isinstance(x, Tensor) else isinstance(x, complex) for x in (input, exponent)):
        dtype, number = _COMPLEX128, complex
    else:
        dtype, number = _FLOAT64, float
    a = cast(input, dtype) if isinstance(input, Tensor) else number(input)
    b = cast(exponent, dtype) if isinstance(exponent, Tensor) else number(exponent)
    return _out(a ** b, out)


def _float_power_(self: Tensor, exponent) -> Tensor:
    if self._data.dtype != _FLOAT64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_dtype_title(self)} but the operation's result "
                           "requires dtype Double")
    return update_inplace(self, float_power(self, exponent))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *,
               out: Tensor | None = None) -> Tensor:
    return _out(apply(NanToNum, (input,), nan, posinf, neginf), out)


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    require_tensor("heaviside", "values", 2, values)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if input._data.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    return _out(apply(Heaviside, (input, values)), out)


TENSOR_METHODS = {
    "abs": abs, "absolute": absolute, "sign": sign, "sgn": sgn, "square": square, "relu": relu,
    "reciprocal": reciprocal, "sqrt": sqrt, "rsqrt": rsqrt, "exp2": exp2, "expm1": expm1,
    "log2": log2, "log10": log10, "log1p": log1p, "sin": sin, "cos": cos, "tan": tan,
    "asin": asin, "arcsin": arcsin, "acos": acos, "arccos": arccos, "atan": atan, "arctan": arctan,
    "sinh": sinh, "cosh": cosh, "tanh": tanh, "asinh": asinh, "arcsinh": arcsinh, "acosh": acosh,
    "arccosh": arccosh, "atanh": atanh, "arctanh": arctanh, "sigmoid": sigmoid,
    "deg2rad": deg2rad, "rad2deg": rad2deg, "atan2": atan2, "arctan2": arctan2, "hypot": hypot,
    "logaddexp": logaddexp, "logaddexp2": logaddexp2, "copysign": copysign,
    "maximum": maximum, "minimum": minimum, "fmax": fmax, "fmin": fmin,
    "clamp": clamp, "clip": clip, "clamp_min": clamp_min, "clamp_max": clamp_max,
    "lerp": lerp, "addcmul": addcmul, "addcdiv": addcdiv, "float_power": float_power, "heaviside": heaviside,
    "nan_to_num": nan_to_num,
}
# in-place forms that torch also offers as functions (torch.relu_, torch.sigmoid_, ...)
_EXPORTED_INPLACE = [
    "abs", "square", "relu", "reciprocal", "sqrt", "rsqrt", "exp2", "expm1", "log2", "log10", "log1p", "sin", "cos",
    "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "tanh", "asinh", "arcsinh",
    "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "deg2rad", "rad2deg", "clamp", "clip", "clamp_min",
    "clamp_max", "nan_to_num"]
add_inplace_variants(TENSOR_METHODS, _EXPORTED_INPLACE + [
    "absolute", "sign", "sgn", "atan2", "arctan2", "hypot", "copysign", "lerp", "addcmul", "addcdiv", "heaviside"],
    globals(), exported=_EXPORTED_INPLACE)
TENSOR_METHODS["float_power_"] = _float_power_


def _abs_(self: Tensor) -> Tensor:
    if self._data.dtype.kind == "c":  # |z| is real: it cannot be written back into complex memory
        raise RuntimeError("In-place abs is not supported for complex tensors.")
    return update_inplace(self, abs(self))


abs_ = TENSOR_METHODS["abs_"] = TENSOR_METHODS["absolute_"] = _abs_

__all__ = [name for name in TENSOR_METHODS if not name.endswith("_")] + \
    [name + "_" for name in _EXPORTED_INPLACE]
