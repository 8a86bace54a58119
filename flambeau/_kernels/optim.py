"""Fused optimizer updates: one pass over a flat parameter reads its gradient and updates the state
buffers and the parameter in place, element by element.

NOTE: compiled without fast-math (unlike `kernel`): each element goes through exactly the rounded
operations of PyTorch's single-tensor update, in its order (no fused multiply-add, no reciprocal in
place of a division), so trajectories stay bit-close to PyTorch's. The loops still vectorise: there
is no reduction to reorder. Scalars arrive already cast to the arrays' dtype, as PyTorch casts them.
"""
from __future__ import annotations

import numba
import numpy as np

from ..ops._parallel import parallel_rows

_exact = numba.njit(nogil=True, cache=True)


def compute_dtype(param) -> np.dtype:
    """The dtype an update of `param` computes in: float32 for the half types."""
    return np.dtype(np.float32) if param.dtype.itemsize == 2 else param.dtype


def update(step, arrays, scalars) -> None:
    """step(*arrays, start, stop, *scalars) over the flat arrays, split over the intra-op threads.

    arrays: the parameter, its gradient, then the state buffers (a buffer the options leave unused
    is passed as another array, once more). Half types compute in float32 (and the scalars with
    them); an array that is not C-contiguous or not of the compute dtype runs on a copy written back
    afterwards, so the update lands in the array's own memory, a view included."""
    dtype = compute_dtype(arrays[0])
    work: dict = {}  # id -> (array, its flat work array, a copy?): an array passed twice is copied once
    for a in arrays:
        if id(a) not in work:
            direct = a.dtype == dtype and a.flags.c_contiguous
            work[id(a)] = a, a.reshape(-1) if direct else np.ascontiguousarray(a, dtype=dtype).reshape(-1), not direct
    flats = [work[id(a)][1] for a in arrays]
    scalars = [s if isinstance(s, bool) else dtype.type(s) for s in scalars]
    size = flats[0].size
    parallel_rows(lambda start, stop: step(*flats, start, stop, *scalars), size, size)
    for k, (a, flat, copied) in enumerate(work.values()):
        if copied and k != 1:  # the gradient (second) is only read
            a[...] = flat.reshape(a.shape)


@_exact
def sgd(param, grad, buf, start, stop, lr, momentum, damp, weight_decay, nesterov, maximize, first):
    """buf = momentum * buf + damp * g (buf = g when first); p -= lr * (g + momentum * buf if nesterov
    else buf). momentum == 0 leaves buf untouched; damp is 1 - dampening."""
    for i in range(start, stop):
        g = -grad[i] if maximize else grad[i]
        p = param[i]
        if weight_decay != 0:
            g = g + p * weight_decay
        if momentum != 0:
            if first:
                b = g
            elif damp != 1:
                b = buf[i] * momentum + g * damp
            else:
                b = buf[i] * momentum + g
            buf[i] = b
            g = g + b * momentum if nesterov else b
        param[i] = p - g * lr


@_exact
def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, start, stop, beta1_w, beta1_rest, beta2,
         one_minus_beta2, step_size, bias2_sqrt, eps, weight_decay, decay_factor, decoupled, amsgrad, maximize):
    """PyTorch's single-tensor Adam for one element range: exp_avg.lerp_(g, beta1_w) (its two-sided
    formula; beta1_rest is 1 - beta1_w), exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g, then
    p += -step_size * exp_avg / (sqrt(exp_avg_sq or its running max) / bias2_sqrt + eps).
    Weight decay is decoupled (p *= decay_factor first) or L2 (g += weight_decay * p)."""
    small_weight = abs(beta1_w) < 0.5
    for i in range(start, stop):
        g = -grad[i] if maximize else grad[i]
        p = param[i]
        if weight_decay != 0:
            if decoupled:
                p = p * decay_factor
            else:
                g = g + p * weight_decay
        m = exp_avg[i]
        if small_weight:
            m = m + (g - m) * beta1_w
        else:
            m = g - (g - m) * beta1_rest
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + g * one_minus_beta2 * g
        exp_avg_sq[i] = v
        if amsgrad:
            top = max_exp_avg_sq[i]
            if not (top >= v or top != top):  # np.maximum: a nan on either side wins
                top = v
            max_exp_avg_sq[i] = top
            v = top
        param[i] = p + m * -step_size / (np.sqrt(v) / bias2_sqrt + eps)
