"""flambeau.vision: torchvision's counterpart (`import flambeau.vision as torchvision`).

Submodules load on first use, so `import flambeau.vision` stays cheap and Pillow is only
needed by the parts that touch PIL images.
"""
from __future__ import annotations

import importlib

__version__ = "0.29.1"
_SUBMODULES = ("datasets", "io", "models", "ops", "transforms", "tv_tensors", "utils")
__all__ = list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'flambeau.vision' has no attribute {name!r}")
