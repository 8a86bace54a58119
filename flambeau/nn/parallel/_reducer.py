"""The gradient reducer behind DistributedDataParallel: parameters grouped into buckets, each bucket
averaged over the process group as soon as backward has produced all of its gradients.

Buckets follow the reverse order of module.parameters() (roughly the order backward produces gradients), are
capped in bytes (1 MiB for the first, so that communication starts early, then bucket_cap_mb) and hold
one dtype each. A post-accumulate-grad hook on every parameter counts it ready; a full bucket is copied
into one flat array and its all-reduce starts at once (non-blocking), in bucket order so that every rank
issues the same MPI collectives in the same order, while backward goes on computing the next gradients.
The hook of the last parameter waits for all of them and gives each parameter its averaged gradient: a
view into its bucket's array.
"""
from __future__ import annotations

import time

import numpy as np

from ..._tensor import Tensor
from ...autograd.graph import AccumulateGrad
from ...distributed._mpi import mpi
from ...distributed.process_group import ProcessGroup
from ...distributed.work import wait_requests

__all__ = ["Reducer"]

FIRST_BUCKET_BYTES = 1024 * 1024


def assign_buckets(params: list, cap_bytes: int, first_cap_bytes: int = FIRST_BUCKET_BYTES) -> list:
    """Lists of parameter indices, in reverse parameter order, one dtype per bucket and each under its cap
    (a parameter larger than the cap gets a bucket of its own)."""
    buckets, open_by_dtype = [], {}
    for i in reversed(range(len(params))):
        arr = params[i]._data
        cap = first_cap_bytes if not buckets else cap_bytes
        bucket = open_by_dtype.get(arr.dtype)
        if bucket is None or bucket[1] + arr.nbytes > cap and bucket[0]:
            bucket = open_by_dtype[arr.dtype] = ([], 0)
            buckets.append(bucket[0])
        bucket[0].append(i)
        open_by_dtype[arr.dtype] = (bucket[0], bucket[1] + arr.nbytes)
    return buckets


def graph_leaves(outputs) -> set:
    """ids of the leaf tensors whose gradients backward from `outputs` would accumulate."""
    stack, seen, leaves = [], set(), set()
    _collect_grad_fns(outputs, stack)
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            leaves.add(id(node.variable))
        stack.extend(edge[0] for edge in node.next if edge is not None)
    return leaves


def _collect_grad_fns(obj, out: list) -> None:
    if isinstance(obj, Tensor):
        out.append(obj.grad_fn)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _collect_grad_fns(item, out)
    elif isinstance(obj, dict):
        for item in obj.values():
            _collect_grad_fns(item, out)


class Reducer:
    def __init__(self, params: list, pg: ProcessGroup, cap_bytes: int, find_unused: bool) -> None:
        self.params = params
        self.pg = pg
        # a communicator of its own: buckets launched as backward reaches them cannot interleave with other
        # collectives of the group (SyncBatchNorm's, in backward too) in a different order on different ranks
        self.comm = pg.comm.Dup()
        self.find_unused = find_unused
        self.buckets = assign_buckets(params, cap_bytes)
        self.bucket_of = {i: b for b, bucket in enumerate(self.buckets) for i in bucket}
        self.armed = False  # a backward that must synchronise gradients is expected
        for i, p in enumerate(params):
            p.register_post_accumulate_grad_hook(self._hook(i))
        self.comm_seconds = 0.0  # time spent waiting for the reductions (what backward could not hide)

    def prepare(self, outputs) -> None:
        """A synchronised backward will follow the forward that produced `outputs`."""
        self.waiting = [len(b) for b in self.buckets]
        self.flats: list = [None] * len(self.buckets)
        self.requests: list = []
        self.next_bucket = 0
        self.locally_used = np.ones(len(self.params), np.int32)
        self.armed = True
        self.started = False
        if self.find_unused:  # parameters this backward will not reach are ready from the start
            reached = graph_leaves(outputs)
            for i, p in enumerate(self.params):
                if id(p) not in reached:
                    self.locally_used[i] = 0
                    self._mark_ready(i)

    @property
    def unfinished(self) -> bool:
        """Whether a backward began reducing gradients but some parameter never got its gradient."""
        return self.armed and self.started

    def _hook(self, i: int):
        def ready(param: Tensor) -> None:
            if self.armed:
                self.started = True
                self._mark_ready(i)
        return ready

    def _mark_ready(self, i: int) -> None:
        b = self.bucket_of[i]
        self.waiting[b] -= 1
        while self.next_bucket < len(self.buckets) and self.waiting[self.next_bucket] == 0:
            self._launch(self.next_bucket)
            self.next_bucket += 1
        if self.requests:
            mpi().Request.Testall(self.requests)  # MPI progresses non-blocking collectives inside its calls
        if self.next_bucket == len(self.buckets):
            self._finish()

    def _launch(self, b: int) -> None:
        MPI = mpi()
        grads = [self._grad(i).reshape(-1) for i in self.buckets[b]]
        flat = self.flats[b] = np.concatenate(grads)
        self.requests.append(self.comm.Iallreduce(MPI.IN_PLACE, flat, MPI.SUM))

    def _grad(self, i: int) -> np.ndarray:
        p = self.params[i]
        return p._grad._data if p._grad is not None else np.zeros_like(p._data)

    def _finish(self) -> None:
        start = time.perf_counter()
        self.armed = False
        requests = self.requests
        used = None
        if self.find_unused:  # a parameter no rank used keeps its gradient as it was, as in PyTorch
            used = self.locally_used
            requests = requests + [self.comm.Iallreduce(mpi().IN_PLACE, used, mpi().SUM)]
        wait_requests(requests, self.pg, "DistributedDataParallel's gradient all_reduce")
        size = self.pg.size()
        for bucket, flat in zip(self.buckets, self.flats):
            flat /= size
            at = 0
            for i in bucket:
                p = self.params[i]
                n = p._data.size
                if used is None or used[i]:
                    p.grad = Tensor._wrap(flat[at:at + n].reshape(p._data.shape))
                at += n
        self.comm_seconds += time.perf_counter() - start
