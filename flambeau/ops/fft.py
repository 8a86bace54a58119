"""Discrete Fourier transforms: three primitives (complex-to-complex, real-to-complex onesided and
complex-to-real) over a tuple of axes, on NumPy's (or CuPy's) fft module. flambeau.fft builds
PyTorch's whole torch.fft namespace on them.

`norm` is PyTorch's: "backward" scales the inverse transforms by 1/n, "forward" the forward ones,
"ortho" both by 1/sqrt(n). Each derivative is the adjoint transform, which swaps "backward" and
"forward" (the DUAL norm): the adjoint of an unscaled DFT is the unscaled inverse one.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from .joining import cat

NORMS = ("backward", "ortho", "forward")
DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}
_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}
_REAL_OF = {c: r for r, c in _COMPLEX_OF.items()}


class FftC2C(Primitive):
    """fftn (or ifftn when `inverse`) of a complex array over `axes`."""

    @staticmethod
    def forward(x, axes, norm, inverse):
        transform = np.fft.ifftn if inverse else np.fft.fftn
        return transform(x, axes=axes, norm=norm).astype(x.dtype, copy=False)

    def backward(ctx, g):
        axes, norm, inverse = ctx.args
        return (apply(FftC2C, (g,), axes, DUAL[norm], not inverse),)


class FftR2C(Primitive):
    """rfftn of a real array: the last of `axes` keeps its n // 2 + 1 non-negative frequencies."""

    @staticmethod
    def forward(x, axes, norm):
        return np.fft.rfftn(x, axes=axes, norm=norm).astype(_COMPLEX_OF[x.dtype], copy=False)

    def backward(ctx, g):
        axes, norm = ctx.args
        n = ctx.metas[0][0][axes[-1]]
        # the adjoint of keeping half the spectrum is zero-filling the other half
        full = resize(g, axes[-1], n)
        return (apply(FftC2C, (full,), axes, DUAL[norm], True).real,)


class FftC2R(Primitive):
    """irfftn of a onesided (Hermitian) spectrum whose last axis holds n_last // 2 + 1 values; the
    imaginary parts of the frequencies that must be real (0 and n/2) are ignored."""

    @staticmethod
    def forward(x, axes, norm, n_last):
        sizes = [x.shape[a] for a in axes[:-1]] + [n_last]
        return np.fft.irfftn(x, s=sizes, axes=axes, norm=norm).astype(_REAL_OF[x.dtype], copy=False)

    def backward(ctx, g):
        axes, norm, n_last = ctx.args
        spectrum = apply(FftR2C, (g,), axes, DUAL[norm])
        # every frequency but 0 (and n/2 for even n) stands for itself and its mirror image
        mirrored = n_last - spectrum.shape[axes[-1]]
        weights = np.ones(spectrum.shape[axes[-1]], dtype=_REAL_OF[spectrum._data.dtype])
        weights[1:1 + mirrored] = 2
        shape = [1] * spectrum.ndim
        shape[axes[-1]] = -1
        return (spectrum * spectrum.new_tensor(weights.reshape(shape)),)


def resize(x: Tensor, axis: int, size: int) -> Tensor:
    """x trimmed or zero-padded at the end of `axis` to `size` elements."""
    current = x.shape[axis]
    if size == current:
        return x
    if size < current:
        return x.narrow(axis, 0, size)
    shape = list(x.shape)
    shape[axis] = size - current
    return cat([x, x.new_zeros(shape)], axis)


def c2c(x: Tensor, axes: tuple, norm: str, inverse: bool) -> Tensor:
    return apply(FftC2C, (x,), axes, norm, inverse)


def r2c(x: Tensor, axes: tuple, norm: str) -> Tensor:
    return apply(FftR2C, (x,), axes, norm)


def c2r(x: Tensor, axes: tuple, norm: str, n_last: int) -> Tensor:
    return apply(FftC2R, (x,), axes, norm, n_last)
