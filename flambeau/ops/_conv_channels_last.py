"""Convolution on channels-last arrays: im2col rows with the channels innermost, then one matmul per chunk.

x is (B, *spatial, C), the packed weight (K * C, O) with the kernel taps outer and the channels inner, and
y (B, *out, O). A column row is the K windows' channel vectors side by side, so the im2col copy moves runs
of C contiguous values. In the (B, C, *spatial) layout those runs are one output row long (2 values on a
2x2 map): that copy took 4-8 ms per 3x3 layer of a ResNet-18 at 64x64 and batch 64, 0.2-3.6 ms here, and
the matmul writes y in its own layout. Used for ungrouped convolutions with enough channels to fill the
runs (`applies`); `conv_nchw` wraps it for (B, C, *spatial) arrays with one transposing copy each way
(the padding copy and the copy out), as many as the (B, C, *spatial) path makes. A frozen graph keeps
whole runs of layers channels-last (jit/passes/channels_last.py) and pays neither.

2-d depthwise layers have a channels-last kernel too (_kernels/depthwise.py): each tap is one multiply-add
over C contiguous channels, with no per-plane cost, which is what the (B, C, *spatial) kernel pays on
small maps (`depthwise_applies`).
"""
from __future__ import annotations

import math

import numpy as np

from ._conv_gemm import is_pointwise
from ._parallel import parallel_copyto, parallel_rows

_as_strided = np.lib.stride_tricks.as_strided
# NOTE: a chunk's columns of about 4 MB: big enough that each matmul is efficient, small enough to stay in
# the last-level cache between the copy and the matmul (measured 1 MB - 16 MB, 4 best on ResNet-18's layers)
_CHUNK_BYTES = 1 << 22
# NOTE: below 16 channels the runs are too short to beat the other layout's copy (a 3-channel 7x7 stem
# measured 1.15x slower this way)
_MIN_CHANNELS = 16
# NOTE: packing the weight is a transposing copy of it at every call; it pays for itself only with at least
# this many output positions per output channel (measured: a 512-channel layer on 2x2 maps at batch 1 took
# 8.7 ms this way against 0.9; at batch 64, 256 positions, the two were even)
_MIN_POSITIONS_PER_CHANNEL = 2


def makes_runs(channels: int, w, pads, stride) -> bool:
    """Whether the layer's columns are worth making channels-last: channels enough to make runs, and not a
    1x1 unit-stride layer (one matmul in either layout)."""
    return channels >= _MIN_CHANNELS and not is_pointwise(w, pads, stride)


def applies(x, w, pads, stride, dilation, groups: int) -> bool:
    """Worth it for a (B, C, *spatial) x: ungrouped, `makes_runs`, and outputs enough to pay for packing the
    weight."""
    if groups != 1 or x.dtype.kind not in "fc" or not makes_runs(x.shape[1], w, pads, stride):
        return False
    out = (max(0, (lo + n + hi - d * (k - 1) - 1) // s + 1)
           for n, k, (lo, hi), s, d in zip(x.shape[2:], w.shape[2:], pads, stride, dilation))
    return x.shape[0] * math.prod(out) >= _MIN_POSITIONS_PER_CHANNEL * w.shape[0]


def pack_weight(w):
    """(O, C, *kernel) -> (K * C, O): the row order of the channels-last columns."""
    nd = w.ndim - 2
    return np.ascontiguousarray(w.transpose(tuple(range(2, 2 + nd)) + (1, 0))).reshape(-1, w.shape[0])


def pad(x, pads):
    """x (B, *spatial, C), any strides, as a zero-padded C-contiguous array (x itself when it is one and
    nothing is padded); a negative pad crops."""
    nd = x.ndim - 2
    crop = tuple(slice(-min(lo, 0), n + min(hi, 0)) for (lo, hi), n in zip(pads, x.shape[1:-1]))
    x = x[(slice(None),) + crop]
    pads = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
    if x.flags.c_contiguous and not any(lo or hi for lo, hi in pads):
        return x
    shape = (x.shape[0],) + tuple(lo + n + hi for (lo, hi), n in zip(pads, x.shape[1:-1])) + (x.shape[-1],)
    out = (np.zeros if any(lo or hi for lo, hi in pads) else np.empty)(shape, x.dtype)
    parallel_copyto(out[(slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, x.shape[1:1 + nd]))], x)
    return out


def _chunks(batch: int, rows: int, row_bytes: int):
    """(sample slice, first-dim row slice) pieces whose columns fill about _CHUNK_BYTES: several whole
    samples, or one sample's rows in runs where a sample alone is larger."""
    per_row = max(1, _CHUNK_BYTES // max(1, row_bytes))
    if per_row >= rows:
        step = per_row // rows
        for b in range(0, batch, step):
            yield slice(b, min(batch, b + step)), slice(None)
    else:
        for b in range(batch):
            for r in range(0, rows, per_row):
                yield slice(b, b + 1), slice(r, min(rows, r + per_row))


def _output_size(xp, ksize, stride, dilation) -> tuple:
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xp.shape[1:-1], ksize, stride, dilation))


def _column_chunks(xp, ksize, stride, dilation):
    """(sample slice, row slice, columns (positions, K * C)) over the output positions of the padded
    channels-last xp, chunk by chunk (`_chunks`), the columns copied into one reused buffer."""
    b, c, st = xp.shape[0], xp.shape[-1], xp.strides
    out = _output_size(xp, ksize, stride, dilation)
    windows = _as_strided(xp, (b,) + out + tuple(ksize) + (c,),
                          (st[0],) + tuple(a * s for a, s in zip(st[1:-1], stride))
                          + tuple(a * d for a, d in zip(st[1:-1], dilation)) + (st[-1],), writeable=False)
    depth = c * math.prod(ksize)
    buf = None
    for samples, rows in _chunks(b, out[0], math.prod(out[1:]) * depth * xp.itemsize):
        part = windows[samples, rows]
        if buf is None:
            buf = np.empty(part.size, xp.dtype)
        cols = buf[:part.size].reshape(part.shape)
        parallel_copyto(cols, part)
        yield samples, rows, cols.reshape(-1, depth)


def conv(xp, packed, ksize, stride, dilation):
    """y (B, *out, O) = the convolution of the padded channels-last xp with the packed weight."""
    b, c = xp.shape[0], xp.shape[-1]
    out = _output_size(xp, ksize, stride, dilation)
    o = packed.shape[1]
    if all(k == 1 for k in ksize) and all(s == 1 for s in stride):   # every position its own column: one matmul
        return np.matmul(xp.reshape(-1, c), packed).reshape((b,) + out + (o,))
    y = np.empty((b,) + out + (o,), xp.dtype)
    if y.size == 0:
        return y
    for samples, rows, cols in _column_chunks(xp, ksize, stride, dilation):
        np.matmul(cols, packed, out=y[samples, rows].reshape(-1, o))
    return y


def weight_grad_applies(x, stride, groups: int) -> bool:
    """The weight gradient channels-last: ungrouped, unit stride (measured slower at stride 2: 14.0 against
    12.5 ms for a 64 -> 128 layer on 16x16 maps at batch 64), channels enough to make runs."""
    return (groups == 1 and all(s == 1 for s in stride) and x.shape[1] >= _MIN_CHANNELS
            and x.dtype.kind in "fc" and x.shape[0] > 0)


def weight_grad_nchw(x, g, ksize, pads, stride, dilation):
    """gw (O, C, *kernel) = the (B, O, *out) g contracted with the channels-last columns of the (B, C, *spatial)
    x over batch and positions. ResNet-18's 3x3 layers at batch 64: 1.1-2.3x faster than the other layout
    (512 channels on 2x2 maps: 37.6 -> 16.6 ms)."""
    nd = x.ndim - 2
    xp = pad(x.transpose((0,) + tuple(range(2, 2 + nd)) + (1,)), pads)
    o = g.shape[1]
    g_last = np.empty((g.shape[0],) + g.shape[2:] + (o,), g.dtype)
    parallel_copyto(g_last, g.transpose((0,) + tuple(range(2, 2 + nd)) + (1,)))
    gw = np.zeros((o, x.shape[1] * math.prod(ksize)), x.dtype)
    for samples, rows, cols in _column_chunks(xp, ksize, stride, dilation):
        gw += g_last[samples, rows].reshape(-1, o).T @ cols
    # columns run (kernel taps, C): back to (O, C, *kernel)
    return np.ascontiguousarray(gw.reshape((o,) + tuple(ksize) + (x.shape[1],)).transpose((0, nd + 1) + tuple(range(1, nd + 1))))


def conv_nchw(x, w, pads, stride, dilation):
    """The (B, C, *spatial) convolution through the channels-last kernel: (B, O, *out), C-contiguous."""
    nd = x.ndim - 2
    last = (0,) + tuple(range(2, 2 + nd)) + (1,)
    return to_channels_first(conv(pad(x.transpose(last), pads), pack_weight(w), w.shape[2:], stride, dilation))


def to_channels_first(y):
    """A C-contiguous (B, C, *spatial) copy of a channels-last y, split over the intra-op threads."""
    nd = y.ndim - 2
    first = np.empty((y.shape[0], y.shape[-1]) + y.shape[1:-1], y.dtype)
    parallel_copyto(first, y.transpose((0, nd + 1) + tuple(range(1, 1 + nd))))
    return first

# NOTE: the (B, C, *spatial) depthwise kernel pays a per-plane cost; on small maps that cost is all of it
# (MobileNetV2 at batch 64: 16 ms against 0.6 channels-last for 960 channels on 2x2 maps, 2.8 against 1.5
# for 192 on 8x8, but 4.6 against 5.2 for 144 on 16x16)
_DEPTHWISE_MAX_POSITIONS = 64


def depthwise_applies(x, w, pads, stride, dilation, groups: int) -> bool:
    """A 2-d depthwise layer on small enough maps, float32 or float64."""
    if not (x.ndim == 4 and groups > 1 and groups == x.shape[1] == w.shape[0] and x.dtype in (np.float32, np.float64)):
        return False
    out = [(lo + n + hi - d * (k - 1) - 1) // s + 1
           for n, k, (lo, hi), s, d in zip(x.shape[2:], w.shape[2:], pads, stride, dilation)]
    return out[0] * out[1] <= _DEPTHWISE_MAX_POSITIONS


def depthwise_taps(w):
    """(C, 1, KH, KW) -> (KH, KW, C)."""
    return np.ascontiguousarray(w[:, 0].transpose(1, 2, 0))


def depthwise_nchw(x, w, pads, stride, dilation):
    """The (B, C, H, W) depthwise convolution through the channels-last kernel: (B, C, OH, OW), C-contiguous."""
    y = depthwise(pad(x.transpose(0, 2, 3, 1), pads), depthwise_taps(w), w.shape[2:], stride, dilation)
    return to_channels_first(y)


def depthwise(xp, taps, ksize, stride, dilation):
    """y (B, OH, OW, C): the 2-d depthwise convolution of the padded channels-last xp (B, Hp, Wp, C) with
    taps (KH, KW, C), rows of the output split over the intra-op threads (float32 and float64 only)."""
    from .._kernels import depthwise as kernels
    b, c = xp.shape[0], xp.shape[-1]
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xp.shape[1:-1], ksize, stride, dilation))
    y = np.empty((b * out[0], out[1], c), xp.dtype)
    parallel_rows(lambda start, stop: kernels.depthwise_channels_last(xp, taps, y, start, stop, *stride, *dilation),
                  len(y), y.size)
    return y.reshape((b,) + out + (c,))
