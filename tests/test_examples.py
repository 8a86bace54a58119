"""The examples run end to end (shortened) and learn: the README's main job must keep working."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).parent.parent


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_autograd_demo_loss_falls():
    out = _run("examples/autograd_demo.py", "--steps", "200")
    losses = [float(x) for x in re.findall(r"loss ([0-9.]+)", out)]
    assert len(losses) == 11 and losses[-1] < losses[0] / 10


def test_regression_example_trains_and_restores(tmp_path):
    out = _run("examples/regression/main.py", "--epochs", "6", "--checkpoint", str(tmp_path / "ckpt.pt"))
    final = float(re.search(r"final test mse ([0-9.]+) \(predicting the mean: ([0-9.]+)\)", out).group(1))
    baseline = float(re.search(r"predicting the mean: ([0-9.]+)", out).group(1))
    assert final < baseline / 2
