"""Chrome trace export: one complete ("X") event per op or range, for chrome://tracing and Perfetto.

Ranges (record_function, backward nodes, profiler steps) enclose the ops run inside them in time on the
same thread, which is how the viewers nest them.
"""
from __future__ import annotations

import json
import os


def trace_events(events) -> list[dict]:
    pid = os.getpid()
    out = []
    for e in events:
        event = {"ph": "X", "cat": "cpu_op" if e.is_op else "user_annotation", "name": e.name, "pid": pid,
                 "tid": e.thread, "ts": e.start_us, "dur": e.cpu_time_total, "args": {"Ev Idx": e.id}}
        if e.input_shapes:
            event["args"]["Input Dims"] = e.input_shapes
        out.append(event)
    return out


def write_chrome_trace(events, path: str) -> None:
    with open(path, "w") as f:
        json.dump({"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace_events(events)}, f)
