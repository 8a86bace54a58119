"""DistributedDataParallel scaling: the MNIST example's CNN training step on 1 and 2 processes.

    python -m benchmarks.ddp_scaling [--procs 1,2] [--steps 30] [--batch 32]

A separate script rather than a workload of the suite: the suite times one step in one process against
PyTorch, while this needs several processes started by the launcher. Every process runs one BLAS thread
and trains on `--batch` samples per step (weak scaling: the global batch grows with the processes). It
prints, per run: samples/s per process and in all, the step time, the share of the step spent waiting for
the gradient all-reduce after backward (the communication backward did not hide), and the time one
blocking all-reduce of all the gradients takes alone, as a share of the step (the cost without overlap).
The 1-process row without DDP is the baseline.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _worker(args) -> None:
    import flambeau as torch
    import flambeau.distributed as dist
    import flambeau.nn.functional as F
    from flambeau.nn.parallel import DistributedDataParallel as DDP
    sys.path.insert(0, str(ROOT / "examples" / "mnist"))
    from main import Net

    dist.init_process_group("mpi")
    torch.manual_seed(dist.get_rank())
    net = Net()
    model = DDP(net) if args.ddp else net
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    x, y = torch.randn(args.batch, 1, 28, 28), torch.randint(0, 10, (args.batch,))

    def step():
        optimizer.zero_grad()
        F.nll_loss(model(x), y).backward()
        optimizer.step()

    for _ in range(3):
        step()
    dist.barrier()
    waited = model.reducer.comm_seconds if args.ddp else 0.0
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    waited = (model.reducer.comm_seconds - waited) if args.ddp else 0.0
    flat = torch.zeros(sum(p.numel() for p in net.parameters()))
    dist.barrier()
    start = time.perf_counter()
    for _ in range(10):
        dist.all_reduce(flat)
    alone = (time.perf_counter() - start) / 10
    if dist.get_rank() == 0:
        step_s = seconds / args.steps
        print(json.dumps({"processes": dist.get_world_size(), "ddp": args.ddp, "step_ms": 1e3 * step_s,
                          "samples_per_s_per_process": args.batch / step_s, "wait_share": waited / seconds,
                          "allreduce_ms": 1e3 * alone, "allreduce_share": alone / step_s}), flush=True)
    dist.destroy_process_group()


def _run(n: int, ddp: bool, args) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "flambeau.distributed.run", "--nproc-per-node", str(n), "-m", "benchmarks.ddp_scaling",
           "--worker", "--steps", str(args.steps), "--batch", str(args.batch)] + (["--ddp"] if ddp else [])
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
    if done.returncode:
        raise SystemExit(f"{cmd} failed:\n{done.stderr}")
    return json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--procs", default="1,2", help="process counts to run with DDP")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch", type=int, default=32, help="samples per process per step")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--ddp", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return _worker(args)
    rows = [_run(1, False, args)] + [_run(int(n), True, args) for n in args.procs.split(",")]
    base = rows[0]["samples_per_s_per_process"]
    print(f"MNIST CNN training step, batch {args.batch} per process, {args.steps} steps, 1 BLAS thread per process")
    print(f"{'run':<14}{'step ms':>9}{'samples/s/proc':>16}{'total samples/s':>17}{'vs 1 proc':>10}"
          f"{'grad wait':>11}{'all-reduce alone':>18}")
    for r in rows:
        name = f"{r['processes']} proc" + (" DDP" if r["ddp"] else "")
        rate = r["samples_per_s_per_process"]
        print(f"{name:<14}{r['step_ms']:>9.1f}{rate:>16.1f}{rate * r['processes']:>17.1f}{rate / base:>10.2f}"
              f"{100 * r['wait_share']:>10.1f}%{r['allreduce_ms']:>9.2f} ms {100 * r['allreduce_share']:>4.1f}%")


if __name__ == "__main__":
    main()
