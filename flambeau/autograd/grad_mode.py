"""Grad mode: whether operations record the graph. Read on every op, so kept as class attributes."""
from __future__ import annotations

import functools


class STATE:
    enabled = True      # record graphs
    inference = False   # inside inference_mode
    anomaly = False     # detect_anomaly: keep forward stack traces, check backward for NaN


class _GradModeContext:
    """Base of the grad-mode context managers; each also works as a decorator."""

    _mode = True

    def __enter__(self):
        self._prev = STATE.enabled
        STATE.enabled = self._mode

    def __exit__(self, *exc):
        STATE.enabled = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    _mode = False


class enable_grad(_GradModeContext):
    _mode = True


class set_grad_enabled(_GradModeContext):
    def __init__(self, mode: bool):
        self._mode = bool(mode)
        self._prev = STATE.enabled
        STATE.enabled = self._mode  # takes effect when called, like PyTorch's function form

    def __enter__(self):
        pass

    def __call__(self, func):
        STATE.enabled = self._prev
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)
        return wrapper


class inference_mode(_GradModeContext):
    def __init__(self, mode: bool = True):
        self._mode = not mode
        self._inference = mode

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self._mode
        STATE.inference = self._inference

    def __exit__(self, *exc):
        STATE.enabled, STATE.inference = self._prev
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError("inference_mode expects a mode or a function")
        mode = self._inference

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return func(*args, **kwargs)
        return wrapper


def is_grad_enabled() -> bool:
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference
