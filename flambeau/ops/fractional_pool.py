"""Fractional max pooling (Graham, 2014): the argmax of pseudo-random windows, one window layout per plane.

For each plane, spatial dim d gets a sequence of window starts drawn from one uniform sample u in [0, 1)
(PyTorch's generate_intervals): start_i = int((i + u) * alpha) - int(u * alpha), alpha = (n - k) / (o - 1),
and the last window ends on the input's edge. Windows are k wide. The maxima are then read with
PlaneGather (ops/pool.py), whose backward scatters the gradient to them.
"""
from __future__ import annotations

import itertools

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from .pool import _INT64, _plane_strides, _running_argmax, _xp

__all__: list = []
TENSOR_METHODS: dict = {}


def _interval_starts(xp, samples, n: int, o: int, k: int):
    """(planes..., o) window starts along a dim of size n from samples (planes...), computed in the samples' dtype
    as PyTorch does (the rounding of (i + u) * alpha decides the window)."""
    starts = xp.empty(samples.shape + (o,), dtype=_INT64)
    if o > 1:
        dtype = samples.dtype.type
        alpha = dtype(n - k) / dtype(o - 1)
        i = xp.arange(o - 1).astype(samples.dtype)
        u = samples[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(_INT64) - (u * alpha).astype(_INT64)
    if o > 0:
        starts[..., -1] = n - k
    return starts


class FractionalMaxIndex(Primitive):
    """Flat per-plane index of the maximum of every fractional window: x (N, C, *spatial), samples (N', C, nsp)
    with N' >= N; sample j drives spatial dim `order[j]`."""
    differentiable = False

    @staticmethod
    def forward(x, samples, kernel, out, order):
        xp = _xp(x)
        nsp = len(kernel)
        spatial, lead = x.shape[-nsp:], x.shape[:-nsp]
        samples = samples[:lead[0]]
        starts = [None] * nsp
        for j, d in enumerate(order):
            starts[d] = _interval_starts(xp, samples[..., j], spatial[d], out[d], kernel[d])
        strides = _plane_strides(spatial)
        # per dim: starts times the plane stride, shaped to broadcast as (N, C, *out)
        offsets = [(s * st).reshape(lead + tuple(o if e == d else 1 for e, o in enumerate(out)))
                   for d, (s, st) in enumerate(zip(starts, strides))]
        first = sum(offsets)
        flat = x.reshape(lead + (int(np.prod(spatial)),))

        def candidates():
            for k in itertools.product(*map(range, kernel)):
                index = first + int(sum(i * st for i, st in zip(k, strides)))
                picked = xp.take_along_axis(flat, index.reshape(lead + (int(np.prod(out)),)), axis=-1)
                yield picked.reshape(index.shape), index
        return _running_argmax(candidates(), lead, tuple(out), x.dtype, first, xp)


def fractional_max_index(x: Tensor, samples: Tensor, kernel: tuple, out: tuple, order: tuple) -> Tensor:
    return apply(FractionalMaxIndex, (x, samples), kernel, out, order)
