"""One workload in one library, in this process: `python -m benchmarks._worker NAME LIBRARY THREADS QUICK`.

Prints one JSON line: the median seconds per call over the timed samples, every sample, and the
process's peak resident memory. The library gets `threads` intra-op threads and its BLAS as many.
"""
from __future__ import annotations

import importlib
import json
import resource
import statistics
import subprocess
import sys
import time

from .workloads import registry

WARMUP_S = 0.3  # warm-up: at least this long, and at least two calls
SAMPLE_S = 0.05  # calls are batched so that one timed sample lasts at least this long


def time_step(step, repeats: int, quick: bool) -> list:
    """Seconds per call of each of `repeats` samples, after a warm-up."""
    start, calls = time.perf_counter(), 0
    while calls < (1 if quick else 2) or (not quick and time.perf_counter() - start < WARMUP_S):
        step()
        calls += 1
    one = (time.perf_counter() - start) / calls
    number = max(1, int(SAMPLE_S / max(one, 1e-9)))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            step()
        samples.append((time.perf_counter() - t0) / number)
    return samples


def time_import(library: str, repeats: int) -> list:
    """Wall seconds of `import library` in fresh interpreters, less an empty interpreter's start-up."""
    def run(code):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t0
    return [run(f"import {library}") - run("pass") for _ in range(repeats)]


def main() -> None:
    name, library, threads, quick = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
    workload = registry()[name]
    repeats = 3 if quick else 7
    if workload.kind == "import":
        samples = time_import(library, repeats)
    else:
        from threadpoolctl import threadpool_limits
        lib = importlib.import_module(library)
        lib.set_num_threads(threads)
        with threadpool_limits(threads):
            samples = time_step(workload.build(lib, quick), repeats, quick)
    print(json.dumps({"median_s": statistics.median(samples), "samples_s": samples,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
