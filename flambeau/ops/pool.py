"""Pooling primitives over the trailing spatial dims of an array (any leading batch/channel dims).

Two linear primitive pairs, each the other's backward, so gradients of every order come for free:
  WindowSum (the sum of every sliding window of a padded input) <-> WindowSumT (its adjoint)
  PlaneGather (read flat per-plane indices) <-> PlaneScatter (add or write at them)
and two index primitives (no gradient) that find the argmax of every window, PyTorch's way:
MaxPoolIndex (regular windows) and AdaptiveMaxIndex (adaptive windows). Max pooling is then
PlaneGather(x, argmax), so its gradient flows to the argmax.

On the CPU, MaxPoolIndex, PlaneGather and PlaneScatter run compiled kernels over the planes
(flambeau/_kernels/pool.py), split over the intra-op threads. Elsewhere (and for WindowSum),
windows are walked one kernel offset at a time: every offset reads one strided view of the
padded input (a sliding-window view sliced at that offset), so each step is a whole-array NumPy
operation and no window is ever copied out. A geometry `geom` is a tuple of per-dim tuples
(kernel, stride, dilation, padding, output size).
"""
from __future__ import annotations

import itertools

import numpy as np

from .._device import device_of, xp_for
from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ._parallel import parallel_rows
from .elementwise import _select

__all__: list = []
TENSOR_METHODS: dict = {}

_INT64 = np.dtype(np.int64)


def _xp(array):
    return np if isinstance(array, np.ndarray) else xp_for(device_of(array))


def _lowest(dtype):
    return -np.inf if dtype.kind in "fcV" else np.iinfo(dtype).min


def _pad_amounts(geom, spatial) -> tuple:
    """(low, high) padding per dim: the padding itself, and on the high side whatever the last
    window (ceil_mode) reaches past it."""
    kernel, stride, dilation, padding, out = geom
    high = tuple(max(0, (o - 1) * s + (k - 1) * d + 1 - n - p)
                 for k, s, d, p, o, n in zip(kernel, stride, dilation, padding, out, spatial))
    return padding, high


def _padded(x, geom, fill):
    nsp = len(geom[0])
    spatial = x.shape[-nsp:]
    low, high = _pad_amounts(geom, spatial)
    if not any(low) and not any(high):
        return x
    shape = x.shape[:-nsp] + tuple(n + lo + hi for n, lo, hi in zip(spatial, low, high))
    out = _xp(x).full(shape, fill, dtype=x.dtype)
    out[_crop(low, spatial)] = x
    return out


def _crop(low, spatial) -> tuple:
    return (Ellipsis,) + tuple(slice(lo, lo + n) for lo, n in zip(low, spatial))


def _offsets(geom):
    """(offset, key) for every kernel offset: key reads that offset's sample of every window."""
    kernel, stride, dilation, _, out = geom
    for k in itertools.product(*map(range, kernel)):
        yield k, (Ellipsis,) + tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                                     for i, d, s, o in zip(k, dilation, stride, out))


class WindowSum(Primitive):
    """out[..., o] = sum over kernel offsets k of the zero-padded input at o * stride + k * dilation."""

    @staticmethod
    def forward(x, geom):
        xpad = _padded(x, geom, 0)
        out = None
        for _, key in _offsets(geom):  # NOTE: offsets in row-major order: PyTorch's summation order
            out = xpad[key].copy() if out is None else out.__iadd__(xpad[key])
        return out

    def backward(ctx, g):
        return (apply(WindowSumT, (g,), ctx.args[0], ctx.metas[0][0]),)


class WindowSumT(Primitive):
    """The adjoint of WindowSum: every window's value added back onto the samples it summed."""

    @staticmethod
    def forward(g, geom, shape):
        nsp = len(geom[0])
        spatial = shape[-nsp:]
        low, high = _pad_amounts(geom, spatial)
        full = g.shape[:-nsp] + tuple(n + lo + hi for n, lo, hi in zip(spatial, low, high))
        gpad = _xp(g).zeros(full, dtype=g.dtype)
        for _, key in _offsets(geom):
            gpad[key] += g
        return gpad[_crop(low, spatial)].copy()

    def backward(ctx, g):
        return (apply(WindowSum, (g,), ctx.args[0]),)


def _running_argmax(candidates, lead: tuple, out: tuple, dtype, first, xp):
    """Flat index of the maximum over candidate (values, flat index) pairs, PyTorch's CPU rule:
    a candidate wins when it is greater than the best so far or NaN; the index starts at the
    window's first element (so an all -inf window points there)."""
    best = xp.full(lead + out, _lowest(dtype), dtype=dtype)
    index = xp.empty(lead + out, dtype=_INT64)
    index[...] = first
    is_float = dtype.kind in "fcV"
    for values, flat in candidates:
        win = values > best
        if is_float:
            win |= values != values
        # NOTE: a bit select, not copyto(where=): masked copies branch per element (~10x slower)
        best = _select(win, values, best)
        index = _select(win, xp.broadcast_to(flat, index.shape).astype(_INT64, copy=False), index)
    return index


def _plane_strides(spatial) -> tuple:
    return tuple(int(np.prod(spatial[i + 1:], dtype=np.int64)) for i in range(len(spatial)))


def _mesh(per_dim) -> list:
    """1-d arrays shaped to broadcast against each other as the output's spatial dims."""
    n = len(per_dim)
    return [a.reshape((-1,) + (1,) * (n - 1 - i)) for i, a in enumerate(per_dim)]


class MaxPoolIndex(Primitive):
    """Flat per-plane index of every window's maximum (padding never wins)."""
    differentiable = False

    @staticmethod
    def forward(x, geom):
        if isinstance(x, np.ndarray):
            return _max_pool_index_cpu(x, geom)
        kernel, stride, dilation, padding, out = geom
        nsp = len(kernel)
        xp = _xp(x)
        spatial = x.shape[-nsp:]
        strides = _plane_strides(spatial)
        starts = _mesh([np.arange(o, dtype=_INT64) * s - p for o, s, p in zip(out, stride, padding)])
        # the first in-bounds sample of each window: start moved right by whole dilations
        first = sum((b + d * -(b.clip(None, 0) // d)) * st for b, d, st in zip(starts, dilation, strides))
        xpad = _padded(x, geom, _lowest(x.dtype))

        def candidates():
            for k, key in _offsets(geom):
                yield xpad[key], xp.asarray(sum((b + i * d) * st for b, i, d, st in zip(starts, k, dilation, strides)))
        return _running_argmax(candidates(), x.shape[:-nsp], out, x.dtype, xp.asarray(first), xp)


def _as_3d(values: tuple, fill: int) -> tuple:
    return (fill,) * (3 - len(values)) + tuple(values)


def _max_pool_index_cpu(x, geom):
    """MaxPoolIndex on the CPU: a compiled kernel over the planes, 1-d and 2-d pooling as 3-d pooling
    with leading dims of size 1 (their flat indices are the same)."""
    from .._kernels import pool as kernels
    kernel, stride, dilation, padding, out = geom
    nsp = len(kernel)
    lead, spatial = x.shape[:-nsp], x.shape[-nsp:]
    rows = _numel(lead)
    # the half types compare exactly in float32
    planes = np.ascontiguousarray(x, dtype=np.float32 if _is_half(x.dtype) else None)
    planes = planes.reshape((rows,) + _as_3d(spatial, 1))
    index = np.empty((rows,) + _as_3d(out, 1), dtype=_INT64)
    geometry = _as_3d(kernel, 1) + _as_3d(stride, 1) + _as_3d(dilation, 1) + _as_3d(padding, 0)
    lowest = planes.dtype.type(_lowest(planes.dtype))
    parallel_rows(lambda start, stop: kernels.max_pool_index(planes, index, start, stop, *geometry, lowest),
                  rows, planes.size)
    return index.reshape(lead + tuple(out))


def adaptive_bounds(n: int, o: int) -> tuple:
    """PyTorch's adaptive windows: [floor(i * n / o), ceil((i + 1) * n / o)) for output i."""
    i = np.arange(o, dtype=_INT64)
    return (i * n) // o, -((-(i + 1) * n) // o)


class AdaptiveMaxIndex(Primitive):
    """Flat per-plane index of the maximum of every adaptive window."""
    differentiable = False

    @staticmethod
    def forward(x, out):
        nsp = len(out)
        xp = _xp(x)
        lead = x.shape[:-nsp]
        if not all(out):
            return xp.empty(lead + tuple(out), dtype=_INT64)
        strides = _plane_strides(x.shape[-nsp:])
        rows = []  # per dim: (o, widest window) sample positions; short windows repeat their last sample
        for n, o in zip(x.shape[-nsp:], out):
            start, end = adaptive_bounds(n, o)
            width = int((end - start).max())
            rows.append(np.minimum(start[:, None] + np.arange(width), end[:, None] - 1))
        first = xp.asarray(sum(m * st for m, st in zip(_mesh([r[:, 0] for r in rows]), strides)))

        def candidates():
            for k in itertools.product(*[range(r.shape[1]) for r in rows]):
                pos = _mesh([r[:, i] for r, i in zip(rows, k)])
                yield x[(Ellipsis,) + tuple(xp.asarray(p) for p in pos)], xp.asarray(
                    sum(p * st for p, st in zip(pos, strides)))
        return _running_argmax(candidates(), lead, tuple(out), x.dtype, first, xp)


def _numel(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _is_half(dtype) -> bool:
    return dtype == np.float16 or dtype.kind == "V"  # ml_dtypes' bfloat16 has kind 'V'


def _words(a):
    """a (rows, n) as (rows, n, words) of unsigned words, to copy elements of any dtype bit for bit."""
    width = min(a.dtype.itemsize, 8)
    return a.view(np.dtype(f"u{width}")).reshape(a.shape + (a.dtype.itemsize // width,))


def _lanes(a):
    """a (rows, n) as (rows, n, lanes) of real numbers: a complex number's two parts add separately."""
    if a.dtype.kind == "c":
        return a.view(a.real.dtype).reshape(a.shape + (2,))
    return a.reshape(a.shape + (1,))


class PlaneGather(Primitive):
    """out[..., j] = x[..., index[..., j]] over planes flattened to their last `nsp` dims."""

    @staticmethod
    def forward(x, index, nsp):
        lead = x.shape[:-nsp]
        if isinstance(x, np.ndarray):
            from .._kernels import pool as kernels
            rows = _numel(lead)
            flat = np.ascontiguousarray(x).reshape(rows, _numel(x.shape[-nsp:]))
            idx = np.ascontiguousarray(index, dtype=_INT64).reshape(rows, _numel(index.shape[-nsp:]))
            out = np.empty(idx.shape, dtype=x.dtype)
            words, out_words = _words(flat), _words(out)
            fill = _words(np.full((1, 1), _lowest(x.dtype), dtype=x.dtype))[0, 0]  # for a window all padding
            parallel_rows(lambda start, stop: kernels.gather(words, idx, out_words, start, stop, fill),
                          rows, out.size)
            return out.reshape(index.shape)
        flat = x.reshape(lead + (_numel(x.shape[-nsp:]),))  # explicit sizes: -1 is ambiguous for empty arrays
        idx = index.reshape(lead + (_numel(index.shape[-nsp:]),))
        return _xp(x).take_along_axis(flat, idx, axis=-1).reshape(index.shape)

    def backward(ctx, g):
        index, nsp = ctx.args
        return (apply(PlaneScatter, (g,), index, ctx.metas[0][0][-nsp:], True),)


class FillWindows(Primitive):
    """x with the lowest value at the output positions `empty` marks: max pooling's windows that dilation puts
    wholly in the padding read -inf there, as PyTorch's do, while their gradient still flows, unchanged, to the
    index PyTorch reports for them (an element past the window)."""

    @staticmethod
    def forward(x, empty):
        out = x.copy()
        out[(Ellipsis,) + tuple(_xp(x).asarray(i) for i in np.nonzero(empty))] = _lowest(x.dtype)
        return out

    def backward(ctx, g):
        return (g,)


class PlaneScatter(Primitive):
    """Planes of shape `plane` holding zeros, with src added (accumulate) or written at index."""

    @staticmethod
    def forward(src, index, plane, accumulate):
        xp = _xp(src)
        nsp = len(plane)
        lead = index.shape[:-nsp]
        size = int(np.prod(plane, dtype=np.int64))
        rows = _numel(lead)
        idx = index.reshape(rows, _numel(index.shape[-nsp:]))
        if xp is np:
            return _plane_scatter_cpu(src, idx, size, accumulate).reshape(lead + tuple(plane))
        vals = src.reshape(idx.shape)
        if accumulate:
            # NOTE: bincount sums repeated indices in one C loop (np.add.at is several times slower)
            flat = (idx + (xp.arange(rows, dtype=_INT64) * size)[:, None]).ravel()
            out = xp.bincount(flat, weights=vals.ravel(), minlength=rows * size).astype(src.dtype, copy=False)
        else:
            out = xp.zeros((rows, size), dtype=src.dtype)
            out[xp.arange(rows)[:, None], idx] = vals
        return out.reshape(lead + tuple(plane))

    def backward(ctx, g):
        index, plane, _ = ctx.args
        return (apply(PlaneGather, (g,), index, len(plane)),)


def _plane_scatter_cpu(src, idx, size: int, accumulate: bool):
    """PlaneScatter on the CPU: (rows, size) planes from a kernel that walks each plane's indices in
    order; sums of the half types accumulate in float32 and are rounded once."""
    from .._kernels import pool as kernels
    rows = idx.shape[0]
    idx = np.ascontiguousarray(idx, dtype=_INT64)
    work = np.float32 if accumulate and _is_half(src.dtype) else src.dtype
    vals = np.ascontiguousarray(src, dtype=work).reshape(idx.shape)
    out = np.zeros((rows, size), dtype=work)
    view = _lanes if accumulate else _words
    vals_view, out_view = view(vals), view(out)
    parallel_rows(lambda start, stop: kernels.scatter(vals_view, idx, out_view, start, stop, accumulate),
                  rows, out.size)
    return out.astype(src.dtype, copy=False)


# ------------------------------------------------------------------ Tensor-level entry points (for nn.functional)

def window_sum(x: Tensor, geom: tuple) -> Tensor:
    return apply(WindowSum, (x,), geom)


def max_pool_index(x: Tensor, geom: tuple) -> Tensor:
    return apply(MaxPoolIndex, (x,), geom)


def adaptive_max_index(x: Tensor, out: tuple) -> Tensor:
    return apply(AdaptiveMaxIndex, (x,), out)


def plane_gather(x: Tensor, index: Tensor, nsp: int) -> Tensor:
    return apply(PlaneGather, (x,), index._data, nsp)


def fill_windows(x: Tensor, empty: np.ndarray) -> Tensor:
    return apply(FillWindows, (x,), empty)


def plane_scatter(src: Tensor, index: Tensor, plane: tuple, accumulate: bool) -> Tensor:
    return apply(PlaneScatter, (src,), index._data, plane, accumulate)


class ConstantPad(Primitive):
    """The last len(pads) // 2 dims padded with `value` (pads ordered from the last dim, as F.pad's);
    negative amounts crop. Its backward is the opposite padding of the gradient."""

    @staticmethod
    def forward(x, pads, value):
        n = len(pads) // 2
        lows, highs = pads[0::2][::-1], pads[1::2][::-1]  # per dim, first padded dim first
        spatial = x.shape[x.ndim - n:]
        x = x[(Ellipsis,) + tuple(slice(max(0, -lo), dim - max(0, -hi)) for lo, hi, dim in zip(lows, highs, spatial))]
        shape = x.shape[:x.ndim - n] + tuple(dim + lo + hi for lo, hi, dim in zip(lows, highs, spatial))
        out = _xp(x).full(shape, value, dtype=x.dtype)
        out[(Ellipsis,) + tuple(slice(max(0, lo), max(0, lo) + d) for lo, d in zip(lows, x.shape[x.ndim - n:]))] = x
        return out

    def backward(ctx, g):
        return (apply(ConstantPad, (g,), tuple(-p for p in ctx.args[0]), 0),)


def constant_pad(x: Tensor, pads: tuple, value) -> Tensor:
    return apply(ConstantPad, (x,), pads, value)
