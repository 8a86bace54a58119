"""Collective operations on tensors, each started as a non-blocking MPI collective (see work.py).

Every rank of the group must call the same collectives in the same order, as with any MPI program. Results
are written into the output tensors in place; with async_op=True they are there once the Work's wait()
returns.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._buffers import (byte_view, check_reduction, host_array, member_group, peer, reduction_array, store_bytes,
                       store_reduced)
from ._buffers import tensor_list as _tensors
from ._mpi import mpi, mpi_op
from .process_group import ProcessGroup
from .reduce_op import ReduceOp
from .work import Work, settle

__all__ = ["all_reduce", "reduce", "broadcast", "all_gather", "all_gather_into_tensor", "gather", "scatter",
           "reduce_scatter", "reduce_scatter_tensor", "all_to_all", "all_to_all_single", "barrier"]


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce `tensor` over the group; every rank gets the result in `tensor`."""
    pg = member_group(group, "all_reduce")
    if pg is None:
        return None
    arr = host_array(tensor)
    check_reduction(arr, op)
    buf = reduction_array(arr)
    req = pg.comm.Iallreduce(mpi().IN_PLACE, buf, mpi_op(op))
    return settle(Work([req], pg, "all_reduce", lambda: store_reduced(tensor, buf, op, pg.size()), [tensor]),
                  async_op)


def reduce(tensor: Tensor, dst: int | None = None, op=ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce `tensor` over the group into rank `dst`'s `tensor`; the others' tensors are left as they were."""
    pg = member_group(group, "reduce")
    if pg is None:
        return None
    root = peer(pg, dst, group_dst, "dst")
    arr = host_array(tensor)
    check_reduction(arr, op)
    buf = reduction_array(arr)
    if pg.rank() == root:
        req = pg.comm.Ireduce(mpi().IN_PLACE, buf, mpi_op(op), root)
        work = Work([req], pg, "reduce", lambda: store_reduced(tensor, buf, op, pg.size()), [tensor])
    else:
        work = Work([pg.comm.Ireduce(buf, None, mpi_op(op), root)], pg, "reduce", None, [tensor])
    return settle(work, async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy rank `src`'s `tensor` into every other rank's."""
    pg = member_group(group, "broadcast")
    if pg is None:
        return None
    root = peer(pg, src, group_src, "src")
    buf, own = byte_view(host_array(tensor))
    req = pg.comm.Ibcast(buf, root)
    finish = None if pg.rank() == root else (lambda: store_bytes(tensor, buf, own))
    return settle(Work([req], pg, "broadcast", finish, [tensor]), async_op)


def _check_bytes(what: str, expected: int, got: int) -> None:
    if expected != got:
        raise RuntimeError(f"{what}: the tensors' sizes do not match ({got} bytes where {expected} are expected)")


def _scatter_bytes(outputs: list, buf: np.ndarray) -> None:
    """Write consecutive pieces of `buf` into the tensors of `outputs`."""
    at = 0
    for t in outputs:
        n = t._data.nbytes
        store_bytes(t, buf[at:at + n], False)
        at += n


def _piece_per_rank(tensors: list, name: str, nbytes: int, pg: ProcessGroup, what: str) -> list:
    """The arrays of `tensors`, one per rank of the group, after checking each holds `nbytes`."""
    arrays = _tensors(tensors, name, pg.size())
    for arr in arrays:
        _check_bytes(what, nbytes, arr.nbytes)
    return arrays


def all_gather(tensor_list: list, tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """tensor_list[i] gets rank i's `tensor`, on every rank."""
    pg = member_group(group, "all_gather")
    if pg is None:
        return None
    send, _ = byte_view(host_array(tensor))
    _piece_per_rank(tensor_list, "tensor_list", send.nbytes, pg, "all_gather")
    recv = np.empty(send.nbytes * pg.size(), np.uint8)
    req = pg.comm.Iallgather(send, recv)
    return settle(Work([req], pg, "all_gather", lambda: _scatter_bytes(tensor_list, recv), tensor_list), async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Every rank's `input_tensor`, concatenated (or stacked) in rank order into `output_tensor`."""
    pg = member_group(group, "all_gather_into_tensor")
    if pg is None:
        return None
    send, _ = byte_view(host_array(input_tensor, "input_tensor"))
    recv, own = byte_view(host_array(output_tensor, "output_tensor"))
    _check_bytes("all_gather_into_tensor", send.nbytes * pg.size(), recv.nbytes)
    req = pg.comm.Iallgather(send, recv)
    return settle(Work([req], pg, "all_gather_into_tensor", lambda: store_bytes(output_tensor, recv, own),
                       [output_tensor]), async_op)


def gather(tensor: Tensor, gather_list: list | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """gather_list[i] on rank `dst` (0 by default) gets rank i's `tensor`."""
    pg = member_group(group, "gather")
    if pg is None:
        return None
    root = peer(pg, dst, group_dst, "dst", default=0)
    send, _ = byte_view(host_array(tensor))
    if pg.rank() != root:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        return settle(Work([pg.comm.Igather(send, None, root)], pg, "gather"), async_op)
    _piece_per_rank(gather_list, "gather_list", send.nbytes, pg, "gather")
    recv = np.empty(send.nbytes * pg.size(), np.uint8)
    req = pg.comm.Igather(send, recv, root)
    return settle(Work([req], pg, "gather", lambda: _scatter_bytes(gather_list, recv), gather_list), async_op)


def scatter(tensor: Tensor, scatter_list: list | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Rank i's `tensor` gets scatter_list[i] of rank `src` (0 by default)."""
    pg = member_group(group, "scatter")
    if pg is None:
        return None
    root = peer(pg, src, group_src, "src", default=0)
    recv, own = byte_view(host_array(tensor))
    send = None
    if pg.rank() == root:
        arrays = _piece_per_rank(scatter_list, "scatter_list", recv.nbytes, pg, "scatter")
        send = np.concatenate([byte_view(a)[0] for a in arrays])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    req = pg.comm.Iscatter(send, recv, root)
    return settle(Work([req], pg, "scatter", lambda: store_bytes(tensor, recv, own), [tensor]), async_op)


def _reduce_scatter(output: Tensor, send: np.ndarray, op, pg: ProcessGroup, what: str, async_op: bool):
    """Reduce the flat `send` (group-size blocks) over the group; this rank's block goes into `output`."""
    out = host_array(output, "output")
    check_reduction(out, op)
    recv = np.empty(out.size, send.dtype)
    _check_bytes(what, recv.nbytes * pg.size(), send.nbytes)
    req = pg.comm.Ireduce_scatter_block(send, recv, mpi_op(op))
    return settle(Work([req], pg, what, lambda: store_reduced(output, recv, op, pg.size()), [output]), async_op)


def reduce_scatter(output: Tensor, input_list: list, op=ReduceOp.SUM, group: ProcessGroup | None = None,
                   async_op: bool = False) -> Work | None:
    """Rank i's `output` gets the reduction over the group of every rank's input_list[i]."""
    pg = member_group(group, "reduce_scatter")
    if pg is None:
        return None
    arrays = _tensors(input_list, "input_list", pg.size())
    send = np.concatenate([reduction_array(a).reshape(-1) for a in arrays])
    return _reduce_scatter(output, send, op, pg, "reduce_scatter", async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False) -> Work | None:
    """Rank i's `output` gets the reduction over the group of the i-th block of every rank's `input`."""
    pg = member_group(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    send = reduction_array(host_array(input, "input")).reshape(-1)
    return _reduce_scatter(output, send, op, pg, "reduce_scatter_tensor", async_op)


def _counts(sizes: list) -> tuple:
    """MPI's (counts, displacements) for consecutive blocks of `sizes` bytes."""
    return sizes, [int(d) for d in np.concatenate([[0], np.cumsum(sizes)[:-1]])]


def _all_to_all(outputs: list, send: np.ndarray, send_sizes: list, recv: np.ndarray, recv_sizes: list,
                pg: ProcessGroup, what: str, finish, async_op: bool):
    byte = mpi().BYTE
    req = pg.comm.Ialltoallv([send, _counts(send_sizes), byte], [recv, _counts(recv_sizes), byte])
    return settle(Work([req], pg, what, finish, outputs), async_op)


def all_to_all(output_tensor_list: list, input_tensor_list: list, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Rank j's output_tensor_list[i] gets rank i's input_tensor_list[j]."""
    pg = member_group(group, "all_to_all")
    if pg is None:
        return None
    ins = [byte_view(a)[0] for a in _tensors(input_tensor_list, "input_tensor_list", pg.size())]
    out_sizes = [a.nbytes for a in _tensors(output_tensor_list, "output_tensor_list", pg.size())]
    recv = np.empty(sum(out_sizes), np.uint8)
    return _all_to_all(output_tensor_list, np.concatenate(ins), [a.nbytes for a in ins], recv, out_sizes, pg,
                       "all_to_all", lambda: _scatter_bytes(output_tensor_list, recv), async_op)


def _split_bytes(arr: np.ndarray, splits: list | None, size: int, name: str) -> list:
    """Byte sizes of the dim-0 blocks of `arr` given by `splits` (equal blocks when None)."""
    rows = arr.shape[0] if arr.ndim else 1
    row = arr.nbytes // rows if rows else 0
    if splits is None:
        if rows % size:
            raise ValueError(f"all_to_all_single: {name} has {rows} rows, which do not split evenly over {size} ranks")
        return [rows // size * row] * size
    if len(splits) != size or sum(splits) != rows:
        raise ValueError(f"all_to_all_single: {name}_split_sizes {list(splits)} must have {size} entries adding up "
                         f"to the tensor's {rows} rows")
    return [int(s) * row for s in splits]


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes: list | None = None,
                      input_split_sizes: list | None = None, group: ProcessGroup | None = None,
                      async_op: bool = False) -> Work | None:
    """all_to_all on dim-0 blocks of one tensor: rank j's output block i is rank i's input block j."""
    pg = member_group(group, "all_to_all_single")
    if pg is None:
        return None
    in_arr, out_arr = host_array(input, "input"), host_array(output, "output")
    send_sizes = _split_bytes(in_arr, input_split_sizes, pg.size(), "input")
    recv_sizes = _split_bytes(out_arr, output_split_sizes, pg.size(), "output")
    send, _ = byte_view(in_arr)
    recv, own = byte_view(out_arr)
    return _all_to_all([output], send, send_sizes, recv, recv_sizes, pg, "all_to_all_single",
                       lambda: store_bytes(output, recv, own), async_op)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None,
            timeout=None) -> Work | None:
    """Wait until every rank of the group has reached its barrier."""
    pg = member_group(group, "barrier")
    if pg is None:
        return None
    work = Work([pg.comm.Ibarrier()], pg, "barrier")
    if async_op:
        return work
    work.wait(timeout)
    return None
