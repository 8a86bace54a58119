"""vision.transforms, flambeau against torchvision in the same process, on the same PIL images and tensors.

Cases: the MNIST example's per-sample pipeline (ToTensor + Normalize on a 28x28 'L' image), ImageNet-style
tensor resizes (antialiased bilinear) and crops, and the grid-sampled warps. One thread for both.
Prints microseconds per call for both and the ratio flambeau / torchvision (lower is better).

    python benchmarks/bench_transforms.py [--repeat N] [--threads N]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch
import torchvision.transforms as TT
from PIL import Image
from threadpoolctl import threadpool_limits

import flambeau
import flambeau.vision.transforms as T

RNG = np.random.default_rng(0)
MNIST = Image.fromarray(RNG.integers(0, 256, (28, 28), dtype=np.uint8))
PHOTO = RNG.integers(0, 256, (3, 240, 320), dtype=np.uint8)


def _cases(lib):
    """name: (transform, input) for one library."""
    t = T if lib is flambeau else TT
    photo = lib.tensor(PHOTO)
    return {
        "ToTensor+Normalize 28x28 L": (t.Compose([t.ToTensor(), t.Normalize((0.1307,), (0.3081,))]), MNIST),
        "PILToTensor 28x28 L": (t.PILToTensor(), MNIST),
        "Resize(128) uint8 3x240x320": (t.Resize(128), photo),
        "CenterCrop(224) uint8": (t.CenterCrop(224), photo),
        "hflip uint8": (t.functional.hflip, photo),
        "Pad(4, reflect) uint8": (t.Pad(4, padding_mode="reflect"), photo),
        "rotate(30) uint8 bilinear": (lambda x: t.functional.rotate(x, 30.0, t.InterpolationMode.BILINEAR), photo),
    }


def _time_us(fn, arg, repeat: int) -> float:
    fn(arg)  # warm up
    number = 20
    return min(timeit.repeat(lambda: fn(arg), number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    theirs, ours = _cases(torch), _cases(flambeau)
    print(f"{'case':32s} {'tv us':>10s} {'flambeau':>10s} {'ratio':>6s}")
    with threadpool_limits(args.threads):
        for name in theirs:
            t = _time_us(*theirs[name], args.repeat)
            f = _time_us(*ours[name], args.repeat)
            print(f"{name:32s} {t:10.1f} {f:10.1f} {f / t:6.2f}")


if __name__ == "__main__":
    main()
