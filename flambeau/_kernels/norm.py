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


@kernel
def _moments(seg, mean, m2, count):
    """Merge the 1-D array seg into running (mean, m2, count) statistics; returns the new triple."""
    for lo in range(0, seg.size, BLOCK):
        hi = min(lo + BLOCK, seg.size)
        nb = hi - lo
        s = 0.0
        for i in range(lo, hi):
            s += seg[i]
        bmean = s / nb
        q = 0.0
        for i in range(lo, hi):
            d = seg[i] - bmean
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
def rows_forward(x, w, b, eps, out, mean, var, invstd, start, stop):
    t = x.dtype.type
    for r in range(start, stop):
        m, m2, count = _moments(x[r], 0.0, 0.0, 0)
        m, var[r], invstd[r] = _finish(m, m2, count, eps)
        mean[r] = m
        mr, inv = t(m), t(invstd[r])
        for j in range(x.shape[1]):
            out[r, j] = (x[r, j] - mr) * inv * w[j] + b[j]


@kernel
def rows_backward(x, g, w, mean, invstd, dx, dw_part, db_part, start, stop):
    """Blocks [start, stop) of rows (dw_part.shape[0] blocks over x.shape[0] rows); each block's
    weight and bias gradients go to its own row of dw_part/db_part (no columns: not wanted)."""
    t = x.dtype.type
    rows, n = x.shape
    blocks = dw_part.shape[0]
    want_w = dw_part.shape[1] > 0
    for k in range(start, stop):
        if want_w:
            dw_part[k, :] = 0
            db_part[k, :] = 0
        for r in range(rows * k // blocks, rows * (k + 1) // blocks):
            m, inv = t(mean[r]), t(invstd[r])
            s1 = t(0)
            s2 = t(0)
            for j in range(n):
                gw = g[r, j] * w[j]
                s1 += gw
                s2 += gw * (x[r, j] - m)
            if want_w:
                for j in range(n):
                    dw_part[k, j] += g[r, j] * (x[r, j] - m) * inv
                    db_part[k, j] += g[r, j]
            c1 = t(inv * s1 / max(n, 1))
            c2 = t(inv * inv * inv * s2 / max(n, 1))
            for j in range(n):
                dx[r, j] = g[r, j] * w[j] * inv - c1 - (x[r, j] - m) * c2


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
            a, s = t(scale), t(b[c] - m * scale)
            for i in range(j * hw, (j + 1) * hw):
                out[r, i] = x[r, i] * a + s


@kernel
def groups_backward(x, g, w, groups, cpg, mean, invstd, dx, dw_rows, db_rows, start, stop):
    """dw_rows/db_rows (rows, cpg): each row's share of its channels' weight and bias gradients."""
    t = x.dtype.type
    n = x.shape[1]
    hw = n // cpg
    for r in range(start, stop):
        m = t(mean[r])
        s1 = 0.0
        s2 = 0.0
        for j in range(cpg):
            gs = t(0)
            gxs = t(0)
            for i in range(j * hw, (j + 1) * hw):
                gs += g[r, i]
                gxs += g[r, i] * (x[r, i] - m)
            c = (r % groups) * cpg + j
            s1 += w[c] * gs
            s2 += w[c] * gxs
            dw_rows[r, j] = gxs * invstd[r]
            db_rows[r, j] = gs
        inv = invstd[r]
        c2 = t(inv * inv * inv * s2 / max(n, 1))
        c1 = t(inv * s1 / max(n, 1))
        for j in range(cpg):
            a = t(inv * w[(r % groups) * cpg + j])
            for i in range(j * hw, (j + 1) * hw):
                dx[r, i] = g[r, i] * a - c1 - (x[r, i] - m) * c2


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
        a, shift = t(scale), t(b[c] - m * scale)
        for s in range(x.shape[0]):
            for i in range(x.shape[2]):
                out[s, c, i] = x[s, c, i] * a + shift


@kernel
def batch_backward(x, g, w, mean, invstd, dx, dw, db, start, stop):
    t = x.dtype.type
    count = x.shape[0] * x.shape[2]
    for c in range(start, stop):
        m = t(mean[c])
        s1 = 0.0
        s2 = 0.0
        for s in range(x.shape[0]):
            gs = t(0)
            gxs = t(0)
            for i in range(x.shape[2]):
                gs += g[s, c, i]
                gxs += g[s, c, i] * (x[s, c, i] - m)
            s1 += gs
            s2 += gxs
        inv = invstd[c]
        dw[c] = s2 * inv
        db[c] = s1
        a = t(inv * w[c])
        c2 = t(w[c] * inv * inv * inv * s2 / max(count, 1))
        c1 = t(w[c] * inv * s1 / max(count, 1))
        for s in range(x.shape[0]):
            for i in range(x.shape[2]):
                dx[s, c, i] = g[s, c, i] * a - c1 - (x[s, c, i] - m) * c2
