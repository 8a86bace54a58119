"""flambeau.autograd: the define-by-run graph, its engine and tools."""
import importlib

from .anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .graph import Node

# Imported on first use: Function needs the dispatch, which imports this package while flambeau is still loading,
# and the engine (backward, grad, gradcheck) is not needed to run a model, as jit.load does.
_LAZY = {"backward": "backward_api", "grad": "backward_api", "GradcheckError": "gradcheck", "gradcheck": "gradcheck",
         "gradgradcheck": "gradcheck", "Function": "function", "FunctionCtx": "function",
         "once_differentiable": "function", "function": None, "functional": None, "forward_ad": None,
         "profiler": None, "Variable": "variable", "variable": None}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    value = globals()[name] = module if _LAZY[name] is None else getattr(module, name)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "Node", "Function", "FunctionCtx", "once_differentiable", "gradcheck",
           "gradgradcheck", "GradcheckError", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "functional", "forward_ad", "Variable"]
