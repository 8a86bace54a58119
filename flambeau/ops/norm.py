"""Fused normalisation: one primitive, `(x - mean) / sqrt(var + eps)` over some axes, serves
batch_norm (all axes but the channels), layer_norm (the trailing axes), instance_norm (the spatial
axes) and group_norm (each group's channels and positions). A second one, for layer_norm and
group_norm with weight and bias, normalises rows and applies `* weight + bias` in the same forward.

Forward computes mean and variance once and hands them back through `stats` (a list the caller
passes in) for running-statistics updates. Backward is the closed form
    dx = invstd * (g - mean(g) - xhat * mean(g * xhat))
written in flambeau ops, so double backward works.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..autograd.grad_mode import STATE

_wrap = Tensor._wrap


class Normalize(Primitive):
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(x, axes, eps, stats):
        # NOTE: half types compute in float32 (as PyTorch's accumulate type) and round once at the end
        work = x if x.dtype.itemsize >= 4 else x.astype(np.float32)
        mean = work.mean(axis=axes, keepdims=True)
        centered = work - mean
        var = np.square(centered).mean(axis=axes, keepdims=True)  # biased: the one normalisation uses
        invstd = 1 / np.sqrt(var + eps)
        stats[:] = (mean, var, invstd)
        out = centered * invstd
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def backward(ctx, g):
        axes, eps, stats = ctx.args
        xhat = ctx.output
        if STATE.enabled:  # double backward: invstd must be a differentiable function of x
            invstd = (ctx.inputs[0].var(axes, unbiased=False, keepdim=True) + eps).rsqrt()
        else:
            invstd = _wrap(stats[2].astype(xhat._data.dtype, copy=False))
        return (_input_grad(g, xhat, invstd, axes),)


def _input_grad(g: Tensor, xhat: Tensor, invstd: Tensor, axes) -> Tensor:
    return (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * invstd


class NormalizeRowsAffine(Primitive):
    """`xhat * weight + bias`, xhat normalising each row of x viewed as (rows, row length) `grouped`;
    weight and bias broadcast against x's own shape. args: grouped, eps, stats ([mean, invstd] after
    forward, (rows, 1) arrays)."""
    save_inputs = True

    @staticmethod
    def forward(x, w, b, grouped, eps, stats):
        rows = x.reshape(grouped)
        work = rows if rows.dtype.itemsize >= 4 else rows.astype(np.float32)
        # NOTE: row sums as matrix-vector products (BLAS) are 3-4x faster than NumPy's reductions along
        # an axis; the output buffer is the centred copy, scaled and shifted in place
        n = grouped[1]
        mean = work @ np.full((n, 1), 1.0 / n, work.dtype)
        out = work - mean
        invstd = np.einsum("ij,ij->i", out, out)[:, None]
        invstd /= n
        invstd += eps
        np.sqrt(invstd, out=invstd)
        np.reciprocal(invstd, out=invstd)
        stats[:] = (mean, invstd)
        out *= invstd
        out = out.reshape(x.shape)
        out *= w
        out += b
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def backward(ctx, g):
        x, w, _ = ctx.inputs
        grouped, eps, (mean, invstd) = ctx.args
        if STATE.enabled:  # double backward: xhat and invstd as differentiable functions of x
            rows = x.reshape(grouped)
            xhat = normalize_over(rows, (1,), eps)
            std = (rows.var(1, unbiased=False, keepdim=True) + eps).rsqrt()
            gx = _input_grad((g * w).reshape(grouped), xhat, std, (1,)).reshape(x.shape)
            return gx, g * xhat.reshape(x.shape), g
        # plain backward, on arrays: xhat from the saved statistics, then the closed form row by row
        dtype = x._data.dtype
        xhat = x._data.reshape(grouped) - mean.astype(dtype, copy=False)
        xhat *= invstd.astype(dtype, copy=False)
        gxhat = (g._data * w._data).reshape(grouped)
        n = grouped[1]
        proj = np.einsum("ij,ij->i", gxhat, xhat)[:, None]
        proj /= n
        gx = gxhat - gxhat.sum(axis=1, keepdims=True) / n
        proj = xhat * proj
        gx -= proj
        gx *= invstd.astype(dtype, copy=False)
        gw = None
        if ctx.needs_input_grad(1):
            gw = _wrap(np.multiply(xhat.reshape(x._data.shape), g._data, out=proj.reshape(x._data.shape)))
        return _wrap(gx.reshape(x._data.shape)), gw, g


def normalize_over(input: Tensor, axes: tuple, eps: float, stats: list | None = None) -> Tensor:
    """`(input - mean) / sqrt(var + eps)` with mean and biased variance over `axes`; when a list is
    given as `stats`, it receives the (mean, var, invstd) arrays, kept-dims shaped."""
    return apply(Normalize, (input,), axes, eps, [] if stats is None else stats)


def normalize_rows_affine(input: Tensor, grouped: tuple, eps: float, weight: Tensor, bias: Tensor) -> Tensor:
    """normalize_over the rows of `input` viewed as `grouped` (rows, row length), then `* weight + bias`
    in input's shape."""
    return apply(NormalizeRowsAffine, (input, weight, bias), grouped, eps, [])


def count_over(shape: tuple, axes: tuple) -> int:
    return math.prod(shape[a] for a in axes)


__all__: list = []
TENSOR_METHODS: dict = {}
