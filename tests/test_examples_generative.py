"""The generative examples (VAE, DCGAN, diffusion) learn on a few batches, write their PNG grids and report the
MNIST classifier's reading of their samples; the quality measure and the diffusion samplers are checked on cases
whose answer is known."""
import importlib.util
import json
import math
import os
import pathlib
import re
import subprocess
import sys

import pytest

import flambeau as torch

ROOT = pathlib.Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
PNG = b"\x89PNG\r\n\x1a\n"
QUALITY = re.compile(
    r"quality: confident ([0-9.]+) entropy ([0-9.]+) bits \(max [0-9.]+\) classes (\d+) histogram (\[.*\])")


def _load(name: str, path: pathlib.Path):
    sys.path.insert(0, str(path.parent))  # the example's sibling modules (diffusion's model.py)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


quality = _load("generative_quality", EXAMPLES / "generative_quality.py")


def _run(script: str, *args: str) -> str:
    # NOTE: one BLAS thread, as in tests/test_examples.py: OpenBLAS threads spin-waiting for a preempted
    # sibling make a 2-thread run several times slower on a shared 2-core machine
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _reported_quality(out: str, samples: int) -> dict:
    """The example's quality line, checked for consistency with itself."""
    line = QUALITY.search(out)
    assert line is not None, out
    confident, entropy, classes, histogram = float(line[1]), float(line[2]), int(line[3]), json.loads(line[4])
    assert sum(histogram) == samples and len(histogram) == 10
    assert classes == sum(count > 0 for count in histogram)
    assert 0.0 <= confident <= 1.0 and 0.0 <= entropy <= math.log2(classes) + 1e-3
    return {"confident": confident, "entropy_bits": entropy, "classes": classes}


def _epoch_losses(out: str) -> list:
    return [float(x) for x in re.findall(r"====> Epoch: \d+ Average loss: ([0-9.]+)", out)]


@pytest.fixture(scope="module")
def classifier_checkpoint(tmp_path_factory):
    """The MNIST example's Net, trained briefly by the quality module (once for this file's slow tests)."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("classifier") / "mnist_cnn.pt"
    torch.save(quality.load_classifier(None, torch.device("cpu")).state_dict(), path)
    return str(path)


def test_quality_summary_of_hand_made_probabilities():
    one_hot = torch.eye(10)
    # ten confident digits, one per class: all confident, the full log2(10) bits
    assert quality.summarize(one_hot) == {"confident": 1.0, "entropy_bits": pytest.approx(math.log2(10)),
                                          "classes": 10, "histogram": [1] * 10}
    # a collapsed generator: four 7s, only one of them above 0.9
    sevens = torch.tensor([[0.05] * 7 + [0.55] + [0.0] * 2] * 3 + [[0.0] * 7 + [0.95, 0.05, 0.0]])
    assert quality.summarize(sevens) == {"confident": 0.25, "entropy_bits": 0.0, "classes": 1,
                                         "histogram": [0] * 7 + [4, 0, 0]}
    # two classes at 3:1, 0.9 itself is not above the threshold: H = 2 - (3/4) log2(3) bits
    mixed = torch.tensor([[0.9, 0.1] + [0.0] * 8] * 3 + [[0.0, 1.0] + [0.0] * 8])
    summary = quality.summarize(mixed)
    assert summary["confident"] == 0.25 and summary["classes"] == 2 and summary["histogram"][:2] == [3, 1]
    assert summary["entropy_bits"] == pytest.approx(2 - 0.75 * math.log2(3))


def test_quality_measure_feeds_the_classifier_normalized_digits():
    """`measure` gives the classifier what the MNIST example trained it on: (x - 0.1307) / 0.3081."""
    seen = []

    class Spy(torch.nn.Module):
        def forward(self, x):
            seen.append(x)
            # class 3 with certainty for white images (positive once normalized), class 5 for black ones
            labels = 5 - 2 * (x.mean(dim=(1, 2, 3)) > 0).long()
            return torch.log_softmax(20.0 * torch.nn.functional.one_hot(labels, 10).float(), dim=1)

    images = torch.cat([torch.ones(3, 1, 28, 28), torch.zeros(2, 1, 28, 28)])
    result = quality.measure(images, Spy(), batch_size=2)
    assert len(seen) == 3 and torch.allclose(torch.cat(seen), (images - 0.1307) / 0.3081)
    assert result["histogram"] == [0, 0, 0, 3, 0, 2, 0, 0, 0, 0] and result["confident"] == 1.0


def test_diffusion_samplers_follow_the_forward_marginals_to_the_only_digit():
    """With one training image x*, the best noise prediction is known in closed form. Every state the samplers
    visit must then lie on the forward process's marginal, x_t = sqrt(alpha_bar_t) x* + sqrt(1 - alpha_bar_t) z
    with z ~ N(0, I) (DDIM with eta = 0 keeps the starting z exactly), and the chain must end at x*."""
    diffusion_main = _load("diffusion_main", EXAMPLES / "diffusion" / "main.py")
    diffusion = diffusion_main.Diffusion(200, torch.device("cpu"))
    assert diffusion.alpha_bars[-1].item() < 1e-3  # step T is pure noise
    torch.manual_seed(0)
    target = torch.rand(1, 1, 28, 28) * 2 - 1

    for steps, eta in [(200, 1.0), (20, 0.0), (20, 0.5)]:
        visited = []

        def oracle(x, t):
            a = diffusion.alpha_bars[t][:, None, None, None]
            z = (x - a.sqrt() * target) / (1 - a).sqrt()
            visited.append(z)
            return z

        drawn = diffusion.sample(oracle, torch.randn(16, 1, 28, 28), steps, eta)
        assert len(visited) == steps
        assert torch.allclose(drawn, target.expand(16, -1, -1, -1), atol=1e-4), (steps, eta)
        for z in visited:
            if eta == 0.0:
                assert torch.allclose(z, visited[0], atol=1e-3)
            assert abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1) < 0.05, (steps, eta)


def test_vae_example_learns_draws_and_reports_quality(tmp_path):
    """Two short epochs: the loss falls on both the training and held-out digits; without --classifier the
    example trains the quality classifier itself."""
    out = _run("vae/main.py", "--epochs", "2", "--train-digits", "512", "--quality-samples", "200",
               "--results", str(tmp_path))
    losses = _epoch_losses(out)
    test_losses = [float(x) for x in re.findall(r"====> Test set loss: ([0-9.]+)", out)]
    assert len(losses) == 2 and losses[1] < losses[0] and test_losses[1] < test_losses[0]
    assert "no --classifier checkpoint: training" in out
    for name in ["reconstruction_1.png", "reconstruction_2.png", "sample_1.png", "sample_2.png"]:
        assert (tmp_path / name).read_bytes()[:8] == PNG
    _reported_quality(out, 200)


@pytest.mark.slow
def test_quality_measure_on_real_digits(classifier_checkpoint):
    """The ceiling the generators aim at: even the briefly trained classifier reads most real held-out digits
    with confidence, and finds all ten classes in about equal shares."""
    mnist = quality._mnist_example()
    _, digits = mnist.load_digits(None, quality.transforms.ToTensor(), quality.transforms.ToTensor())
    images = torch.stack([digits[i][0] for i in range(500)])
    classifier = quality.load_classifier(classifier_checkpoint, torch.device("cpu"))
    result = quality.measure(images, classifier)
    assert result["classes"] == 10 and result["entropy_bits"] > 3.2 and result["confident"] > 0.6


@pytest.mark.slow
def test_dcgan_example_discriminator_learns_and_draws(tmp_path, classifier_checkpoint):
    """Ten iterations: the discriminator's loss falls from chance (2 ln 2) as it learns to tell the digits from
    the untrained generator's output; the grids and the quality line are written."""
    out = _run("dcgan/main.py", "--epochs", "1", "--train-digits", "640", "--ngf", "16", "--ndf", "16",
               "--log-interval", "1", "--quality-samples", "100", "--classifier", classifier_checkpoint,
               "--results", str(tmp_path))
    loss_d = [float(x) for x in re.findall(r"Loss_D: ([0-9.]+)", out)]
    assert len(loss_d) == 10 and sum(loss_d[-3:]) < sum(loss_d[:3])
    for name in ["real_samples.png", "fake_samples_epoch_001.png"]:
        assert (tmp_path / name).read_bytes()[:8] == PNG
    _reported_quality(out, 100)


@pytest.mark.slow
def test_diffusion_example_learns_draws_and_reports_quality(tmp_path, classifier_checkpoint):
    """Two epochs of ten batches: the noise-prediction loss falls; DDIM's 10-step grids and the quality line
    are written; --evaluate draws from the saved weights without training."""
    out = _run("diffusion/main.py", "--epochs", "2", "--train-digits", "640", "--ddim-steps", "10",
               "--quality-samples", "100", "--classifier", classifier_checkpoint, "--results", str(tmp_path))
    losses = _epoch_losses(out)
    assert len(losses) == 2 and losses[1] < losses[0] < 1.5
    for name in ["samples_1.png", "samples_2.png"]:
        assert (tmp_path / name).read_bytes()[:8] == PNG
    _reported_quality(out, 100)
    again = _run("diffusion/main.py", "--evaluate", str(tmp_path / "unet.pth"), "--ddim-steps", "5",
                 "--quality-samples", "50", "--classifier", classifier_checkpoint, "--results", str(tmp_path))
    assert "Epoch" not in again and (tmp_path / "samples_ddim.png").read_bytes()[:8] == PNG
    _reported_quality(again, 50)
