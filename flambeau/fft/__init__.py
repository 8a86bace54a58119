"""torch.fft: discrete Fourier transforms, their 2-D and n-D forms, sample frequencies and shifts.

Every transform resolves PyTorch's arguments (n / s, dim, norm), promotes the input (integers and
bool to the default float dtype; float16 and bfloat16 are refused as on PyTorch's CPU), pads or
trims the transformed dims, and runs one of the three primitives of flambeau/ops/fft.py. The
Hermitian transforms are the real ones in disguise: hfft(x) = irfft(conj(x)) and
ihfft(x) = conj(rfft(x)), each with the dual norm.
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from .._dtype import FLOAT, INT, BOOL, get_default_dtype, to_dtype
from .._tensor import Tensor, _wrap_dim
from ..ops.conjugate import conj
from ..ops.creation import tensor
from ..ops.elementwise import _dtype_title, _out, cast
from ..ops.fft import DUAL, NORMS, c2c, c2r, r2c, resize
from ..ops.joining import roll

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

Dims = Union[int, Sequence[int], None]


# ------------------------------------------------------------------------------------------- arguments

def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _promoted(x: Tensor) -> Tensor:
    """Integers and bool compute in the default float dtype; half precision has no CPU kernel."""
    d = x.dtype
    if d.category in (INT, BOOL):
        return cast(x, get_default_dtype().np)
    if d.category == FLOAT and d.itemsize < 4:
        raise NotImplementedError(f"Unsupported dtype {_dtype_title(x)}")
    return x


def _complex_input(x: Tensor) -> Tensor:
    x = _promoted(x)
    return x if x.dtype.is_complex else cast(x, x.dtype.to_complex().np)


def _real_input(x: Tensor, name: str) -> Tensor:
    if x.dtype.is_complex:
        raise TypeError(f"{name} expects a real input tensor, but got {_dtype_title(x)}")
    return _promoted(x)


def _one_dim(x: Tensor, n: int | None, dim: int) -> tuple:
    """(s, dim) of an n-D transform for the 1-D functions' (n, dim)."""
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return (None if n is None else (n,)), (dim,)


def _axes_and_sizes(x: Tensor, s, dim) -> tuple:
    """The transformed dims (wrapped) and the signal size along each (-1 or None: the input's)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        axes = tuple(_wrap_dim(d, x.ndim) for d in dim)
        if len(set(axes)) != len(axes):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(axes):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > x.ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions.")
        axes = tuple(range(x.ndim - len(s), x.ndim))
    else:
        axes = tuple(range(x.ndim))
    sizes = [x.shape[a] if s is None or s[i] in (None, -1) else int(s[i]) for i, a in enumerate(axes)]
    return axes, sizes


def _check_size(n: int) -> None:
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _resized(x: Tensor, axes: tuple, sizes: list) -> Tensor:
    for a, n in zip(axes, sizes):
        _check_size(n)
        x = resize(x, a, n)
    return x


# ------------------------------------------------------------------------------------------- transforms

def _fftn(x: Tensor, s, dim, norm, inverse: bool) -> Tensor:
    x = _complex_input(x)
    axes, sizes = _axes_and_sizes(x, s, dim)
    if not axes:
        return x.clone()
    return c2c(_resized(x, axes, sizes), axes, norm, inverse)


def _rfftn(x: Tensor, s, dim, norm, name: str) -> Tensor:
    x = _real_input(x, name)
    axes, sizes = _axes_and_sizes(x, s, dim)
    if not axes:
        raise RuntimeError(f"{name} must transform at least one axis")
    return r2c(_resized(x, axes, sizes), axes, norm)


def _irfftn(x: Tensor, s, dim, norm, name: str) -> Tensor:
    x = _complex_input(x)
    axes, sizes = _axes_and_sizes(x, s, dim)
    if not axes:
        raise RuntimeError(f"{name} must transform at least one axis")
    if s is None or s[-1] in (None, -1):
        sizes[-1] = 2 * (x.shape[axes[-1]] - 1)  # the even length whose onesided spectrum is the input
    n_last = sizes[-1]
    _check_size(n_last)
    x = _resized(x, axes[:-1], sizes[:-1])
    return c2r(resize(x, axes[-1], n_last // 2 + 1), axes, norm, n_last)


def fftn(input: Tensor, s: Sequence[int] | None = None, dim: Dims = None, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    return _out(_fftn(input, s, dim, _norm(norm), False), out)


def ifftn(input: Tensor, s: Sequence[int] | None = None, dim: Dims = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    return _out(_fftn(input, s, dim, _norm(norm), True), out)


def rfftn(input: Tensor, s: Sequence[int] | None = None, dim: Dims = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    return _out(_rfftn(input, s, dim, _norm(norm), "rfftn"), out)


def irfftn(input: Tensor, s: Sequence[int] | None = None, dim: Dims = None, norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    return _out(_irfftn(input, s, dim, _norm(norm), "irfftn"), out)


def hfftn(input: Tensor, s: Sequence[int] | None = None, dim: Dims = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The FFT of a Hermitian-symmetric signal given by its onesided half: a real result."""
    return _out(_irfftn(conj(_complex_input(input)), s, dim, DUAL[_norm(norm)], "hfftn"), out)


def ihfftn(input: Tensor, s: Sequence[int] | None = None, dim: Dims = None, norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """The inverse of hfftn: the onesided half of the inverse FFT of a real signal."""
    return _out(conj(_rfftn(input, s, dim, DUAL[_norm(norm)], "ihfftn")), out)


def _one_dimensional(nd, name: str):
    def transform(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
                  out: Tensor | None = None) -> Tensor:
        s, dims = _one_dim(input, n, dim)
        return nd(input, s, dims, norm, out=out)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"The 1-D form of {nd.__name__} along `dim`, with signal length `n`."
    return transform


def _two_dimensional(nd, name: str):
    def transform(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
                  norm: str | None = None, *, out: Tensor | None = None) -> Tensor:
        return nd(input, s, dim, norm, out=out)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"The 2-D form of {nd.__name__} over `dim` (the last two by default)."
    return transform


fft, fft2 = _one_dimensional(fftn, "fft"), _two_dimensional(fftn, "fft2")
ifft, ifft2 = _one_dimensional(ifftn, "ifft"), _two_dimensional(ifftn, "ifft2")
rfft, rfft2 = _one_dimensional(rfftn, "rfft"), _two_dimensional(rfftn, "rfft2")
irfft, irfft2 = _one_dimensional(irfftn, "irfft"), _two_dimensional(irfftn, "irfft2")
hfft, hfft2 = _one_dimensional(hfftn, "hfft"), _two_dimensional(hfftn, "hfft2")
ihfft, ihfft2 = _one_dimensional(ihfftn, "ihfft"), _two_dimensional(ihfftn, "ihfft2")


# ------------------------------------------------------------------------------------------- frequencies, shifts

def _frequencies(values: np.ndarray, n: int, d: float, dtype, device, requires_grad: bool) -> Tensor:
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    return tensor(values / (n * d), dtype=dt, device=device, requires_grad=requires_grad)


def fftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Sample frequencies of an n-point FFT: 0, 1, ..., then the negative ones, in cycles per unit of d."""
    index = np.arange(n, dtype=np.float64)
    index[(n + 1) // 2:] -= n
    return _out(_frequencies(index, n, d, dtype, device, requires_grad), out)


def rfftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """Sample frequencies of an n-point rfft: 0, 1, ..., n // 2."""
    return _out(_frequencies(np.arange(n // 2 + 1, dtype=np.float64), n, d, dtype, device, requires_grad), out)


def _shift(input: Tensor, dim, inverse: bool) -> Tensor:
    dims = range(input.ndim) if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    dims = [_wrap_dim(d, input.ndim) for d in dims]
    if not dims:
        return input.clone()
    shifts = [(input.shape[d] + inverse) // 2 for d in dims]
    return roll(input, shifts, dims)


def fftshift(input: Tensor, dim: Dims = None) -> Tensor:
    """Move the zero frequency to the centre of the spectrum."""
    return _shift(input, dim, False)


def ifftshift(input: Tensor, dim: Dims = None) -> Tensor:
    """The inverse of fftshift."""
    return _shift(input, dim, True)
