"""nn.parallel.DataParallel: without a GPU it simply runs the wrapped module, as PyTorch does; its state_dict
keys carry the 'module.' prefix of the wrapped module's attribute.

NOTE: with GPUs, PyTorch splits the batch over device_ids and gathers the outputs; flambeau runs the whole batch
on device_ids[0] (the same numbers, except batch statistics that PyTorch computes per replica).
"""
from __future__ import annotations

from typing import Any, Sequence

from ... import cuda, device as _device
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _device_ids(device_ids: Sequence | None) -> list:
    if device_ids is None:
        device_ids = range(cuda.device_count())
    return [d.index if isinstance(d, _device) else int(d) for d in device_ids]


def _check_on(module: Module, device) -> None:
    for t in (*module.parameters(), *module.buffers()):
        if t.device != device:
            raise RuntimeError(f"module must have its parameters and buffers on device {device} (device_ids[0]) "
                               f"but found one of them on device: {t.device}")


class DataParallel(Module):
    """Wraps `module` (as `.module`) for data-parallel training; forward runs it on the inputs."""

    def __init__(self, module: Module, device_ids: Sequence | None = None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        if not cuda.is_available():
            self.device_ids = []
            return
        self.device_ids = _device_ids(device_ids)
        if not self.device_ids:
            raise RuntimeError("no available devices were found")
        self.dim = dim
        self.output_device = self.device_ids[0] if output_device is None else _device_ids([output_device])[0]
        self.src_device_obj = _device("cuda", self.device_ids[0])
        module.to(self.src_device_obj)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self.device_ids:
            _check_on(self.module, self.src_device_obj)
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Sequence | None = None, output_device=None, dim: int = 0,
                  module_kwargs: Any | None = None) -> Any:
    """The functional form of DataParallel: module(*inputs, **module_kwargs) on device_ids[0]."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if not cuda.is_available():
        raise RuntimeError("device type could not be determined")
    device_ids = _device_ids(device_ids)
    if not device_ids:
        raise RuntimeError("no available devices were found")
    _check_on(module, _device("cuda", device_ids[0]))
    return module(*inputs, **(module_kwargs or {}))
