"""Margin and embedding losses (composites of flambeau ops), with PyTorch's formulas, checks and messages."""
from __future__ import annotations

import flambeau

from ..._tensor import Tensor
from ._loss_reduction import apply_reduction, legacy_reduction, reduction_mode, refuse_grad, type_name

_EPSILON = 1e-12  # cosine_embedding_loss's guard on the squared norms, as in PyTorch


def _mode(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    return reduction_mode(reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    mode = _mode(size_average, reduce, reduction)
    dim = target.dim()
    if dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if dim == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if dim == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + _EPSILON
    mag2 = (input2 * input2).sum(dim) + _EPSILON
    cos = prod / (mag1 * mag2).sqrt()
    zero = cos.new_zeros(())
    loss = flambeau.where(target == 1, 1 - cos, zero) + flambeau.where(target == -1, (cos - margin).clamp_min(0), zero)
    return apply_reduction(loss, mode)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    mode = _mode(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), mode)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    mode = _mode(size_average, reduce, reduction)
    zero = input.new_zeros(())
    loss = flambeau.where(target != 1, (margin - input).clamp_min(0), zero) + flambeau.where(target != -1, input, zero)
    return apply_reduction(loss, mode)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    mode = _mode(size_average, reduce, reduction)
    refuse_grad("soft_margin_loss", "target", target)
    return apply_reduction(flambeau.log1p(flambeau.exp(-input * target)), mode)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    from .activation import logsigmoid
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return apply_reduction(loss, reduction)


def _as_matrix(name: str, input: Tensor) -> Tensor:
    if input.dim() > 2 or input.numel() == 0:
        raise RuntimeError(f"{name}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    return input.reshape(1, -1) if input.dim() < 2 else input


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    mode = _mode(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    refuse_grad("multi_margin_loss", "weight", weight)
    x = _as_matrix("multi_margin_loss", input)
    samples, classes = x.shape
    if target.numel() != samples or target.dim() > 1:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{samples}], but got {list(target.shape)}. "
                           f"Input has shape {list(input.shape)}.")
    t = target.reshape(samples, 1)
    if bool(((t < 0) | (t >= classes)).any()):
        raise RuntimeError("target out of range")
    z = (margin - x.gather(1, t) + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t]
    own = flambeau.arange(classes).unsqueeze(0) == t  # the target's own class does not count
    loss = flambeau.where(own, z.new_zeros(()), z).sum(1) / classes
    return apply_reduction(loss.reshape(target.shape) if input.dim() < 2 else loss, mode)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    mode = _mode(size_average, reduce, reduction)
    if target.dtype != flambeau.int64:
        raise RuntimeError(f"expected scalar type Long but found {type_name(target)}")
    x = _as_matrix("multilabel_margin_loss", input)
    if target.shape != input.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    t = target.reshape(x.shape)
    classes = x.shape[1]
    # the targets of a sample are its entries before the first -1
    listed = flambeau.cumsum(t < 0, 1) == 0
    safe = flambeau.where(listed, t, 0)
    if bool(((safe < 0) | (safe >= classes)).any()):
        raise RuntimeError("multilabel_margin_loss: target out of range")
    is_target = flambeau.zeros(x.shape).scatter_add(1, safe, listed.float()) > 0
    # z[i, j, k] = 1 - (x[i, target_j] - x[i, k]) over listed targets j and non-target classes k
    z = (1 - x.gather(1, safe).unsqueeze(2) + x.unsqueeze(1)).clamp_min(0)
    pairs = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = flambeau.where(pairs, z, z.new_zeros(())).sum((1, 2)) / classes
    return apply_reduction(loss.reshape(()) if input.dim() < 2 else loss, mode)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    from .distance import pairwise_distance
    from .triplet_distance import triplet_margin_with_distance_loss
    return triplet_margin_with_distance_loss(anchor, positive, negative,
                                             distance_function=lambda x, y: pairwise_distance(x, y, p, eps),
                                             margin=margin, swap=swap, reduction=_mode(size_average, reduce, reduction))
