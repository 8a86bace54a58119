"""NumPy's argument names as aliases, as PyTorch's argument parser accepts them: `axis` for `dim`,
`keepdims` for `keepdim`, and `x`/`a`/`x1` for `input` (`x.sum(axis=1, keepdims=True)`).

PyTorch accepts them on its native functions and methods; those written in Python (torch.norm,
torch.split, torch.unique, Tensor.unflatten, ...) refuse them, and so do ours.
"""
from __future__ import annotations

import functools
import inspect

_ALIASES = {"dim": ("axis",), "keepdim": ("keepdims",), "input": ("x", "a", "x1")}
# functions PyTorch implements in Python, whose signatures know no aliases
PYTHON_LEVEL = frozenset({"norm", "split", "unique", "unique_consecutive", "stft", "istft", "lu"})
PYTHON_LEVEL_METHODS = PYTHON_LEVEL | {"unflatten"}


def accept_numpy_names(fn, name: str, method: bool = False):
    """`fn` taking the aliases of its `dim`/`keepdim`/`input` arguments too; `fn` itself where it has no
    `dim` or `keepdim` argument (no wrapper, so the elementwise fast path stays as it is)."""
    if name in (PYTHON_LEVEL_METHODS if method else PYTHON_LEVEL) or not callable(fn):
        return fn
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn
    if "dim" not in params and "keepdim" not in params:
        return fn
    renames = {alias: real for real, aliases in _ALIASES.items() if real in params for alias in aliases}

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs and not renames.keys().isdisjoint(kwargs):
            kwargs = _renamed(kwargs, renames, name)
        return fn(*args, **kwargs)
    return op


def _renamed(kwargs: dict, renames: dict, name: str) -> dict:
    out = {}
    for key, value in kwargs.items():
        real = renames.get(key, key)
        if real in out:
            raise TypeError(f"{name}() got multiple values for argument '{real}'")
        out[real] = value
    return out
