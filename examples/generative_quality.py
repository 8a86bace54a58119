"""How good are generated digits? The MNIST example's classifier reads them.

The VAE, DCGAN and diffusion examples hand their samples (images in [0, 1], N x 1 x 28 x 28) to `measure`,
which runs `examples/mnist/main.py`'s Net on them and reports two numbers:

- the share of samples it classifies with confidence above 0.9 (blurry or broken digits score low);
- the spread of the predicted classes: the entropy of their histogram in bits (log2(10) = 3.32 when all ten
  digits are equally common, 0 for a collapsed generator that draws only one) and how many classes appear.

The classifier comes from a checkpoint saved by the MNIST example (`--classifier mnist_cnn.pt`); without one it
is trained here briefly (one epoch on 4,000 of the shipped digits), which is said on screen. On 500 real held-out
digits that brief classifier is confident about 75% of the time, the MNIST example's 3-epoch checkpoint 93%.

    python examples/generative_quality.py --classifier mnist_cnn.pt   # the measure on real held-out digits
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import pathlib

import flambeau as torch
import flambeau.optim as optim
from flambeau.vision import transforms

EXAMPLES = pathlib.Path(__file__).resolve().parent
MEAN, STD = 0.1307, 0.3081  # the MNIST example's input normalisation
CONFIDENT = 0.9
BRIEF_TRAINING_DIGITS = 4000


def _mnist_example():
    """examples/mnist/main.py as a module, for its Net and data helpers (examples are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("mnist_example", EXAMPLES / "mnist" / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every generative example shares for its quality report."""
    parser.add_argument("--classifier", metavar="CHECKPOINT",
                        help="the MNIST example's saved Net (default: train one briefly here)")
    parser.add_argument("--quality-samples", type=int, default=1000, metavar="N",
                        help="how many generated digits the classifier reads (default: 1000)")


def load_classifier(checkpoint: str | None, device) -> torch.nn.Module:
    """The MNIST example's Net in eval mode: loaded from `checkpoint`, or trained for one epoch if None."""
    mnist = _mnist_example()
    model = mnist.Net().to(device)
    if checkpoint is not None:
        model.load_state_dict(torch.load(checkpoint, map_location=device))
    else:
        print(f"no --classifier checkpoint: training the MNIST example's Net for one epoch on "
              f"{BRIEF_TRAINING_DIGITS} digits")
        to_input = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
        digits, _ = mnist.load_digits(None, to_input, to_input)
        digits = torch.utils.data.Subset(digits, range(BRIEF_TRAINING_DIGITS))
        loader = torch.utils.data.DataLoader(digits, batch_size=64, shuffle=True)
        settings = argparse.Namespace(log_interval=10, dry_run=False)
        mnist.train(settings, model, device, loader, optim.Adadelta(model.parameters(), lr=1.0), epoch=1)
    return model.eval()


def summarize(probs: torch.Tensor) -> dict:
    """The quality numbers of class probabilities `probs` (N x 10), one row per generated digit."""
    confidence, predicted = probs.max(dim=1)
    histogram = torch.bincount(predicted, minlength=10)
    share = histogram[histogram > 0].double() / len(predicted)
    return {
        "confident": (confidence > CONFIDENT).double().mean().item(),
        "entropy_bits": (share * (1 / share).log2()).sum().item(),
        "classes": int((histogram > 0).sum().item()),
        "histogram": histogram.tolist(),
    }


def measure(images: torch.Tensor, classifier: torch.nn.Module, batch_size: int = 500) -> dict:
    """Classify `images` (N x 1 x 28 x 28, values in [0, 1]) and summarize the predictions."""
    probs = []
    with torch.no_grad():
        for batch in images.split(batch_size):
            probs.append(classifier((batch - MEAN) / STD).exp())  # Net returns log-probabilities
    return summarize(torch.cat(probs))


def sample_quality(sample, args, device) -> dict:
    """Draw `args.quality_samples` digits with `sample(n)` (a function returning n x 1 x 28 x 28 images in
    [0, 1]), classify them with `args.classifier` and print the report line."""
    classifier = load_classifier(args.classifier, device)
    with torch.no_grad():
        images = torch.cat([sample(len(chunk)) for chunk in torch.arange(args.quality_samples).split(500)])
    quality = measure(images, classifier)
    print(report(quality))
    return quality


def report(quality: dict) -> str:
    """One line a test can parse: 'quality: confident 0.912 entropy 3.301 bits classes 10 histogram [...]'."""
    return (f"quality: confident {quality['confident']:.3f} entropy {quality['entropy_bits']:.3f} bits "
            f"(max {math.log2(10):.3f}) classes {quality['classes']} histogram {quality['histogram']}")


def main():
    parser = argparse.ArgumentParser(description="The generative examples' quality measure on real digits")
    add_arguments(parser)
    args = parser.parse_args()
    torch.manual_seed(1)
    classifier = load_classifier(args.classifier, torch.device("cpu"))
    _, held_out = _mnist_example().load_digits(None, transforms.ToTensor(), transforms.ToTensor())
    images = torch.stack([held_out[i][0] for i in range(min(args.quality_samples, len(held_out)))])
    print("real held-out digits,", report(measure(images, classifier)))


if __name__ == "__main__":
    main()
