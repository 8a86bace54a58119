"""Fused scaled dot-product attention: one primitive for softmax(q @ k^T * scale + mask) [* dropout] @ v.

Forward works in one scores buffer: matmul, mask, softmax in place (rows that may attend to nothing
give zeros, as PyTorch's CPU kernels), dropout, matmul. Backward is the closed form
    dV = Pd^T g,  dP = (g v^T) * noise,  dS = P * (dP - sum(dP * P)),  dQ = dS k * scale,  dK = dS^T q * scale
(the additive mask's gradient is dS), written in flambeau ops. P and Pd (P after dropout) come back from forward
through `keep`, a list the caller passes in, as the norm primitives hand back their statistics. Under
create_graph P is recomputed from the inputs with differentiable ops, so double backward is exact.
"""
from __future__ import annotations

import numpy as np

from .._device import device_of, xp_for
from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .reduction import sum_to_shape

_wrap = Tensor._wrap

# how the optional fourth input masks the scores
NO_MASK, ADDITIVE, KEEP = 0, 1, 2


def _xp(array):
    return np if isinstance(array, np.ndarray) else xp_for(device_of(array))


def _softmax_rows_(s):
    """Softmax over the last axis in place; all -inf rows become zeros instead of nan."""
    xp = _xp(s)
    top = s.max(axis=-1, keepdims=True)
    xp.copyto(top, 0.0, where=xp.isneginf(top))  # NOTE: a dead row stays -inf - 0 = -inf, exp gives 0
    s -= top
    xp.exp(s, out=s)
    total = s.sum(axis=-1, keepdims=True)
    xp.copyto(total, 1.0, where=total == 0)
    s /= total
    return s


class ScaledDotProductAttention(Primitive):
    __slots__ = ()
    save_inputs = True

    @staticmethod
    def forward(q, k, v, *rest):
        mask, (mask_kind, scale, noise, keep) = (rest[0], rest[1:]) if len(rest) == 5 else (None, rest)
        xp = _xp(q)
        s = xp.matmul(q, xp.swapaxes(k, -1, -2))
        s *= s.dtype.type(scale)
        if mask_kind:
            full = np.broadcast_shapes(s.shape, mask.shape)
            if full != s.shape:  # a mask with more leading dims than q and k: widen the scores once
                s = xp.broadcast_to(s, full).copy()
            if mask_kind == ADDITIVE:
                s += mask
            else:
                xp.copyto(s, -xp.inf, where=xp.logical_not(mask))
        p = _softmax_rows_(s)
        pd = p if noise is None else p * noise
        keep[:] = (p, pd)
        out = xp.matmul(pd, v)
        # NOTE: NumPy's matmul of bfloat16 (ml_dtypes) arrays gives float32: the scores stay float32 (PyTorch's
        # accumulate type) and the result is rounded back once
        return out if out.dtype == q.dtype else out.astype(q.dtype)

    def release(self):
        super().release()
        self.args[3].clear()  # P and Pd go with the saved inputs once backward has run

    def backward(ctx, g):
        inputs = ctx.inputs
        q, k, v = inputs[:3]
        mask_kind, scale, noise, keep = ctx.args
        mask = inputs[3] if mask_kind else None
        if not STATE.enabled:
            return _plain_backward(g._data, q, k, v, mask, mask_kind, scale, noise, *keep)
        # create_graph: P as a differentiable function of the inputs
        p = _probabilities(q, k, mask, mask_kind, scale)
        pd = p if noise is None else p * _wrap(noise)
        dv = pd.transpose(-1, -2) @ g
        dp = g @ v.transpose(-1, -2)
        if noise is not None:
            dp = dp * _wrap(noise)
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        dq = (ds @ k) * scale
        dk = (ds.transpose(-1, -2) @ q) * scale
        grads = [sum_to_shape(dq, tuple(q.shape)), sum_to_shape(dk, tuple(k.shape)),
                 sum_to_shape(dv, tuple(v.shape))]
        if mask_kind:
            grads.append(sum_to_shape(ds, tuple(mask.shape)) if mask_kind == ADDITIVE else None)
        return tuple(grads)


def _plain_backward(g, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, mask_kind: int, scale: float,
                    noise, p, pd) -> tuple:
    """The same formulas on arrays, in one scores-sized buffer (no graph is recorded in a plain backward)."""
    xp = _xp(g)
    dv = xp.matmul(xp.swapaxes(pd, -1, -2), g)
    ds = xp.matmul(g, xp.swapaxes(v._data, -1, -2))  # dPd, then dP, then dS in place
    if noise is not None:
        ds *= noise
    row = xp.multiply(ds, p).sum(axis=-1, keepdims=True)
    ds -= row
    ds *= p
    dmask = None
    if mask_kind == ADDITIVE:
        dmask = sum_to_shape(_wrap(ds.astype(mask._data.dtype)), tuple(mask.shape))
    ds *= ds.dtype.type(scale)
    grads = tuple(sum_to_shape(_wrap(d.astype(x._data.dtype, copy=False)), tuple(x.shape)) for d, x in
                  ((xp.matmul(ds, k._data), q), (xp.matmul(xp.swapaxes(ds, -1, -2), q._data), k), (dv, v)))
    return grads + (dmask,) if mask_kind else grads


def _probabilities(q: Tensor, k: Tensor, mask: Tensor | None, mask_kind: int, scale: float) -> Tensor:
    """The attention weights in differentiable flambeau ops (for double backward)."""
    s = (q @ k.transpose(-1, -2)) * scale
    if mask_kind == ADDITIVE:
        s = s + mask
    elif mask_kind == KEEP:
        s = s.masked_fill(mask.logical_not(), float("-inf"))
    dead = (s == float("-inf")).all(-1, keepdim=True)
    return s.masked_fill(dead, 0.0).softmax(-1).masked_fill(dead, 0.0)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor | None, mask_kind: int,
                                 scale: float, noise: Tensor | None) -> Tensor:
    """The fused primitive; mask is additive (float) or a keep-mask (bool, True may attend) per mask_kind,
    noise the already-scaled dropout multiplier (None without dropout). Validation is the caller's."""
    inputs = (query, key, value) if mask is None else (query, key, value, mask)
    return apply(ScaledDotProductAttention, inputs, mask_kind if mask is not None else NO_MASK, float(scale),
                 None if noise is None else noise._data, [])
