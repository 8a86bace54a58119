"""Convolution kernels on arrays: im2col + matmul, a few batch samples at a time.

x is (B, C, *spatial), w (O, C/groups, *kernel), the geometry (pads, stride, dilation, groups) with
pads ((lo, hi), ...) per spatial dim (a negative hi crops). `_windows` is the strided view of every
sliding window (no copy); the column matrix of a chunk of samples is copied out of it into one
reused buffer and fed to one batched matmul.

NOTE: chunking is a cache trick. A whole-batch column matrix is 9x the input (42 MB for a 32->64
3x3 layer at batch 64); written once and streamed through BLAS it falls out of the caches twice.
A chunk of about 1 MB stays in L2 between the copy and the matmul, and the matmul of a chunk of
samples writes (n, O, L) straight into the output's own layout: no transposing copy afterwards.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ._parallel import parallel_copyto

_as_strided = np.lib.stride_tricks.as_strided
_CHUNK_BYTES = 1 << 20
# NOTE: a chunk laid out (C*K, samples*positions) is one wide matmul instead of one small matmul per
# sample, and pays one small transposing copy of its output. Measured (1 thread): 1.2-1.5x faster
# forward for every layer with columns at least this deep (C/groups * K = 288..1152, 16..1024
# positions); for shallow columns (C*K = 9, 27) the matmul is cheap and the extra copy loses.
_WIDE_MIN_DEPTH = 64


def pad(x, pads):
    """x (B, C, *spatial) zero-padded by pads ((lo, hi), ...); a negative pad crops instead."""
    if not any(lo or hi for lo, hi in pads):
        return x
    every = (slice(None), slice(None))
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        x = x[every + tuple(slice(-min(lo, 0), n + min(hi, 0)) for (lo, hi), n in zip(pads, x.shape[2:]))]
        pads = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
    out = np.zeros_like(x, shape=x.shape[:2] + tuple(lo + n + hi for (lo, hi), n in zip(pads, x.shape[2:])))
    parallel_copyto(out[every + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, x.shape[2:]))], x)
    return out


def windows(x, ksize, pads, stride, dilation):
    """Strided view (B, C, *kernel, *out) of the sliding windows over the padded x (no copy)."""
    xp = pad(x, pads)
    st = xp.strides[2:]
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xp.shape[2:], ksize, stride, dilation))
    strides = xp.strides[:2] + tuple(a * d for a, d in zip(st, dilation)) + tuple(a * s for a, s in zip(st, stride))
    return _as_strided(xp, xp.shape[:2] + tuple(ksize) + out, strides, writeable=False)


def _regions(ksize, out, stride, dilation):
    """(kernel offset, slices of the padded image that offset reads for every output position)."""
    for pos in itertools.product(*map(range, ksize)):
        yield pos, tuple(slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(pos, dilation, stride, out))


def col2im(cols, spatial, pads, stride, dilation):
    """Sum columns (C, *kernel, B, *out) back onto a (B, C, *spatial) image: the adjoint of windows.
    The image is accumulated channel-major, in the columns' own layout, so every add runs along rows."""
    nd = len(spatial)
    ksize, out = cols.shape[1:1 + nd], cols.shape[2 + nd:]
    padded = tuple(lo + n + max(hi, 0) for (lo, hi), n in zip(pads, spatial))
    image = np.zeros_like(cols, shape=(cols.shape[0], cols.shape[1 + nd]) + padded)
    every = (slice(None), slice(None))
    for pos, region in _regions(ksize, out, stride, dilation):
        image[every + region] += cols[(slice(None),) + pos]
    image = image[every + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, spatial))]
    return np.ascontiguousarray(image.swapaxes(0, 1))


def _chunks(batch: int, sample_bytes: int):
    """(start, stop) of runs of samples whose columns fill about _CHUNK_BYTES."""
    step = max(1, _CHUNK_BYTES // max(1, sample_bytes))
    for start in range(0, batch, step):
        yield start, min(batch, start + step), step


def _column_chunks(win, groups):
    """(start, stop, columns (n, groups, C/groups * K, L)) over the batch, all in one reused buffer."""
    b, c = win.shape[:2]
    nd = (win.ndim - 2) // 2
    ck = c // groups * math.prod(win.shape[2:2 + nd])
    length = math.prod(win.shape[2 + nd:])
    buf = None
    for start, stop, step in _chunks(b, c * math.prod(win.shape[2:]) * win.itemsize):
        if buf is None:
            # order="C": a prototype's stride order (here the windows' interleaved one) would make the
            # reshape below a copy, and the matmul a slow strided one
            buf = np.empty_like(win, shape=(min(step, b),) + win.shape[1:], order="C")
        cols = buf[:stop - start]
        parallel_copyto(cols, win[start:stop])
        yield start, stop, cols.reshape(stop - start, groups, ck, length)


def _wide_column_chunks(win, groups):
    """(start, stop, columns (groups, C/groups * K, n * L)) over the batch, all in one reused buffer:
    the samples of a chunk side by side in every row."""
    b, c = win.shape[:2]
    nd = (win.ndim - 2) // 2
    ksize, out = win.shape[2:2 + nd], win.shape[2 + nd:]
    ck, length = c // groups * math.prod(ksize), math.prod(out)
    by_channel = win.transpose((1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd)))
    buf = None
    for start, stop, step in _chunks(b, c * math.prod(win.shape[2:]) * win.itemsize):
        n = stop - start
        if buf is None:
            buf = np.empty_like(win, shape=(groups * ck * min(step, b) * length,))
        cols = buf[:groups * ck * n * length].reshape((c,) + ksize + (n,) + out)
        parallel_copyto(cols, by_channel[(slice(None),) * (1 + nd) + (slice(start, stop),)])
        yield start, stop, cols.reshape(groups, ck, n * length)


def _is_wide(w) -> bool:
    return w.shape[1] * math.prod(w.shape[2:]) >= _WIDE_MIN_DEPTH


def is_pointwise(w, pads, stride) -> bool:
    """A 1x1 kernel at unit stride without padding: every output position is its own input position."""
    return all(k == 1 for k in w.shape[2:]) and all(s == 1 for s in stride) and not any(lo or hi for lo, hi in pads)


def conv(x, w, pads, stride, dilation, groups):
    """y = conv(x, w) (B, O, *out)."""
    b, c, o = x.shape[0], x.shape[1], w.shape[0]
    if is_pointwise(w, pads, stride):
        # NOTE: one matmul on the (C, positions) view of x, the output already in its layout: the column
        # copies below would only copy x (measured 1.5x -> 1.0x PyTorch's time on MobileNet's 1x1 layers)
        y = np.matmul(w.reshape(groups, o // groups, c // groups),
                      x.reshape(b, groups, c // groups, math.prod(x.shape[2:])))
        return y.reshape((b, o) + x.shape[2:])
    win = windows(x, w.shape[2:], pads, stride, dilation)
    nd = w.ndim - 2
    out = win.shape[2 + nd:]
    length = math.prod(out)
    wg = w.reshape(groups, o // groups, -1)
    y = np.empty_like(x, shape=(b, groups, o // groups, length), order="C")
    if _is_wide(w):
        buf = None
        for start, stop, cols in _wide_column_chunks(win, groups):
            if buf is None:
                buf = np.empty_like(x, shape=(o * cols.shape[2],))
            part = np.matmul(wg, cols, out=buf[:o * cols.shape[2]].reshape(groups, o // groups, cols.shape[2]))
            parallel_copyto(y[start:stop].reshape(stop - start, o, length).swapaxes(0, 1),
                            part.reshape(o, stop - start, length))
    else:
        for start, stop, cols in _column_chunks(win, groups):
            np.matmul(wg, cols, out=y[start:stop])
    return y.reshape((b, o) + out)


def _wide_grad(gg, start, stop):
    """The chunk [start, stop) of g (B, groups, O/groups, L) as (groups, O/groups, n * L): the wide layout."""
    n, groups, og, length = (stop - start,) + gg.shape[1:]
    out = np.empty_like(gg, shape=(groups * og, n, length))
    parallel_copyto(out, gg[start:stop].reshape(n, groups * og, length).swapaxes(0, 1))
    return out.reshape(groups, og, n * length)


def conv_weight_grad(x, g, ksize, pads, stride, dilation, groups):
    """gw = windows(x) contracted with g over the batch and output positions: (O, C/groups, *kernel)."""
    win = windows(x, ksize, pads, stride, dilation)
    b, o = g.shape[:2]
    if b == 0:  # an empty batch contributes nothing (and -1 below would be ambiguous)
        return np.zeros_like(x, shape=(o, x.shape[1] // groups) + tuple(ksize))
    gg = g.reshape(b, groups, o // groups, -1)
    gw = np.zeros_like(x, shape=(groups, o // groups, x.shape[1] // groups * math.prod(ksize)))
    if _is_wide(gw.reshape((o, -1) + tuple(ksize))):
        for start, stop, cols in _wide_column_chunks(win, groups):
            gw += np.matmul(_wide_grad(gg, start, stop), cols.swapaxes(1, 2))
    else:
        for start, stop, cols in _column_chunks(win, groups):
            gw += np.matmul(gg[start:stop], cols.swapaxes(2, 3)).sum(0)
    return gw.reshape((o, x.shape[1] // groups) + tuple(ksize))


def conv_input_grad(g, w, spatial, pads, stride, dilation, groups):
    """gx = w^T @ g per chunk of samples, its columns added back onto the padded image (col2im)."""
    b, o = g.shape[:2]
    cg, ksize, out = w.shape[1], w.shape[2:], g.shape[2:]
    c = cg * groups
    if b == 0:  # an empty batch (e.g. a transposed convolution over no RoIs): -1 below would be ambiguous
        return np.zeros_like(g, shape=(0, c) + tuple(spatial))
    wt = w.reshape(groups, o // groups, -1).swapaxes(1, 2)  # (groups, C/groups * K, O/groups)
    gg = g.reshape(b, groups, o // groups, -1)
    padded = tuple(lo + n + max(hi, 0) for (lo, hi), n in zip(pads, spatial))
    image = np.zeros_like(g, shape=(b, c) + padded)
    regions = tuple(_regions(ksize, out, stride, dilation))
    wide = _is_wide(w)
    buf = None
    for start, stop, step in _chunks(b, c * math.prod(ksize) * math.prod(out) * g.itemsize):
        n = stop - start
        if buf is None:
            buf = np.empty_like(g, shape=(min(step, b) * c * math.prod(ksize) * math.prod(out),))
        part = buf[:n * c * math.prod(ksize) * math.prod(out)]
        if wide:  # columns (C, *K, n, *out) added onto the chunk seen channel-major
            cols = np.matmul(wt, _wide_grad(gg, start, stop), out=part.reshape(groups, wt.shape[1], -1))
            cols, chunk = cols.reshape((c,) + ksize + (n,) + out), image[start:stop].swapaxes(0, 1)
        else:
            cols = np.matmul(wt, gg[start:stop], out=part.reshape(n, groups, wt.shape[1], -1))
            cols, chunk = cols.reshape((n, c) + ksize + out), image[start:stop]
        for pos, region in regions:
            chunk[(slice(None), slice(None)) + region] += cols[(slice(None),) * (2 - wide) + pos]
    return np.ascontiguousarray(image[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for (lo, _), n in
                                                                      zip(pads, spatial))])
