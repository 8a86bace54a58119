"""torch.distributed over MPI: process groups, collectives, point-to-point, object collectives.

Start the processes with `python -m flambeau.distributed.run --nproc-per-node N script.py` or a plain
`mpirun -n N python script.py`, then call init_process_group("mpi"). mpi4py is imported on first use, so
importing this package costs nothing and works without it (is_available() still says True: the package is
there; is_mpi_available() tells whether MPI is). How failures end every rank: see faults.py.
"""
from __future__ import annotations

from ._mpi import available as _mpi_importable
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all, all_to_all_single, barrier,
                          broadcast, gather, reduce, reduce_scatter, reduce_scatter_tensor, scatter)
from .faults import DistBackendError, DistError
from .object_collectives import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .point_to_point import P2POp, batch_isend_irecv, irecv, isend, recv, send
from .process_group import (Backend, GroupMember, ProcessGroup, default_pg_timeout, destroy_process_group,
                            get_backend, get_global_rank, get_group_rank, get_process_group_ranks, get_rank,
                            get_world_size, group, init_process_group, is_initialized, new_group)
from .reduce_op import ReduceOp
from .work import Work


def is_available() -> bool:
    return True


def is_mpi_available() -> bool:
    return _mpi_importable()


def is_nccl_available() -> bool:
    return False


def is_gloo_available() -> bool:
    return _mpi_importable()  # "gloo", PyTorch's CPU backend, is served by MPI here


__all__ = ["Backend", "DistBackendError", "DistError", "GroupMember", "P2POp", "ProcessGroup", "ReduceOp", "Work",
           "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all",
           "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast", "broadcast_object_list",
           "default_pg_timeout", "destroy_process_group", "gather", "gather_object", "get_backend", "get_global_rank",
           "get_group_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group", "init_process_group",
           "irecv", "is_available", "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "isend", "new_group", "recv", "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter",
           "scatter_object_list", "send"]
