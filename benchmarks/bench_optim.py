"""optimizer.step() on the parameters of a ~1M-parameter MLP, flambeau against PyTorch in the same process.

Gradients are set once (random), so the time is the update alone. Prints milliseconds per step for both
libraries and the ratio flambeau / PyTorch (lower is better).

    python benchmarks/bench_optim.py [--repeat N] [--threads N]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch

import flambeau

# (out, in) of each Linear layer: weights and biases, 1,007,130 parameters in all
LAYERS = [(784, 1024), (256, 784), (10, 256)]
CASES = {
    "SGD momentum": lambda lib, params: lib.optim.SGD(params, lr=0.01, momentum=0.9),
    "Adam": lambda lib, params: lib.optim.Adam(params, lr=1e-3),
}


def _params(lib):
    rng = np.random.default_rng(0)
    params = []
    for out_f, in_f in LAYERS:
        for shape in ((out_f, in_f), (out_f,)):
            p = lib.tensor(rng.standard_normal(shape).astype(np.float32) * 0.01, requires_grad=True)
            p.grad = lib.tensor(rng.standard_normal(shape).astype(np.float32))
            params.append(p)
    return params


def _step_ms(lib, make, repeat: int) -> float:
    opt = make(lib, _params(lib))
    opt.step()  # state created outside the timing
    number = 20
    return min(timeit.repeat(opt.step, number=number, repeat=repeat)) / number * 1e3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (NumPy ufuncs use one)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n = sum(p.numel() for p in _params(torch))
    print(f"optimizer.step() on {n:,} float32 parameters, torch threads={args.threads}")
    print(f"{'case':<14}{'flambeau ms':>13}{'torch ms':>10}{'ratio':>8}")
    for name, make in CASES.items():
        ours, theirs = _step_ms(flambeau, make, args.repeat), _step_ms(torch, make, args.repeat)
        print(f"{name:<14}{ours:>13.3f}{theirs:>10.3f}{ours / theirs:>8.2f}")


if __name__ == "__main__":
    main()
