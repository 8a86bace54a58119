"""Depthwise convolution kernels on arrays (one input and one output channel per group, unit stride).

A depthwise kernel has no channel sum, so im2col + matmul is all copy and no arithmetic. Instead
the output is a sum over the kernel offsets of (shifted input) * (one weight per channel).

NOTE: the shifted inputs are made long and contiguous. The padded input is laid out channel-major,
(C, B * padded plane) flattened per channel; with unit stride, the sample of kernel offset k for
output position j is then flat[c, j + offset(k)], so each offset reads one contiguous slice of every
channel row and each multiply-add is a whole-row NumPy loop with one weight per row. Positions j
that fall in the padding (or across two samples) are computed too and dropped at the end: a few
per cent of extra work instead of NumPy loops over rows only as wide as the output.
"""
from __future__ import annotations

import itertools
import math

import numpy as np


def applies(c: int, o: int, stride, groups: int, dtype) -> bool:
    """Whether these kernels serve the convolution: depthwise (O == C == groups), unit stride, float32/64
    (np.vecdot has no bfloat16 loop and would sum float16 in float16)."""
    return groups > 1 and c == o == groups and all(s == 1 for s in stride) and dtype.kind == "f" and dtype.itemsize >= 4


def _layout(b, c, spatial, pads, ksize, dilation):
    """(padded plane, output size, flat offset of every kernel offset, positions computed per channel)."""
    padded = tuple(lo + n + hi for (lo, hi), n in zip(pads, spatial))
    out = tuple(n - d * (k - 1) for n, k, d in zip(padded, ksize, dilation))
    plane = tuple(math.prod(padded[i + 1:]) for i in range(len(padded)))
    offsets = [sum(i * d * p for i, d, p in zip(pos, dilation, plane)) for pos in itertools.product(*map(range, ksize))]
    return padded, out, offsets, b * math.prod(padded) - offsets[-1]


def _channel_major(x, pads, padded):
    """x (B, C, *spatial) as zero-padded (C, B, *padded): pads that are negative crop."""
    every = (slice(None), slice(None))
    x = x[every + tuple(slice(max(0, -lo), n - max(0, -hi)) for (lo, hi), n in zip(pads, x.shape[2:]))]
    flat = np.zeros_like(x, shape=(x.shape[1], x.shape[0]) + padded)
    flat[every + tuple(slice(max(0, lo), max(0, lo) + n) for (lo, _), n in zip(pads, x.shape[2:]))] = x.swapaxes(0, 1)
    return flat


def conv(x, w, pads, dilation):
    """y (B, C, *out) = sum over kernel offsets k of x shifted by k times w[:, 0, k]."""
    b, c = x.shape[:2]
    padded, out, offsets, n = _layout(b, c, x.shape[2:], pads, w.shape[2:], dilation)
    flat = _channel_major(x, pads, padded).reshape(c, -1)
    wk = w.reshape(c, -1, 1)
    y = np.empty_like(flat)
    acc, tmp = y[:, :n], np.empty_like(flat, shape=(c, n))
    np.multiply(flat[:, offsets[0]:offsets[0] + n], wk[:, 0], out=acc)
    for k in range(1, len(offsets)):
        acc += np.multiply(flat[:, offsets[k]:offsets[k] + n], wk[:, k], out=tmp)
    y = y.reshape((c, b) + padded)[(slice(None), slice(None)) + tuple(slice(0, o) for o in out)]
    return np.ascontiguousarray(y.swapaxes(0, 1))


def conv_weight_grad(x, g, ksize, pads, dilation):
    """gw (C, 1, *kernel): for every kernel offset, the dot product of g with x shifted by it, per channel."""
    b, c = x.shape[:2]
    padded, out, offsets, n = _layout(b, c, x.shape[2:], pads, ksize, dilation)
    flat = _channel_major(x, pads, padded).reshape(c, -1)
    gflat = _channel_major(g, tuple((0, p - o) for p, o in zip(padded, out)), padded).reshape(c, -1)[:, :n]
    gw = np.empty_like(x, shape=(c, len(offsets)))
    for k, off in enumerate(offsets):
        gw[:, k] = np.vecdot(gflat, flat[:, off:off + n])
    return gw.reshape((c, 1) + tuple(ksize))
