"""Tensors <-> storages.

Saving: the tensors of one checkpoint are grouped by the memory they view, so that views and
tensors sharing memory are written once and come back sharing it. A storage is the byte range
that its tensors cover (not the whole base: saving `x[:2]` of a huge `x` writes two rows).
Loading: a storage's array is moved where map_location says, then its tensors are strided views.
"""
from __future__ import annotations

import ctypes
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.array_utils import byte_bounds

from .._device import device, device_of, xp_for
from .._dtype import FROM_NP, dtype as Dtype
from .errors import CorruptFileError


class SavedStorage(NamedTuple):
    key: str
    dtype: Dtype
    location: str
    memory: np.ndarray  # uint8, contiguous: exactly the bytes to write

    @property
    def numel(self) -> int:
        return self.memory.size // self.dtype.itemsize


class Placement(NamedTuple):
    storage: SavedStorage
    offset: int  # in elements
    shape: tuple
    stride: tuple


def _root(array):
    """The object that owns the memory behind a chain of NumPy views."""
    while True:
        base = getattr(array, "base", None)
        if base is None:
            return array
        array = base


def _host_bytes(lo: int, hi: int) -> np.ndarray:
    # NOTE: [lo, hi) lies inside one allocation that the caller's tensors keep alive
    return np.frombuffer((ctypes.c_char * (hi - lo)).from_address(lo), np.uint8)


def plan_storages(tensors) -> dict[int, Placement]:
    """Placement of each tensor (by id) in the storages to write; storages are numbered in order."""
    groups: dict[tuple, list] = {}
    solo: list = []
    for t in tensors:
        arr, loc = t._data, str(t.device)
        if not isinstance(arr, np.ndarray):
            arr = arr.get()  # a GPU array: its own host copy
        item = arr.itemsize
        if arr.size and all(s >= 0 and s % item == 0 for s in arr.strides):
            lo, hi = byte_bounds(arr)
            groups.setdefault((id(_root(arr)), arr.dtype, loc), []).append((t, arr, lo, hi))
        else:
            solo.append((t, arr, loc))
    placements: dict[int, Placement] = {}
    count = 0

    def new_storage(dt, loc, memory) -> SavedStorage:
        nonlocal count
        count += 1
        return SavedStorage(str(count - 1), FROM_NP[dt], loc, memory)

    for (_, dt, loc), members in groups.items():
        lo = min(m[2] for m in members)
        # a member starting between two elements of the group (views of another dtype) is copied
        aligned = [m for m in members if (m[2] - lo) % dt.itemsize == 0]
        solo.extend((t, arr, loc) for t, arr, t_lo, _ in members if (t_lo - lo) % dt.itemsize)
        storage = new_storage(dt, loc, _host_bytes(lo, max(m[3] for m in aligned)))
        for t, arr, t_lo, _ in aligned:
            placements[id(t)] = Placement(storage, (t_lo - lo) // dt.itemsize, arr.shape,
                                          tuple(s // dt.itemsize for s in arr.strides))
    for t, arr, loc in solo:
        arr = np.ascontiguousarray(arr)
        storage = new_storage(arr.dtype, loc, arr.reshape(-1).view(np.uint8))
        placements[id(t)] = Placement(storage, 0, arr.shape, tuple(s // arr.itemsize for s in arr.strides))
    return placements


def storages_of(placements: dict[int, Placement]) -> list[SavedStorage]:
    """The distinct storages of a plan, in key order."""
    return list({p.storage.key: p.storage for p in placements.values()}.values())


# ---------------------------------------------------------------- loading

_NO_CUDA = ("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. If you "
            "are running on a CPU-only machine, please use torch.load with map_location=torch.device('cpu') to "
            "map your storages to the CPU.")


def relocate(array, location: str, map_location: Any, source: str):
    """A loaded storage's array, moved to the device map_location chooses for its saved location."""
    from .._tensor import Tensor
    from ..ops.creation import rebuild_tensor
    if map_location is None:
        target = location
    elif isinstance(map_location, (str, device)):
        target = str(map_location)
    elif isinstance(map_location, dict):
        target = str(map_location.get(location, location))
    elif callable(map_location):
        # PyTorch passes (storage, location); a flambeau storage is a 1-D tensor of its elements
        out = map_location(rebuild_tensor(array, False), location)
        if out is not None:
            if not isinstance(out, Tensor):
                raise TypeError(f"map_location must return a Tensor or None, got {type(out).__name__}")
            return out._data
        target = location
    else:
        raise TypeError(f"map_location should be a str, device, dict or callable, got {type(map_location).__name__}")
    dev = device(target)
    if dev.type == "cpu":
        return array
    if dev.type == "cuda":
        from .. import cuda
        if not cuda.is_available():
            raise RuntimeError(f"{source}: {_NO_CUDA}")
    return rebuild_tensor(array, False).to(dev)._data


def strided_view(storage, offset, shape, stride, source: str):
    """The array of a tensor at `offset` in a typed storage, after checking it lies inside."""
    ok = (isinstance(offset, int) and offset >= 0 and isinstance(shape, (tuple, list))
          and isinstance(stride, (tuple, list)) and len(shape) == len(stride)
          and all(isinstance(v, int) and v >= 0 for v in (*shape, *stride)))
    if not ok:
        raise CorruptFileError(source, f"invalid tensor geometry: offset {offset!r}, size {shape!r}, stride {stride!r}")
    shape, stride = tuple(shape), tuple(stride)
    needed = 0 if 0 in shape else offset + 1 + sum((n - 1) * s for n, s in zip(shape, stride))
    if needed > storage.size:
        raise CorruptFileError(source, f"sizes {list(shape)}, strides {list(stride)}, storage offset {offset} and "
                                       f"itemsize {storage.itemsize} require a storage of {needed} elements, but "
                                       f"the storage holds {storage.size}")
    xp = np if isinstance(storage, np.ndarray) else xp_for(device_of(storage))
    item = storage.itemsize
    return xp.lib.stride_tricks.as_strided(storage[min(offset, storage.size):], shape, tuple(s * item for s in stride))
