"""flambeau.profiler.profile: record the ops a region of code runs, optionally over a schedule of steps."""
from __future__ import annotations

import os
import time
import warnings
from typing import Callable, Iterable

from ._averages import EventList
from ._recorder import Recorder
from ._schedule import ProfilerAction, ProfilerActivity
from .record_function import record_function

_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


class profile:
    """Records every op run through flambeau's dispatch (forward and backward) while active.

    with_stack records where each op was called from (FunctionEvent.stack, key_averages(group_by_stack_n=...),
    export_stacks). with_flops, with_modules, experimental_config and acc_events are accepted for compatibility
    and record nothing more.
    """

    def __init__(self, *, activities: Iterable[ProfilerActivity] | None = None,
                 schedule: Callable[[int], ProfilerAction] | None = None,
                 on_trace_ready: Callable[["profile"], None] | None = None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False, with_flops: bool = False,
                 with_modules: bool = False, experimental_config=None, acc_events: bool = False):
        if activities is not None and set(activities) - {ProfilerActivity.CPU}:
            warnings.warn("flambeau's profiler records CPU activity only; other activities are ignored", stacklevel=2)
        self.activities = set(activities) if activities is not None else {ProfilerActivity.CPU}
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.schedule = schedule if schedule is not None else _always_record
        self.record_steps = schedule is not None  # ProfilerStep#N ranges mark the steps
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = None
        self._recorder: Recorder | None = None
        self._events: EventList | None = None
        self._step_range: record_function | None = None

    def __enter__(self) -> "profile":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.current_action = self.schedule(self.step_num)
        self._transit(None, self.current_action)
        self._open_step()

    def stop(self) -> None:
        self._close_step()
        self._transit(self.current_action, None)
        self.current_action = None

    def step(self) -> None:
        """Marks the start of the next step; the schedule decides whether it is recorded."""
        self._close_step()
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(previous, self.current_action)
        self._open_step()

    def _transit(self, previous, current) -> None:
        if self._recorder is not None and (previous is ProfilerAction.RECORD_AND_SAVE or current not in _RECORDING):
            self._events = EventList(self._recorder.stop(), self.profile_memory)
            self._recorder = None
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        if self._recorder is None and current in _RECORDING:
            self._recorder = Recorder(self.record_shapes, self.profile_memory, self.with_stack)
            self._recorder.start()

    def _open_step(self) -> None:
        if self.record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _close_step(self) -> None:
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    def events(self) -> EventList:
        """The events of the last finished recording."""
        if self._events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self._events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        self.events().export_stacks(path, metric)

    def export_chrome_trace(self, path: str) -> None:
        self.events().export_chrome_trace(path)


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False) -> Callable[[profile], None]:
    """An on_trace_ready callback writing each trace to `dir_name` as `<worker>.<ns>.pt.trace.json[.gz]`,
    the files TensorBoard's profiler plugin reads."""

    def handler(prof: profile) -> None:
        import socket
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        path = os.path.join(dir_name, f"{worker}.{time.time_ns()}.pt.trace.json")
        prof.export_chrome_trace(path)
        if use_gzip:
            import gzip
            import shutil
            with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.remove(path)

    return handler
