"""Convolution as a sum over kernel taps of one matmul each, over only the outputs whose sample is inside x.

For a widely dilated kernel on a small image (DeepLabV3's ASPP: 3x3 at rate 12 on a 20x20 map, padding
12), most taps read padding for most outputs, and im2col + matmul multiplies all those zeros. Per tap,
the outputs that read inside x form a box, and the samples they read form a box of x: the tap adds
w[:, :, tap] @ that box of x onto that box of y. Used (groups == 1) where the boxes hold under
_MAX_USEFUL of im2col's work: 36% for the ASPP layer above, ~90% for a 3x3 padding-1 layer.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

_MAX_USEFUL = 0.5


def _span(n: int, out: int, k: int, lo: int, stride: int, dilation: int) -> tuple:
    """(first, stop) of the outputs along one dim whose sample of tap k is inside [0, n)."""
    shift = k * dilation - lo  # the input index of output 0
    first = max(0, -(shift // stride))  # ceil(-shift / stride)
    stop = min(out, (n - 1 - shift) // stride + 1)
    return first, max(first, stop)


def _boxes(spatial, ksize, out, pads, stride, dilation):
    """(tap, output slices, input slices) for every tap that reads inside x for some output."""
    for tap in itertools.product(*map(range, ksize)):
        spans = [_span(n, o, k, lo, s, d) for n, o, k, (lo, _), s, d in zip(spatial, out, tap, pads, stride, dilation)]
        if any(a == b for a, b in spans):
            continue
        inside = tuple(slice(a * s + k * d - lo, (b - 1) * s + k * d - lo + 1, s)
                       for (a, b), k, (lo, _), s, d in zip(spans, tap, pads, stride, dilation))
        yield tap, tuple(slice(a, b) for a, b in spans), inside


def _output_size(spatial, ksize, pads, stride, dilation) -> tuple:
    return tuple((lo + n + hi - d * (k - 1) - 1) // s + 1
                 for n, k, (lo, hi), s, d in zip(spatial, ksize, pads, stride, dilation))


def applies(x, w, pads, stride, dilation, groups: int) -> bool:
    """Whether the taps' boxes hold under _MAX_USEFUL of im2col's work (ungrouped, dilated convolutions: only
    a dilation reaches that far into the padding in practice, and the others pay nothing for the check)."""
    if groups != 1 or all(d == 1 for d in dilation):
        return False
    ksize = w.shape[2:]
    out = _output_size(x.shape[2:], ksize, pads, stride, dilation)
    useful = sum(math.prod(o.stop - o.start for o in box)
                 for _, box, _ in _boxes(x.shape[2:], ksize, out, pads, stride, dilation))
    return useful < _MAX_USEFUL * math.prod(ksize) * math.prod(out)


def conv(x, w, pads, stride, dilation):
    """y (B, O, *out) = sum over taps of w[:, :, tap] @ (the box of x the tap reads), added onto its box of y."""
    b, c, o = x.shape[0], x.shape[1], w.shape[0]
    out = _output_size(x.shape[2:], w.shape[2:], pads, stride, dilation)
    y = np.zeros_like(x, shape=(b, o) + out, order="C")
    every = (slice(None), slice(None))
    for tap, box, inside in _boxes(x.shape[2:], w.shape[2:], out, pads, stride, dilation):
        shape = tuple(s.stop - s.start for s in box)
        region = x[every + inside].reshape(b, c, math.prod(shape))
        # a tap's (O, C) slice of w is strided: copied, so that the matmul goes to BLAS
        y[every + box] += np.matmul(np.ascontiguousarray(w[every + tap]), region).reshape((b, o) + shape)
    return y
