"""Start a worker script on N MPI processes (mpirun, or flambeau's launcher) with a hard timeout, and
make sure no process of the job outlives the call."""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
WORKERS = pathlib.Path(__file__).resolve().parent / "workers"
# mpirun refuses root without these; one BLAS thread per rank on a small machine
ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}


def mpirun_command(n: int) -> list:
    return [str(pathlib.Path(sys.executable).parent / "mpirun"), "--oversubscribe", "-n", str(n)]


def run(command: list, timeout: float, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `command` in a session of its own; on timeout kill the whole session, then fail."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, **ENV, **(env or {})}, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"{command} did not finish in {timeout} s\n{out}\n{err}") from None
    finally:
        try:  # whatever is left of the job (normally nothing)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def mpirun(worker: str, n: int, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return run([*mpirun_command(n), sys.executable, str(WORKERS / worker), *args], timeout)


def launch(worker: str, n: int, *args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Through `python -m flambeau.distributed.run`."""
    return run([sys.executable, "-m", "flambeau.distributed.run", "--nproc-per-node", str(n), str(WORKERS / worker),
                *args], timeout, env)


def checks(result: subprocess.CompletedProcess) -> dict:
    """The `CHECK name value` lines the workers print, as {(rank, name): value}; fails on a failed job."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    found = {}
    for line in result.stdout.splitlines():
        if line.startswith("CHECK "):
            _, rank, name, value = line.split(" ", 3)
            found[int(rank), name] = value
    return found
