"""SyncBatchNorm: batch norm whose batch statistics are those of the whole batch spread over a process group.

In training, with an initialised process group of more than one rank, the per-channel mean and variance
are computed over every rank's part of the batch (two all-reduces, of the sums and then of the squared
deviations, which keeps float32 variances accurate), and the all-reduces are differentiable, so backward
gives each rank its part of the gradient of batch norm on the concatenated batch. In evaluation, or on
one process, it is plain batch norm, as PyTorch's. convert_sync_batchnorm swaps every batch-norm layer of a
model for a SyncBatchNorm that shares its parameters and buffers.
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ..functional.normalization import _affine, _update_running
from .batchnorm import _BatchNorm
from .module import Module

__all__ = ["SyncBatchNorm"]


def _sync_group(process_group):
    """The group to share statistics over, or None to fall back to batch norm."""
    from ... import distributed as dist
    if not dist.is_initialized():
        return None
    pg = process_group if process_group is not None else dist.group.WORLD
    return pg if pg.size() > 1 else None


def sync_batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None,
                    bias: Tensor | None, momentum: float, eps: float, pg) -> Tensor:
    """Training-mode batch norm of the batch whose parts `input` holds on the ranks of `pg`."""
    from ...distributed import all_reduce
    from ...distributed.nn.functional import all_reduce as summed
    axes = (0, *range(2, input.dim()))
    shape = (1, input.shape[1]) + (1,) * (input.dim() - 2)
    count = Tensor._wrap(np.array(input.numel() // input.shape[1], np.int64))
    all_reduce(count, group=pg)
    n = int(count._data)
    if n <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    mean = summed(input.sum(axes), group=pg) / n
    centred = input - mean.reshape(shape)
    var = summed((centred * centred).sum(axes), group=pg) / n
    _update_running(running_mean, lambda: mean, momentum)
    _update_running(running_var, lambda: var * (n / (n - 1)), momentum)  # running_var is unbiased
    return _affine(centred * (var + eps).rsqrt().reshape(shape), weight, bias, shape)


class SyncBatchNorm(_BatchNorm):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group=None, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _batch_norm(self, input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, training: bool,
                    momentum: float) -> Tensor:
        pg = _sync_group(self.process_group) if training else None
        if pg is None:
            return super()._batch_norm(input, running_mean, running_var, training, momentum)
        return sync_batch_norm(input, running_mean, running_var, self.weight, self.bias, momentum, self.eps, pg)

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """`module` with each batch-norm layer in it replaced by a SyncBatchNorm sharing its tensors."""
        output = module
        if isinstance(module, _BatchNorm):
            output = cls(module.num_features, module.eps, module.momentum, module.affine,
                         module.track_running_stats, process_group, bias=module.bias is not None)
            if module.affine:
                output.weight = module.weight
                output.bias = module.bias
            output.running_mean = module.running_mean
            output.running_var = module.running_var
            output.num_batches_tracked = module.num_batches_tracked
            output.training = module.training
            if hasattr(module, "qconfig"):
                output.qconfig = module.qconfig
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output
