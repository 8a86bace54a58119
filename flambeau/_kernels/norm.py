"""Normalisation kernels: statistics, normalised output and the closed-form backward, fused.

Three layouts, each split over threads along the axis its statistics do not reduce:
- rows:   x (rows, n), one mean/var per row, weight and bias per element of a row (layer_norm);
- groups: x (rows, n) with a row = `cpg` channels of `hw` positions, one mean/var per row, weight and
          bias per channel, channel = (row % groups) * cpg + j (group_norm, instance_norm);
- batch:  x (N, C, hw), one mean/var per channel over N and hw (batch_norm), split over channels.

Statistics are two-pass within blocks that stay in cache, the blocks merged with Chan et al.'s update,
so a large mean (x + 1000) costs no accuracy and memory is read once. Per-row and per-channel scalars
are float64; element loops run in the array's dtype. With xhat = (x - mean) * invstd and y = xhat * w + b,
backward is  dx = invstd * (g*w - s1/n - (x - mean) * invstd^2 * s2/n),  s1 = sum(g*w),
s2 = sum(g*w*(x - mean)), one pass for the sums and one (from cache) for dx.
"""
from __future__ import annotations

import numpy as np

from . import kernel

BLOCK = 2048  # elements per two-pass block: 8-16 KiB, re-read from L1

# NOTE: element loops run over 1-D views from index 0 (x[r, lo:hi], then range(size)): numba then knows
# the index is not negative, drops its wraparound check and LLVM vectorises the loop (2-5x).


@kernel
def _moments(seg, mean, m2, count):
    """Merge the 1-D array seg into running (mean, m2, count) statistics; returns the new triple."""
    for lo in range(0, seg.size, BLOCK):
        blk = seg[lo:lo + BLOCK]
        nb = blk.size
        s = 0.0
        for i in range(nb):
            s += blk[i]
        bmean = s / nb
        q = 0.0
        for i in range(nb):
            d = blk[i] - bmean
            q += d * d
        total = count + nb
        delta = bmean - mean
        mean += delta * nb / total
        m2 += q + delta * delta * count * nb / total
        count = total
    return mean, m2, count


@kernel
def _finish(mean, m2, count, eps):
    """(mean, biased variance, invstd) from running statistics; nan for no elements."""
    if count == 0:
        return np.nan, np.nan, np.nan
    var = m2 / count
    return mean, var, (var + eps) ** -0.5  # a power, not a division: inf, not an error, at var + eps == 0


@kernel
def _scale_shift(xs, a, shift, out):
    for i in range(xs.size):
        out[i] = xs[i] * a + shift


@kernel
def _grad_sums(xs, gs, m):
    """(sum(g), sum(g * (x - m))) over a segment, in its dtype."""
    s1 = gs.dtype.type(0)
    s2 = gs.dtype.type(0)
    for i in range(xs.size):
        s1 += gs[i]
        s2 += gs[i] * (xs[i] - m)
    return s1, s2


@kernel
def _input_grad(xs, gs, m, a, c1, c2, dxs):
    for i in range(xs.size):
        dxs[i] = gs[i] * a - c1 - (xs[i] - m) * c2


@kernel
def rows_forward(x, w, b, eps, out, mean, var, invstd, start, stop):
    t = x.dtype.type
    for r in range(start, stop):
        m, m2, count = _moments(x[r], 0.0, 0.0, 0)
        mean[r], var[r], invstd[r] = _finish(m, m2, count, eps)
        xr, outr, mr, inv = x[r], out[r], t(mean[r]), t(invstd[r])
        for j in range(xr.size):
            outr[j] = (xr[j] - mr) * inv * w[j] + b[j]


@kernel
def rows_backward(x, g, w, mean, invstd, dx, dw_part, db_part, start, stop):
    """Blocks [start, stop) of rows (dw_part.shape[0] blocks over x.shape[0] rows); each block's
    weight and bias gradients go to its own row of dw_part/db_part (no columns: not wanted)."""
    t = x.dtype.type
    rows, n = x.shape
    blocks = dw_part.shape[0]
    want_w = dw_part.shape[1] > 0
    for k in range(start, stop):
        dwk, dbk = dw_part[k], db_part[k]
        dwk[:] = 0
        dbk[:] = 0
        for r in range(rows * k // blocks, rows * (k + 1) // blocks):
            xr, gr, dxr, m, inv = x[r], g[r], dx[r], t(mean[r]), t(invstd[r])
            s1 = t(0)
            s2 = t(0)
            for j in range(n):
                gw = gr[j] * w[j]
                s1 += gw
                s2 += gw * (xr[j] - m)
            c1 = t(inv * s1 / max(n, 1))
            c2 = t(inv * inv * inv * s2 / max(n, 1))
            for j in range(n):
                dxr[j] = gr[j] * w[j] * inv - c1 - (xr[j] - m) * c2
            if want_w:
                for j in range(n):
                    dwk[j] += gr[j] * (xr[j] - m) * inv
                    dbk[j] += gr[j]


@kernel
def groups_forward(x, w, b, groups, cpg, eps, out, mean, var, invstd, start, stop):
    t = x.dtype.type
    hw = x.shape[1] // cpg
    for r in range(start, stop):
        m, m2, count = _moments(x[r], 0.0, 0.0, 0)
        m, var[r], invstd[r] = _finish(m, m2, count, eps)
        mean[r] = m
        for j in range(cpg):
            c = (r % groups) * cpg + j
            scale = invstd[r] * w[c]
            lo = j * hw
            _scale_shift(x[r, lo:lo + hw], t(scale), t(b[c] - m * scale), out[r, lo:lo + hw])


@kernel
def groups_backward(x, g, w, groups, cpg, mean, invstd, dx, dw_rows, db_rows, start, stop):
    """dw_rows/db_rows (rows, cpg): each row's share of its channels' weight and bias gradients."""
    t = x.dtype.type
    n = x.shape[1]
    hw = n // cpg
    for r in range(start, stop):
        m, inv = t(mean[r]), invstd[r]
        s1 = 0.0
        s2 = 0.0
        for j in range(cpg):
            lo, c = j * hw, (r % groups) * cpg + j
            gs, gxs = _grad_sums(x[r, lo:lo + hw], g[r, lo:lo + hw], m)
            s1 += w[c] * gs
            s2 += w[c] * gxs
            dw_rows[r, j] = gxs * inv
            db_rows[r, j] = gs
        c1 = t(inv * s1 / max(n, 1))
        c2 = t(inv * inv * inv * s2 / max(n, 1))
        for j in range(cpg):
            lo, c = j * hw, (r % groups) * cpg + j
            _input_grad(x[r, lo:lo + hw], g[r, lo:lo + hw], m, t(inv * w[c]), c1, c2, dx[r, lo:lo + hw])


@kernel
def batch_forward(x, w, b, eps, out, mean, var, invstd, start, stop):
    t = x.dtype.type
    for c in range(start, stop):
        m, m2, count = 0.0, 0.0, 0
        for s in range(x.shape[0]):
            m, m2, count = _moments(x[s, c], m, m2, count)
        m, var[c], invstd[c] = _finish(m, m2, count, eps)
        mean[c] = m
        scale = invstd[c] * w[c]
        for s in range(x.shape[0]):
            _scale_shift(x[s, c], t(scale), t(b[c] - m * scale), out[s, c])


@kernel
def batch_backward(x, g, w, mean, invstd, dx, dw, db, start, stop):
    t = x.dtype.type
    count = x.shape[0] * x.shape[2]
    for c in range(start, stop):
        m, inv = t(mean[c]), invstd[c]
        s1 = 0.0
        s2 = 0.0
        for s in range(x.shape[0]):
            gs, gxs = _grad_sums(x[s, c], g[s, c], m)
            s1 += gs
            s2 += gxs
        dw[c] = s2 * inv
        db[c] = s1
        c1 = t(w[c] * inv * s1 / max(count, 1))
        c2 = t(w[c] * inv * inv * inv * s2 / max(count, 1))
        for s in range(x.shape[0]):
            _input_grad(x[s, c], g[s, c], m, t(inv * w[c]), c1, c2, dx[s, c])
