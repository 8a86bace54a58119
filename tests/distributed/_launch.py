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
ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OPENBLAS_NUM_THREADS": "1",
       "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}


def mpirun_command(n: int) -> list:
    return [str(pathlib.Path(sys.executable).parent / "mpirun"), "--oversubscribe", "-n", str(n)]


def start(command: list) -> subprocess.Popen:
    """`command` in a session of its own (so that the whole job can be killed), with the tests' environment."""
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, **ENV}, start_new_session=True)


def run(command: list, timeout: float) -> subprocess.CompletedProcess:
    """Run `command`; on timeout kill its whole session, then fail."""
    proc = start(command)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # mpirun and the launcher end their ranks on SIGTERM
        try:
            out, err = proc.communicate(timeout=15)
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


def launcher_command(script: pathlib.Path, n: int, *args: str) -> list:
    return [sys.executable, "-m", "flambeau.distributed.run", "--nproc-per-node", str(n), str(script), *args]


def launch(worker: str, n: int, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """A worker through `python -m flambeau.distributed.run`."""
    return run(launcher_command(WORKERS / worker, n, *args), timeout)


def processes_with(token: str) -> list:
    """Process ids whose command line contains `token` (a job's tag): none should outlive the job."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if token.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def checks(result: subprocess.CompletedProcess) -> dict:
    """The `CHECK name value` lines the workers print, as {(rank, name): value}; fails on a failed job."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return reported(result)


def reported(result: subprocess.CompletedProcess) -> dict:
    """The `CHECK name value` lines, whatever the job's exit code."""
    found = {}
    for line in result.stdout.splitlines():
        if line.startswith("CHECK "):
            _, rank, name, value = line.split(" ", 3)
            found[int(rank), name] = value
    return found
