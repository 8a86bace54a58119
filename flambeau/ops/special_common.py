"""Shared machinery of the special functions: polynomial and Chebyshev evaluation on arrays, kernels
computed in float64 and rounded once, and the public unary/binary wrappers (integer inputs promoted to
the default float dtype, PyTorch's error for dtypes a kernel lacks, `out=`)."""
from __future__ import annotations

import numpy as np

from .._dispatch import apply
from .._tensor import Tensor
from .elementwise import _float_input, _float_operands, _NonDifferentiable, _out, not_implemented, require_tensor


def poly(coeffs, x, out=None):
    """Horner's rule, highest power first, updated in place in one array (a fresh one, or `out`)."""
    r = np.multiply(x, coeffs[0], out=out)
    r += coeffs[1]
    for c in coeffs[2:]:
        r *= x
        r += c
    return r


def ratio(num, den, x):
    """num(x) / den(x), both highest power first."""
    r = poly(num, x)
    r /= poly(den, x)
    return r


def chebyshev(coeffs, x):
    """The Chebyshev series sum' c_k T_k(x / 2) as Cephes' chbevl evaluates it (Clenshaw's recurrence,
    highest order first, the constant term halved)."""
    b0 = np.full_like(x, coeffs[0])
    b1 = np.zeros_like(x)
    b2 = b1
    for c in coeffs[1:]:
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def in_float64(fn):
    """A forward computing `fn` in float64 and rounding the result once to the input's dtype."""
    def forward(x, *args):
        return fn(x.astype(np.float64, copy=False), *args).astype(x.dtype, copy=False)
    return staticmethod(forward)


def in_float64_binary(fn):
    def forward(x, y, *args):
        r = fn(x.astype(np.float64, copy=False), y.astype(np.float64, copy=False), *args)
        return r.astype(x.dtype, copy=False)
    return staticmethod(forward)


def check_kernel_dtype(name: str, x: Tensor, half: bool = True) -> None:
    """PyTorch's NotImplementedError for complex inputs (no special function takes them) and, where its CPU
    kernel lacks them (half=False), for float16 and bfloat16."""
    dtype = x._data.dtype
    if dtype.kind == "c" or (not half and dtype.itemsize == 2):
        raise not_implemented(f"{name}_cpu", x)


def unary(name: str, prim, half: bool = True):
    """The public function `name(input, *, out=None)` applying `prim`; half=False refuses float16/bfloat16
    with PyTorch's NotImplementedError, as its CPU kernels do."""
    def fn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        require_tensor(name, "input", 1, input)
        x = _float_input(input)
        check_kernel_dtype(name, x, half)
        return _out(apply(prim, (x,)), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


def binary(name: str, prim, half: bool = True):
    """The public function `name(input, other, *, out=None)` applying `prim` to the promoted operands."""
    def fn(input, other, *, out: Tensor | None = None) -> Tensor:
        x, y = _float_operands(input, other)
        check_kernel_dtype(name, x, half)
        return _out(apply(prim, (x, y)), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


def non_differentiable(name: str, kernel, arity: int = 1, half: bool = False):
    """The public function for a float64 kernel whose result PyTorch never differentiates (the Bessel,
    Airy and orthogonal-polynomial functions of torch.special); like theirs, it refuses half types."""
    prim = type(name, (_NonDifferentiable,), {"forward": (in_float64 if arity == 1 else in_float64_binary)(kernel)})
    return (unary if arity == 1 else binary)(name, prim, half)
