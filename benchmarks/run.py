"""Run the benchmark suite: each workload with PyTorch and with flambeau, alternately, each in its own
process (python -m benchmarks._worker), with the same number of threads; print the table and write JSON.

    python -m benchmarks [--only NAME[,NAME]] [--quick] [--threads N] [--rounds N] [--json PATH] [--list]

A row's times are medians over every sample of every round; the ratio is flambeau / PyTorch (lower is
better), next to the issue's target. Peak memory is each worker process's maximum resident set.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

if __package__ in (None, ""):  # run as `python benchmarks/run.py`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "benchmarks"

from .workloads import registry  # noqa: E402

LIBRARIES = ("torch", "flambeau")
_SCALE = {"ms": 1e3, "us": 1e6, "us/op": 1e6, "s": 1.0}


def run_worker(name: str, library: str, threads: int, quick: bool) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, "-m", "benchmarks._worker", name, library, str(threads),
                           "1" if quick else "0"], capture_output=True, text=True, env=env, cwd=root)
    if done.returncode:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(workload, threads: int, quick: bool, rounds: int) -> dict:
    """Both libraries, alternating, `rounds` times: samples pooled per library."""
    runs = {lib: [] for lib in LIBRARIES}
    for _ in range(rounds):
        for lib in LIBRARIES:
            runs[lib].append(run_worker(workload.name, lib, threads, quick))
    row = {"name": workload.name, "unit": workload.unit, "target": workload.target,
           "memory_target": workload.memory_target}
    for lib, results in runs.items():
        errors = [r["error"] for r in results if "error" in r]
        if errors:
            row[lib] = {"error": errors[0]}
            continue
        samples = [s for r in results for s in r["samples_s"]]
        value = statistics.median(samples) / workload.per * _SCALE[workload.unit]
        row[lib] = {"value": value, "peak_rss_mb": max(r["peak_rss_mb"] for r in results)}
    if "value" in row["torch"] and "value" in row["flambeau"]:
        row["ratio"] = row["flambeau"]["value"] / row["torch"]["value"]
    return row


def print_memory(rows: list) -> None:
    """Peak resident memory of each library's process, for the workloads with a memory target."""
    for row in rows:
        if row.get("memory_target") and "ratio" in row:
            torch_mb, ours_mb = row["torch"]["peak_rss_mb"], row["flambeau"]["peak_rss_mb"]
            ratio = ours_mb / torch_mb
            mark = "ok" if ratio <= row["memory_target"] else "MISS"
            print(f"peak memory, {row['name'][:48]}: PyTorch {torch_mb:.0f} MB, flambeau {ours_mb:.0f} MB, "
                  f"ratio {ratio:.2f} <= {row['memory_target']:.1f} {mark}")


def _cell(entry: dict) -> str:
    return f"{entry['value']:12.3f}" if "value" in entry else f"{'error':>12s}"


def print_row(row: dict) -> None:
    ratio = f"{row['ratio']:6.2f}" if "ratio" in row else f"{'-':>6s}"
    target = f"<= {row['target']:.1f}" if row["target"] else ""
    mark = "" if "ratio" not in row or not row["target"] else ("  ok" if row["ratio"] <= row["target"] else "  MISS")
    print(f"{row['name'][:62]:62s} {row['unit']:>5s} {_cell(row['torch'])} {_cell(row['flambeau'])} {ratio} "
          f"{target:>7s}{mark}", flush=True)
    for lib in LIBRARIES:
        if "error" in row[lib]:
            print(f"    {lib}: {row[lib]['error']}", flush=True)


def machine() -> dict:
    from threadpoolctl import threadpool_info
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "nproc": os.cpu_count(), "cpu": platform.processor() or
            platform.machine(), "python": platform.python_version(),
            "blas": [{k: lib.get(k) for k in ("internal_api", "version", "num_threads", "filepath")}
                     for lib in threadpool_info()]}


def footprint_mb(package: str) -> float:
    """Installed size of a package's directory (PyTorch's bundled CUDA libraries live beside it, not counted)."""
    import importlib.util
    spec = importlib.util.find_spec(package)
    root = os.path.dirname(spec.origin)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(root) for f in files) / 2 ** 20


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated substrings of workload names")
    parser.add_argument("--quick", action="store_true", help="smaller problems, fewer samples, one round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two libraries per workload")
    parser.add_argument("--json", default="benchmarks/results.json")
    parser.add_argument("--list", action="store_true", help="print the workload names and exit")
    args = parser.parse_args(argv)
    workloads = list(registry().values())
    if args.only:
        keys = [k.strip().lower() for k in args.only.split(",")]
        workloads = [w for w in workloads if any(k in w.name.lower() for k in keys)]
    if args.list:
        print("\n".join(w.name for w in workloads))
        return
    rounds = 1 if args.quick else args.rounds
    print(f"{'workload':62s} {'unit':>5s} {'PyTorch':>12s} {'flambeau':>12s} {'ratio':>6s} {'target':>7s}")
    rows = []
    for workload in workloads:
        rows.append(measure(workload, args.threads, args.quick, rounds))
        print_row(rows[-1])
    print_memory(rows)
    sizes = {lib: footprint_mb(lib) for lib in LIBRARIES}
    print(f"installed size: PyTorch {sizes['torch']:.0f} MB, flambeau {sizes['flambeau']:.1f} MB")
    report = {"machine": machine(), "threads": args.threads, "quick": args.quick, "rounds": rounds,
              "installed_mb": sizes, "workloads": rows}
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
