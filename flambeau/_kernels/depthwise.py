"""Depthwise convolution forward over planes (one plane = one (batch, channel) slice, D x H x W), each
plane by one call, any stride, dilation and padding (a negative pad crops).

NOTE: an output row of a MobileNet layer is only 10-40 wide, too short a loop to vectorise per tap. So
each plane is first copied into zero-padded *phase* planes, one per residue of the padded coordinates
modulo the stride (the whole padded plane when the stride is 1): the sample that kernel tap k reads for
output o, at padded position o * s + k * d, is then at position o + (k * d) // s of phase (k * d) % s.
Every tap becomes one contiguous multiply-add over a whole slab of output rows laid out with the phase's
row width: the few columns past the output's width are computed too and dropped when the slab is
copied out. The zero padding is written once per call, as every plane has the same geometry.
"""
from __future__ import annotations

import numpy as np

from . import kernel


@kernel
def _fill_phases(plane, phases, sd, sh, sw, pd, ph, pw, Dq, Hq, Wq):
    """phases[n] (flat Dq x Hq x Wq) = the padded plane's samples at (s * q + residue) for residue n;
    positions in the padding are left as they are (zero)."""
    D, H, W = plane.shape
    n = 0
    for a in range(sd):
        for b in range(sh):
            for c in range(sw):
                dst = phases[n]
                n += 1
                first = c - pw  # the input column of phase column 0
                lo = max(0, (sw - 1 - first) // sw)
                hi = min(Wq, (W - 1 - first) // sw + 1)
                for qd in range(Dq):
                    i = sd * qd + a - pd
                    if i < 0 or i >= D:
                        continue
                    for qh in range(Hq):
                        j = sh * qh + b - ph
                        if j < 0 or j >= H:
                            continue
                        src = plane[i, j, lo * sw + first:]
                        row = dst[(qd * Hq + qh) * Wq + lo:]
                        for t in range(hi - lo):
                            row[t] = src[t * sw]


@kernel
def _tap(phases, first, origin, sw, dw, kw):
    """The samples of tap kw of a kernel row whose tap 0 reads phase `first` from position `origin`."""
    return phases[first + (dw * kw) % sw, origin + dw * kw // sw:]


@kernel
def depthwise(x, w, y, start, stop, sd, sh, sw, dd, dh, dw, pd, ph, pw):
    """y[r] = the convolution of plane x[r] (D, H, W) with the taps w[r % C] (KD, KH, KW) for planes r in
    [start, stop): strides sd, sh, sw, dilations dd, dh, dw and low-side pads pd, ph, pw per dim (the
    high side is implied by y's shape)."""
    C = w.shape[0]
    OD, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    KD, KH, KW = w.shape[1], w.shape[2], w.shape[3]
    # phase extents: enough for the last output's farthest tap
    Dq = (sd * (OD - 1) + dd * (KD - 1)) // sd + 1
    Hq = (sh * (OH - 1) + dh * (KH - 1)) // sh + 1
    Wq = (sw * (OW - 1) + dw * (KW - 1)) // sw + 1
    # + Wq: the dropped columns of the slab's last row read up to one phase row past the end
    phases = np.zeros((sd * sh * sw, Dq * Hq * Wq + Wq), dtype=y.dtype)
    n = OH * Wq
    acc = np.empty(n, dtype=y.dtype)
    for r in range(start, stop):
        _fill_phases(x[r], phases, sd, sh, sw, pd, ph, pw, Dq, Hq, Wq)
        taps = w[r % C]
        for od in range(OD):
            acc[:] = 0
            for kd in range(KD):
                for kh in range(KH):
                    v = taps[kd, kh]
                    first = ((dd * kd) % sd * sh + (dh * kh) % sh) * sw  # the phase of this kernel row's tap 0
                    origin = ((od + dd * kd // sd) * Hq + dh * kh // sh) * Wq
                    kw = 0
                    # NOTE: three taps per pass over acc, a third of its loads and stores (measured bit-identical
                    # to one tap per pass: the multiply-adds contract to one chain of fmas in tap order)
                    while kw + 3 <= KW:
                        a = _tap(phases, first, origin, sw, dw, kw)
                        b = _tap(phases, first, origin, sw, dw, kw + 1)
                        c = _tap(phases, first, origin, sw, dw, kw + 2)
                        va, vb, vc = v[kw], v[kw + 1], v[kw + 2]
                        for t in range(n):
                            acc[t] += va * a[t] + vb * b[t] + vc * c[t]
                        kw += 3
                    for k in range(kw, KW):
                        a = _tap(phases, first, origin, sw, dw, k)
                        va = v[k]
                        for t in range(n):
                            acc[t] += va * a[t]
            out = y[r, od]
            for oh in range(OH):
                row = acc[oh * Wq:]
                dst = out[oh]
                for t in range(OW):
                    dst[t] = row[t]


@kernel
def depthwise_channels_last(xp, w, y, start, stop, sh, sw, dh, dw):
    """Rows [start, stop) of y (B * OH, OW, C) = the depthwise convolution of the zero-padded channels-last
    xp (B, Hp, Wp, C) with the taps w (KH, KW, C), strides sh, sw and dilations dh, dw. Each tap is one
    multiply-add over C contiguous channels: no phase planes are needed in this layout."""
    OH, OW, C = y.shape[0] // xp.shape[0], y.shape[1], y.shape[2]
    KH, KW = w.shape[0], w.shape[1]
    for r in range(start, stop):
        b, i = r // OH, r % OH
        out = y[r]
        for j in range(OW):
            acc = out[j]
            acc[:] = 0
            for kh in range(KH):
                row = xp[b, i * sh + kh * dh]
                for kw in range(KW):
                    src = row[j * sw + kw * dw]
                    taps = w[kh, kw]
                    for c in range(C):
                        acc[c] += src[c] * taps[c]
