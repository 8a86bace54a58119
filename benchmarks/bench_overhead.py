"""Eager overhead of small ops, flambeau against PyTorch in the same process.

Each case runs on tiny tensors, so the time is the framework's per-op overhead, not math.
Prints microseconds per op for both libraries and the ratio flambeau / PyTorch (lower is better).

    python benchmarks/bench_overhead.py [--repeat N]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch

import flambeau

CASES = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "exp": lambda x, y: x.exp(),
    "sum": lambda x, y: x.sum(),
    "matmul": lambda x, y: x @ y,
    "add scalar": lambda x, y: x + 1.0,
    "reshape": lambda x, y: x.reshape(16),
}
CHAIN = 10  # ops per timed call in the backward benchmark


def _inputs(lib, requires_grad):
    a = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    x = lib.tensor(a, requires_grad=requires_grad)
    y = lib.tensor(a.copy(), requires_grad=requires_grad)
    return x, y


def _forward_us(lib, fn, repeat):
    x, y = _inputs(lib, False)
    number = 20000
    best = min(timeit.repeat(lambda: fn(x, y), number=number, repeat=repeat))
    return best / number * 1e6


def _backward_us(lib, repeat):
    """A chain of CHAIN mul/add ops then backward: time per op, forward + backward."""
    x, y = _inputs(lib, True)

    def step():
        z = x
        for _ in range(CHAIN // 2):
            z = z * y + x
        z.sum().backward()
    number = 500
    best = min(timeit.repeat(step, number=number, repeat=repeat))
    return best / number / (CHAIN + 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    flambeau.set_num_threads(1) if hasattr(flambeau, "set_num_threads") else None
    print(f"{'case':<28}{'torch us':>10}{'flambeau us':>13}{'ratio':>8}")
    for name, fn in CASES.items():
        t = _forward_us(torch, fn, args.repeat)
        f = _forward_us(flambeau, fn, args.repeat)
        print(f"{name + ' (no grad)':<28}{t:>10.2f}{f:>13.2f}{f / t:>8.2f}")
    t = _backward_us(torch, args.repeat)
    f = _backward_us(flambeau, args.repeat)
    print(f"{'mul/add chain fwd+bwd /op':<28}{t:>10.2f}{f:>13.2f}{f / t:>8.2f}")


if __name__ == "__main__":
    main()
