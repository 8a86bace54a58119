"""Complex numbers: building them (complex, polar), taking them apart (real, imag, angle, view_as_real,
view_as_complex) and conjugation's public forms.

Gradients follow PyTorch's convention (see conjugate.py): for z = x + iy the gradient is
dL/dx + i dL/dy, so the real part passes a real gradient through unchanged and the imaginary part
multiplies it by i. `real`, `imag` and `view_as_real` are views of the complex memory, as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, apply
from .._dtype import complex64, complex128, float16
from .._tensor import Tensor
from .conjugate import Conj, conj
from .elementwise import _dtype_title, _float_input, _out, where
from .elementwise_math import abs, cos, sin

_TO_COMPLEX = {np.dtype(np.float32): complex64.np, np.dtype(np.float64): complex128.np}
_NO_COMPLEX32 = "{}(): complex32 (ComplexHalf) tensors are not supported by flambeau (see docs/differences.md)"


# ------------------------------------------------------------------------------- primitives

class Real(Primitive):
    is_view = True

    @staticmethod
    def forward(z):
        return z.real

    def backward(ctx, g):
        return (g,)  # the engine casts it to the input's complex dtype: g + 0i


class Imag(Primitive):
    is_view = True

    @staticmethod
    def forward(z):
        return z.imag

    def backward(ctx, g):
        return (g * 1j,)


class ViewAsReal(Primitive):
    is_view = True

    @staticmethod
    def forward(z):
        return z[..., None].view(z.real.dtype)  # a trailing axis of one element may change its item size

    def backward(ctx, g):
        return (view_as_complex(g.contiguous()),)


class ViewAsComplex(Primitive):
    is_view = True

    @staticmethod
    def forward(x):
        return x.view(_TO_COMPLEX[x.dtype])[..., 0]

    def backward(ctx, g):
        return (view_as_real(g),)


class Complex(Primitive):
    """real + i imag, exactly (inf or nan in one part leaves the other alone, unlike real + imag * 1j)."""

    @staticmethod
    def forward(real, imag):
        out = np.broadcast_to(real, np.broadcast_shapes(real.shape, imag.shape)).astype(_TO_COMPLEX[real.dtype])
        out.imag = imag
        return out

    def backward(ctx, g):
        return (real(g) if ctx.needs_input_grad(0) else None), (imag(g) if ctx.needs_input_grad(1) else None)


class Angle(Primitive):
    save_inputs = True

    @staticmethod
    def forward(x):
        if x.dtype.kind == "c":
            return np.angle(x)
        # real numbers: pi below zero, 0 otherwise (-0.0 included), nan stays nan
        return np.where(x < 0, math.pi, np.where(x != x, x, 0.0)).astype(x.dtype, copy=False)

    def backward(ctx, g):
        z = ctx.inputs[0]
        if z._data.dtype.kind != "c":
            return (g.new_zeros(z._data.shape),)
        # d angle: (-y + ix) / |z|^2 = i z / |z|^2, taken as 0 at the origin like PyTorch
        square = (z * conj(z)).real
        return (where(square == 0, 0.0, g * 1j * z / where(square == 0, 1.0, square)),)


# ------------------------------------------------------------------------------- public functions

def real(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "c":
        return input
    return apply(Real, (input,))


def imag(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(Imag, (input,))


def _set_real(self: Tensor, value) -> None:
    real(self).copy_(value if isinstance(value, Tensor) else self.real.new_tensor(value))


def _set_imag(self: Tensor, value) -> None:
    imag(self).copy_(value if isinstance(value, Tensor) else self.imag.new_tensor(value))


def angle(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(Angle, (_float_input(input),)), out)


def view_as_real(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply(ViewAsReal, (input,))


def view_as_complex(input: Tensor) -> Tensor:
    data = input._data
    if input.dtype is float16:
        raise RuntimeError(_NO_COMPLEX32.format("view_as_complex"))
    if data.dtype not in _TO_COMPLEX:
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {_dtype_title(input)}")
    if data.ndim == 0 or data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return apply(ViewAsComplex, (input,))


def _check_parts(name: str, a: Tensor, b: Tensor) -> None:
    for t in (a, b):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{'real' if t is a else 'imag'}' must be Tensor, not "
                            f"{type(t).__name__}")
    if a.dtype is float16 and b.dtype is float16:
        raise RuntimeError(_NO_COMPLEX32.format(name))
    if a._data.dtype not in _TO_COMPLEX or b._data.dtype not in _TO_COMPLEX:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {_dtype_title(a)} and "
                           f"{_dtype_title(b)}")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"Expected object of scalar type {_dtype_title(a)} but got scalar type {_dtype_title(b)} "
                           "for second argument")


def complex(real: Tensor, imag: Tensor, *, out: Tensor | None = None) -> Tensor:
    _check_parts("complex", real, imag)
    return _out(apply(Complex, (real, imag)), out)


def polar(abs: Tensor, angle: Tensor, *, out: Tensor | None = None) -> Tensor:
    _check_parts("polar", abs, angle)
    return _out(complex(abs * cos(angle), abs * sin(angle)), out)


def conj_physical(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    if input._data.dtype.kind != "c":
        return _out(input.clone(), out)
    return _out(apply(Conj, (input,)), out)


def _tensor_only(name: str, input) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def resolve_conj(input: Tensor) -> Tensor:
    """conj() is computed eagerly in flambeau, so there is never a conjugate bit to resolve."""
    _tensor_only("resolve_conj", input)
    return input


resolve_neg = resolve_conj


def is_conj(input: Tensor) -> bool:
    _tensor_only("is_conj", input)
    return False


def is_neg(input: Tensor) -> bool:
    _tensor_only("is_neg", input)
    return False


def isreal(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "c":
        return input.new_ones(input._data.shape, dtype=bool)
    return imag(input) == 0


def _conj_physical_(self: Tensor) -> Tensor:
    from .._dispatch import update_inplace
    return self if self._data.dtype.kind != "c" else update_inplace(self, conj(self))


TENSOR_METHODS = {
    "conj": conj, "conj_physical": conj_physical, "conj_physical_": _conj_physical_,
    "resolve_conj": resolve_conj, "resolve_neg": resolve_neg, "is_conj": is_conj, "is_neg": is_neg,
    "angle": angle, "isreal": isreal,
    "real": property(real, _set_real), "imag": property(imag, _set_imag),
}

__all__ = ["conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg", "real", "imag", "angle",
           "view_as_real", "view_as_complex", "complex", "polar", "isreal"]
