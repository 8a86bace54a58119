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
_TENSOR_FIRST = frozenset({"input", "self", "x", "y", "A", "condition", "tensors"})  # first parameter names of functions of a tensor
# PyTorch's functions written in Python that fail on a number with an AttributeError: left as they are
_ATTRIBUTE_ERROR_IN_TORCH = frozenset({"norm", "pca_lowrank", "svd_lowrank"})


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



def tensor_input(fn, name: str):
    """`fn`, whose first argument (or every argument, for f(*tensors)) is a tensor, refusing anything else
    with PyTorch's TypeError (an int or a float would otherwise fail deep inside, as an AttributeError on
    `._data`); `fn` itself otherwise."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if name in _ATTRIBUTE_ERROR_IN_TORCH or code is None:
        return fn
    if code.co_argcount:
        argument = code.co_varnames[0]
    elif code.co_flags & inspect.CO_VARARGS and code.co_kwonlyargcount + 1 <= len(code.co_varnames):
        argument = code.co_varnames[code.co_kwonlyargcount]  # the *args name follows the keyword-only ones
    else:
        return fn
    if argument not in _TENSOR_FIRST:
        return fn

    @functools.wraps(fn)
    def op(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AttributeError:
            from .._tensor import Tensor
            given = args if args else (kwargs.get(argument),)
            stray = next((i for i, a in enumerate(given) if not isinstance(a, Tensor)), None)
            if stray is None or (code.co_argcount and stray > 0):
                raise
            raise TypeError(f"{name}(): argument '{argument}' (position {stray + 1}) must be Tensor, not "
                            f"{type(given[stray]).__name__}") from None
    return op
