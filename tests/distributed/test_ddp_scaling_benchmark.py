"""The DDP scaling benchmark (python -m benchmarks.ddp_scaling) runs and prints its three rows."""
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ddp_scaling_prints_one_and_two_process_rows():
    done = subprocess.run([sys.executable, "-m", "benchmarks.ddp_scaling", "--steps", "2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {m.group(1): m.groups()[1:] for m in re.finditer(
        r"^(1 proc|1 proc DDP|2 proc DDP) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+)% ", done.stdout,
        re.MULTILINE)}
    assert set(rows) == {"1 proc", "1 proc DDP", "2 proc DDP"}, done.stdout
    step_ms, per_proc, total = (float(v) for v in rows["2 proc DDP"][:3])
    assert step_ms > 0 and total == pytest.approx(2 * per_proc, rel=0.01)
