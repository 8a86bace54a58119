"""Differentiable collectives: all_reduce whose backward all-reduces the gradient."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.function import Function
from ..collectives import all_reduce as _all_reduce
from ..reduce_op import ReduceOp

__all__ = ["all_reduce"]


class _AllReduceSum(Function):
    # d(sum over ranks of x_r)/dx_r is the identity, and every rank's loss depends on the sum: the gradient
    # reaching x on one rank is the sum of the gradients all ranks' sums received
    @staticmethod
    def forward(ctx, tensor: Tensor, group) -> Tensor:
        ctx.group = group
        out = tensor.clone()
        _all_reduce(out, ReduceOp.SUM, group)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        grad = grad.clone()
        _all_reduce(grad, ReduceOp.SUM, ctx.group)
        return grad, None


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None) -> Tensor:
    """A new tensor: the sum of `tensor` over the group, differentiable (SUM only)."""
    if op is not ReduceOp.SUM:
        raise NotImplementedError(f"flambeau.distributed.nn.functional.all_reduce differentiates ReduceOp.SUM only, "
                                  f"got {op}")
    return _AllReduceSum.apply(tensor, group)
