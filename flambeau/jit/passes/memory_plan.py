"""Static memory planning: value lifetimes, a buffer assignment that reuses dead intermediates' memory, and
the in-place writes the runtime performs.

Lifetimes are taken over alias classes: a node that may return a view of its input (anything not known to
allocate its output) extends the input's class, so a buffer is free only when every view of it is dead.
`plan_memory` lets each fused elementwise node whose chain starts from a freshly allocated value that dies
there write into that value's buffer (fused.py's in_place); `memory_plan` reports the assignment: its peak
(the planned buffers' total) against the naive sum of every intermediate's own buffer.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Graph, Node
from ._graph import nbytes, primitive, used_names
from .channels_last import CL_CONV, CL_DEPTHWISE, CL_POOL, TO_FIRST
from .fused import FUSED
from .max_pool import VALUES

# primitives whose output is always a new array (NumPy ufuncs, matmul, the convolution kernels, max pooling)
_ALLOCATES = {FUSED, VALUES, CL_CONV, CL_DEPTHWISE, CL_POOL, TO_FIRST, "flambeau.ops.conv.Conv", "flambeau.ops.matmul.MatMul", "flambeau.ops.elementwise.Add",
              "flambeau.ops.elementwise.Sub", "flambeau.ops.elementwise.Mul", "flambeau.ops.elementwise.Div",
              "flambeau.ops.elementwise_math.Relu"}
_FOREVER = float("inf")


@dataclass
class MemoryPlan:
    buffers: list[int]            # the bytes of each planned buffer
    assignment: dict[str, int]    # intermediate value name -> its buffer (views share their base's)
    in_place: list[str]           # values computed into the buffer of the value their chain starts from
    naive_bytes: int              # every intermediate in its own buffer, none freed

    @property
    def peak_bytes(self) -> int:
        return sum(self.buffers)

    def __str__(self) -> str:
        return (f"memory plan: {len(self.buffers)} buffers, peak {self.peak_bytes / 2**20:.2f} MiB "
                f"(naive {self.naive_bytes / 2**20:.2f} MiB), {len(self.in_place)} in-place steps")


class _Lifetimes:
    """Each value's alias class and each class's last reader (node index; _FOREVER for outputs).

    Guards extend no lifetime: a value guard is checked as soon as its value is computed, and a shape guard
    reads a shape, which an in-place write keeps."""

    def __init__(self, graph: Graph):
        self.cls: dict[str, int] = {}
        self.members: dict[int, list[str]] = {}
        self.last: dict[int, float] = {}
        for v in [*graph.inputs, *graph.params.values(), *graph.constants]:
            self._new(v.name, _FOREVER)   # the caller's and the program's own arrays are never written
        for i, n in enumerate(graph.nodes):
            reads = used_names(n)
            for name in reads:
                if name in self.cls:
                    c = self.cls[name]
                    self.last[c] = max(self.last[c], i)
            if _writes_input(n):   # its output is its start input's buffer
                aliased = [n.inputs[n.attrs[1]].name]
            elif n.op in _ALLOCATES:
                aliased = []
            else:                  # it may return a view of any input
                aliased = [name for name in reads if name in self.cls]
            for v in n.outputs:
                self._new(v.name, i)
                for name in aliased:
                    self.join(v.name, name)
        for v in graph.outputs:
            self.last[self.cls[v.name]] = _FOREVER

    def _new(self, name: str, birth) -> None:
        c = len(self.cls)
        self.cls[name] = c
        self.members[c] = [name]
        self.last[c] = birth

    def join(self, name: str, other: str) -> None:
        """`name` and `other` may share memory from now on: one class, living as long as either."""
        a, b = self.cls[name], self.cls[other]
        if a != b:
            for member in self.members[a]:
                self.cls[member] = b
            self.members[b] += self.members.pop(a)
            self.last[b] = max(self.last[b], self.last.pop(a))

    def dies_at(self, name: str, i: int) -> bool:
        return self.last[self.cls[name]] == i


def _writes_input(n: Node) -> bool:
    return n.op == FUSED and bool(n.attrs[2])


def plan_memory(graph: Graph, constants: dict) -> tuple[Graph, dict]:
    """Let fused chains write into the buffer of the value they start from where nothing reads it afterwards."""
    life = _Lifetimes(graph)
    fresh = {v.name for n in graph.nodes if n.op in _ALLOCATES and not _writes_input(n) for v in n.outputs}
    for i, n in enumerate(graph.nodes):
        if n.op != FUSED or _writes_input(n):
            continue
        start = n.inputs[n.attrs[1]]
        same_class = [v for v in n.inputs if life.cls[v.name] == life.cls[start.name]]
        if (start.name in fresh and start.type == n.outputs[0].type and len(same_class) == 1
                and life.dies_at(start.name, i)):
            n.attrs = [n.attrs[0], n.attrs[1], True]
            life.join(n.outputs[0].name, start.name)
    return graph, constants


def memory_plan(graph: Graph, sizes: dict | None = None) -> MemoryPlan:
    """Assign every intermediate a buffer, reusing the buffers of values whose whole alias class is dead.
    `sizes` gives the symbolic dims their sizes (1 where missing: the plan is then per unit of that dim)."""
    life = _Lifetimes(graph)
    buffers: list[int] = []
    free: list[int] = []
    busy: dict[int, float] = {}     # buffer -> the last reader of any value it holds
    assignment: dict[str, int] = {}
    in_place, naive = [], 0
    for i, n in enumerate(graph.nodes):
        view = not n.blocks and primitive(n).is_view   # control flow's outputs count as new buffers
        for v in n.outputs:
            shared = None
            size = nbytes(v, sizes)
            naive += 0 if view else size
            if _writes_input(n):
                shared = assignment.get(n.inputs[n.attrs[1]].name)
                in_place.append(v.name)
            elif view and n.inputs:
                shared = assignment.get(n.inputs[0].name)
            if shared is None and not view:
                fits = [b for b in free if buffers[b] >= size]
                shared = min(fits, key=buffers.__getitem__) if fits else len(buffers)
                if fits:
                    free.remove(shared)
                else:
                    buffers.append(size)
            if shared is not None:
                assignment[v.name] = shared
                busy[shared] = max(busy.get(shared, -1), life.last[life.cls[v.name]])
        for b, until in list(busy.items()):
            if until <= i:
                free.append(b)
                del busy[b]
    return MemoryPlan(buffers, assignment, in_place, naive)
