"""Anomaly detection: record each node's forward stack trace and check backward for NaN.

The dispatch keeps `node.trace` while `STATE.anomaly` is on; the engine reads it to say which
forward operation produced a failing (or NaN-returning) backward node.
"""
from __future__ import annotations

import warnings

from .grad_mode import STATE, _decorate


class _AnomalyMode:
    def __init__(self, mode: bool, check_nan: bool) -> None:
        self.mode, self.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        self._prev = (STATE.anomaly, STATE.check_nan)
        STATE.anomaly, STATE.check_nan = self.mode, self.check_nan

    def __exit__(self, *exc) -> bool:
        STATE.anomaly, STATE.check_nan = self._prev
        return False


class detect_anomaly(_AnomalyMode):
    """Context manager (and decorator) that turns anomaly detection on inside its block."""

    def __init__(self, check_nan: bool = True) -> None:
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)
        super().__init__(True, check_nan)

    def __call__(self, func):
        return _decorate(func, lambda: _AnomalyMode(True, self.check_nan))


class set_detect_anomaly(_AnomalyMode):
    """Turns anomaly detection on or off when called; as a context manager, restores it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(mode, check_nan)
        super().__enter__()

    def __enter__(self) -> None:
        pass


def is_anomaly_enabled() -> bool:
    return STATE.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return STATE.check_nan
