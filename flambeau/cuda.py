"""flambeau.cuda: the torch.cuda queries, answered through CuPy.

Without CuPy or an NVIDIA GPU, is_available() is False, device_count() is 0, seeding and
empty_cache are no-ops, and questions about a device raise RuntimeError (as PyTorch does when it
finds no driver). CUDA tensors draw their random numbers from flambeau's default generator, so
torch.manual_seed already seeds them and cuda.manual_seed has nothing more to do.
"""
from __future__ import annotations

from ._device import _cupy, device as _device_cls, xp_for


def _cp():
    """CuPy, or PyTorch's error when there is no usable GPU."""
    return xp_for(_device_cls("cuda"))


def _index(device) -> int:
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    d = _device_cls(device)
    return d.index if d.index is not None else current_device()


def is_available() -> bool:
    return bool(_cupy())


def is_initialized() -> bool:
    return bool(_cupy())


def device_count() -> int:
    cp = _cupy()
    return cp.cuda.runtime.getDeviceCount() if cp else 0


def current_device() -> int:
    return _cp().cuda.runtime.getDevice()


def set_device(device) -> None:
    _cp().cuda.runtime.setDevice(_index(device))


class device:
    """Context manager that makes `device` current for its block."""

    def __init__(self, device):
        self.idx = _index(device) if device is not None else -1
        self.prev_idx = -1

    def __enter__(self):
        if self.idx >= 0:
            self.prev_idx = current_device()
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev_idx >= 0:
            set_device(self.prev_idx)
        return False


def get_device_properties(device=None):
    return _cp().cuda.runtime.getDeviceProperties(_index(device))


def get_device_name(device=None) -> str:
    name = get_device_properties(device)["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None) -> tuple:
    props = get_device_properties(device)
    return props["major"], props["minor"]


def is_bf16_supported() -> bool:
    return is_available() and get_device_capability()[0] >= 8


def synchronize(device=None) -> None:
    _cp().cuda.Device(_index(device)).synchronize()


def empty_cache() -> None:
    cp = _cupy()
    if cp:
        cp.get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None) -> int:
    cp = _cupy()
    return cp.get_default_memory_pool().used_bytes() if cp else 0


def memory_reserved(device=None) -> int:
    cp = _cupy()
    return cp.get_default_memory_pool().total_bytes() if cp else 0


def manual_seed(seed: int) -> None:
    """Nothing to do: CUDA tensors draw from the default generator, which flambeau.manual_seed seeds."""


manual_seed_all = manual_seed


def seed() -> None:
    """Nothing to do, as for manual_seed."""


seed_all = seed


def __getattr__(name: str):
    """torch.cuda.FloatTensor and kin (flambeau/_legacy_types.py), looked up on first use."""
    from ._legacy_types import CUDA_TYPES
    if name in CUDA_TYPES:
        return CUDA_TYPES[name]
    raise AttributeError(f"module 'flambeau.cuda' has no attribute '{name}'")
