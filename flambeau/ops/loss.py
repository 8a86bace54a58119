"""Fused loss primitives: negative log-likelihood, cross-entropy with class indices, CTC.

nll_loss and cross_entropy take the class axis as axis 1 of an (N, C, d1, ...) input and an (N, d1, ...)
target; nn.functional.loss validates the arguments and brings other layouts to this one. Their backward
is linear in the incoming gradient and written in flambeau ops (double backward works); CTC's gradient
is computed on arrays by the forward-backward (alpha-beta) recursion and, like PyTorch's, has no
derivative of its own.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from ._parallel import parallel_rows
from .activation import _COMPUTED, _WORK, LOG_SOFTMAX_BOUNDS, skips_shift, softmax

_wrap = Tensor._wrap


# ------------------------------------------------------------------------------- nll / cross-entropy

def class_weights(target, weight, ignore_index: int, n_classes: int, np_dtype) -> tuple:
    """(target with ignored entries set to class 0, per-element weight: weight[target], 0 where ignored)."""
    if target.size and not 0 <= ignore_index < n_classes and target.dtype.kind in "iu":
        lo, hi = target.min(), target.max()
        if 0 <= lo and hi < n_classes:  # every entry a class, none ignored: the usual batch, in fewer passes
            safe = target.astype(np.int64, copy=False)
            w = weight[safe].astype(np_dtype, copy=False) if weight is not None else np.ones(safe.shape, np_dtype)
            return safe, w
    valid = target != ignore_index
    safe = np.where(valid, target, 0).astype(np.int64, copy=False)
    bad = (safe < 0) | (safe >= n_classes)
    if bad.any():
        raise IndexError(f"Target {int(safe[bad].flat[0])} is out of bounds.")
    w = weight[safe] if weight is not None else np.ones(safe.shape, np_dtype)
    return safe, np.where(valid, w, 0).astype(np_dtype, copy=False)


def _reduce(losses, w, reduction: str):
    if reduction == "none":
        return losses
    total = losses.sum()
    return total / w.sum() if reduction == "mean" else total


def _coefficients(g: Tensor, w, reduction: str) -> Tensor:
    """d(reduced loss)/d(per-element loss) times the incoming gradient, shaped (N, 1, d1, ...). In flambeau
    ops on the weights' array, so that transforms at the dispatch point (vmap) see a batch of them."""
    coef = _wrap(w).unsqueeze(1)
    if reduction == "mean":
        total = coef.sum()
        coef = coef / (total + (total == 0))  # NOTE: all targets ignored: zero gradient, not 0/0
    return coef * (g.unsqueeze(1) if reduction == "none" else g)


def _coefficient_array(g, w, reduction: str):
    """_coefficients on arrays (g the incoming gradient's), for the plain (first-order) backward."""
    if reduction == "mean":
        total = w.sum()
        w = w / total if total else w
    return np.expand_dims(w * g, 1)


def _one_hot(safe, shape: tuple, np_dtype) -> Tensor:
    """The (N, C, d1, ...) one-hot tensor of class indices, in flambeau ops (see _coefficients)."""
    from .creation import arange
    from .elementwise import cast
    classes = arange(shape[1]).reshape([-1 if d == 1 else 1 for d in range(len(shape))])
    return cast(_wrap(safe).unsqueeze(1) == classes, np_dtype)


class NllLoss(Primitive):
    """args: class indices (ignored set to 0), per-element weights (0 where ignored), reduction."""

    @staticmethod
    def forward(logp, safe, w, reduction):
        picked = np.take_along_axis(logp, np.expand_dims(safe, 1), axis=1)[:, 0]
        return _reduce(-(picked * w), w, reduction)

    def backward(ctx, g):
        safe, w, reduction = ctx.args
        shape, np_dtype = ctx.metas[0]
        if not is_grad_enabled():  # plain backward: one scatter into zeros
            out = np.zeros(shape, np_dtype)
            np.put_along_axis(out, np.expand_dims(safe, 1), -_coefficient_array(g._data, w, reduction), axis=1)
            return (_wrap(out),)
        return (-_coefficients(g, w, reduction) * _one_hot(safe, shape, np_dtype),)


class CrossEntropy(Primitive):
    """log_softmax over axis 1 and nll in one pass; gradient (softmax - one_hot) * weight. args: class
    indices, per-element weights, reduction, and a buffer for the softmax (None when no gradient is
    needed): forward fills it, the plain backward reads it."""
    save_inputs = True

    @staticmethod
    def forward(x, safe, w, reduction, probs):
        if _by_kernel(x):
            return _reduce(_cross_entropy_rows(x, safe, probs) * w, w, reduction)
        n = x.shape[0]
        top = np.empty((n, 1) + x.shape[2:], x.dtype)
        parallel_rows(lambda a, b: np.max(x[a:b], axis=1, keepdims=True, out=top[a:b]), n, x.size)
        shift = not skips_shift(x, top, LOG_SOFTMAX_BOUNDS)  # decided for the whole batch: chunking changes nothing
        picked = np.empty(safe.shape, x.dtype)
        sums = np.empty(safe.shape, x.dtype)

        def rows(a, b):
            buf = None if probs is None else probs[a:b]
            s = np.subtract(x[a:b], top[a:b], out=buf) if shift else x[a:b]
            picked[a:b] = np.take_along_axis(s, np.expand_dims(safe[a:b], 1), axis=1)[:, 0]
            np.exp(s, out=s if shift else buf).sum(axis=1, out=sums[a:b])
            if buf is not None:
                # NOTE: one division here saves the backward recomputing max, shift, exp and sum (4 passes)
                buf /= np.expand_dims(sums[a:b], 1)
        parallel_rows(rows, n, x.size)
        return _reduce((np.log(sums) - picked) * w, w, reduction)

    def backward(ctx, g):
        x = ctx.inputs[0]
        safe, w, reduction, probs = ctx.args
        shape, np_dtype = ctx.metas[0]
        if not is_grad_enabled():  # plain backward: one primitive, which a compiled step records as one node
            return (apply(CrossEntropyGrad, (g,), probs, safe, w, reduction),)
        return ((softmax(x, 1) - _one_hot(safe, shape, np_dtype)) * _coefficients(g, w, reduction),)


def _by_kernel(x) -> bool:
    """Whether cross-entropy of (N, C) logits runs as row kernels (one pass forward, one backward)."""
    return x.ndim == 2 and x.shape[1] > 0 and x.dtype in _COMPUTED


def _cross_entropy_rows(x, safe, probs):
    """Each row's -log_softmax at its target, and the softmax into probs (unless None), by one kernel."""
    from .._kernels import activation as kernels
    x = np.ascontiguousarray(x)
    losses = np.empty(x.shape[0], x.dtype)
    out = np.empty((0, 0), x.dtype) if probs is None else probs
    parallel_rows(lambda a, b: kernels.cross_entropy_forward(x, safe, out, losses, a, b), len(x), x.size * _WORK)
    return losses


class CrossEntropyGrad(Primitive):
    """CrossEntropy's plain (first-order) gradient for the incoming gradient g: the softmax the forward saved
    (probs), scaled, minus the scale at the targets. args: probs, class indices, weights, reduction."""
    differentiable = False

    @staticmethod
    def forward(g, probs, safe, w, reduction):
        coef = _coefficient_array(g, w, reduction).astype(probs.dtype, copy=False)
        out = np.empty_like(probs)  # never in place: a retained graph reads probs again
        if _by_kernel(probs):
            from .._kernels import activation as kernels
            coef = np.ascontiguousarray(coef.reshape(-1))
            parallel_rows(lambda a, b: kernels.cross_entropy_backward(probs, safe, coef, out, a, b), len(out), out.size)
            return out

        def rows(a, b):
            index, c = np.expand_dims(safe[a:b], 1), coef[a:b]
            np.multiply(probs[a:b], c, out=out[a:b])
            np.put_along_axis(out[a:b], index, (np.take_along_axis(probs[a:b], index, axis=1) - 1) * c, axis=1)
        parallel_rows(rows, len(out), out.size)
        return out


class TargetIndices(Primitive):
    """class_weights' indices of a target. It and TargetWeights are primitives so that transforms at the
    dispatch point (vmap) see the target behind the arrays the losses take as args."""
    differentiable = False

    @staticmethod
    def forward(target, weight, ignore_index, n_classes, np_dtype):
        return class_weights(target, weight, ignore_index, n_classes, np_dtype)[0]


class TargetWeights(Primitive):
    differentiable = False

    @staticmethod
    def forward(target, weight, ignore_index, n_classes, np_dtype):
        return class_weights(target, weight, ignore_index, n_classes, np_dtype)[1]


def _targets(x: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int) -> tuple:
    args = (None if weight is None else weight._data, ignore_index, x._data.shape[1], x._data.dtype)
    return apply(TargetIndices, (target,), *args)._data, apply(TargetWeights, (target,), *args)._data


def nll(logp: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str) -> Tensor:
    """nll_loss of (N, C, d1, ...) log-probabilities and (N, d1, ...) class indices."""
    return apply(NllLoss, (logp,), *_targets(logp, target, weight, ignore_index), reduction)


def cross_entropy_indices(x: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                          reduction: str) -> Tensor:
    """cross_entropy of (N, C, d1, ...) logits and (N, d1, ...) class indices, fused."""
    probs = np.empty_like(x._data) if x._rg and is_grad_enabled() else None
    return apply(CrossEntropy, (x,), *_targets(x, target, weight, ignore_index), reduction, probs)


# ------------------------------------------------------------------------------- CTC

_NEG_INF = -np.inf


def _shift(a, k: int):
    """a shifted right by k along the last axis, -inf filled."""
    out = np.full_like(a, _NEG_INF)
    out[..., k:] = a[..., :-k]
    return out


def _unshift(a, k: int):
    out = np.full_like(a, _NEG_INF)
    out[..., :-k] = a[..., k:]
    return out


def _ctc_lattice(lp, targets, in_len, tg_len, blank: int):
    """Extended labels (blank between and around targets), their log-probabilities per step, and masks."""
    n = lp.shape[1]
    ext = np.full((n, 2 * targets.shape[1] + 1), blank, np.int64)
    ext[:, 1::2] = targets
    emit = lp[:, np.arange(n)[:, None], ext]  # (T, N, L)
    ext_len = 2 * tg_len + 1
    valid = np.arange(ext.shape[1])[None, :] < ext_len[:, None]
    skip = np.zeros(ext.shape, bool)  # s-2 -> s allowed: a label differing from the one two back
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, emit, ext_len, valid, skip


def _ctc_alpha(emit, valid, skip):
    alpha = np.full(emit.shape, _NEG_INF)
    alpha[0, :, :2] = emit[0, :, :2]
    alpha[0][~valid] = _NEG_INF
    for t in range(1, emit.shape[0]):
        prev = alpha[t - 1]
        comb = np.logaddexp(prev, _shift(prev, 1))
        if prev.shape[-1] > 2:
            comb = np.where(skip, np.logaddexp(comb, _shift(prev, 2)), comb)
        alpha[t] = np.where(valid, comb + emit[t], _NEG_INF)
    return alpha


def _ctc_nll(alpha, in_len, ext_len):
    n = np.arange(alpha.shape[1])
    last = np.maximum(in_len - 1, 0)
    end = alpha[last, n, ext_len - 1]
    before = np.where(ext_len >= 2, alpha[last, n, np.maximum(ext_len - 2, 0)], _NEG_INF)
    nll = -np.logaddexp(end, before)
    # no input steps: probability 1 of the empty target, 0 of any other
    return np.where(in_len == 0, np.where(ext_len == 1, 0.0, np.inf), nll)


def _ctc_beta(emit, in_len, ext_len, valid, skip):
    steps, length = emit.shape[0], emit.shape[-1]
    beta = np.full(emit.shape, _NEG_INF)
    s = np.arange(length)[None, :]
    ends = (s == ext_len[:, None] - 1) | (s == ext_len[:, None] - 2)
    skip_next = np.zeros(skip.shape, bool)
    skip_next[:, :-2] = skip[:, 2:]
    nxt = np.full(emit.shape[1:], _NEG_INF)
    for t in range(steps - 1, -1, -1):
        comb = np.logaddexp(nxt, _unshift(nxt, 1))
        if length > 2:
            comb = np.where(skip_next, np.logaddexp(comb, _unshift(nxt, 2)), comb)
        start = (t == in_len - 1)[:, None]
        inside = (t < in_len - 1)[:, None]
        b = np.where(start & ends, emit[t], np.where(inside, comb + emit[t], _NEG_INF))
        beta[t] = nxt = np.where(valid, b, _NEG_INF)
    return beta


def _ctc_forward(lp, targets, in_len, tg_len, blank: int, zero_infinity: bool):
    ext, emit, ext_len, valid, skip = _ctc_lattice(lp.astype(np.float64), targets, in_len, tg_len, blank)
    nll = _ctc_nll(_ctc_alpha(emit, valid, skip), in_len, ext_len)
    if zero_infinity:
        nll = np.where(nll == np.inf, 0.0, nll)
    return nll.astype(lp.dtype)


class CtcGrad(Primitive):
    """PyTorch's CTC gradient w.r.t. log_probs: exp(lp) - exp(log(sum of alpha*beta over the lattice
    positions of each class) + nll - lp). The exp(lp) term assumes log_probs come from log_softmax,
    whose backward then cancels it, exactly as in PyTorch."""

    @staticmethod
    def forward(lp, targets, in_len, tg_len, blank, zero_infinity):
        lp64 = lp.astype(np.float64)
        steps, n, classes = lp.shape
        ext, emit, ext_len, valid, skip = _ctc_lattice(lp64, targets, in_len, tg_len, blank)
        alpha = _ctc_alpha(emit, valid, skip)
        nll = _ctc_nll(alpha, in_len, ext_len)
        ab = alpha + _ctc_beta(emit, in_len, ext_len, valid, skip)
        top = ab.max(axis=-1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        acc = np.zeros((steps, n, classes))
        np.add.at(acc, (np.arange(steps)[:, None, None], np.arange(n)[None, :, None], ext[None]), np.exp(ab - top))
        lcab = np.log(acc) + top
        grad = np.exp(lp64) - np.exp(lcab + nll[None, :, None] - lp64)
        live = np.arange(steps)[:, None] < in_len[None, :]
        if zero_infinity:
            live = live & (nll != np.inf)[None, :]
        return np.where(live[..., None], grad, 0.0).astype(lp.dtype)

    def backward(ctx, g):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


class CtcLoss(Primitive):
    """Per-sample negative log-likelihood (N,) of (T, N, C) log-probabilities; args: padded targets
    (N, S), input lengths, target lengths (int64 arrays), blank, zero_infinity."""
    save_inputs = True
    forward = staticmethod(_ctc_forward)

    def backward(ctx, g):
        lp = ctx.inputs[0]
        return (apply(CtcGrad, (lp,), *ctx.args) * g.unsqueeze(0).unsqueeze(-1),)


def _ctc_check(what: str, lengths, limit: int) -> None:
    if lengths.size and lengths.max() > limit:
        raise RuntimeError(f"Expected {what} to have value at most {limit}, but got value {int(lengths.max())} "
                           "(while checking arguments for ctc_loss_allocate_outputs)")


def ctc_nll(log_probs: Tensor, targets: Tensor, input_lengths: list, target_lengths: list, blank: int,
            zero_infinity: bool) -> Tensor:
    """Per-sample CTC negative log-likelihood of (T, N, C) log-probabilities; targets padded (N, S) or
    concatenated (sum of target_lengths,)."""
    steps, n, classes = log_probs._data.shape
    in_len = np.asarray(input_lengths, np.int64)
    tg_len = np.asarray(target_lengths, np.int64)
    if in_len.shape != (n,) or tg_len.shape != (n,):
        raise RuntimeError(f"input_lengths and target_lengths must have size batch_size={n}, got "
                           f"{in_len.shape[0]} and {tg_len.shape[0]}")
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    _ctc_check("input_lengths", in_len, steps)
    flat = np.asarray(targets._data).astype(np.int64, copy=False)
    if flat.ndim == 1:  # concatenated: cut into a padded (N, S) array
        ends = np.cumsum(tg_len)
        if ends.size and ends[-1] > flat.shape[0]:
            raise RuntimeError(f"Expected tensor to have size at least {int(ends[-1])} at dimension 0, but got "
                               f"size {flat.shape[0]} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
        padded = np.full((n, int(tg_len.max(initial=0))), blank, np.int64)
        for i, (end, length) in enumerate(zip(ends, tg_len)):
            padded[i, :length] = flat[end - length:end]
    else:
        padded = flat
        if tg_len.size and tg_len.max() > padded.shape[1]:
            raise RuntimeError(f"Expected tensor to have size at least {int(tg_len.max())} at dimension 1, but got "
                               f"size {padded.shape[1]} for argument #2 'targets' (while checking arguments for "
                               "ctc_loss_allocate_outputs)")
    # entries past a target's length are padding, whatever their value
    padded = np.where(np.arange(padded.shape[1])[None, :] < tg_len[:, None], padded, blank)
    return apply(CtcLoss, (log_probs,), padded, in_len, tg_len, blank, zero_infinity)


__all__: list = []
TENSOR_METHODS: dict = {}
