"""flambeau.profiler (torch.profiler): per-op CPU times, ranges, memory and Chrome traces.

Ops are recorded at the dispatch point (an observer of flambeau/_dispatch.py), which costs one global read
per op when no profiler runs. Ops are named after flambeau's primitives ("flambeau::MatMul"), not aten's.
"""
from ._averages import EventList, FunctionEventAvg
from ._events import FunctionEvent
from ._schedule import ProfilerAction, ProfilerActivity, schedule, supported_activities
from .profiler import profile, tensorboard_trace_handler
from .record_function import record_function

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule", "supported_activities",
           "tensorboard_trace_handler", "EventList", "FunctionEvent", "FunctionEventAvg"]
