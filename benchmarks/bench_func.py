"""Per-sample gradients through torch.func: vmap(grad(loss)) against one ordinary batched backward.

A 784-128-10 MLP with cross-entropy over a batch of 64. For each library: the time of one ordinary
batched forward + backward, the time of the per-sample gradients (vmap(grad(loss)) with functional_call),
and their ratio (the issue's target for flambeau: at most 3x). PyTorch's torch.func runs the same workload
in the same process for comparison.

    python benchmarks/bench_func.py [--repeat N]
"""
from __future__ import annotations

import argparse
import timeit

import numpy as np
import torch

import flambeau

BATCH, SIZES = 64, (784, 128, 10)


def _setup(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(SIZES[0], SIZES[1]), lib.nn.ReLU(), lib.nn.Linear(SIZES[1], SIZES[2]))
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    y = lib.tensor(rng.integers(0, SIZES[2], BATCH))
    return model, x, y


def _batched_step(lib, model, x, y):
    def step():
        model.zero_grad()
        lib.nn.functional.cross_entropy(model(x), y).backward()
    return step


def _per_sample_step(lib, model, x, y):
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, xb, yb):
        out = lib.func.functional_call(model, p, (xb.unsqueeze(0),))
        return lib.nn.functional.cross_entropy(out, yb.unsqueeze(0))

    per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))
    return lambda: per_sample(params, x, y)


def _best_ms(fns: list, repeat: int, number: int) -> list:
    """The best time of each function, in ms per call; measured in turns, so that load from other processes
    weighs on all of them alike."""
    for fn in fns:
        fn()  # warm up
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], timeit.timeit(fn, number=number) / number * 1e3)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--number", type=int, default=5)
    args = parser.parse_args()
    print(f"per-sample gradients of a {'-'.join(map(str, SIZES))} MLP, batch {BATCH}")
    print(f"{'library':10s} {'batched fwd+bwd ms':>19s} {'vmap(grad) ms':>14s} {'ratio':>7s}")
    for name, lib in (("torch", torch), ("flambeau", flambeau)):
        model, x, y = _setup(lib)
        batched, per_sample = _best_ms([_batched_step(lib, model, x, y), _per_sample_step(lib, model, x, y)],
                                       args.repeat, args.number)
        print(f"{name:10s} {batched:19.3f} {per_sample:14.3f} {per_sample / batched:7.2f}")


if __name__ == "__main__":
    main()
