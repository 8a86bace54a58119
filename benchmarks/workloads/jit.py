"""Frozen CNN inference: ResNet-18 and MobileNetV2 (1000 classes) on 64x64 images, batch 1 and 64, frozen with
jit.freeze(jit.trace(model, x)) - flambeau's and PyTorch's own.

In the suite (python -m benchmarks --only frozen) each library runs its own frozen model, so a row's ratio is
flambeau frozen / PyTorch frozen. The issue's target (frozen at least 1.3x faster than flambeau eager) compares two
flambeau paths, so it is measured in one process, the two alternating call by call:

    python -m benchmarks.workloads.jit [--threads N] [--quick] [--cpu-time]

prints flambeau eager, flambeau frozen and PyTorch eager per model and batch, and eager / frozen.
--cpu-time times each call by the process's CPU time instead of the wall clock: with --threads 1 on a machine
busy with other work, that counts this process's own work only.
64x64 keeps a batch-64 ResNet-18 call to a few seconds on 2 cores.
"""
from __future__ import annotations

import argparse
import statistics
import time

from . import Workload
from ._common import randn, same_weights, vision

SIZE = 64
MODELS = ("resnet18", "mobilenet_v2")


def _model(torch, name: str):
    return same_weights(getattr(vision(torch).models, name)(), torch).eval()


def frozen(torch, model, x):
    """The model traced on x and frozen, as a zero-argument call."""
    if torch.__name__ == "flambeau":
        f = torch.jit.freeze(torch.jit.trace(model, x, check_trace=False))
    else:
        with torch.no_grad():
            f = torch.jit.freeze(torch.jit.trace(model, x, check_trace=False))

    def step():
        with torch.no_grad():
            return f(x)
    return step


def _frozen_build(name: str, batch: int):
    def build(torch, quick):
        return frozen(torch, _model(torch, name), randn(torch, min(batch, 8) if quick else batch, 3, SIZE, SIZE))
    return build


WORKLOADS = [Workload(f"frozen {name} inference, {SIZE}x{SIZE} batch {batch}", _frozen_build(name, batch))
             for name in MODELS for batch in (1, 64)]


def _eager(torch, model, x):
    def step():
        with torch.no_grad():
            return model(x)
    return step


def compare(name: str, batch: int, repeats: int, clock=time.perf_counter) -> dict:
    """Median seconds per call of flambeau eager, flambeau frozen and PyTorch eager, alternating call by call."""
    import flambeau
    import torch
    ours = _model(flambeau, name)
    x = randn(flambeau, batch, 3, SIZE, SIZE)
    steps = {"flambeau eager": _eager(flambeau, ours, x), "flambeau frozen": frozen(flambeau, ours, x),
             "PyTorch eager": _eager(torch, _model(torch, name), randn(torch, batch, 3, SIZE, SIZE))}
    times: dict = {k: [] for k in steps}
    for step in steps.values():
        step()   # warm-up
    for _ in range(repeats):
        for key, step in steps.items():
            t0 = clock()
            step()
            times[key].append(clock() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="flambeau frozen vs eager CNN inference, in one process")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="batch 8 instead of 64, fewer repeats")
    parser.add_argument("--cpu-time", action="store_true", help="time calls by process CPU time (use --threads 1)")
    args = parser.parse_args(argv)
    import flambeau
    import torch
    from threadpoolctl import threadpool_limits
    flambeau.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    print(f"{'model':40s} {'eager ms':>10s} {'frozen ms':>10s} {'PyTorch ms':>10s} {'eager/frozen':>13s}")
    with threadpool_limits(args.threads):
        for name in MODELS:
            for batch in (1, 8 if args.quick else 64):
                t = compare(name, batch, 3 if args.quick else (15 if batch == 1 else 5),
                            time.process_time if args.cpu_time else time.perf_counter)
                speedup = t["flambeau eager"] / t["flambeau frozen"]
                print(f"{name + f', {SIZE}x{SIZE} batch {batch}':40s} {t['flambeau eager'] * 1e3:10.1f} "
                      f"{t['flambeau frozen'] * 1e3:10.1f} {t['PyTorch eager'] * 1e3:10.1f} {speedup:12.2f}x "
                      f"{'ok' if speedup >= 1.3 else 'MISS'} (target >= 1.3x)", flush=True)


if __name__ == "__main__":
    main()
