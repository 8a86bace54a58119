"""DataLoader throughput, flambeau against PyTorch in the same process: one epoch over 10,000 MNIST digits
(28x28 uint8; the real test set from data/MNIST/raw when present, else synthetic) with a per-sample
ToTensor + Normalize, at num_workers 0, 1 and 2. Prints samples per second for both (an epoch includes
starting the workers) and the ratio flambeau / PyTorch (higher is better).

    python benchmarks/bench_dataloader.py [--batch-size N] [--repeat N] [--workers 0 1 2]
"""
from __future__ import annotations

import argparse
import gzip
import os
import time

import numpy as np
import torch
import torchvision.transforms as tv_transforms

import flambeau
import flambeau.vision.transforms as fl_transforms

MNIST_IMAGES = os.path.join(os.path.dirname(__file__), "..", "data", "MNIST", "raw", "t10k-images-idx3-ubyte.gz")
MEAN, STD = (0.1307,), (0.3081,)


def load_digits() -> tuple[np.ndarray, str]:
    """(10000, 28, 28) uint8 images and where they came from."""
    if os.path.exists(MNIST_IMAGES):
        with gzip.open(MNIST_IMAGES, "rb") as f:
            raw = f.read()
        # IDX header: magic, count, rows, cols as big-endian int32, then the pixels
        count, rows, cols = np.frombuffer(raw, dtype=">i4", count=3, offset=4)
        pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, rows, cols)
        return pixels.copy(), "MNIST test set"  # writable, as torch.from_numpy wants
    return np.random.default_rng(0).integers(0, 256, (10000, 28, 28), dtype=np.uint8), "synthetic digits"


class Digits:
    """A map-style dataset of (transformed image, label); subclassed per library below."""

    def __init__(self, images: np.ndarray, transform) -> None:
        self.images, self.transform = images, transform

    def __getitem__(self, i: int):
        return self.transform(self.images[i]), i % 10

    def __len__(self) -> int:
        return len(self.images)


class FlambeauDigits(Digits, flambeau.utils.data.Dataset):
    pass


class TorchDigits(Digits, torch.utils.data.Dataset):
    pass


def epoch_rate(lib, dataset, batch_size: int, workers: int, repeat: int) -> float:
    """Best samples/s over `repeat` epochs (each one a fresh iterator, so worker start-up counts)."""
    best = float("inf")
    loader = lib.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers)
    for _ in range(repeat):
        start = time.perf_counter()
        for images, labels in loader:
            pass
        best = min(best, time.perf_counter() - start)
    return len(dataset) / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    torch.set_num_threads(1)
    flambeau.set_num_threads(1)
    images, source = load_digits()
    datasets = {
        torch: TorchDigits(images, tv_transforms.Compose([tv_transforms.ToTensor(),
                                                          tv_transforms.Normalize(MEAN, STD)])),
        flambeau: FlambeauDigits(images, fl_transforms.Compose([fl_transforms.ToTensor(),
                                                                fl_transforms.Normalize(MEAN, STD)])),
    }
    print(f"{len(images)} {source}, batch size {args.batch_size}, ToTensor + Normalize per sample")
    print(f"{'num_workers':>11s} {'torch samples/s':>16s} {'flambeau':>10s} {'ratio':>6s}")
    for workers in args.workers:
        t = epoch_rate(torch, datasets[torch], args.batch_size, workers, args.repeat)
        f = epoch_rate(flambeau, datasets[flambeau], args.batch_size, workers, args.repeat)
        print(f"{workers:11d} {t:16.0f} {f:10.0f} {f / t:6.2f}")


if __name__ == "__main__":
    main()
