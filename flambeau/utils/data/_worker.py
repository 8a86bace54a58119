"""The DataLoader worker process: its seeding, get_worker_info(), and the loop that fetches the
batches the main process asks for (by index-queue message) and sends them back on the result queue."""
from __future__ import annotations

import os
import queue
import random
import signal
from dataclasses import dataclass

import numpy as np

from ...ops.random import manual_seed
from ..._runtime import set_num_threads
from ._exception import ExceptionWrapper
from ._fetch import create_fetcher
from ._transport import Packer, remove_files

__all__ = ["WorkerInfo", "get_worker_info"]

# how often a waiting process checks that its peer is still alive, or (workers) that shutdown began (seconds)
STATUS_CHECK_INTERVAL = 0.5


@dataclass(frozen=True)
class WorkerInfo:
    """What get_worker_info() returns inside a worker: its id, the number of workers, the seed its
    RNGs were seeded with, and this process's copy of the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current DataLoader worker's WorkerInfo; None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class IterableEnd:
    """A worker's iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Persistent workers: start a new epoch (sent to the worker, echoed back once it has)."""


def _seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed flambeau's and Python's RNGs with base_seed + worker_id and NumPy's legacy global RNG with a
    SeedSequence hash of both, as PyTorch seeds its workers: workers draw different numbers, and the
    same manual_seed reproduces them."""
    seed = base_seed + worker_id
    manual_seed(seed)
    random.seed(seed)
    mask = (1 << 32) - 1
    np.random.seed(np.random.SeedSequence([worker_id, base_seed & mask, base_seed >> 32, 0]).generate_state(4))
    return seed


def worker_loop(iterable: bool, dataset, index_queue, result_queue, done_event, auto_collation: bool,
                collate_fn, drop_last: bool, base_seed: int, init_fn, worker_id: int, num_workers: int,
                tag: str, parent: int | None) -> None:
    """Serve (task_idx, index) requests from index_queue until None arrives or the main process dies.
    Every reply is (task_idx, packed batch | ExceptionWrapper | IterableEnd). `parent` is the main
    process's pid when it is this worker's parent (fork, spawn), None when a server forked the worker."""
    global _worker_info
    # Ctrl-C reaches the whole foreground process group; the main process decides when workers stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_num_threads(1)  # workers run side by side: one BLAS thread each, as PyTorch's do
    seed = _seed_worker(base_seed, worker_id)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where=where)  # reported as the answer to the first request
    packer = Packer(tag, worker_id)
    # given, not read here: a main process that dies while this worker starts must not go unnoticed
    parent = os.getppid() if parent is None else parent
    ended = False
    # exit on None, on shutdown (the None may never come: an iterator collected as cyclic garbage can have
    # its queues' feeder threads finalized first), or once reparented (the main process died)
    while os.getppid() == parent and not done_event.is_set():
        try:
            message = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
        except queue.Empty:
            continue
        if message is None:
            break
        if isinstance(message, ResumeIteration):
            result_queue.put((message, None))
            ended = False
            fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
            continue
        if done_event.is_set() or ended:
            continue  # shutting down, or nothing left to give this epoch
        task_idx, index = message
        if init_error is not None:
            reply, init_error = init_error, None
        else:
            try:
                reply = packer.pack(fetcher.fetch(index))
            except Exception as e:
                if iterable and isinstance(e, StopIteration):
                    reply, ended = IterableEnd(worker_id), True
                else:
                    note = "" if iterable else f"While fetching sample indices {index}.\n"
                    reply = ExceptionWrapper(where=where, note=note)
        result_queue.put((task_idx, reply))
        del reply, message, index
    _worker_info = None
    if os.getppid() != parent:  # nobody will receive what this worker packed and sent
        remove_files(f"{tag}_{worker_id}")
    if done_event.is_set():
        # the main process stops reading: don't block exit on flushing the queue
        result_queue.cancel_join_thread()
        result_queue.close()
