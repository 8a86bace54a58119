"""conv2d, flambeau against PyTorch in the same process: forward, and forward + backward.

Cases are the layers of a small MNIST/CIFAR-sized CNN. Both libraries run on one thread (the
machine's cores are shared), so the ratio compares the implementations, not the thread pools.
Prints milliseconds per call for both and the ratio flambeau / PyTorch (lower is better).

    python benchmarks/bench_conv.py [--repeat N] [--threads N]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import flambeau

# name: (input shape, weight shape, keyword arguments)
CASES = {
    "mnist conv1 1->32 3x3 28x28": ((64, 1, 28, 28), (32, 1, 3, 3), {}),
    "mnist conv2 32->64 3x3 26x26": ((64, 32, 26, 26), (64, 32, 3, 3), {}),
    "cifar 3->16 3x3 pad1 32x32": ((32, 3, 32, 32), (16, 3, 3, 3), {"padding": 1}),
    "cifar 64->64 3x3 pad1 16x16": ((32, 64, 16, 16), (64, 64, 3, 3), {"padding": 1}),
    "stride2 64->128 3x3 16x16": ((32, 64, 16, 16), (128, 64, 3, 3), {"padding": 1, "stride": 2}),
    "depthwise 64 3x3 16x16": ((32, 64, 16, 16), (64, 1, 3, 3), {"padding": 1, "groups": 64}),
}


def _tensors(lib, xs, ws, requires_grad):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(xs).astype(np.float32), requires_grad=requires_grad)
    w = lib.tensor(rng.standard_normal(ws).astype(np.float32) * 0.1, requires_grad=requires_grad)
    b = lib.tensor(rng.standard_normal(ws[0]).astype(np.float32), requires_grad=requires_grad)
    return x, w, b


def _time_ms(fn, repeat: int) -> float:
    fn()  # warm up
    number = 3
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def bench(lib, F, case, backward: bool, repeat: int) -> float:
    xs, ws, kwargs = case
    x, w, b = _tensors(lib, xs, ws, backward)
    if not backward:
        return _time_ms(lambda: F.conv2d(x, w, b, **kwargs), repeat)

    def step():
        F.conv2d(x, w, b, **kwargs).sum().backward()
    return _time_ms(step, repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    flambeau.set_num_threads(args.threads)
    print(f"{'case':32s} {'pass':>9s} {'torch ms':>9s} {'flambeau':>9s} {'ratio':>6s}")
    with threadpool_limits(args.threads):
        for name, case in CASES.items():
            for backward in (False, True):
                t = bench(torch, torch.nn.functional, case, backward, args.repeat)
                f = bench(flambeau, flambeau.nn.functional, case, backward, args.repeat)
                print(f"{name:32s} {'fwd+bwd' if backward else 'fwd':>9s} {t:9.2f} {f:9.2f} {f / t:6.2f}")


if __name__ == "__main__":
    main()
