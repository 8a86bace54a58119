"""examples/distributed/mnist_ddp.py on 2 processes learns as the single-process example does."""
import re

import pytest

import flambeau

from _launch import REPO, launcher_command, run


@pytest.mark.slow
def test_mnist_ddp_example_learns(tmp_path):
    """One epoch on 2,000 digits without augmentation, a global batch of 64 split over 2 processes: above
    80% on the 2,000 held-out digits (the single-process example's test asks 85% of the same run, which
    reached 87%; here 82% with another shuffle), and rank 0's checkpoint is the wrapped module's."""
    ckpt = tmp_path / "ddp.pt"
    result = run(launcher_command(REPO / "examples" / "distributed" / "mnist_ddp.py", 2, "--epochs", "1",
                                  "--train-digits", "2000", "--no-augment", "--checkpoint", str(ckpt)), timeout=400)
    assert result.returncode == 0, result.stderr
    line = re.search(r"Test set: Average loss: [0-9.]+, Accuracy: (\d+)/2000", result.stdout)
    assert line is not None, result.stdout
    assert int(line.group(1)) > 1600
    assert sorted(flambeau.load(ckpt)) == ["conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc1.bias",
                                           "fc1.weight", "fc2.bias", "fc2.weight"]
