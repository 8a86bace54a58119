"""as_strided and its inverse, as_strided_scatter: how autograd follows in-place writes through views.

When an in-place op writes into a view, the base's history becomes "the old base with this region
replaced" (AsStridedScatter, PyTorch's CopySlices) and the view is re-read from the new base
(AsStrided). A geometry is (view shape, view strides, offset, base shape, base strides) in elements;
bases in flambeau are dense with positive strides, so their memory is `size` elements from their
first element.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided as _np_as_strided

from .._dispatch import Primitive, apply


def _region(memory, geometry):
    """The view described by `geometry` inside a flat buffer laid out like the base."""
    shape, strides, offset = geometry[:3]
    item = memory.itemsize
    return _np_as_strided(memory[offset:], shape, tuple(s * item for s in strides))


def _flat_memory(base):
    return _np_as_strided(base, (base.size,), (base.itemsize,))


def _base_layout_copy(values, geometry):
    """A copy of `values` (base-shaped) whose memory is laid out like the base; returns (memory, array)."""
    bshape, bstrides = geometry[3:]
    memory = np.empty(int(np.prod(bshape, dtype=np.int64)), dtype=values.dtype)
    arr = _np_as_strided(memory, bshape, tuple(s * memory.itemsize for s in bstrides))
    arr[...] = values
    return memory, arr


class AsStrided(Primitive):
    is_view = True

    @staticmethod
    def forward(base, geometry, _written=False):
        return _region(_flat_memory(base), geometry)

    def backward(ctx, g):
        return (as_strided_scatter(g.new_zeros(ctx.metas[0][0]), g, ctx.args[0]),)


class AsStridedScatter(Primitive):
    @staticmethod
    def forward(base, src, geometry, written=False):
        if written:  # the in-place op already wrote src into base's memory
            return base
        memory, out = _base_layout_copy(base, geometry)
        _region(memory, geometry)[...] = src
        return out

    def backward(ctx, g):
        geometry = ctx.args[0]
        g_base = g_src = None
        if ctx.needs_input_grad(0):
            g_base = as_strided_scatter(g, g.new_zeros(geometry[0]), geometry)
        if ctx.needs_input_grad(1):
            g_src = apply(AsStrided, (_layout_like_base(g, geometry),), geometry)
        return g_base, g_src


class _ToBaseLayout(Primitive):
    """Copy into the base's memory layout (identity for autograd)."""

    @staticmethod
    def forward(x, geometry):
        return _base_layout_copy(x, geometry)[1]

    def backward(ctx, g):
        return (g,)


def _layout_like_base(t, geometry):
    return apply(_ToBaseLayout, (t,), geometry)


def as_strided_scatter(base, src, geometry):
    return apply(AsStridedScatter, (base, src), geometry)
