"""torch.autograd.profiler: the older profiler interface, over the same recorder as flambeau.profiler."""
from __future__ import annotations

from ..profiler._averages import EventList, FunctionEventAvg
from ..profiler._recorder import Recorder
from ..profiler.record_function import record_function


class profile:
    """Records the ops run while active; `enabled=False` records nothing.

    use_cuda/use_device, with_flops and with_modules (and the other options) are accepted for compatibility only.
    """

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False, use_device: str | None = None,
                 record_shapes: bool = False, with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False, use_kineto: bool = False,
                 use_cpu: bool = True, experimental_config=None, acc_events: bool = False):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.function_events: EventList | None = None
        self._recorder: Recorder | None = None

    def __enter__(self) -> "profile":
        if self.enabled:
            self._recorder = Recorder(self.record_shapes, self.profile_memory, self.with_stack)
            self._recorder.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._recorder is not None:
            self.function_events = EventList(self._recorder.stop(), self.profile_memory)
            self._recorder = None

    def _finished(self) -> EventList:
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self.function_events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        return self._finished().key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs) -> str:
        return self._finished().table(sort_by, row_limit, **kwargs)

    def export_chrome_trace(self, path: str) -> None:
        self._finished().export_chrome_trace(path)

    def total_average(self) -> FunctionEventAvg:
        return self._finished().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self._finished().self_cpu_time_total

    def __str__(self) -> str:
        return str(self._finished())


__all__ = ["profile", "record_function", "EventList"]
