"""record_function: a labelled range in the profile, as a context manager or a decorator."""
from __future__ import annotations

import functools
from typing import Any, Callable

from . import _recorder


class record_function:
    """Marks the code it wraps as one range named `name`; ops run inside nest under it.

    With no profiler recording it records nothing.
    """

    def __init__(self, name: str, args: str | None = None):
        self.name = name
        self.args = args
        self._ranges: list = []  # a stack, so one instance may be entered again before it exits

    def __enter__(self) -> "record_function":
        recorder = _recorder.active
        self._ranges.append(None if recorder is None else _recorder.Range(recorder.open(self.name)))
        return self

    def __exit__(self, *exc) -> bool:
        span = self._ranges.pop()
        if span is not None:
            span.__exit__()
        return False

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper
