"""The registry: every workload of the suite, in the order the table prints them.

A workload's `build(torch, quick)` gets the library under test (PyTorch or flambeau, both spoken to
through PyTorch's API) and returns a zero-argument callable, one timed step; `quick` asks for a smaller
problem where the full one takes seconds. `per` divides the step's time (ops in a chain, samples in an
epoch), `unit` names the result, `target` is the ratio flambeau / PyTorch the issue asks for, and
`memory_target` the ratio of the two processes' peak resident memory, where the issue asks for one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Workload:
    name: str
    build: Callable
    target: float | None = None
    unit: str = "ms"
    per: int = 1
    kind: str = "step"  # "step": time build()'s callable; "import": wall time of importing the library
    memory_target: float | None = None


def _all() -> list:
    from . import compile, func, jit, layers, models, overhead, pipeline, sequence, startup, text, vision_tasks
    return [*models.WORKLOADS, *compile.WORKLOADS, *jit.WORKLOADS, *vision_tasks.WORKLOADS, *text.WORKLOADS, *overhead.WORKLOADS, *layers.WORKLOADS,
            *sequence.WORKLOADS, *func.WORKLOADS, *pipeline.WORKLOADS, *startup.WORKLOADS]


def registry() -> dict:
    """name -> Workload, in table order."""
    return {w.name: w for w in _all()}
