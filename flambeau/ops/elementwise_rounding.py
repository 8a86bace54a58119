"""Rounding: floor, ceil, round, trunc, frac, and the rounding divisions (floor/trunc division,
remainder, fmod).

Step functions have a zero gradient (PyTorch returns zeros, not None). Integer division by zero
raises like PyTorch; float division by zero gives inf/nan.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ._promote import promote
from .elementwise import _out, add_inplace_variants, not_implemented, require_tensor


class Step(Primitive):
    """A piecewise-constant function: its gradient is zero almost everywhere."""

    def backward(ctx, g):
        return tuple([g.new_zeros(shape) for shape, _ in ctx.metas])


def _rounded(fn):
    """Apply a NumPy rounding function to floats; integers are already whole (returned as a copy)."""
    def forward(x):
        return x.copy() if x.dtype.kind in "biu" else fn(x)
    return staticmethod(forward)


class Floor(Step):
    forward = _rounded(np.floor)


class Ceil(Step):
    forward = _rounded(np.ceil)


class Trunc(Step):
    forward = _rounded(np.trunc)


class Frac(Primitive):
    @staticmethod
    def forward(x):
        return x - np.trunc(x)  # inf - inf is nan, like PyTorch

    def backward(ctx, g):
        return (g,)


class Round(Step):
    @staticmethod
    def forward(x, decimals):
        if x.dtype.kind in "biu":
            return x.copy()
        if decimals == 0:
            return np.rint(x)  # halves to even, like PyTorch
        # scale by 10**|decimals| in the tensor's dtype, then undo with the inverse operation, like PyTorch
        scale = np.asarray(10.0 ** abs(decimals), dtype=x.dtype)
        if decimals > 0:
            return np.rint(x * scale) / scale
        return np.rint(x / scale) * scale


def _check_int_divisor(a, b) -> None:
    if a.dtype.kind in "iu" and not b.all():
        raise RuntimeError("ZeroDivisionError")


class DivFloor(Step):
    @staticmethod
    def forward(a, b):
        _check_int_divisor(a, b)
        return np.floor_divide(a, b)


class FloorDivide(DivFloor):
    """torch.floor_divide and `//`: PyTorch defines no derivative for them."""

    def backward(ctx, g):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class DivTrunc(Step):
    @staticmethod
    def forward(a, b):
        _check_int_divisor(a, b)
        if a.dtype.kind not in "biu":
            return np.trunc(a / b)
        q = np.floor_divide(a, b)
        # floor and truncation differ by one where the quotient is negative and inexact
        return np.where((q < 0) & (q * b != a), q + 1, q)


class Remainder(Primitive):
    save_inputs = True
    reads = ((), (0, 1))

    @staticmethod
    def forward(a, b):
        _check_int_divisor(a, b)
        return np.remainder(a, b)

    def backward(ctx, g):
        a, b = ctx.inputs
        return g, (-g * div_floor(a, b) if ctx.needs_input_grad(1) else None)


class ScalarRemainder(Remainder):
    """remainder(number, tensor): PyTorch defines no derivative for it."""

    def backward(ctx, g):
        raise RuntimeError("derivative for aten::remainder is not implemented")


class Fmod(Primitive):
    save_inputs = True
    reads = ((), (0, 1))

    @staticmethod
    def forward(a, b):
        _check_int_divisor(a, b)
        return np.fmod(a, b)

    def backward(ctx, g):
        a, b = ctx.inputs
        return g, (-g * div_trunc(a, b) if ctx.needs_input_grad(1) else None)


# ------------------------------------------------------------------------------- public functions

def _rounding(prim, kernel: str):
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if input._data.dtype == np.bool_:
            raise not_implemented(kernel, input)
        if input._data.dtype.kind == "c":
            raise NotImplementedError(f"{prim.__name__.lower()} is not supported for complex inputs")
        return _out(apply(prim, (input,)), out)
    return op


floor = _rounding(Floor, "floor")
ceil = _rounding(Ceil, "ceil")
trunc = _rounding(Trunc, "trunc_vml_cpu")
fix = trunc


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    kind = input._data.dtype.kind
    if kind in "bc":
        raise not_implemented("round_vml_cpu", input)
    if decimals != 0 and kind in "iu":
        raise not_implemented("round_cpu", input)
    return _out(apply(Round, (input,), int(decimals)), out)


def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype.kind in "biuc":
        raise not_implemented("frac_cpu", input)
    return _out(apply(Frac, (input,)), out)


def _division_operands(input, other, kernel: str):
    a, b = promote(input, other)
    if a._data.dtype == np.bool_ or a._data.dtype.kind == "c":
        raise not_implemented(kernel, a)
    return a, b


def div_floor(input, other) -> Tensor:
    """div(rounding_mode='floor'): zero gradient."""
    return apply(DivFloor, _division_operands(input, other, "div_floor_cpu"))


def div_trunc(input, other) -> Tensor:
    """div(rounding_mode='trunc'): zero gradient."""
    return apply(DivTrunc, _division_operands(input, other, "div_trunc_cpu"))


def floor_divide(input, other, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(FloorDivide, _division_operands(input, other, "div_floor_cpu")), out)


def remainder(input, other, *, out: Tensor | None = None) -> Tensor:
    prim = Remainder if isinstance(input, Tensor) else ScalarRemainder
    return _out(apply(prim, _division_operands(input, other, "remainder_cpu")), out)


def fmod(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    require_tensor("fmod", "input", 1, input)
    return _out(apply(Fmod, _division_operands(input, other, "fmod_cpu")), out)


TENSOR_METHODS = {"floor": floor, "ceil": ceil, "trunc": trunc, "fix": fix, "round": round, "frac": frac,
                  "floor_divide": floor_divide, "remainder": remainder, "fmod": fmod}
_INPLACE = ["floor", "ceil", "trunc", "fix", "round", "frac"]
add_inplace_variants(TENSOR_METHODS, _INPLACE + ["floor_divide", "remainder", "fmod"], globals(), exported=_INPLACE)

__all__ = ["floor", "ceil", "trunc", "fix", "round", "frac", "floor_divide", "remainder", "fmod"] + \
    [name + "_" for name in _INPLACE]
