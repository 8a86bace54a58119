"""Depthwise convolution kernels on arrays (one input and one output channel per group).

Forward runs the compiled kernel of _kernels/depthwise.py over the (batch, channel) planes, split over
the intra-op threads: any stride, dilation and padding, 1-d to 3-d, half types computed in float32 and
rounded once (PyTorch's accumulate type).

The weight gradient (unit stride) stays in NumPy. A depthwise kernel has no channel sum, so im2col +
matmul is all copy and no arithmetic; instead, for every kernel offset, the gradient is a dot product of
g with the input shifted by that offset, per channel.
NOTE: the shifted inputs are made long and contiguous. The padded input is laid out channel-major,
(C, B * padded plane) flattened per channel; with unit stride, the sample of kernel offset k for
output position j is then flat[c, j + offset(k)], so each offset reads one contiguous slice of every
channel row. Positions j that fall in the padding (or across two samples) are computed too and dropped:
a few per cent of extra work instead of NumPy loops over rows only as wide as the output.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ._parallel import parallel_rows
from .pool import _as_3d, _is_half


def _is_depthwise(c: int, o: int, groups: int) -> bool:
    return groups > 1 and c == o == groups


def forward_applies(x, o: int, groups: int) -> bool:
    """Whether the compiled kernel serves this convolution: depthwise (O == C == groups), a real
    floating dtype, NumPy arrays, 1 to 3 spatial dims."""
    return (_is_depthwise(x.shape[1], o, groups) and isinstance(x, np.ndarray) and x.ndim <= 5
            and (x.dtype.kind == "f" or _is_half(x.dtype)))


def weight_grad_applies(c: int, o: int, stride, groups: int, dtype) -> bool:
    """Whether conv_weight_grad serves: depthwise, unit stride, float32/64 (np.vecdot has no bfloat16
    loop and would sum float16 in float16)."""
    return _is_depthwise(c, o, groups) and all(s == 1 for s in stride) and dtype.kind == "f" and dtype.itemsize >= 4


def conv(x, w, pads, stride, dilation):
    """y (B, C, *out): every (batch, channel) plane convolved with its channel's taps."""
    from .._kernels import depthwise as kernels
    b, c = x.shape[:2]
    out = tuple((lo + n + hi - d * (k - 1) - 1) // s + 1
                for (lo, hi), n, k, s, d in zip(pads, x.shape[2:], w.shape[2:], stride, dilation))
    work = np.float32 if _is_half(x.dtype) else x.dtype
    planes = np.ascontiguousarray(x, dtype=work).reshape((b * c,) + _as_3d(x.shape[2:], 1))
    taps = np.ascontiguousarray(w, dtype=work).reshape((c,) + _as_3d(w.shape[2:], 1))
    y = np.empty((b * c,) + _as_3d(out, 1), dtype=work)
    geometry = _as_3d(stride, 1) + _as_3d(dilation, 1) + _as_3d(tuple(lo for lo, _ in pads), 0)
    parallel_rows(lambda start, stop: kernels.depthwise(planes, taps, y, start, stop, *geometry), b * c, planes.size)
    return y.reshape((b, c) + out).astype(x.dtype, copy=False)


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
