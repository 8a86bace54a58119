"""The benchmark suite (python -m benchmarks) runs: every registered workload builds and takes a step
with flambeau, and one workload goes through the whole protocol (two processes, the table, the JSON)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import flambeau

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the benchmarks package lives beside tests/, not in the installed flambeau
from benchmarks.workloads import registry  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, w in registry().items() if w.kind == "step"])
def test_every_workload_steps_with_flambeau(name):
    step = registry()[name].build(flambeau, True)
    step()


def test_suite_prints_a_row_and_writes_json(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "tiny op: add scalar",
                           "--threads", "1", "--json", str(out)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    row_lines = [line for line in done.stdout.splitlines() if line.startswith("tiny op: add scalar")]
    assert len(row_lines) == 1 and "error" not in row_lines[0]
    report = json.loads(out.read_text())
    (row,) = report["workloads"]
    assert row["name"] == "tiny op: add scalar" and row["unit"] == "us/op"
    assert row["torch"]["value"] > 0 and row["flambeau"]["value"] > 0
    assert row["ratio"] == pytest.approx(row["flambeau"]["value"] / row["torch"]["value"])
    assert report["threads"] == 1 and report["machine"]["nproc"] >= 1


def test_peak_memory_lines_for_the_workloads_with_a_memory_target(capsys):
    from benchmarks.run import print_memory
    from benchmarks.workloads import registry
    assert {w.name for w in registry().values() if w.memory_target} == {
        "small ResNet (BN) train, 3x32x32 batch 32", "Transformer encoder train (256, 4 heads, 2 layers, seq 128)"}
    rows = [{"name": "a", "memory_target": 1.2, "ratio": 1.0, "torch": {"peak_rss_mb": 100.0},
             "flambeau": {"peak_rss_mb": 130.0}},
            {"name": "b", "memory_target": None, "ratio": 1.0, "torch": {"peak_rss_mb": 1.0},
             "flambeau": {"peak_rss_mb": 1.0}}]
    print_memory(rows)
    assert capsys.readouterr().out.splitlines() == [
        "peak memory, a: PyTorch 100 MB, flambeau 130 MB, ratio 1.30 <= 1.2 MISS"]
