"""Fused normalisation: one primitive, `(x - mean) / sqrt(var + eps)` over some axes, serves
batch_norm (all axes but the channels), layer_norm (the trailing axes), instance_norm (the spatial
axes) and group_norm (each group's channels and positions). The affine part (`* weight + bias`) is
ordinary elementwise ops in nn.functional.normalization.

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
        g_mean = g.mean(axes, keepdim=True)
        gx_mean = (g * xhat).mean(axes, keepdim=True)
        return ((g - g_mean - xhat * gx_mean) * invstd,)


def normalize_over(input: Tensor, axes: tuple, eps: float, stats: list | None = None) -> Tensor:
    """`(input - mean) / sqrt(var + eps)` with mean and biased variance over `axes`; when a list is
    given as `stats`, it receives the (mean, var, invstd) arrays, kept-dims shaped."""
    return apply(Normalize, (input,), axes, eps, [] if stats is None else stats)


def count_over(shape: tuple, axes: tuple) -> int:
    return math.prod(shape[a] for a in axes)


__all__: list = []
TENSOR_METHODS: dict = {}
