"""send/recv between two ranks; isend/irecv return a Work. Ranks are global ranks (or group ranks through
group_dst/group_src), and a tag tells apart messages between the same pair."""
from __future__ import annotations

from .._tensor import Tensor
from ._buffers import byte_view, host_array, member_group, peer, store_bytes
from ._mpi import mpi
from .process_group import ProcessGroup
from .work import Work

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv"]


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending `tensor` to rank `dst`; the tensor must not change until the Work completes."""
    pg = member_group(group, "isend")
    if pg is None:
        return None
    to = peer(pg, dst, group_dst, "dst")
    if to == pg.rank():
        raise ValueError("Invalid destination rank: should not be the same as the rank of the current process.")
    buf, _ = byte_view(host_array(tensor))
    return Work([pg.comm.Isend(buf, to, tag)], pg, f"send to rank {pg.ranks[to]}", None, [tensor])


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into `tensor` from rank `src` (from any rank when src is None)."""
    pg = member_group(group, "irecv")
    if pg is None:
        return None
    source = mpi().ANY_SOURCE if src is None and group_src is None else peer(pg, src, group_src, "src")
    buf, own = byte_view(host_array(tensor))
    return Work([pg.comm.Irecv(buf, source, tag)], pg, "recv", lambda: store_bytes(tensor, buf, own), [tensor],
                [mpi().Status()])


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into `tensor`; returns the sender's global rank (-1 on a rank outside the group)."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return work._pg.ranks[work._statuses[0].Get_source()]


class P2POp:
    """One point-to-point operation (isend or irecv and its arguments) for batch_isend_irecv."""

    def __init__(self, op, tensor: Tensor, peer: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
                 group_peer: int | None = None) -> None:
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.isend`` or "
                             "``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer


def batch_isend_irecv(p2p_op_list: list) -> list:
    """Start every operation of the list (all non-blocking, so their order between ranks cannot deadlock);
    returns their Works."""
    if not p2p_op_list or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type ``torch.distributed.P2POp``.")
    return [p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer) for p in p2p_op_list]
