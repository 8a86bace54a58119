"""The compiled MLP training step (models.py's "MLP 784-512-512-10 train, batch 128, Adam"): forward, backward and
Adam's step captured by flambeau.compile, against PyTorch eager and torch.compile.

In the suite (python -m benchmarks), each row times one library per process: flambeau.compile against PyTorch
eager (the issue's target: faster), and against torch.compile. `python -m benchmarks.workloads.compile` times
all four - flambeau eager, flambeau.compile, PyTorch eager, torch.compile - in one process, alternating, with
the same thread count for both libraries, and prints medians and ratios.
"""
from __future__ import annotations

import argparse
import statistics
import time

from . import Workload
from ._common import labels, randn


def mlp_step(torch, compiled: bool):
    """The MLP step as a function of (x, y) (the form compile captures), compiled by the library's own compile."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = randn(torch, 128, 784), labels(torch, 128, 10)

    def step(x, y):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    if compiled:
        step = _compile(torch)(step)
    return lambda: step(x, y)


def _compile(torch):
    if torch.__name__ == "flambeau":
        from flambeau._compile import compile
        return compile
    return torch.compile


def against_eager(torch, quick):
    """flambeau: compiled; PyTorch: eager."""
    return mlp_step(torch, compiled=torch.__name__ == "flambeau")


def against_compile(torch, quick):
    return mlp_step(torch, compiled=True)


WORKLOADS = [
    Workload("MLP train step, flambeau.compile vs PyTorch eager", against_eager, target=1.0),
    Workload("MLP train step, flambeau.compile vs torch.compile", against_compile),
]


def _time(step, repeats: int, number: int) -> list:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            step()
        samples.append((time.perf_counter() - t0) / number * 1e3)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20, help="steps per timed sample")
    args = parser.parse_args()
    import torch
    from threadpoolctl import threadpool_limits

    import flambeau
    torch.set_num_threads(args.threads)
    flambeau.set_num_threads(args.threads)
    rows = {}
    with threadpool_limits(args.threads):
        for name, lib, compiled in (("flambeau eager", flambeau, False), ("flambeau.compile", flambeau, True),
                                    ("PyTorch eager", torch, False), ("torch.compile", torch, True)):
            try:
                step = mlp_step(lib, compiled)
                for _ in range(5):  # warm-up, captures and compilations included
                    step()
                rows[name] = (step, [])
            except Exception as e:  # torch.compile needs a working C compiler
                print(f"{name}: failed ({type(e).__name__}: {str(e).splitlines()[0][:200]})")
        for _ in range(args.rounds):  # alternate, so that load on the machine hits all alike
            for step, samples in rows.values():
                samples += _time(step, 1, args.number)
    medians = {name: statistics.median(s) for name, (_, s) in rows.items()}
    print(f"MLP 784-512-512-10 train step, batch 128, Adam; {args.threads} thread(s); median ms over "
          f"{args.rounds} samples of {args.number} steps")
    for name, ms in medians.items():
        print(f"  {name:18s} {ms:8.3f} ms")
    compiled = medians.get("flambeau.compile")
    for other in ("flambeau eager", "PyTorch eager", "torch.compile"):
        if compiled and other in medians:
            print(f"  flambeau.compile / {other}: {compiled / medians[other]:.2f}")


if __name__ == "__main__":
    main()
