"""Fused normalisation: one primitive, `(x - mean) / sqrt(var + eps)` over some axes, serves
batch_norm without affine (all axes but the channels), layer_norm (the trailing axes), instance_norm (the
spatial axes) and group_norm (each group's channels and positions). Two more apply `* weight + bias` in
the same pass: NormalizeRowsAffine for layer_norm, group_norm and instance_norm (rows), NormalizeChannels
for batch_norm (per-channel statistics over the batch and the positions).

The work runs in the compiled kernels of _kernels/norm.py, split over the intra-op threads. Forward
computes mean and variance once and hands them back through `stats` (a list the caller passes in) for
running-statistics updates. A plain backward is the closed form
    dx = invstd * (g - mean(g) - xhat * mean(g * xhat))
in the kernels; with grad mode on (double backward) it is written in flambeau ops instead.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._parallel import parallel_rows

_wrap = Tensor._wrap


def _kernels():
    from .._kernels import norm
    return norm


def _work(a: np.ndarray) -> np.ndarray:
    """a as the kernels take it: C-contiguous, half types as float32 (PyTorch's accumulate type)."""
    return np.ascontiguousarray(a, dtype=np.float32 if a.dtype.itemsize < 4 else None)


def _ones_zeros(n: int, dtype) -> tuple:
    return np.ones(n, dtype), np.zeros(n, dtype)


def _vector(t: np.ndarray, dtype) -> np.ndarray:
    return np.ascontiguousarray(t.reshape(-1), dtype=dtype)


# --- the three layouts: forward -> (out, mean, var, invstd), backward -> (dx, dw, db) ---

def _rows_forward(x2, w, b, eps):
    """Per row of x2 (rows, n), weight and bias per element of a row."""
    out = np.empty_like(x2)
    mean, var, invstd = (np.empty(x2.shape[0], x2.dtype) for _ in range(3))
    k = _kernels().rows_forward
    parallel_rows(lambda s, e: k(x2, w, b, eps, out, mean, var, invstd, s, e), x2.shape[0], x2.size)
    return out, mean, var, invstd


def _row_blocks(rows: int) -> int:
    # NOTE: weight gradients are summed per fixed block of rows, then over the blocks, so the result does
    # not depend on the thread count; 16 blocks keep up to 16 threads busy and the partial sums small
    return min(rows, 16)


def _rows_backward(x2, g2, w, mean, invstd, want_w: bool):
    rows, n = x2.shape
    blocks = _row_blocks(rows)
    dx = np.empty_like(x2)
    dw_part, db_part = (np.empty((blocks, n if want_w else 0), x2.dtype) for _ in range(2))
    k = _kernels().rows_backward
    parallel_rows(lambda s, e: k(x2, g2, w, mean, invstd, dx, dw_part, db_part, s, e), blocks, x2.size)
    return dx, dw_part.sum(0), db_part.sum(0)


def _groups_forward(x2, w, b, groups: int, cpg: int, eps):
    """Per row of x2 (rows, n), a row being `cpg` channels; weight and bias per channel (groups * cpg)."""
    out = np.empty_like(x2)
    mean, var, invstd = (np.empty(x2.shape[0], x2.dtype) for _ in range(3))
    k = _kernels().groups_forward
    parallel_rows(lambda s, e: k(x2, w, b, groups, cpg, eps, out, mean, var, invstd, s, e), x2.shape[0], x2.size)
    return out, mean, var, invstd


def _groups_backward(x2, g2, w, groups: int, cpg: int, mean, invstd):
    rows = x2.shape[0]
    dx = np.empty_like(x2)
    dw_rows, db_rows = (np.empty((rows, cpg), x2.dtype) for _ in range(2))
    k = _kernels().groups_backward
    parallel_rows(lambda s, e: k(x2, g2, w, groups, cpg, mean, invstd, dx, dw_rows, db_rows, s, e), rows, x2.size)
    channels = groups * cpg
    return dx, dw_rows.reshape(-1, channels).sum(0), db_rows.reshape(-1, channels).sum(0)


def _flat(x3: np.ndarray) -> np.ndarray:
    """(N, C, positions) as (N, C * positions), the layout of the batch kernels."""
    return x3.reshape(x3.shape[0], x3.shape[1] * x3.shape[2])


def _batch_forward(x3, w, b, eps):
    """Per channel of x3 (N, C, positions), over N and the positions; weight and bias per channel."""
    channels = x3.shape[1]
    out = np.empty_like(x3)
    mean, var, invstd = (np.empty(channels, x3.dtype) for _ in range(3))
    k = _kernels().batch_forward
    parallel_rows(lambda s, e: k(_flat(x3), channels, w, b, eps, _flat(out), mean, var, invstd, s, e), channels,
                  x3.size)
    return out, mean, var, invstd


def _batch_backward(x3, g3, w, mean, invstd):
    channels = x3.shape[1]
    dx = np.empty_like(x3)
    dw, db = np.empty(channels, x3.dtype), np.empty(channels, x3.dtype)
    k = _kernels().batch_backward
    parallel_rows(lambda s, e: k(_flat(x3), channels, _flat(g3), w, mean, invstd, _flat(dx), dw, db, s, e), channels,
                  x3.size)
    return dx, dw, db


# --- Normalize: no affine, any axes ---

def _plan(shape: tuple, axes) -> tuple:
    """How Normalize lays x out: ("batch", (N, C, positions)) for one kept axis, else ("rows", order), the
    kept axes moved in front (no move when the normalised axes are the trailing ones)."""
    kept = [a for a in range(len(shape)) if a not in axes]
    if len(kept) == 1:
        c = kept[0]
        return "batch", (math.prod(shape[:c]), shape[c], math.prod(shape[c + 1:]))
    return "rows", tuple(kept) + tuple(sorted(axes))


def _rows_view(a: np.ndarray, order: tuple, nkept: int) -> np.ndarray:
    moved = _work(a.transpose(order))
    return moved.reshape(math.prod(moved.shape[:nkept]), -1)


def _rows_unview(out2: np.ndarray, shape: tuple, order: tuple) -> np.ndarray:
    return out2.reshape(tuple(shape[a] for a in order)).transpose(np.argsort(order))


class Normalize(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(x, axes, eps, stats):
        kind, plan = _plan(x.shape, axes)
        if kind == "batch":
            x3 = _work(x).reshape(plan)
            out, mean, var, invstd = _batch_forward(x3, *_ones_zeros(plan[1], x3.dtype), eps)
            out = out.reshape(x.shape)
        else:
            x2 = _rows_view(x, plan, x.ndim - len(axes))
            out, mean, var, invstd = _groups_forward(x2, *_ones_zeros(1, x2.dtype), 1, 1, eps)
            out = _rows_unview(out, x.shape, plan)
        kshape = tuple(1 if a in axes else s for a, s in enumerate(x.shape))
        stats[:] = (mean.reshape(kshape), var.reshape(kshape), invstd.reshape(kshape))
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def backward(ctx, g):
        axes, eps, stats = ctx.args
        if STATE.enabled:  # double backward: invstd must be a differentiable function of x
            xhat = ctx.output
            invstd = (ctx.inputs[0].var(axes, unbiased=False, keepdim=True) + eps).rsqrt()
            return (_input_grad(g, xhat, invstd, axes),)
        x, g = ctx.inputs[0]._data, g._data
        mean, invstd = stats[0].reshape(-1), stats[2].reshape(-1)
        kind, plan = _plan(x.shape, axes)
        if kind == "batch":
            x3 = _work(x).reshape(plan)
            dx = _batch_backward(x3, _work(g).reshape(plan), np.ones(plan[1], x3.dtype), mean, invstd)[0]
            dx = dx.reshape(x.shape)
        else:
            nkept = x.ndim - len(axes)
            x2 = _rows_view(x, plan, nkept)
            dx = _groups_backward(x2, _rows_view(g, plan, nkept), np.ones(1, x2.dtype), 1, 1, mean, invstd)[0]
            dx = _rows_unview(dx, x.shape, plan)
        return (_wrap(dx.astype(x.dtype, copy=False)),)


def _input_grad(g: Tensor, xhat: Tensor, invstd: Tensor, axes) -> Tensor:
    return (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * invstd


# --- NormalizeRowsAffine: layer_norm, group_norm, instance_norm ---

def _channels_per_row(xshape: tuple, wshape: tuple, n: int) -> int | None:
    """None when the weight holds one value per element of a row (layer_norm: x's trailing shape);
    else the number of whole channels in a row, the weight being (1, C, 1, ...) against x's trailing
    dims (group_norm, instance_norm)."""
    k = len(wshape)
    if wshape == xshape[len(xshape) - k:] and math.prod(wshape) == n:
        return None
    return n // math.prod(xshape[len(xshape) - k + 2:])


class NormalizeRowsAffine(Primitive):
    """`xhat * weight + bias`, xhat normalising each row of x viewed as (rows, row length) `grouped`;
    weight and bias are x's trailing shape (one value per element of a row) or (1, C, 1, ...) (one value
    per channel, a row holding whole channels). args: grouped, eps, stats ([mean, var, invstd] after
    forward, (rows, 1) arrays)."""
    save_inputs = True

    @staticmethod
    def forward(x, w, b, grouped, eps, stats):
        x2 = _work(x).reshape(grouped)
        wv, bv = _vector(w, x2.dtype), _vector(np.broadcast_to(b, w.shape), x2.dtype)
        cpg = _channels_per_row(x.shape, w.shape, grouped[1])
        if cpg is None:
            out, mean, var, invstd = _rows_forward(x2, wv, bv, eps)
        else:
            out, mean, var, invstd = _groups_forward(x2, wv, bv, wv.size // cpg, cpg, eps)
        stats[:] = (mean[:, None], var[:, None], invstd[:, None])
        out = out.reshape(x.shape)
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def backward(ctx, g):
        x, w, b = ctx.inputs
        grouped, eps, (mean, _, invstd) = ctx.args
        if STATE.enabled:  # double backward: xhat and invstd as differentiable functions of x
            rows = x.reshape(grouped)
            xhat = normalize_over(rows, (1,), eps)
            std = (rows.var(1, unbiased=False, keepdim=True) + eps).rsqrt()
            gx = _input_grad((g * w).reshape(grouped), xhat, std, (1,)).reshape(x.shape)
            return gx, g * xhat.reshape(x.shape), g
        x2, g2 = _work(x._data).reshape(grouped), _work(g._data).reshape(grouped)
        wv = _vector(w._data, x2.dtype)
        mean, invstd = mean.reshape(-1), invstd.reshape(-1)
        cpg = _channels_per_row(x.shape, w.shape, grouped[1])
        if cpg is None:
            want_w = ctx.needs_input_grad(1) or ctx.needs_input_grad(2)
            dx, dw, db = _rows_backward(x2, g2, wv, mean, invstd, want_w)
        else:
            dx, dw, db = _groups_backward(x2, g2, wv, wv.size // cpg, cpg, mean, invstd)
        return (_wrap(dx.reshape(x.shape).astype(x._data.dtype, copy=False)), _grad_like(dw, w),
                _grad_like(db, b))


def _grad_like(grad: np.ndarray, t: Tensor) -> Tensor | None:
    if grad.size != t.numel():  # not computed: not wanted
        return None
    return _wrap(grad.reshape(t.shape).astype(t._data.dtype, copy=False))


# --- NormalizeChannels: batch_norm in training ---

class NormalizeChannels(Primitive):
    """batch_norm's training step: x (N, C, *) normalised per channel over N and the positions, then
    `* weight + bias` ((C,) each). args: eps, stats ([mean, var, invstd] after forward, (C,) arrays)."""
    save_inputs = True

    @staticmethod
    def forward(x, w, b, eps, stats):
        x3 = _work(x).reshape(x.shape[0], x.shape[1], -1)
        out, mean, var, invstd = _batch_forward(x3, _vector(w, x3.dtype), _vector(b, x3.dtype), eps)
        stats[:] = (mean, var, invstd)
        out = out.reshape(x.shape)
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def backward(ctx, g):
        x, w, b = ctx.inputs
        eps, (mean, _, invstd) = ctx.args
        if STATE.enabled:  # double backward: xhat and invstd as differentiable functions of x
            axes = (0,) + tuple(range(2, x.dim()))
            shape = (1, x.shape[1]) + (1,) * (x.dim() - 2)
            xhat = normalize_over(x, axes, eps)
            std = (x.var(axes, unbiased=False, keepdim=True) + eps).rsqrt()
            gx = _input_grad(g * w.reshape(shape), xhat, std, axes)
            return gx, (g * xhat).sum(axes), g.sum(axes)
        x3 = _work(x._data).reshape(x.shape[0], x.shape[1], -1)
        dx, dw, db = _batch_backward(x3, _work(g._data).reshape(x3.shape), _vector(w._data, x3.dtype), mean, invstd)
        return _wrap(dx.reshape(x.shape).astype(x._data.dtype, copy=False)), _grad_like(dw, w), _grad_like(db, b)


def normalize_over(input: Tensor, axes: tuple, eps: float, stats: list | None = None) -> Tensor:
    """`(input - mean) / sqrt(var + eps)` with mean and biased variance over `axes`; when a list is
    given as `stats`, it receives the (mean, var, invstd) arrays, kept-dims shaped."""
    return apply(Normalize, (input,), axes, eps, [] if stats is None else stats)


def normalize_rows_affine(input: Tensor, grouped: tuple, eps: float, weight: Tensor, bias: Tensor,
                          stats: list | None = None) -> Tensor:
    """normalize_over the rows of `input` viewed as `grouped` (rows, row length), then `* weight + bias`
    in input's shape; when a list is given as `stats`, it receives the (mean, var, invstd) arrays, (rows, 1)."""
    return apply(NormalizeRowsAffine, (input, weight, bias), grouped, eps, [] if stats is None else stats)


def normalize_channels(input: Tensor, eps: float, weight: Tensor, bias: Tensor, stats: list) -> Tensor:
    """batch_norm's training normalisation of `input` (N, C, *) with weight and bias (C,); `stats`
    receives the per-channel (mean, var, invstd) arrays."""
    return apply(NormalizeChannels, (input, weight, bias), eps, stats)


class Statistic(Primitive):
    """Entry k of the list a normalisation's forward filled with its statistics (args: the list, k): a tensor
    that comes out of the dispatch, so that a compiled step records what is computed from it (the running
    statistics' update) and reads the list its replay fills."""
    differentiable = False

    @staticmethod
    def forward(stats, k):
        return stats[k]


def statistic(stats: list, k: int) -> Tensor:
    """Entry k of the (mean, var, invstd) a normalisation put in `stats`, as a tensor."""
    return apply(Statistic, (), stats, k)


def count_over(shape: tuple, axes: tuple) -> int:
    return math.prod(shape[a] for a in axes)


__all__: list = []
TENSOR_METHODS: dict = {}
