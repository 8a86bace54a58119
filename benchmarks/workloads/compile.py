"""The compiled MLP training step (models.py's "MLP 784-512-512-10 train, batch 128, Adam"): forward, backward and
Adam's step captured by flambeau.compile, against PyTorch eager and torch.compile.

In the suite (python -m benchmarks), each row times one library per process: flambeau.compile against PyTorch
eager (the issue's target: faster), and against torch.compile. `python -m benchmarks.workloads.compile` times
flambeau eager, flambeau.compile, PyTorch eager, torch.compile and, where jax is installed, JAX's jit (the
issue's reference: flambeau.compile within 1.2x of it), each in its own process (in one process the libraries'
idle threads slowed each other: PyTorch eager by half), alternating, with the same thread count, and prints
medians and ratios.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

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


def jax_step():
    """The same step in JAX (the issue's reference): jit of value_and_grad and Adam (optax's update written out),
    parameters and Adam's moments donated so that XLA updates them in place. The step returns its loss without
    waiting for it: JAX dispatches asynchronously, and a sample waits only for its last step (JAX's best case).
    None without jax installed."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    rng = np.random.default_rng(0)
    sizes = [(784, 512), (512, 512), (512, 10)]
    params = [(jnp.asarray((rng.standard_normal((o, i)) / i ** 0.5).astype(np.float32)), jnp.zeros(o, jnp.float32))
              for i, o in sizes]
    x = jnp.asarray(np.random.default_rng(0).standard_normal((128, 784)).astype(np.float32))
    y = jnp.asarray(np.random.default_rng(1).integers(0, 10, 128))

    def loss_fn(params):
        h = x
        for k, (w, b) in enumerate(params):
            h = h @ w.T + b
            h = jax.nn.relu(h) if k < len(params) - 1 else h
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(h), y[:, None], axis=1))

    def update(params, m, v, t):
        loss, grads = jax.value_and_grad(loss_fn)(params)
        t = t + 1
        m = jax.tree.map(lambda m, g: 0.9 * m + 0.1 * g, m, grads)
        v = jax.tree.map(lambda v, g: 0.999 * v + 0.001 * g * g, v, grads)
        params = jax.tree.map(lambda p, m, v: p - 1e-3 * (m / (1 - 0.9 ** t)) / (jnp.sqrt(v / (1 - 0.999 ** t)) + 1e-8),
                              params, m, v)
        return params, m, v, t, loss
    update = jax.jit(update, donate_argnums=(0, 1, 2))
    state = [params, jax.tree.map(jnp.zeros_like, params), jax.tree.map(jnp.zeros_like, params), jnp.float32(0)]

    def step():
        *new_state, loss = update(*state)
        state[:] = new_state
        return loss
    return step


VARIANTS = {"flambeau eager": ("flambeau", False), "flambeau.compile": ("flambeau", True),
            "PyTorch eager": ("torch", False), "torch.compile": ("torch", True), "JAX jit": ("jax", True)}


def _time(step, repeats: int, number: int) -> list:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            out = step()
        if hasattr(out, "block_until_ready"):  # JAX's result: wait for the sample's last step
            out.block_until_ready()
        samples.append((time.perf_counter() - t0) / number * 1e3)
    return samples


def _one(name: str, threads: int, repeats: int, number: int) -> None:
    """In this process: time one variant; print its samples (ms) as one JSON line."""
    library, compiled = VARIANTS[name]
    from threadpoolctl import threadpool_limits
    with threadpool_limits(threads):
        if library == "jax":
            step = jax_step()
            if step is None:
                print(json.dumps({"error": "jax is not installed"}))
                return
        else:
            lib = importlib.import_module(library)
            lib.set_num_threads(threads)
            step = mlp_step(lib, compiled)
        _time(step, 1, 5)  # warm-up, captures and compilations included
        print(json.dumps({"samples": _time(step, repeats, number)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="alternations: each variant once per round")
    parser.add_argument("--number", type=int, default=20, help="steps per timed sample")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a worker: time this variant in this process
    args = parser.parse_args()
    if args.one:
        _one(args.one, args.threads, 3, args.number)
        return
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))
    samples: dict = {name: [] for name in VARIANTS}
    errors: dict = {}
    for _ in range(args.rounds):  # alternate, so that load on the machine hits all alike
        for name in VARIANTS:
            if name in errors:
                continue
            done = subprocess.run([sys.executable, "-m", "benchmarks.workloads.compile", "--one", name, "--threads",
                                   str(args.threads), "--number", str(args.number)], capture_output=True, text=True,
                                  env=env)
            lines = done.stdout.strip().splitlines()
            result = json.loads(lines[-1]) if done.returncode == 0 and lines else \
                {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:200]}
            if "error" in result:
                errors[name] = result["error"]
            else:
                samples[name] += result["samples"]
    medians = {name: statistics.median(s) for name, s in samples.items() if s and name not in errors}
    print(f"MLP 784-512-512-10 train step, batch 128, Adam; {args.threads} thread(s); each variant in its own "
          f"process, {args.rounds} rounds; median ms over {args.number}-step samples")
    for name, ms in medians.items():
        print(f"  {name:18s} {ms:8.3f} ms")
    for name, reason in errors.items():
        print(f"  {name:18s} not run: {reason}")
    ours = medians.get("flambeau.compile")
    for other in ("flambeau eager", "PyTorch eager", "torch.compile", "JAX jit"):
        if ours and other in medians:
            print(f"  flambeau.compile / {other}: {ours / medians[other]:.2f}")


if __name__ == "__main__":
    main()
