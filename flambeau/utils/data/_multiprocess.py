"""The worker-process iterator of DataLoader: tasks (batch indices) go round-robin to the workers'
index queues, at most prefetch_factor * num_workers in flight; batches come back on one result queue
and are returned in task order (or as they arrive with in_order=False). Dead workers, timeouts,
Ctrl-C, early exit and garbage collection all end in _shutdown_workers, which leaves no process behind."""
from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import secrets

from ._exception import ExceptionWrapper
from ._transport import Packed, remove_files
from ._worker import STATUS_CHECK_INTERVAL, IterableEnd, ResumeIteration, worker_loop
from .dataloader import DataLoader, _BaseIter


class MultiProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter")
        self._in_order = loader.in_order
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._tag = f"{os.getpid()}_{secrets.token_hex(4)}"  # names this iterator's shared-memory files
        self._shutdown = False
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        parent = None if ctx.get_start_method() == "forkserver" else os.getpid()
        try:
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                index_queue.cancel_join_thread()  # never block the main process's exit on a dead worker's queue
                w = ctx.Process(target=worker_loop, daemon=True, args=(
                    self._iterable, self._dataset, index_queue, self._result_queue, self._done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                    loader.worker_init_fn, i, self._num_workers, self._tag, parent))
                w.start()
                self._index_queues.append(index_queue)
                self._workers.append(w)
            self._start_epoch(first=True)
        except BaseException:
            self._shutdown_workers()
            raise

    # ---------------------------------------------------------------- epochs

    def _reset(self, loader: DataLoader) -> None:
        super()._reset(loader)
        self._start_epoch(first=False)

    def _start_epoch(self, first: bool) -> None:
        self._send_idx = 0  # the next task to send
        self._rcvd_idx = 0  # the next task to return
        self._task_info: dict[int, tuple] = {}  # task -> (worker,) while in flight, (worker, data) once received
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first:  # persistent workers: wait until every worker has restarted its fetcher
            for q in self._index_queues:
                q.put(ResumeIteration())
            pending = self._num_workers
            while pending:
                idx, data = self._get_data()
                if isinstance(idx, ResumeIteration):
                    pending -= 1
                elif isinstance(data, Packed):  # a batch of the epoch that was left early
                    data.discard()
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ---------------------------------------------------------------- receiving

    def _try_get_data(self, timeout: float):
        """(True, (task, data)) or (False, None) after `timeout` s; RuntimeError if a worker has died."""
        try:
            return True, self._result_queue.get(timeout=timeout)
        except queue.Empty:
            dead = [w for i, w in enumerate(self._workers) if self._workers_status[i] and not w.is_alive()]
            if dead:
                for w in dead:
                    self._mark_worker_unavailable(self._workers.index(w))
                pids = ", ".join(str(w.pid) for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
            return False, None

    def _get_data(self):
        if self._timeout > 0:
            ok, data = self._try_get_data(self._timeout)
            if not ok:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            return data
        while True:
            ok, data = self._try_get_data(STATUS_CHECK_INTERVAL)
            if ok:
                return data

    def _next_data(self):
        try:
            return self._next_ready()
        except KeyboardInterrupt:
            self._shutdown_workers()
            raise

    def _next_ready(self):
        while True:
            # skip tasks of workers whose iterable dataset ended: their answers will never come
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info and (len(info) == 2 or self._workers_status[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier, out of order
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            idx, data = self._get_data()
            if isinstance(data, Packed):
                data = data.unpack()
            elif isinstance(data, IterableEnd):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx or not self._in_order:
                worker_id = self._task_info.pop(idx)[0]
                if idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            self._task_info[idx] += (data,)

    def _process_data(self, data, worker_id: int):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    # ---------------------------------------------------------------- sending

    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker (with room, when out of order)
            worker_id = next(self._worker_cycle)
            if self._workers_status[worker_id] and (
                    self._in_order or self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status)):
                break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._send_idx += 1

    # ---------------------------------------------------------------- shutting down

    def _mark_worker_unavailable(self, worker_id: int) -> None:
        self._index_queues[worker_id].put(None)  # the worker exits when it reads this
        self._workers_status[worker_id] = False

    def _shutdown_workers(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            statuses = getattr(self, "_workers_status", [True] * len(self._workers))
            for i, status in enumerate(statuses):
                if status or self._persistent_workers:
                    self._mark_worker_unavailable(i)
            for w in self._workers:
                w.join(timeout=STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=STATUS_CHECK_INTERVAL)
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
            remove_files(self._tag)  # batches sent but never received

    def __del__(self) -> None:
        if hasattr(self, "_shutdown"):  # construction got far enough to own workers
            self._shutdown_workers()
