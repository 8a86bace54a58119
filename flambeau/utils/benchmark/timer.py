"""Timer: time a Python statement the way torch.utils.benchmark.Timer does, returning Measurements."""
from __future__ import annotations

import contextlib
import timeit as _timeit
from typing import Callable

import numpy as np

from .measurement import Measurement, TaskSpec


class Timer:
    """Times `stmt` (Python source) after `setup`, in a namespace holding `globals` and `torch` (flambeau).

    Only Python statements are timed: PyTorch's C++ mode (language, global_setup) has no counterpart here.
    """

    def __init__(self, stmt: str = "pass", setup: str = "pass", timer: Callable[[], float] = _timeit.default_timer,
                 globals: dict | None = None, label: str | None = None, sub_label: str | None = None,
                 description: str | None = None, env: str | None = None, num_threads: int = 1):
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        import flambeau
        namespace = dict(globals or {})
        namespace.setdefault("torch", flambeau)
        self._timer = _timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=namespace)
        self._task_spec = TaskSpec(stmt=stmt, setup=setup, label=label, sub_label=sub_label,
                                   description=description, env=env, num_threads=num_threads)

    @contextlib.contextmanager
    def _threads(self):
        """flambeau's intra-op thread count set to num_threads while measuring, then restored."""
        import flambeau
        previous = flambeau.get_num_threads()
        wanted = self._task_spec.num_threads
        if wanted != previous:
            flambeau.set_num_threads(wanted)
        try:
            yield
        finally:
            if wanted != previous:
                flambeau.set_num_threads(previous)

    def timeit(self, number: int = 1000000) -> Measurement:
        """One measurement of `number` runs, after a short warm-up."""
        with self._threads():
            self._timer.timeit(number=max(number // 100, 2))
            return Measurement(number, [self._timer.timeit(number=number)], self._task_spec)

    def _block_size(self, min_run_time: float) -> int:
        """Runs per measured block: enough that the timer's own overhead is negligible (1e-4 of the block)
        and a block lasts min_run_time / 1000, but no block longer than min_run_time."""
        overhead = float(np.median([self._timer.timeit(number=0) for _ in range(5)]))
        number = 1
        while number * 10 <= 2 ** 31 - 1:
            taken = self._timer.timeit(number=number)
            if taken > min_run_time or (overhead <= 1e-4 * taken and taken >= min_run_time / 1000):
                break
            number *= 10
        return number

    def _measure(self, number: int, min_run_time: float, enough: Callable[[list], bool],
                 max_run_time: float | None = None, callback: Callable | None = None) -> list[float]:
        """Blocks of `number` runs until they add up to min_run_time and `enough` agrees (or max_run_time)."""
        times: list[float] = []
        total = 0.0
        while total < min_run_time or not enough(times):
            spent = self._timer.timeit(number=number)
            times.append(spent)
            total += spent
            if callback is not None:
                callback(number, spent)
            if max_run_time is not None and total > max_run_time:
                break
        return times

    def blocked_autorange(self, callback: Callable[[int, float], None] | None = None,
                          min_run_time: float = 0.2) -> Measurement:
        """Blocks of runs sized so the timer's overhead vanishes, for at least min_run_time seconds in all."""
        with self._threads():
            number = self._block_size(min_run_time)
            times = self._measure(number, min_run_time, lambda times: True, callback=callback)
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(self, threshold: float = 0.1, *, min_run_time: float = 0.01, max_run_time: float = 10.0,
                           callback: Callable[[int, float], None] | None = None) -> Measurement:
        """Blocks until at least four agree: their interquartile range under `threshold` of the median."""
        def enough(times: list) -> bool:
            return len(times) > 3 and Measurement(number, times, self._task_spec).meets_confidence(threshold)

        with self._threads():
            number = self._block_size(min_run_time=0.05)
            times = self._measure(number, min_run_time, enough, max_run_time, callback)
        return Measurement(number, times, self._task_spec)
