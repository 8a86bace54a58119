"""The arrays MPI reads and writes for a tensor: contiguous views of its memory where possible, copies
(written back once the operation completes) where not."""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from .process_group import GroupMember, ProcessGroup, resolve
from .reduce_op import ReduceOp

# the dtypes MPI reduces natively; float16 and bfloat16 are reduced in float32, bool as uint8
_NATIVE = {np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
                                 np.uint64, np.float32, np.float64, np.complex64, np.complex128)}


def member_group(group, what: str) -> ProcessGroup | None:
    """The group to run on, or None (with PyTorch's warning) on a rank outside it."""
    if group is GroupMember.NON_GROUP_MEMBER:
        warnings.warn(f"Running {what} on a rank which does not belong to the given group.")
        return None
    return resolve(group)


def host_array(t, name: str = "tensor") -> np.ndarray:
    """The tensor's array, after checking it is a CPU tensor."""
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor but got "
                        f"{type(t)} instead.")
    if t.device.type != "cpu":
        raise RuntimeError(f"the MPI backend communicates CPU tensors only, got a tensor on {t.device} (CUDA "
                           "tensors wait for the NCCL backend)")
    return t._data


def tensor_list(ts, name: str, length: int) -> list:
    if not isinstance(ts, (list, tuple)) or len(ts) != length:
        got = len(ts) if isinstance(ts, (list, tuple)) else type(ts).__name__
        raise RuntimeError(f"`{name}` must be a list of {length} tensors (one per rank of the group), got {got}")
    return [host_array(t, name) for t in ts]


def peer(pg: ProcessGroup, rank: int | None, group_rank: int | None, name: str, default: int | None = None) -> int:
    """The group rank meant by a global `rank` (src=, dst=) or by `group_rank` (group_src=, group_dst=)."""
    if rank is not None and group_rank is not None:
        raise ValueError(f"Can't specify both group_{name} and {name}")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"Group rank {group_rank} is not part of group {pg.ranks}")
        return group_rank
    if rank is None:
        if default is None:
            raise ValueError(f"Must specify either group_{name} or {name}")
        rank = pg.ranks[default]
    return pg.group_rank(rank)


def byte_view(arr: np.ndarray) -> tuple:
    """(flat uint8 array holding arr's bytes, whether it is arr's own memory)."""
    flat = np.ascontiguousarray(arr)
    return flat.reshape(-1).view(np.uint8), flat is arr


def store_bytes(t: Tensor, buf: np.ndarray, own: bool) -> None:
    """The operation wrote `buf` (t's bytes): copy it into t unless it was t's memory, and count the write."""
    if not own:
        t._data[...] = buf.view(t._data.dtype).reshape(t._data.shape)
    t._vc[0] += 1  # an in-place write, as PyTorch's collectives are


def check_reduction(arr: np.ndarray, op) -> None:
    if op is ReduceOp.AVG and arr.dtype.kind not in "fcV":
        raise RuntimeError(f"ReduceOp.AVG needs a floating-point tensor, got one of dtype {arr.dtype}")
    if op in (ReduceOp.MIN, ReduceOp.MAX) and arr.dtype.kind == "c":
        raise ValueError(f"{op} is not defined on complex tensors")


def reduction_array(arr: np.ndarray) -> np.ndarray:
    """A contiguous array MPI can reduce holding arr's values: arr itself when it already is one."""
    if arr.dtype in _NATIVE:
        return np.ascontiguousarray(arr)
    return arr.astype(np.uint8 if arr.dtype == np.bool_ else np.float32)


def store_reduced(t: Tensor, buf: np.ndarray, op, size: int) -> None:
    """Write a reduction's result into t (dividing by the group's size for AVG)."""
    if op is ReduceOp.AVG:
        buf /= size
    if buf is not t._data:
        t._data[...] = buf.reshape(t._data.shape).astype(t._data.dtype, copy=False)
    t._vc[0] += 1
