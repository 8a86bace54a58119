"""nn.functional losses, as PyTorch defines them (values, gradients, reductions, checks and messages).

nll_loss, cross_entropy with class indices and ctc_loss run fused primitives (flambeau.ops.loss);
the other losses are composites of flambeau ops. Margin and embedding losses live in _loss_margin.py
and are re-exported here.
"""
from __future__ import annotations

import math
import warnings

import flambeau

from ..._tensor import Tensor
from ...ops import loss as _ops
from ...ops.activation import log_softmax as _log_softmax
from ._loss_margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                           multilabel_margin_loss, multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss)
from ._loss_reduction import apply_reduction, legacy_reduction, reduction_mode, refuse_grad, type_name

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
           "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss", "soft_margin_loss",
           "triplet_margin_loss", "ctc_loss"]


# ------------------------------------------------------------------------------- regression

def _broadcast_warning(input: Tensor, target: Tensor) -> None:
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _weighted(loss: Tensor, input: Tensor, weight: Tensor, reduction: str, mean_by_weight: bool) -> Tensor:
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    _broadcast_warning(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if weight is not None:
        return _weighted((input - target).abs(), input, weight, reduction, True)
    return apply_reduction((input - target).abs(), reduction_mode(reduction))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    _broadcast_warning(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    diff = input - target
    if weight is not None:
        return _weighted(diff * diff, input, weight, reduction, True)
    return apply_reduction(diff * diff, reduction_mode(reduction))


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    _broadcast_warning(input, target)
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    reduction = reduction_mode(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    diff = input - target
    if beta == 0.0:
        return apply_reduction(diff.abs(), reduction)
    size = diff.abs()
    loss = flambeau.where(size < beta, diff * diff * (0.5 / beta), size - 0.5 * beta)
    return apply_reduction(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    _broadcast_warning(input, target)
    if weight is None:
        reduction = reduction_mode(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    diff = input - target
    size = diff.abs()
    loss = flambeau.where(size < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)
    if weight is not None:
        return _weighted(loss, input, weight, reduction, False)
    return apply_reduction(loss, reduction)


# ------------------------------------------------------------------------------- classification

def _reduction_of(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    return reduction_mode(reduction)


def _class_layout(input: Tensor, target: Tensor, weight: Tensor | None) -> tuple:
    """(input as (N, C, d1, ...), target as (N, d1, ...), whether a 1-d input was given a batch axis)."""
    ndim = input.dim()
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if target.dtype not in (flambeau.int64, flambeau.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target)}")
    if ndim != 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    if ndim == 2 and target.dim() != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if ndim > 2 and tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, "
                           f"got {list(target.shape)}")
    classes = input.shape[0 if ndim == 1 else 1]
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input)} but found {type_name(weight)}")
    refuse_grad("nll_loss2d_forward" if ndim > 2 else "nll_loss_forward", "weight", weight)
    if ndim == 1:
        return input.unsqueeze(0), target.reshape(1), True
    return input, target, False


def _unbatch(loss: Tensor, target: Tensor, unbatched: bool, reduction: str) -> Tensor:
    return loss.reshape(target.shape) if unbatched and reduction == "none" else loss


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    reduction = _reduction_of(size_average, reduce, reduction)
    x, t, unbatched = _class_layout(input, target, weight)
    return _unbatch(_ops.nll(x, t, weight, ignore_index, reduction), target, unbatched, reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    reduction = _reduction_of(size_average, reduce, reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.shape == target.shape and input.dim() > 0:
        if not target.is_floating_point():
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{type_name(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    x, t, unbatched = _class_layout(input, target, weight)
    if label_smoothing > 0.0:
        loss = _cross_entropy_smoothed(x, t, weight, ignore_index, reduction, label_smoothing)
    else:
        loss = _ops.cross_entropy_indices(x, t, weight, ignore_index, reduction)
    return _unbatch(loss, target, unbatched, reduction)


def _class_view(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    """weight shaped to broadcast along the class axis of an ndim-d input."""
    return weight.reshape([weight.numel() if d == class_dim else 1 for d in range(ndim)])


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight, reduction: str, smoothing: float) -> Tensor:
    class_dim = 0 if input.dim() == 1 else 1
    classes = input.shape[class_dim]
    logp = _log_softmax(input, class_dim, None)
    if smoothing > 0.0:
        target = target * (1 - smoothing) + smoothing / classes
    if weight is not None:
        logp = logp * _class_view(weight, input.dim(), class_dim)
    terms = logp * target
    if reduction == "none":
        return -terms.sum(class_dim)
    if reduction == "sum":
        return -terms.sum()
    if input.numel() == 0:
        return -terms.sum() * math.nan
    return -terms.sum() / (input.numel() / classes)


def _cross_entropy_smoothed(x: Tensor, t: Tensor, weight, ignore_index: int, reduction: str,
                            smoothing: float) -> Tensor:
    """PyTorch's label smoothing for class indices: (1 - s) * nll + s / C * (mean of -log p over classes)."""
    classes = x.shape[1]
    logp = _log_softmax(x, 1, None)
    nll = _ops.nll(logp, t, weight, ignore_index, reduction)
    if weight is not None:
        logp = logp * _class_view(weight, x.dim(), 1)
    ignored = t == ignore_index
    smooth = flambeau.where(ignored, 0.0, -logp.sum(1))
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        if weight is None:
            smooth = smooth.sum() / (~ignored).sum()
        else:
            smooth = smooth.sum() / weight[t[~ignored]].sum()
    return nll * (1 - smoothing) + smooth * (smoothing / classes)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    reduction = _reduction_of(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    refuse_grad("binary_cross_entropy", "weight", weight)
    if weight is not None:
        weight = weight.expand(flambeau.broadcast_shapes(target.size(), weight.size()))
    if bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    # NOTE: the logarithms are clamped at -100, as in PyTorch, so that p = 0 or 1 gives a finite loss
    loss = (target - 1) * flambeau.log1p(-input).clamp(min=-100) - target * input.log().clamp(min=-100)
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    from .activation import logsigmoid
    reduction = _reduction_of(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    refuse_grad("binary_cross_entropy_with_logits", "weight", weight)
    refuse_grad("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    log_sigmoid = logsigmoid(input)  # stable for any logit
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - log_sigmoid
    if weight is not None:
        loss = loss * weight
    if target.is_floating_point():
        # NOTE: ATen accumulates the loss in place into (1 - target): it keeps the target's dtype (a float64
        # input with a float32 target gives a float32 loss)
        loss = loss.to(target.dtype)
    return apply_reduction(loss, reduction)


# ------------------------------------------------------------------------------- distributions

def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    if size_average is not None or reduce is not None:
        mode = legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        mode = "sum" if reduction == "batchmean" else reduction_mode(reduction)
    if log_target:
        loss = flambeau.exp(target) * (target - input)
    else:
        loss = flambeau.xlogy(target, target) - target * input
    reduced = apply_reduction(loss, mode)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size()[0]
    return reduced


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = flambeau.exp(input) - target * input
    else:
        loss = input - target * flambeau.log(input + eps)
    if full:
        # Stirling's approximation of log(target!), counted only where target > 1; the others see a safe 1
        big = target > 1
        safe = flambeau.where(big, target, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * flambeau.log(safe * (2 * math.pi))
        loss = loss + flambeau.where(big, stirling, 0.0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * flambeau.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)  # homoscedastic: one variance per sample
        elif not (input.dim() == var.dim() and
                  sum(v for s, v in zip(input.size(), var.size()) if s != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # NOTE: clamped without recording, as PyTorch does: the gradient reaches var unchanged
    var = var.clone()
    with flambeau.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (flambeau.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


# ------------------------------------------------------------------------------- sequences

def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    reduction = reduction_mode(reduction)
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.unsqueeze(0)
    in_len = _lengths(input_lengths)
    tg_len = _lengths(target_lengths)
    nll = _ops.ctc_nll(log_probs, targets, in_len, tg_len, blank, zero_infinity)
    if reduction == "none":
        return nll[0] if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    divisor = flambeau.tensor([max(n, 1) for n in tg_len], dtype=nll.dtype)
    return (nll / divisor).mean()


def _lengths(lengths) -> list:
    if isinstance(lengths, Tensor):
        return [int(n) for n in lengths.reshape(-1).tolist()]
    if isinstance(lengths, (list, tuple)):
        return [int(n) for n in lengths]
    raise TypeError(f"ctc_loss(): argument 'input_lengths' must be a tuple of ints or a Tensor, not "
                    f"{type(lengths).__name__}")
