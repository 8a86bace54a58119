"""Device objects and the array module (numpy or cupy) that serves each device."""
from __future__ import annotations

import numpy as np

_CUPY = None  # imported lazily: flambeau must work without it


def _cupy():
    global _CUPY
    if _CUPY is None:
        try:
            import cupy
        except ImportError:
            _CUPY = False
        else:
            try:
                _CUPY = cupy if cupy.cuda.runtime.getDeviceCount() > 0 else False
            except Exception:  # CuPy installed but no usable driver/GPU
                _CUPY = False
    return _CUPY


class device:
    __slots__ = ("type", "index")

    def __init__(self, type: "str | device | int", index: int | None = None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):  # device(0) means cuda:0, as in PyTorch
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda", "meta", "mps"):
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


CPU = device("cpu")


def to_device(d) -> device:
    if d is None:
        return CPU
    if isinstance(d, device):
        return d
    return device(d)


def xp_for(dev: device):
    """The array module for a device."""
    if dev.type == "cpu":
        return np
    if dev.type == "cuda":
        cp = _cupy()
        if not cp:
            raise RuntimeError("CUDA is not available: flambeau runs CUDA through CuPy. Install the GPU extra "
                               "(pip install 'flambeau[cuda]' or cupy-cuda12x) on a machine with an NVIDIA GPU.")
        return cp
    raise RuntimeError(f"device type '{dev.type}' has no array backend in flambeau")


def device_of(array) -> device:
    if isinstance(array, np.ndarray):
        return CPU
    return device("cuda", array.device.id)


def data_ptr(array) -> int:
    if isinstance(array, np.ndarray):
        return array.__array_interface__["data"][0]
    return array.data.ptr
