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

# error_model="numpy": a division by zero gives inf or nan as NumPy's does, with no zero check to stop
# the loop from vectorising
_exact = numba.njit(nogil=True, cache=True, error_model="numpy")


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


@numba.njit(inline="always")
def _gradient(g, p, maximize, weight_decay):
    """The gradient an update uses: negated when maximizing, then plus the L2 term."""
    g = -g if maximize else g
    return g + p * weight_decay if weight_decay != 0 else g


# NOTE: every kernel loops over slices from index 0: a bare `range(start, stop)` index may be negative
# as far as LLVM knows (NumPy's wrap-around), and that check stops the loop from vectorising. Loads
# and stores are unconditional for the same reason; an option that needs a different set of arrays
# (amsgrad, momentum) gets its own loop, since a buffer passed twice would fail the alias check.

@_exact
def sgd(param, grad, buf, start, stop, lr, momentum, damp, weight_decay, nesterov, maximize, first):
    """buf = momentum * buf + damp * g (buf = g when first); p -= lr * (g + momentum * buf if nesterov
    else buf). momentum == 0 leaves buf untouched; damp is 1 - dampening."""
    param, grad, buf = param[start:stop], grad[start:stop], buf[start:stop]
    if momentum == 0:
        for i in range(param.size):
            p = param[i]
            param[i] = p - _gradient(grad[i], p, maximize, weight_decay) * lr
        return
    dampened = damp != 1
    for i in range(param.size):
        p = param[i]
        g = _gradient(grad[i], p, maximize, weight_decay)
        b = buf[i] * momentum + (g * damp if dampened else g)
        if first:
            b = g
        buf[i] = b
        param[i] = p - (g + b * momentum if nesterov else b) * lr


@numba.njit(inline="always")
def _adam_moments(i, param, grad, exp_avg, exp_avg_sq, beta1_w, beta1_rest, beta2, one_minus_beta2,
                  weight_decay, decay_factor, decoupled, maximize):
    """The decayed parameter and the updated moments of element i (moments written back)."""
    p = param[i]
    if decoupled:
        p = p * decay_factor
        g = -grad[i] if maximize else grad[i]
    else:
        g = _gradient(grad[i], p, maximize, weight_decay)
    m = exp_avg[i]
    m = m + (g - m) * beta1_w if abs(beta1_w) < 0.5 else g - (g - m) * beta1_rest
    exp_avg[i] = m
    v = exp_avg_sq[i] * beta2 + g * one_minus_beta2 * g
    exp_avg_sq[i] = v
    return p, m, v


@_exact
def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, start, stop, beta1_w, beta1_rest, beta2,
         one_minus_beta2, step_size, bias2_sqrt, eps, weight_decay, decay_factor, decoupled, amsgrad, maximize):
    """PyTorch's single-tensor Adam for one element range: exp_avg.lerp_(g, beta1_w) (its two-sided
    formula; beta1_rest is 1 - beta1_w), exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g, then
    p += -step_size * exp_avg / (sqrt(exp_avg_sq or its running max) / bias2_sqrt + eps).
    Weight decay is decoupled (p *= decay_factor first) or L2 (g += weight_decay * p)."""
    param, grad = param[start:stop], grad[start:stop]
    exp_avg, exp_avg_sq, max_exp_avg_sq = exp_avg[start:stop], exp_avg_sq[start:stop], max_exp_avg_sq[start:stop]
    if amsgrad:
        for i in range(param.size):
            p, m, v = _adam_moments(i, param, grad, exp_avg, exp_avg_sq, beta1_w, beta1_rest, beta2,
                                          one_minus_beta2, weight_decay, decay_factor, decoupled, maximize)
            top = max_exp_avg_sq[i]
            if not (top >= v or top != top):  # np.maximum: a nan on either side wins
                top = v
            max_exp_avg_sq[i] = top
            param[i] = p + m * -step_size / (np.sqrt(top) / bias2_sqrt + eps)
    else:
        for i in range(param.size):
            p, m, v = _adam_moments(i, param, grad, exp_avg, exp_avg_sq, beta1_w, beta1_rest, beta2,
                                          one_minus_beta2, weight_decay, decay_factor, decoupled, maximize)
            param[i] = p + m * -step_size / (np.sqrt(v) / bias2_sqrt + eps)
