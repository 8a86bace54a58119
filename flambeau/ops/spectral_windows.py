"""The window functions for spectral analysis: hann, hamming, blackman, bartlett and kaiser windows.

A periodic window of length L is the symmetric window of length L + 1 without its last sample (the
form stft wants); values are computed in float64 on the host and cast to the requested dtype.
"""
from __future__ import annotations

import operator

import numpy as np

from .._dtype import COMPLEX, FLOAT, get_default_dtype, to_dtype
from .._tensor import Tensor
from .creation import tensor
from .elementwise import _DTYPE_TITLES


def _window(name: str, window_length: int, periodic: bool, values, dtype, device, requires_grad: bool) -> Tensor:
    """values(n, N): the window at sample positions n (float64) with N = the symmetric length - 1."""
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    if dt.category == COMPLEX:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_DTYPE_TITLES[dt.name]}'")
    if dt.category != FLOAT:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    window_length = operator.index(window_length)  # a float is PyTorch's TypeError
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if window_length <= 1:
        samples = np.ones(window_length)
    else:
        span = window_length if periodic else window_length - 1
        samples = values(np.arange(window_length, dtype=np.float64), span)
    return tensor(samples, dtype=dt, device=device, requires_grad=requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    return _window("hamming_window", window_length, periodic,
                   lambda n, span: alpha - beta * np.cos(2 * np.pi * n / span), dtype, device, requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False) -> Tensor:
    return _window("hann_window", window_length, periodic,
                   lambda n, span: 0.5 - 0.5 * np.cos(2 * np.pi * n / span), dtype, device, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    return _window("blackman_window", window_length, periodic,
                   lambda n, span: 0.42 - 0.5 * np.cos(2 * np.pi * n / span) + 0.08 * np.cos(4 * np.pi * n / span),
                   dtype, device, requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    return _window("bartlett_window", window_length, periodic, lambda n, span: 1 - np.abs(2 * n / span - 1),
                   dtype, device, requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False) -> Tensor:
    def values(n, span):
        ratio = (n - span / 2) / (span / 2)
        return np.i0(beta * np.sqrt(np.clip(1 - ratio * ratio, 0, None))) / np.i0(beta)
    return _window("kaiser_window", window_length, periodic, values, dtype, device, requires_grad)


__all__ = ["hamming_window", "hann_window", "blackman_window", "bartlett_window", "kaiser_window"]
