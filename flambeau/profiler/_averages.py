"""EventList and its per-name averages (key_averages), as PyTorch's profiler returns them."""
from __future__ import annotations

from ._events import FunctionEvent


class FunctionEventAvg:
    """The events sharing one name (and input shapes, when grouped by them), summed."""

    def __init__(self, key: str, input_shapes: list | None = None, stack: list | None = None):
        self.key = key
        self.input_shapes = input_shapes
        self.stack = stack if stack is not None else []
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0

    def add(self, event: FunctionEvent) -> "FunctionEventAvg":
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        self.cpu_memory_usage += event.cpu_memory_usage
        self.self_cpu_memory_usage += event.self_cpu_memory_usage
        return self

    name = property(lambda self: self.key)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.3f}us "
                f"cpu_time={self.cpu_time:.3f}us input_shapes={self.input_shapes} count={self.count}>")


class EventList(list):
    """A list of FunctionEvent (or FunctionEventAvg) with PyTorch's summaries."""

    def __init__(self, events=(), profile_memory: bool = False):
        super().__init__(events)
        self._profile_memory = profile_memory  # show the memory columns

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> "EventList":
        """Events summed per name; also per input shapes, and per innermost `group_by_stack_n` call sites."""
        groups: dict = {}
        for e in self:
            shapes = e.input_shapes if group_by_input_shape else None
            stack = e.stack[:group_by_stack_n] if group_by_stack_n > 0 else []
            key = (e.key, str(shapes), tuple(stack))
            avg = groups.get(key)
            if avg is None:
                avg = groups[key] = FunctionEventAvg(e.key, shapes, stack)
            avg.add(e)
        return EventList(groups.values(), self._profile_memory)

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for e in self:
            total.add(e)
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_src_column_width: int = 75,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False) -> str:
        from ._table import build_table
        return build_table(self, sort_by, row_limit, max_src_column_width, max_name_column_width,
                           max_shapes_column_width, header, top_level_events_only, self._profile_memory)

    def export_chrome_trace(self, path: str) -> None:
        from ._trace import write_chrome_trace
        write_chrome_trace(self, path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """One line per op with a recorded stack and some time: its frames outermost first, joined by ";", then
        the metric in whole microseconds - the folded format flame graph tools read."""
        if metric != "self_cpu_time_total":
            raise ValueError("metric should be one of: ['self_cpu_time_total']")
        blanks = str.maketrans(" ;\t\n", "____")
        with open(path, "w") as f:
            for e in self:
                if e.stack and int(e.self_cpu_time_total) > 0:
                    frames = ";".join(frame.translate(blanks) for frame in reversed(e.stack))
                    f.write(f"{frames} {int(e.self_cpu_time_total)}\n")

    def __str__(self) -> str:
        return self.table()
