"""Grad mode: whether operations record the graph. Read on every op, so kept as class attributes."""
from __future__ import annotations

import functools
import inspect


class STATE:
    enabled = True      # record graphs
    inference = False   # inside inference_mode
    anomaly = False     # detect_anomaly: keep forward stack traces, name the failing node's forward op
    check_nan = True    # with anomaly: a NaN produced by a backward node is an error


class _GradModeContext:
    """Base of the grad-mode context managers; each also works as a decorator (`@no_grad()`),
    on plain functions and on generator functions (each step runs under the mode)."""

    _mode = True

    def __enter__(self) -> None:
        self._prev = STATE.enabled
        STATE.enabled = self._mode

    def __exit__(self, *exc) -> bool:
        STATE.enabled = self._prev
        return False

    def clone(self):
        return self.__class__()

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"{type(self).__name__} expects a callable to decorate, got {type(func).__name__}")
        return _decorate(func, self.clone)


def _decorate(func, make_context):
    """Wrap `func` so every call (or every generator step) runs inside a fresh `make_context()`."""
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def generator(*args, **kwargs):
            gen = func(*args, **kwargs)
            with make_context():
                value = next(gen)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with make_context():
                        gen.close()
                    raise
                except BaseException as exc:  # noqa: BLE001 - forwarded into the wrapped generator
                    with make_context():
                        value = gen.throw(exc)
                else:
                    with make_context():
                        value = gen.send(sent)
        return generator

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with make_context():
            return func(*args, **kwargs)
    return wrapper


class _NoParamContext(_GradModeContext):
    """`@no_grad` works without parentheses too, like PyTorch."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamContext):
    _mode = False


class enable_grad(_NoParamContext):
    _mode = True


class set_grad_enabled(_GradModeContext):
    """Takes effect when called (the function form), restores the previous mode on exit."""

    def __init__(self, mode: bool):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' (position 1) must be bool, not {type(mode).__name__}")
        self._mode = mode
        self._prev = STATE.enabled
        STATE.enabled = mode

    def __enter__(self) -> None:
        pass

    def clone(self):
        return set_grad_enabled(self._mode)

    def __call__(self, func):
        STATE.enabled = self._prev  # as a decorator it must not change the mode at definition time
        return super().__call__(func)


class inference_mode(_GradModeContext):
    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # bare `@inference_mode`

    def __init__(self, mode: bool = True):
        self._inference = mode

    def __enter__(self) -> None:
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = not self._inference
        STATE.inference = self._inference

    def __exit__(self, *exc) -> bool:
        STATE.enabled, STATE.inference = self._prev
        return False

    def clone(self):
        return inference_mode(self._inference)


def is_grad_enabled() -> bool:
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference
