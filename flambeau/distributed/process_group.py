"""Process groups over MPI: the default group (every rank of the MPI job) and the groups new_group makes.

Membership comes from MPI, not from a rendezvous: rank and world size are MPI_COMM_WORLD's, whether the
processes were started by `python -m flambeau.distributed.run` or by a plain `mpirun -n N`. init_method
("env://") is accepted for PyTorch scripts and needs no MASTER_ADDR/PORT.
"""
from __future__ import annotations

import warnings
from datetime import timedelta
from typing import Sequence

from . import faults
from ._mpi import mpi

__all__ = ["Backend", "GroupMember", "ProcessGroup", "group", "default_pg_timeout", "init_process_group",
           "destroy_process_group", "is_initialized", "new_group", "get_rank", "get_world_size", "get_backend",
           "get_process_group_ranks", "get_global_rank", "get_group_rank"]

default_pg_timeout = timedelta(minutes=30)


class Backend(str):
    """A backend's name; only MPI is available (NCCL comes with flambeau's GPU support)."""

    MPI = "mpi"
    NCCL = "nccl"
    GLOO = "gloo"
    UNDEFINED = "undefined"

    def __new__(cls, name: str) -> "Backend":
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name}")
        return super().__new__(cls, name.lower())


class ProcessGroup:
    """A set of ranks that communicate: an MPI communicator (None on ranks outside the group), the group's
    members as global ranks in group-rank order, and how long its operations may wait."""

    def __init__(self, comm, ranks: list, timeout: timedelta) -> None:
        self.comm = comm
        self.ranks = ranks
        self.timeout = timeout

    def rank(self) -> int:
        return self.comm.Get_rank() if self.comm is not None else -1

    def size(self) -> int:
        return len(self.ranks)

    def name(self) -> str:
        return Backend.MPI

    def group_rank(self, global_rank: int) -> int:
        """The rank inside this group of the process whose global rank is `global_rank`."""
        try:
            return self.ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"Global rank {global_rank} is not part of group {self.ranks}") from None

    def __repr__(self) -> str:
        return f"ProcessGroup(backend=mpi, ranks={self.ranks})"


class GroupMember:
    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = -100


class group:
    """dist.group.WORLD: the default process group once init_process_group has run."""

    WORLD: ProcessGroup | None = None


_groups: list = []  # every group but the default one, freed by destroy_process_group


def _set_world(pg: ProcessGroup | None) -> None:
    GroupMember.WORLD = group.WORLD = pg


def is_initialized() -> bool:
    return GroupMember.WORLD is not None


def default_group() -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return GroupMember.WORLD


def resolve(pg: ProcessGroup | None) -> ProcessGroup:
    """The group an operation runs on: `pg`, or the default group."""
    if pg is None:
        return default_group()
    if not isinstance(pg, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup or None, got {type(pg).__name__}")
    return pg


def _check_backend(backend: str | None) -> None:
    name = Backend(backend or Backend.MPI)
    if name == Backend.NCCL:
        raise RuntimeError("Distributed package doesn't have NCCL built in: flambeau's NCCL backend arrives with "
                           "its GPU support; use backend='mpi' for CPU tensors")
    if name not in (Backend.MPI, Backend.GLOO):
        raise ValueError(f"Invalid backend: '{backend}'; flambeau.distributed provides 'mpi' (and 'gloo', served by "
                         "MPI, for the CPU scripts that name it)")


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout: timedelta | None = None,
                       world_size: int = -1, rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the default process group: every process of the MPI job (see the module docstring)."""
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    _check_backend(backend)
    if timeout is not None and not isinstance(timeout, timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout)}")
    from .object_collectives import all_gather_object  # (it builds on this module)
    from .work import wait_requests
    if world_size != -1 or rank != -1:
        warnings.warn(f"For MPI backend, world_size ({world_size}) and rank ({rank}) are ignored since they are "
                      "assigned by the MPI runtime.")
    # a communicator of our own, so that the program's MPI traffic cannot cross ours; made without blocking,
    # like every exchange here, so that a rank missing from the start makes init time out rather than hang
    world, request = mpi().COMM_WORLD.Idup()
    pg = ProcessGroup(world, list(range(world.Get_size())), timeout or default_pg_timeout)
    wait_requests([request], pg, "init_process_group")
    peers = [None] * pg.size()
    all_gather_object(peers, faults.whoami(), group=pg)
    faults.set_peers(peers)
    faults.install_excepthook()
    _set_world(pg)


def new_group(ranks: Sequence[int] | None = None, timeout: timedelta | None = None, backend: str | None = None,
              pg_options=None, use_local_synchronization: bool = False, group_desc: str | None = None,
              device_id=None) -> ProcessGroup | int:
    """A group of `ranks` (all ranks when None). Every rank of the default group must call it, in the same
    order; the ones outside `ranks` get GroupMember.NON_GROUP_MEMBER."""
    world = default_group()
    _check_backend(backend)
    members = sorted(range(world.size()) if ranks is None else {int(r) for r in ranks})
    for r in members:
        if not 0 <= r < world.size():
            raise ValueError(f"Invalid rank {r} for new_group: the world has {world.size()} ranks")
    comm = world.comm.Create(world.comm.Get_group().Incl(members))
    if comm == mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members, timeout or world.timeout)
    _groups.append(pg)
    return pg


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free `group`, or every group (and leave the default one) when None."""
    if group is None:
        for pg in (*_groups, default_group()):
            pg.comm.Free()
        _groups.clear()
        _set_world(None)
        faults.uninstall_excepthook()
        faults.set_peers([])
    elif group is not GroupMember.NON_GROUP_MEMBER:
        if group not in _groups:
            raise ValueError("Invalid process group specified")
        _groups.remove(group)
        group.comm.Free()


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in `group` (-1 when it is not a member)."""
    return -1 if group is GroupMember.NON_GROUP_MEMBER else resolve(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    return -1 if group is GroupMember.NON_GROUP_MEMBER else resolve(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    resolve(group)
    return Backend.MPI


def get_process_group_ranks(group: ProcessGroup | None) -> list:
    return list(resolve(group).ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of the member `group_rank` of `group`."""
    ranks = resolve(group).ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {ranks}")
    return ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """The rank inside `group` of the process whose global rank is `global_rank`."""
    return resolve(group).group_rank(global_rank)
