"""The reinforcement-learning examples run (shortened) and learn, and RL code written for PyTorch runs on flambeau.

Every run logs its curves with SummaryWriter; the tests read the event files back with TensorBoard's
own EventAccumulator. The floors below were checked on several seeds (see
examples/reinforcement_learning/README.md); a uniformly random policy averages about 22 on CartPole.
"""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

ROOT = pathlib.Path(__file__).parent.parent
RL = "examples/reinforcement_learning/"
# NOTE: one BLAS thread: pytest -n 2 runs another worker on the other core (see test_examples.py)
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600, env=ENV)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _scalars(logdir: pathlib.Path, tag: str) -> list[float]:
    events = EventAccumulator(str(logdir))
    events.Reload()
    return [event.value for event in events.Scalars(tag)]


def _final_average(out: str) -> float:
    """The average return the example's last line reports."""
    return float(re.search(r"average return (-?[0-9.]+) over the last \d+ episodes", out).group(1))


@pytest.mark.slow
@pytest.mark.parametrize("script, floor", [("reinforce.py", 40), ("actor_critic.py", 60)])
def test_pytorch_examples_policy_gradients_raise_the_return(tmp_path, script, floor):
    """60 episodes of pytorch/examples' REINFORCE or actor-critic: the last 20 average more than the first 20
    and more than `floor`. Last 20 (first 20) on seeds 543, 1, 2, 3: REINFORCE 60.7 (35.0), 86.1 (20.8),
    45.3 (33.4), 86.9 (25.8); actor-critic on seeds 543, 1, 2: 196.5 (47.8), 91.3 (31.4), 84.6 (26.5)."""
    out = _run(RL + script, "--episodes", "60", "--log-interval", "20", "--logdir", str(tmp_path))
    printed = [float(x) for x in re.findall(r"Episode \d+\tLast reward: [0-9.]+\tAverage reward: ([0-9.]+)", out)]
    returns = _scalars(tmp_path, "charts/episodic_return")
    assert len(returns) == 60 and len(_scalars(tmp_path, "losses/loss")) == 60
    windows = [sum(returns[i:i + 20]) / 20 for i in (0, 20, 40)]
    assert printed == pytest.approx(windows, abs=0.01)  # what it prints is what it logged
    assert windows[-1] > windows[0] and windows[-1] > floor, windows
    # the curves are drawn as a PNG exactly when matplotlib is installed
    png = tmp_path / "returns.png"
    if importlib.util.find_spec("matplotlib"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert not png.exists()


@pytest.mark.slow
def test_ppo_cartpole_short_run_reaches_floor(tmp_path):
    """20,000 steps of the PPO example: the last 20 episodes average at least 100 (seeds 1-6: 120.2, 424.0, 162.4, 169.5, 156.8, 132.4)."""
    out = _run(RL + "ppo.py", "--total-timesteps", "20000", "--window", "20", "--logdir", str(tmp_path))
    assert _final_average(out) >= 100, out
    assert len(_scalars(tmp_path, "losses/approx_kl")) > 0


@pytest.mark.slow
def test_dqn_cartpole_short_run_reaches_floor(tmp_path):
    """12,000 steps of the DQN example: the last 20 episodes average at least 100 (seeds 1-3 reached 195 after
    6,437, 7,442 and 7,068 steps)."""
    out = _run(RL + "dqn.py", "--total-timesteps", "12000", "--window", "20", "--logdir", str(tmp_path))
    assert _final_average(out) >= 100, out
    assert len(_scalars(tmp_path, "losses/td_loss")) > 0


@pytest.mark.slow
def test_cleanrl_style_script_written_for_torch_trains_on_flambeau(tmp_path):
    """tests/rl_scripts/cleanrl_style_ppo.py says `import torch`; run_as_flambeau.py runs it unchanged on
    flambeau (and fails if real PyTorch was imported). 16,384 steps: its episodes get longer, and its
    TensorBoard run holds the returns it printed and one loss point per iteration."""
    out = _run("tests/rl_scripts/run_as_flambeau.py", "tests/rl_scripts/cleanrl_style_ppo.py",
               "--total-timesteps", "16384", "--runs-dir", str(tmp_path))
    printed = [float(x) for x in re.findall(r"episodic_return=([0-9.]+)", out)]
    (run,) = tmp_path.iterdir()
    assert list(run.glob("events.out.tfevents.*"))
    assert _scalars(run, "charts/episodic_return") == printed
    assert len(_scalars(run, "losses/value_loss")) == 16384 // 512
    first, last = sum(printed[:20]) / 20, sum(printed[-20:]) / 20
    assert last > 2 * first, printed
