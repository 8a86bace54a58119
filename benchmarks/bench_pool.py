"""Pooling and resampling, flambeau against PyTorch in the same process: forward, and forward + backward.

Cases are the pooling/upsampling layers of small MNIST/CIFAR-sized CNNs and decoders. Prints
milliseconds per call for both and the ratio flambeau / PyTorch (lower is better); both libraries
run on --threads threads (default 1: the machine's cores are shared).

    python benchmarks/bench_pool.py [--repeat N] [--threads N]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import flambeau

# name: (input shape, function of (F, x))
CASES = {
    "max_pool2d 2x2 (64,32,26,26)": ((64, 32, 26, 26), lambda F, x: F.max_pool2d(x, 2)),
    "max_pool2d 3x3 s2 p1 (32,64,16,16)": ((32, 64, 16, 16), lambda F, x: F.max_pool2d(x, 3, 2, 1)),
    "avg_pool2d 2x2 (32,64,16,16)": ((32, 64, 16, 16), lambda F, x: F.avg_pool2d(x, 2)),
    "adaptive_avg_pool2d 1 (32,64,8,8)": ((32, 64, 8, 8), lambda F, x: F.adaptive_avg_pool2d(x, 1)),
    "bilinear x2 (8,32,32,32)": ((8, 32, 32, 32), lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear")),
    "nearest x2 (8,32,32,32)": ((8, 32, 32, 32), lambda F, x: F.interpolate(x, scale_factor=2)),
}


def _time_ms(fn, repeat: int) -> float:
    fn()  # warm up
    number = 3
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def bench(lib, case, backward: bool, repeat: int) -> float:
    shape, fn = case
    F = lib.nn.functional
    x = lib.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32), requires_grad=backward)
    if not backward:
        return _time_ms(lambda: fn(F, x), repeat)
    return _time_ms(lambda: fn(F, x).sum().backward(), repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    flambeau.set_num_threads(args.threads)
    print(f"{'case':36s} {'pass':>9s} {'torch ms':>9s} {'flambeau':>9s} {'ratio':>6s}")
    with threadpool_limits(args.threads):
        for name, case in CASES.items():
            for backward in (False, True):
                t = bench(torch, case, backward, args.repeat)
                f = bench(flambeau, case, backward, args.repeat)
                print(f"{name:36s} {'fwd+bwd' if backward else 'fwd':>9s} {t:9.2f} {f:9.2f} {f / t:6.2f}")


if __name__ == "__main__":
    main()
