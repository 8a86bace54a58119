"""What the launcher knows of its ranks, from the folder where each one records its process id when it
starts and its exit code when it ends (see _bootstrap.py): whether one has failed, the job's exit code,
and how to end the ranks still running."""
from __future__ import annotations

import os
import signal
import time

from .faults import running


def _read(folder: str, name: str) -> int | None:
    try:
        with open(os.path.join(folder, name)) as f:
            return int(f.read())
    except (FileNotFoundError, ValueError):  # not there, or being written
        return None


def _is_rank(pid: int) -> bool:
    """Whether `pid` still is one of the ranks (and not another process that got its number since)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"flambeau.distributed._bootstrap" in f.read()
    except FileNotFoundError:
        return not os.path.isdir("/proc")  # without /proc, trust the number
    except OSError:
        return False


def failed_rank(folder: str, n: int) -> int | None:
    """A rank that has ended with a non-zero exit code, or without recording one (killed), if any."""
    for rank in range(n):
        pid = _read(folder, f"pid.{rank}")
        if pid is None or running(pid):
            continue
        code = _read(folder, str(rank))
        if code is None or code != 0:
            return rank
    return None


def outcome(folder: str, n: int, first: int | None = None) -> tuple:
    """(exit code, a line naming the failed rank, or None when every rank succeeded) from the ranks' records.
    The failed rank is `first` (the one the launcher saw fail first) when given, else a rank that recorded no
    exit code (killed: usually the cause of the others' failures), else the earliest non-zero exit code."""
    failures = []
    for rank in range(n):
        code = _read(folder, str(rank))
        if code is None:
            failures.append((rank != first, float("-inf"), 1, f"rank {rank} ended without an exit code (killed?)"))
        elif code:
            when = os.path.getmtime(os.path.join(folder, str(rank)))
            failures.append((rank != first, when, code, f"rank {rank} exited with code {code}"))
    if not failures:
        return 0, None
    *_, code, line = min(failures)
    return code, line


def end_ranks(folder: str, grace_s: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace_s`, to every rank still running."""
    pids = [pid for name in os.listdir(folder) if name.startswith("pid.")
            for pid in [_read(folder, name)] if pid is not None and _is_rank(pid)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for pid in pids:
            try:
                os.kill(pid, sig)
                alive.append(pid)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace_s
        while alive and time.monotonic() < deadline:
            time.sleep(0.05)
            alive = [pid for pid in alive if running(pid)]
        pids = alive
