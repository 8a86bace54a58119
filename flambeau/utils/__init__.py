"""flambeau.utils: helpers around the core (torch.utils): checkpoint, data, dlpack.

Each is imported on first use: the core uses flambeau.utils._pytree, and a model loaded by jit.load runs without
the autograd engine (checkpoint) or the data loader.
"""
import importlib

__all__ = ["checkpoint", "data", "dlpack"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)  # the import binds it here
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
