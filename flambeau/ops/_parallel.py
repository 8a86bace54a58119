"""Row-parallel kernels: a large row-wise NumPy computation split across the intra-op threads.

NumPy runs each ufunc on one thread, but releases the GIL inside its loops: chunks of rows handed to a
few Python threads run at the same time, as PyTorch's intra-op parallel_for does. The thread count is
flambeau.get_num_threads(); small inputs (under GRAIN elements a thread) run inline.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._runtime import get_num_threads

GRAIN = 1 << 17  # elements a thread must get before the hand-off (tens of microseconds) pays for itself

_pools: dict = {}


def parallel_rows(kernel, rows: int, size: int, align: int = 1) -> None:
    """Call kernel(start, stop) on row ranges that cover [0, rows) of an array of `size` elements; the ranges
    start at multiples of `align` rows.

    Each row goes to exactly one call, so results do not depend on the thread count. NOTE: a compiled loop
    over elements runs in vector blocks and finishes its last few elements another way (a narrower vector or
    scalar code, which fast-math may round differently): an elementwise kernel passes an `align` that is a
    multiple of any block, so every element but the array's last few is computed in the blocks whatever
    the split."""
    threads = min(get_num_threads(), rows // align, size // GRAIN)
    if threads < 2:
        kernel(0, rows)
        return
    pool = _pools.get(threads)
    if pool is None:
        pool = _pools[threads] = ThreadPoolExecutor(threads - 1, thread_name_prefix="flambeau-intraop")
    bounds = [rows * i // threads // align * align for i in range(threads)] + [rows]
    futures = [pool.submit(kernel, bounds[i], bounds[i + 1]) for i in range(1, threads)]
    kernel(bounds[0], bounds[1])
    for f in futures:
        f.result()


def _forget_pools() -> None:
    # a forked child (a DataLoader worker) inherits the executors but not their threads
    _pools.clear()


os.register_at_fork(after_in_child=_forget_pools)


def parallel_copyto(dst, src) -> None:
    """np.copyto(dst, src) for arrays of one shape, split along the first of their two leading axes that
    is long enough to share: a strided gather (im2col, a layout change) runs on every intra-op thread."""
    axis = 0 if dst.shape[0] >= get_num_threads() else 1

    def copy(start: int, stop: int) -> None:
        part = (slice(None),) * axis + (slice(start, stop),)
        np.copyto(dst[part], src[part])

    parallel_rows(copy, dst.shape[axis], dst.size)
