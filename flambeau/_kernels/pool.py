"""Max pooling kernels over planes (one plane = one (batch, channel) slice), each plane by one call.

Windows follow ATen's CPU max pooling: a window starts at o * stride - padding, its samples are
dilation apart, samples in the padding are skipped, and the argmax starts at the first sample in
bounds; a sample wins when it is greater than the best so far or NaN (so NaN wins, the last NaN).
Indices are flat within the plane, as PyTorch returns them.
"""
from __future__ import annotations

import numpy as np

from . import kernel


@kernel
def _windows(out, size, kernel, stride, dilation, padding):
    """Per output position along one dim: the window's first sample in bounds and its count of
    samples in bounds."""
    first = np.empty(out, dtype=np.int64)
    count = np.empty(out, dtype=np.int64)
    for o in range(out):
        i = o * stride - padding
        end = min(i + (kernel - 1) * dilation + 1, size)
        while i < 0:
            i += dilation
        first[o] = i
        count[o] = max(0, (end - i + dilation - 1) // dilation)
    return first, count


@kernel
def max_pool_index(x, index, start, stop, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, lowest):
    """index[r, od, oh, ow] = flat argmax of the window at (od, oh, ow) of plane x[r] (shape D, H, W);
    lowest: the dtype's lowest value (-inf for floats)."""
    _, D, H, W = x.shape
    _, OD, OH, OW = index.shape
    d0, nd = _windows(OD, D, kd, sd, dd, pd)
    h0, nh = _windows(OH, H, kh, sh, dh, ph)
    w0, nw = _windows(OW, W, kw, sw, dw, pw)
    for r in range(start, stop):
        plane, out = x[r].ravel(), index[r]
        for od in range(OD):
            for oh in range(OH):
                for ow in range(OW):
                    best = lowest
                    arg = (d0[od] * H + h0[oh]) * W + w0[ow]
                    for i in range(nd[od]):
                        for j in range(nh[oh]):
                            row = ((d0[od] + i * dd) * H + h0[oh] + j * dh) * W + w0[ow]
                            for k in range(nw[ow]):
                                v = plane[row + k * dw]
                                # NOTE: selects, not a branch: on real data the branch mispredicts
                                take = (v > best) | (v != v)
                                best = v if take else best
                                arg = row + k * dw if take else arg
                    out[od, oh, ow] = arg


# NOTE: a window entirely in the padding (possible with dilation) gets an index past its plane, as in
# PyTorch, whose max is then -inf (the fill) and whose gradient goes nowhere: both kernels check.

@kernel
def gather(x, index, out, start, stop, fill):
    """out[r, j, :] = x[r, index[r, j], :] (the last axis: the words of one element), or fill where
    the index is outside the plane."""
    for r in range(start, stop):
        for j in range(index.shape[1]):
            i = index[r, j]
            inside = 0 <= i < x.shape[1]
            for k in range(x.shape[2]):
                out[r, j, k] = x[r, i, k] if inside else fill[k]


@kernel
def scatter(src, index, out, start, stop, accumulate):
    """out[r, index[r, j], :] += src[r, j, :] (accumulate) or = src[r, j, :], in order, so the last
    write wins; out holds zeros, and indices outside the plane are skipped."""
    for r in range(start, stop):
        for j in range(index.shape[1]):
            i = index[r, j]
            if 0 <= i < out.shape[1]:
                for k in range(src.shape[2]):
                    if accumulate:
                        out[r, i, k] += src[r, j, k]
                    else:
                        out[r, i, k] = src[r, j, k]
