"""Collectives on picklable Python objects, for small things (metrics, configs, file names): each object
is pickled into a byte tensor, sizes travel first, then the bytes padded to the longest.

NOTE: receiving unpickles what the peers sent, which can run code: use them only between trusted ranks, as
with PyTorch's.
"""
from __future__ import annotations

import pickle

import numpy as np

from .._tensor import Tensor
from ._buffers import member_group, peer
from .collectives import all_gather, broadcast, scatter
from .process_group import ProcessGroup

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]


def _bytes_tensor(data: bytes, length: int) -> Tensor:
    """A uint8 tensor of `length` bytes starting with `data`."""
    buf = np.zeros(length, np.uint8)
    buf[:len(data)] = np.frombuffer(data, np.uint8)
    return Tensor._wrap(buf)


def _sizes(n: int) -> Tensor:
    return Tensor._wrap(np.zeros(n, np.int64))


def _load(t: Tensor, size: int):
    return pickle.loads(t._data[:size].tobytes())


def _gather_pickles(obj, pg: ProcessGroup) -> list:
    """Every rank's pickled `obj`, as (padded tensor, size) pairs in rank order, on every rank."""
    data = pickle.dumps(obj)
    sizes = [_sizes(1) for _ in range(pg.size())]
    all_gather(sizes, Tensor._wrap(np.array([len(data)], np.int64)), pg)
    longest = max(int(s._data[0]) for s in sizes)
    tensors = [_bytes_tensor(b"", longest) for _ in range(pg.size())]
    all_gather(tensors, _bytes_tensor(data, longest), pg)
    return [(t, int(s._data[0])) for t, s in zip(tensors, sizes)]


def all_gather_object(object_list: list, obj, group: ProcessGroup | None = None, weights_only: bool = False) -> None:
    """object_list[i] gets rank i's `obj`, on every rank."""
    pg = member_group(group, "all_gather_object")
    if pg is None:
        return
    for i, (t, size) in enumerate(_gather_pickles(obj, pg)):
        object_list[i] = _load(t, size)


def gather_object(obj, object_gather_list: list | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None, weights_only: bool = False) -> None:
    """object_gather_list[i] on rank `dst` (0 by default) gets rank i's `obj`."""
    pg = member_group(group, "gather_object")
    if pg is None:
        return
    root = peer(pg, dst, group_dst, "dst", default=0)
    if pg.rank() == root and (object_gather_list is None or len(object_gather_list) < pg.size()):
        raise ValueError("Argument ``object_gather_list`` must be a list of the group's size on the destination rank")
    gathered = _gather_pickles(obj, pg)  # NOTE: an all_gather: objects are small, and it needs no second size step
    if pg.rank() == root:
        for i, (t, size) in enumerate(gathered):
            object_gather_list[i] = _load(t, size)


def broadcast_object_list(object_list: list, src: int | None = None, group: ProcessGroup | None = None,
                          device=None, group_src: int | None = None, weights_only: bool = False) -> None:
    """Replace the objects of `object_list` on every rank by those of rank `src` (0 by default); the lists
    have the same length on every rank."""
    pg = member_group(group, "broadcast_object_list")
    if pg is None:
        return
    root = peer(pg, src, group_src, "src", default=0)
    own = pg.rank() == root
    pickles = [pickle.dumps(o) for o in object_list] if own else []
    sizes = Tensor._wrap(np.array([len(p) for p in pickles], np.int64)) if own else _sizes(len(object_list))
    broadcast(sizes, group=pg, group_src=root)
    data = _bytes_tensor(b"".join(pickles), int(sizes._data.sum()))
    broadcast(data, group=pg, group_src=root)
    if not own:
        at = 0
        for i, size in enumerate(sizes._data.tolist()):
            object_list[i] = pickle.loads(data._data[at:at + size].tobytes())
            at += size


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list: list | None = None,
                        src: int | None = None, group: ProcessGroup | None = None, group_src: int | None = None,
                        weights_only: bool = False) -> None:
    """scatter_object_output_list[0] on rank i gets scatter_object_input_list[i] of rank `src` (0 by default)."""
    pg = member_group(group, "scatter_object_list")
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = peer(pg, src, group_src, "src", default=0)
    own = pg.rank() == root
    pickles = [pickle.dumps(o) for o in scatter_object_input_list] if own else []
    longest = Tensor._wrap(np.array([max(map(len, pickles), default=0)], np.int64))
    broadcast(longest, group=pg, group_src=root)
    length = int(longest._data[0])
    size, data = _sizes(1), _bytes_tensor(b"", length)
    scatter(size, [Tensor._wrap(np.array([len(p)], np.int64)) for p in pickles] if own else None, group=pg,
            group_src=root)
    scatter(data, [_bytes_tensor(p, length) for p in pickles] if own else None, group=pg, group_src=root)
    scatter_object_output_list[0] = _load(data, int(size._data[0]))
