"""Fused optimizer updates: one pass over a flat parameter reads its gradient and updates the state
buffers and the parameter in place, element by element.

NOTE: compiled without fast-math (unlike `kernel`): each element goes through exactly the rounded
operations of PyTorch's single-tensor update, in its order (no fused multiply-add, no reciprocal in
place of a division), so trajectories stay bit-close to PyTorch's. The loops still vectorise: there
is no reduction to reorder. Scalars arrive already cast to the compute dtype, as PyTorch casts them.

float16 and bfloat16 parameters compute in float32, and every value is rounded to the half type at
the end of each of PyTorch's tensor ops (`_round`), as PyTorch's half ops round their results. Its
`add` rounds its scalar (`alpha`, or the added number) to the half type first; `mul`, `div`, `lerp`,
`addcmul` and `addcdiv` keep theirs in float32: the kernels round the same scalars.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba.extending import intrinsic

from ..ops._parallel import GRAIN, parallel_rows
from . import kernel

# no fast-math flags: PyTorch's operations in its order, each rounded
_exact = kernel(fastmath=())


def compute_dtype(param) -> np.dtype:
    """The dtype an update of `param` computes in: float32 for the half types."""
    return np.dtype(np.float32) if param.dtype.itemsize == 2 else param.dtype


_HALF = {np.dtype(np.float16): 1, np.dtype("bfloat16"): 2}  # ml_dtypes registered the name with NumPy


# NOTE: an update streams 4-7 arrays and does little arithmetic per element, so a second thread gains only
# once the arrays outgrow the caches: on the 2-core machines, Adam on 400k float32 elements took 317 us on
# one thread and 323 us on two, and on 4M elements 2.6-4.1 ms on one and 1.5-1.6 ms on two. In a training
# step a second thread costs more still: it competes with BLAS's threads, which spin between matmuls.
_STREAMING = 4  # a thread must get this many times _parallel.GRAIN elements


def scalars(dtype, values) -> tuple:
    """An update's scalar arguments as the kernels take them: numbers cast to the compute dtype `dtype` (as
    PyTorch casts them), flags left as they are. An optimizer converts them once for all the parameters
    that share a dtype and a step count."""
    return tuple([v if isinstance(v, bool) else dtype.type(v) for v in values])


def update(step, arrays, scalars) -> None:
    """step(*arrays, start, stop, *scalars, half) over the flat arrays, split over the intra-op
    threads; half: 0, or which half type the parameter is (see `_round`).

    arrays: the parameter, its gradient, then the state buffers (a buffer the options leave unused
    is passed as another array, once more); scalars: from `scalars`. Half types compute in float32; an
    array that is not C-contiguous or not of the compute dtype runs on a copy written back afterwards,
    so the update lands in the array's own memory, a view included."""
    dtype = compute_dtype(arrays[0])
    half = _HALF.get(arrays[0].dtype, 0)
    if all(a.dtype == dtype and a.flags.c_contiguous for a in arrays):  # the usual case: every array in place
        flats = [a.reshape(-1) for a in arrays]
        _split(step, flats, scalars, half)
        return
    work: dict = {}  # id -> (array, its flat work array, a copy?): an array passed twice is copied once
    for a in arrays:
        if id(a) not in work:
            direct = a.dtype == dtype and a.flags.c_contiguous
            work[id(a)] = a, a.reshape(-1) if direct else np.ascontiguousarray(a, dtype=dtype).reshape(-1), not direct
    _split(step, [work[id(a)][1] for a in arrays], scalars, half)
    for k, (a, flat, copied) in enumerate(work.values()):
        if copied and k != 1:  # the gradient (second) is only read
            a[...] = flat.reshape(a.shape)


def _split(step, flats: list, scalars: list, half: int) -> None:
    size = flats[0].size
    if size < 2 * _STREAMING * GRAIN:
        step(*flats, 0, size, *scalars, half)
    else:
        parallel_rows(lambda start, stop: step(*flats, start, stop, *scalars, half), size, size // _STREAMING)


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c rounded once, where PyTorch's vectorised kernels use a fused multiply-add (`add` with
    alpha, `lerp`); a, b and c of one float type."""
    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return a(a, b, c), codegen


@_exact
def _round(x, half):
    """x rounded to nearest even as float16 (half == 1) or bfloat16 (half == 2), in x's type; x itself
    when half == 0. Scaling by a power of two is exact, so rint does the rounding."""
    if half == 0:
        return x
    _, exponent = math.frexp(x)
    digits, smallest = (11, -24) if half == 1 else (8, -133)  # significant bits; the subnormal step
    step = 2.0 ** max(exponent - digits, smallest)
    r = np.rint(x / step) * step
    if half == 1 and abs(r) > 65504:  # past float16's largest finite value
        r = r * np.inf
    return type(x)(r)


@_exact
def _gradient(g, p, maximize, weight_decay, half):
    """The gradient an update uses: negated when maximizing, then plus the L2 term."""
    g = -g if maximize else g
    return _round(_fma(p, weight_decay, g), half) if weight_decay != 0 else g


# NOTE: every kernel loops over slices from index 0: a bare `range(start, stop)` index may be negative
# as far as LLVM knows (NumPy's wrap-around), and that check stops the loop from vectorising. Loads
# and stores are unconditional for the same reason; an option that needs a different set of arrays
# (amsgrad, momentum) gets its own loop, since a buffer passed twice would fail the alias check.

@_exact
def sgd(param, grad, buf, start, stop, lr, momentum, damp, weight_decay, nesterov, maximize, first, half):
    """buf = momentum * buf + damp * g (buf = g when first); p -= lr * (g + momentum * buf if nesterov
    else buf). momentum == 0 leaves buf untouched; damp is 1 - dampening."""
    # NOTE: a constant 0 folds the rounding away, so the float32/float64 loops vectorise
    if half == 0:
        _sgd(param, grad, buf, start, stop, lr, momentum, damp, weight_decay, nesterov, maximize, first, 0)
    else:
        _sgd(param, grad, buf, start, stop, lr, momentum, damp, weight_decay, nesterov, maximize, first, half)


@_exact
def _sgd(param, grad, buf, start, stop, lr, momentum, damp, weight_decay, nesterov, maximize, first, half):
    param, grad, buf = param[start:stop], grad[start:stop], buf[start:stop]
    # the alphas of PyTorch's adds (momentum also scales buf, with mul_: unrounded)
    lr, damp, weight_decay = _round(lr, half), _round(damp, half), _round(weight_decay, half)
    momentum_alpha = _round(momentum, half)
    if momentum == 0:
        for i in range(param.size):
            p = param[i]
            param[i] = _round(_fma(_gradient(grad[i], p, maximize, weight_decay, half), -lr, p), half)
        return
    for i in range(param.size):
        p = param[i]
        g = _gradient(grad[i], p, maximize, weight_decay, half)
        b = _round(_fma(g, damp, _round(buf[i] * momentum, half)), half)
        if first:
            b = g
        buf[i] = b
        param[i] = _round(_fma(_round(_fma(b, momentum_alpha, g), half) if nesterov else b, -lr, p), half)


@_exact
def _adam_moments(i, param, grad, exp_avg, exp_avg_sq, beta1_w, beta1_rest, beta2, one_minus_beta2,
                  weight_decay, decay_factor, decoupled, maximize, half):
    """The decayed parameter and the updated moments of element i (moments written back)."""
    p = param[i]
    if decoupled:
        p = _round(p * decay_factor, half)
        g = -grad[i] if maximize else grad[i]
    else:
        g = _gradient(grad[i], p, maximize, weight_decay, half)
    m = exp_avg[i]
    m = _round(_fma(beta1_w, g - m, m) if abs(beta1_w) < 0.5 else _fma(-beta1_rest, g - m, g), half)
    exp_avg[i] = m
    v = _round(_fma(g * one_minus_beta2, g, _round(exp_avg_sq[i] * beta2, half)), half)
    exp_avg_sq[i] = v
    return p, m, v


@_exact
def _step(p, m, v, step_size, bias2_sqrt, eps, half):
    """p.addcdiv_(m, sqrt(v) / bias2_sqrt + eps, value=-step_size), the denominator built in three ops."""
    denom = _round(_round(_round(np.sqrt(v), half) / bias2_sqrt, half) + eps, half)
    return _round(p + m * -step_size / denom, half)


@_exact
def adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, start, stop, beta1_w, beta1_rest, beta2,
         one_minus_beta2, step_size, bias2_sqrt, eps, weight_decay, decay_factor, decoupled, amsgrad, maximize,
         half):
    """PyTorch's single-tensor Adam for one element range: exp_avg.lerp_(g, beta1_w) (its two-sided
    formula; beta1_rest is 1 - beta1_w), exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g, then
    p += -step_size * exp_avg / (sqrt(exp_avg_sq or its running max) / bias2_sqrt + eps).
    Weight decay is decoupled (p *= decay_factor first) or L2 (g += weight_decay * p)."""
    if half == 0:  # see sgd
        _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, start, stop, beta1_w, beta1_rest, beta2,
              one_minus_beta2, step_size, bias2_sqrt, eps, weight_decay, decay_factor, decoupled, amsgrad, maximize,
              0)
    else:
        _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, start, stop, beta1_w, beta1_rest, beta2,
              one_minus_beta2, step_size, bias2_sqrt, eps, weight_decay, decay_factor, decoupled, amsgrad, maximize,
              half)


@_exact
def _adam(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, start, stop, beta1_w, beta1_rest, beta2,
          one_minus_beta2, step_size, bias2_sqrt, eps, weight_decay, decay_factor, decoupled, amsgrad, maximize,
          half):
    param, grad = param[start:stop], grad[start:stop]
    exp_avg, exp_avg_sq, max_exp_avg_sq = exp_avg[start:stop], exp_avg_sq[start:stop], max_exp_avg_sq[start:stop]
    weight_decay, eps = _round(weight_decay, half), _round(eps, half)  # added by PyTorch's add
    if amsgrad:
        for i in range(param.size):
            p, m, v = _adam_moments(i, param, grad, exp_avg, exp_avg_sq, beta1_w, beta1_rest, beta2,
                                          one_minus_beta2, weight_decay, decay_factor, decoupled, maximize, half)
            top = max_exp_avg_sq[i]
            if not (top >= v or top != top):  # np.maximum: a nan on either side wins
                top = v
            max_exp_avg_sq[i] = top
            param[i] = _step(p, m, top, step_size, bias2_sqrt, eps, half)
    else:
        for i in range(param.size):
            p, m, v = _adam_moments(i, param, grad, exp_avg, exp_avg_sq, beta1_w, beta1_rest, beta2,
                                          one_minus_beta2, weight_decay, decay_factor, decoupled, maximize, half)
            param[i] = _step(p, m, v, step_size, bias2_sqrt, eps, half)
