"""What the profiler records: one FunctionEvent per op or range, and the lists that hold them.

Times are in microseconds, as in PyTorch. The parent/child links are filled in once recording stops,
from the intervals themselves: an event is the child of the innermost event of its thread that
encloses it.
"""
from __future__ import annotations


class FunctionEvent:
    """One op run or one range (record_function, a backward node, a profiler step)."""

    __slots__ = ("id", "name", "thread", "start_us", "end_us", "input_shapes", "cpu_memory_usage",
                 "is_op", "stack", "cpu_children", "cpu_parent")

    def __init__(self, id: int, name: str, thread: int, start_us: float, end_us: float = -1.0,
                 input_shapes: list | None = None, cpu_memory_usage: int = 0, is_op: bool = True,
                 stack: list | None = None):
        self.id = id
        self.name = name
        self.thread = thread
        self.start_us = start_us
        self.end_us = end_us
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.cpu_memory_usage = cpu_memory_usage  # bytes its outputs allocated (ranges: their ops')
        self.is_op = is_op
        self.stack = stack if stack is not None else []  # "file(line): function", innermost call first
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None

    key = property(lambda self: self.name)
    count = property(lambda self: 1)
    time_range = property(lambda self: (self.start_us, self.end_us))

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    cpu_time = cpu_time_total

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_total:.3f}us "
                f"self_cpu_time={self.self_cpu_time_total:.3f}us input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


def link_children(events: list[FunctionEvent]) -> None:
    """Set cpu_parent/cpu_children from the time intervals, per thread; a range's memory is its ops'."""
    stacks: dict[int, list[FunctionEvent]] = {}
    # outer events first when two start together: earlier start, then longer
    for e in sorted(events, key=lambda e: (e.start_us, -e.end_us)):
        stack = stacks.setdefault(e.thread, [])
        while stack and stack[-1].end_us <= e.start_us:
            stack.pop()
        if stack:
            e.cpu_parent = stack[-1]
            stack[-1].cpu_children.append(e)
        stack.append(e)
    for e in sorted(events, key=lambda e: (-e.start_us, e.end_us)):  # inner first: children are summed already
        if not e.is_op:
            e.cpu_memory_usage = sum(c.cpu_memory_usage for c in e.cpu_children)
