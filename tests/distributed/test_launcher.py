"""The launcher (python -m flambeau.distributed.run): the variables it gives each rank, its exit code, signals;
and failures: a killed, hung or raising rank ends every rank with an error naming it, within the timeout,
leaving no process behind."""
import json
import signal
import time
import uuid

import pytest

from flambeau.distributed import run

from _launch import WORKERS, launch, launcher_command, mpirun, processes_with, reported, start

TIMEOUT_S = 4  # fault_checks.py's init_process_group timeout


@pytest.fixture
def tag():
    token = f"job-{uuid.uuid4().hex}"
    yield token
    time.sleep(0.5)  # mpirun reaps its ranks as it exits
    assert processes_with(token) == []


def test_variables_and_first_failing_exit_code(tag):
    result = launch("launcher_checks.py", 2, "3", tag, timeout=90)
    assert result.returncode == 3, result.stderr
    for rank in range(2):
        env = json.loads(reported(result)[rank, "env"])
        assert env == {"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2",
                       "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500", "argv": ["3", tag]}


def test_killed_rank_makes_the_others_raise(tag):
    result = launch("fault_checks.py", 2, "kill", tag, timeout=90)
    assert result.returncode != 0
    seconds, message = reported(result)[0, "raised"].split(" ", 1)
    assert message.startswith("all_reduce: rank 1 has died"), message
    assert float(seconds) < TIMEOUT_S  # noticed, not timed out
    assert "rank 1 ended without an exit code" in result.stderr


def test_rank_killed_before_mpi_starts_ends_the_job(tag):
    start_time = time.monotonic()
    result = launch("fault_checks.py", 2, "early", tag, timeout=90)
    assert result.returncode != 0
    assert "rank 1 ended without an exit code" in result.stderr
    assert time.monotonic() - start_time < 45  # the launcher ended rank 0, stuck in MPI_Init waiting for rank 1


def test_hung_rank_times_out_and_the_job_ends(tag):
    start_time = time.monotonic()
    result = launch("fault_checks.py", 2, "hang", tag, timeout=90)
    assert result.returncode != 0
    seconds, message = reported(result)[0, "raised"].split(" ", 1)
    assert f"all_reduce timed out after {TIMEOUT_S} s on rank 0" in message
    assert TIMEOUT_S <= float(seconds) < TIMEOUT_S + 2
    assert time.monotonic() - start_time < 60  # rank 1 (asleep for 120 s) was ended with the job


def test_raising_rank_aborts_plain_mpirun(tag):
    result = mpirun("fault_checks.py", 2, "raise", tag, timeout=90)
    assert result.returncode == 1
    assert "ValueError: boom from rank 1" in result.stderr
    assert "MPI_ABORT was invoked on rank 1" in result.stderr + result.stdout


def test_sigterm_is_forwarded(tag):
    proc = start(launcher_command(WORKERS / "fault_checks.py", 2, "sleep", tag))
    try:
        lines = []
        while len(lines) < 2:  # both ranks asleep
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines += [line] if line.startswith("CHECK") else []
        pids = [int(line.split()[-1]) for line in lines]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) != 0
        assert processes_with(tag) == [] and all(pid not in processes_with(tag) for pid in pids)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_bad_arguments():
    with pytest.raises(SystemExit, match="--nnodes 1"):
        run.main(["--nnodes", "2", "train.py"])
    with pytest.raises(SystemExit, match="at least 1"):
        run.main(["--nproc-per-node", "0", "train.py"])
