"""Work: a communication in flight (what async_op=True returns), and the wait every operation ends in.

Each operation starts non-blocking MPI requests. Waiting polls them rather than blocking inside MPI, so
that a wait can end on the group's timeout or on a dead peer (see faults.py) instead of hanging.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Callable

from . import faults
from ._mpi import mpi
from .process_group import ProcessGroup

__all__ = ["Work"]

_PEER_CHECK_S = 0.25  # how often a long wait looks for dead peers
_MAX_SLEEP_S = 1e-3


def wait_requests(requests: list, pg: ProcessGroup, what: str, timeout: timedelta | None = None,
                  statuses: list | None = None) -> None:
    """Block until every MPI request completes (filling `statuses`, when given, as MPI_Testall does),
    raising DistBackendError after the timeout or when a member of the group has died."""
    Testall = mpi().Request.Testall
    if Testall(requests, statuses):
        return
    limit = (timeout or pg.timeout).total_seconds()
    start = time.monotonic()
    next_check = start + _PEER_CHECK_S
    sleep = 1e-6
    while not Testall(requests, statuses):
        now = time.monotonic()
        if now >= next_check:
            dead = faults.dead_peers(pg.ranks)
            if dead:
                raise faults.DistBackendError(f"{what}: rank {dead[0]} has died, so this rank (rank "
                                              f"{mpi().COMM_WORLD.Get_rank()}) cannot complete it")
            next_check = now + _PEER_CHECK_S
        if now - start > limit:
            raise faults.DistBackendError(f"{what} timed out after {limit:g} s on rank {mpi().COMM_WORLD.Get_rank()}: "
                                          f"a peer in ranks {pg.ranks} never took part (hung, or died on another host)")
        # NOTE: sleeping rather than spinning leaves the cores to the peers (and to backward, in DDP)
        time.sleep(sleep)
        sleep = min(sleep * 2, _MAX_SLEEP_S)


class Work:
    """A started operation. wait() blocks until it is done and its results are in the output tensors."""

    def __init__(self, requests: list, pg: ProcessGroup, what: str, finish: Callable[[], None] | None = None,
                 result: list | None = None, statuses: list | None = None) -> None:
        self._requests = requests
        self._statuses = statuses  # MPI statuses of the requests, for a receive's sender
        self._pg = pg
        self._what = what
        self._finish = finish  # copies received data into the output tensors, once
        self._result = result or []
        self._done = False

    def _complete(self) -> None:
        if not self._done:
            self._done = True
            if self._finish is not None:
                self._finish()
                self._finish = None

    def wait(self, timeout: timedelta | None = None) -> bool:
        if not self._done:
            wait_requests(self._requests, self._pg, self._what, timeout, self._statuses)
            self._complete()
        return True

    def is_completed(self) -> bool:
        if not self._done and mpi().Request.Testall(self._requests, self._statuses):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def exception(self) -> None:
        return None

    def result(self) -> list:
        """The operation's output tensors."""
        self.wait()
        return self._result

    def __repr__(self) -> str:
        return f"Work({self._what}, completed={self._done})"


def settle(work: Work, async_op: bool) -> Work | None:
    """What a collective returns: the Work when async_op, else None once it has completed."""
    if async_op:
        return work
    work.wait()
    return None
