"""Failures: what the other ranks see when one rank raises, dies or hangs.

MPI alone would hang: a collective waits forever for a rank that is gone. flambeau turns each failure
into an error on every rank and an end to every process:

- A rank that raises an uncaught exception prints its traceback and calls MPI_Abort (the excepthook
  installed by init_process_group; the launcher does the same for a non-zero sys.exit). Without it the
  failed rank would block in MPI_Finalize while its peers block in their next collective. mpirun then
  ends every rank and reports which one aborted, and with which code.
- A rank that dies (killed by a signal) is noticed by its peers on the same host: every wait polls
  its MPI requests and, a few times a second, whether the peers' processes still run, and raises
  DistBackendError naming the dead rank. That rank's error then aborts the job as above. (Plain
  `mpirun` ends the whole job itself when a rank is killed; the launcher asks mpirun to leave that
  to the surviving ranks, so they can say what happened, and ends the job itself a few seconds after a
  failure if the ranks have not: see run.py.)
- A rank that hangs, or dies on another host, makes its peers' waits end after the group's timeout
  (init_process_group(timeout=...)) with a DistBackendError naming the operation.
"""
from __future__ import annotations

import os
import sys

from ._mpi import mpi

__all__ = ["DistError", "DistBackendError"]


class DistError(RuntimeError):
    """An error of the distributed package."""


class DistBackendError(DistError):
    """A collective or point-to-point operation could not complete."""


_peers: list = []  # (host, pid) of every rank of the world, by rank
_previous_hook = None


def whoami() -> tuple:
    return os.uname().nodename, os.getpid()


def set_peers(peers: list) -> None:
    """Every rank's whoami(), by rank (empty to forget them)."""
    _peers[:] = peers


def running(pid: int) -> bool:
    """Whether process `pid` runs (exists and is not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child stays a zombie until its parent (mpirun's daemon) reaps it
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True  # no /proc: trust kill()


def dead_peers(world_ranks) -> list:
    """Those of `world_ranks` whose process ran on this host and has ended."""
    host = os.uname().nodename
    return [r for r in world_ranks if r < len(_peers) and _peers[r][0] == host and not running(_peers[r][1])]


def abort(code: int) -> None:
    """End every rank of the job with exit code `code` (after flushing this rank's output)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    mpi().COMM_WORLD.Abort(code)


def _abort_on_exception(kind, value, tb) -> None:
    _previous_hook(kind, value, tb)
    abort(1)


def install_excepthook() -> None:
    global _previous_hook
    if _previous_hook is None:
        _previous_hook = sys.excepthook
        sys.excepthook = _abort_on_exception


def uninstall_excepthook() -> None:
    global _previous_hook
    if _previous_hook is not None:
        sys.excepthook = _previous_hook
        _previous_hook = None
