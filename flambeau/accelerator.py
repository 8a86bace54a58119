"""flambeau.accelerator: the device-agnostic accelerator queries (CUDA through CuPy is the only one)."""
from __future__ import annotations

from . import cuda as _cuda
from ._device import device


def is_available() -> bool:
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """device('cuda') when a GPU is usable, else None (as with a CPU-only PyTorch)."""
    return device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    return _cuda.device_count()


def current_device_index() -> int:
    return _cuda.current_device()


def set_device_index(device) -> None:
    _cuda.set_device(device)


def synchronize(device=None) -> None:
    _cuda.synchronize(device)
