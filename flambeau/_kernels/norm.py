"""Normalisation kernels: statistics, normalised output and the closed-form backward, fused.

Three layouts, each split over threads along the axis its statistics do not reduce:
- rows:   x (rows, n), one mean/var per row, weight and bias per element of a row (layer_norm);
- groups: x (rows, n) with a row = `cpg` channels of `hw` positions, one mean/var per row, weight and
          bias per channel, channel = (row % groups) * cpg + j (group_norm, instance_norm);
- batch:  x (N, C * hw), one mean/var per channel over N and hw (batch_norm), split over channels.

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
TILE = 4096  # N * hw elements below which the batch kernels take several channels at a time

# NOTE: element loops run over 1-D views from index 0 (x[r, lo:hi], then range(size)): numba then knows
# the index is not negative, drops its wraparound check and LLVM vectorises the loop (2-5x).


@kernel
def _merge(mean, m2, count, bmean, bm2, nb):
    """Chan et al.'s update: (mean, m2) of count elements merged with a block's (bmean, bm2) of nb."""
    total = count + nb
    delta = bmean - mean
    return mean + delta * nb / total, m2 + bm2 + delta * delta * count * nb / total


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
        mean, m2 = _merge(mean, m2, count, bmean, q, nb)
        count += nb
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
def _tile(n, hw):
    """Channels a batch kernel takes at a time: one when a channel is large, a few small ones (hw == 1)
    so that the element loops stay long."""
    return max(1, TILE // max(n * hw, 1))


@kernel
def _segment_sums(acc, hw, out):
    """out[k] = sum of acc[k * hw:(k + 1) * hw]: per-position sums reduced to per-channel ones."""
    for k in range(out.size):
        out[k] = _sum(acc[k * hw:(k + 1) * hw])


@kernel
def _sum(seg):
    total = 0.0
    for i in range(seg.size):
        total += seg[i]
    return total


@kernel
def _expand(values, hw, out):
    """out[k * hw + i] = values[k]: per-channel values laid out along the tile's positions."""
    for k in range(values.size):
        out[k * hw:(k + 1) * hw] = values[k]


# NOTE: the batch kernels work on tiles of whole channels, x[s, c0 * hw:c1 * hw] for every sample s, with
# per-position accumulators reduced to channels afterwards: every element loop is unit-stride and
# vectorises, hw == 1 (BatchNorm1d) included, and a channel's sums do not depend on the tiling.

@kernel
def _tile_moments(x, hw, j0, j1, mean, m2, acc, mexp, bmean, bq):
    """mean and m2 of the channels of positions [j0, j1) of x (N, C * hw): two passes over chunks of
    samples (about BLOCK elements a channel), merged."""
    n, width = x.shape[0], j1 - j0
    chunk = max(1, BLOCK // hw)
    mean[:] = 0
    m2[:] = 0
    count = 0
    for lo in range(0, n, chunk):
        hi = min(lo + chunk, n)
        nb = (hi - lo) * hw
        acc[:width] = 0
        for s in range(lo, hi):
            xs = x[s, j0:j1]
            for j in range(width):
                acc[j] += xs[j]
        _segment_sums(acc[:width], hw, bmean)
        bmean /= nb
        _expand(bmean, hw, mexp[:width])
        acc[:width] = 0
        for s in range(lo, hi):
            xs = x[s, j0:j1]
            for j in range(width):
                d = xs[j] - mexp[j]
                acc[j] += d * d
        _segment_sums(acc[:width], hw, bq)
        for k in range(mean.size):
            mean[k], m2[k] = _merge(mean[k], m2[k], count, bmean[k], bq[k], nb)
        count += nb


@kernel
def batch_forward(x, channels, w, b, eps, out, mean, var, invstd, start, stop):
    """x (N, C * hw): per-channel statistics over N and hw, out = x * scale + shift per channel."""
    n = x.shape[0]
    hw = x.shape[1] // max(channels, 1)
    tile = _tile(n, hw)
    acc, mexp = np.empty(tile * hw), np.empty(tile * hw)  # float64 work
    m, m2, bmean, bq = np.empty(tile), np.empty(tile), np.empty(tile), np.empty(tile)
    scale, shift = np.empty(tile, x.dtype), np.empty(tile, x.dtype)
    sexp, hexp = np.empty(tile * hw, x.dtype), np.empty(tile * hw, x.dtype)
    for c0 in range(start, stop, tile):
        c1 = min(c0 + tile, stop)
        k, width = c1 - c0, (c1 - c0) * hw
        _tile_moments(x, hw, c0 * hw, c1 * hw, m[:k], m2[:k], acc, mexp, bmean[:k], bq[:k])
        for c in range(c0, c1):
            mean[c], var[c], invstd[c] = _finish(m[c - c0], m2[c - c0], n * hw, eps)
            a = invstd[c] * w[c]
            scale[c - c0], shift[c - c0] = a, b[c] - m[c - c0] * a
        _expand(scale[:k], hw, sexp[:width])
        _expand(shift[:k], hw, hexp[:width])
        for s in range(n):
            xs, outs = x[s, c0 * hw:c1 * hw], out[s, c0 * hw:c1 * hw]
            for j in range(width):
                outs[j] = xs[j] * sexp[j] + hexp[j]


@kernel
def batch_backward(x, channels, g, w, mean, invstd, dx, dw, db, start, stop):
    t = x.dtype.type
    n = x.shape[0]
    hw = x.shape[1] // max(channels, 1)
    count = max(n * hw, 1)
    tile = _tile(n, hw)
    acc1, acc2 = np.empty(tile * hw), np.empty(tile * hw)  # float64 work
    s1, s2 = np.empty(tile), np.empty(tile)
    mexp, aexp, c1exp, c2exp = (np.empty(tile * hw, x.dtype), np.empty(tile * hw, x.dtype),
                                np.empty(tile * hw, x.dtype), np.empty(tile * hw, x.dtype))
    coef = np.empty((4, tile), x.dtype)
    for c0 in range(start, stop, tile):
        c1 = min(c0 + tile, stop)
        k, width = c1 - c0, (c1 - c0) * hw
        for c in range(c0, c1):
            coef[0, c - c0] = mean[c]
        _expand(coef[0, :k], hw, mexp[:width])
        acc1[:width] = 0
        acc2[:width] = 0
        for s in range(n):
            xs, gs = x[s, c0 * hw:c1 * hw], g[s, c0 * hw:c1 * hw]
            for j in range(width):
                acc1[j] += gs[j]
                acc2[j] += gs[j] * (xs[j] - mexp[j])
        _segment_sums(acc1[:width], hw, s1[:k])
        _segment_sums(acc2[:width], hw, s2[:k])
        for c in range(c0, c1):
            inv, sg, sgx = invstd[c], s1[c - c0], s2[c - c0]
            dw[c] = sgx * inv
            db[c] = sg
            coef[1, c - c0] = inv * w[c]
            coef[2, c - c0] = w[c] * inv * sg / count
            coef[3, c - c0] = w[c] * inv * inv * inv * sgx / count
        _expand(coef[1, :k], hw, aexp[:width])
        _expand(coef[2, :k], hw, c1exp[:width])
        _expand(coef[3, :k], hw, c2exp[:width])
        for s in range(n):
            xs, gs, dxs = x[s, c0 * hw:c1 * hw], g[s, c0 * hw:c1 * hw], dx[s, c0 * hw:c1 * hw]
            for j in range(width):
                dxs[j] = gs[j] * aexp[j] - c1exp[j] - (xs[j] - mexp[j]) * c2exp[j]
