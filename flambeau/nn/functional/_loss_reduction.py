"""Reduction arguments of the losses, as torch.nn._reduction handles them."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def type_name(t: Tensor) -> str:
    """PyTorch's scalar type name of a tensor's dtype (Float, Long, ...), as its messages print it."""
    name = repr(t.dtype).rsplit(".", 1)[-1]
    return _TYPE_NAMES.get(name, name)


def reduction_mode(reduction: str) -> str:
    """Validate a reduction: 'none', 'mean' or 'sum' ('elementwise_mean' is the deprecated 'mean')."""
    if reduction in ("none", "mean", "sum"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_reduction(size_average, reduce, emit_warning: bool = True) -> str:
    """The reduction that the deprecated size_average/reduce flags stand for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else ("sum" if reduce else "none")
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
                      stacklevel=3)
    return result


def refuse_grad(function: str, argument: str, t: Tensor | None) -> None:
    """PyTorch's error for an argument that its kernel does not differentiate (class weights, ...)."""
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to argument "
                           f"'{argument}'. This input cannot have requires_grad True.")


def apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
