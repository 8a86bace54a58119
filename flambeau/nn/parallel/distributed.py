"""DistributedDataParallel: one model replica per process; gradients averaged over the process group.

At construction every rank gets rank 0's parameters and buffers. During backward, gradients are
averaged in buckets that overlap with the rest of backward (see _reducer.py), so after backward every
rank holds the same gradients and the same optimizer step keeps the replicas equal.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from ... import distributed as dist
from ...autograd.grad_mode import is_grad_enabled
from ..modules.module import Module
from ._reducer import Reducer

__all__ = ["DistributedDataParallel"]

_UNFINISHED = ("Expected to have finished reduction in the prior iteration before starting a new one. This error "
               "indicates that your module has parameters that were not used in producing loss. You can enable "
               "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
               "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
               "participate in calculating loss.")


class DistributedDataParallel(Module):
    """Wraps `module` (as `.module`; state_dict keys gain the 'module.' prefix).

    Accepted as in PyTorch: broadcast_buffers (rank 0's buffers are copied to every rank before each
    forward), find_unused_parameters, bucket_cap_mb, gradient_as_bucket_view (gradients are always views
    of the bucket they were averaged in), init_sync; static_graph and check_reduction change nothing here.
    """

    def __init__(self, module: Module, device_ids: list | None = None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 **kwargs: Any) -> None:
        super().__init__()
        devices = {p.device for p in module.parameters()}
        if device_ids is not None or output_device is not None:
            raise ValueError(f"DistributedDataParallel device_ids and output_device arguments only work with "
                             f"single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
        params = list(dict.fromkeys(p for p in module.parameters() if p.requires_grad))
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.process_group = process_group if process_group is not None else dist.group.WORLD
        if self.process_group is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._check_same_shapes(module)
        if init_sync:
            self._broadcast(module.state_dict().values())
        self.reducer = Reducer(params, self.process_group, self.bucket_bytes_cap, find_unused_parameters)

    def _check_same_shapes(self, module: Module) -> None:
        shapes = [(name, tuple(p.shape)) for name, p in module.named_parameters()]
        every = [None] * self.process_group.size()
        dist.all_gather_object(every, shapes, group=self.process_group)
        for rank, theirs in enumerate(every):
            if theirs != shapes:
                raise RuntimeError(f"DistributedDataParallel: rank {rank}'s module has other parameters than "
                                   f"rank {self.process_group.rank()}'s: {theirs} != {shapes}")

    def _broadcast(self, tensors) -> None:
        """Copy rank 0's values of `tensors` into every rank's, all broadcasts in flight together."""
        src = self.process_group.ranks[0]
        works = [dist.broadcast(t, src, self.process_group, async_op=True) for t in tensors]
        for w in works:
            w.wait()

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self.reducer.unfinished:
            raise RuntimeError(_UNFINISHED)
        if self.broadcast_buffers and is_grad_enabled() and self.require_backward_grad_sync:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast(buffers)
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare(output)
        return output

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes inside accumulate gradients locally; the first synchronised backward after it
        averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
