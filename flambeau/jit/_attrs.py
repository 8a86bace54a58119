"""A primitive's static arguments <-> JSON.

JSON has no tuples, dtypes, slices or infinities: those become one-key objects ({"tuple": [...]}), so
every JSON object in an encoded argument is a tag and decoding is unambiguous. An array the trace computed
(max pooling's argmax, an index tensor's array) is {"value": name}, a reference to a value of the graph;
a Tensor argument (embedding's indices, kept for its backward) is {"tensor": name}.
A size computed from the dynamic dims of the inputs (a view's target, an expand's size) is {"sym": expr}: an
expression over the symbols s0, s1, ... that name those dims (the grammar is in flambeau/jit/_symbolic.py);
it decodes to a SizeExpr, which the interpreter evaluates for each run's input sizes.
Anything else (another array, a function) cannot be saved, and the trace fails naming the primitive.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .._tensor import Tensor
from ._symbolic import SizeExpr, SymInt, check


class UnserializableArgument(TypeError):
    pass


def encode(arg: Any, array_name: Callable[[np.ndarray], str]) -> Any:
    """`arg` as JSON; array_name(array) names the graph value of an array argument (or raises)."""
    if isinstance(arg, Tensor):
        return {"tensor": array_name(arg._data)}
    if arg is None or type(arg) in (bool, int, str):
        return arg
    if isinstance(arg, SymInt):
        return {"sym": arg.expr}
    if type(arg) is float:
        return arg if math.isfinite(arg) else {"float": repr(arg)}
    if type(arg) is tuple:
        return {"tuple": [encode(a, array_name) for a in arg]}
    if type(arg) is list:
        return [encode(a, array_name) for a in arg]
    if type(arg) is dict and all(type(k) is str for k in arg):
        return {"dict": {k: encode(v, array_name) for k, v in arg.items()}}
    if isinstance(arg, np.ndarray):
        return {"value": array_name(arg)}
    if isinstance(arg, np.dtype) or (isinstance(arg, type) and issubclass(arg, np.generic)):
        return {"dtype": np.dtype(arg).name}
    if isinstance(arg, np.generic) and arg.ndim == 0 and arg.dtype.kind in "biuf":
        return {"scalar": [arg.dtype.name, arg.item() if math.isfinite(arg.item()) else repr(arg.item())]}
    if type(arg) in (slice, range):
        return {type(arg).__name__: [encode(arg.start, array_name), encode(arg.stop, array_name),
                                     encode(arg.step, array_name)]}
    if arg is Ellipsis:
        return {"ellipsis": None}
    raise UnserializableArgument(f"{type(arg).__name__} {_short(arg)}")


def decode(data: Any, value: Callable[[str, bool], Any]) -> Any:
    """The argument `data` encodes; value(name, as_tensor) stands for a reference to a graph value."""
    if isinstance(data, list):
        return [decode(a, value) for a in data]
    if not isinstance(data, dict):
        return data
    if len(data) != 1:
        raise ValueError(f"malformed argument {_short(data)}")
    (tag, body), = data.items()
    if tag in ("value", "tensor") and isinstance(body, str):
        return value(body, tag == "tensor")
    if tag == "float" and body in ("inf", "-inf", "nan"):
        return float(body)
    if tag == "tuple" and isinstance(body, list):
        return tuple(decode(a, value) for a in body)
    if tag == "dict" and isinstance(body, dict):
        return {k: decode(v, value) for k, v in body.items()}
    if tag == "dtype" and isinstance(body, str):
        return numpy_dtype(body)
    if tag == "scalar" and isinstance(body, list) and len(body) == 2 and isinstance(body[0], str):
        return numpy_dtype(body[0]).type(body[1])
    if tag in ("slice", "range") and isinstance(body, list) and len(body) == 3:
        parts = [decode(a, value) for a in body]
        return slice(*parts) if tag == "slice" else range(*parts)
    if tag == "ellipsis":
        return Ellipsis
    if tag == "sym":
        return SizeExpr(check(body))
    raise ValueError(f"malformed argument {_short(data)}")


def numpy_dtype(name: str) -> np.dtype:
    """The NumPy dtype of a name; bfloat16 comes from ml_dtypes, as flambeau's own bfloat16 does."""
    if name == "bfloat16":
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    try:
        return np.dtype(name)
    except TypeError:
        raise ValueError(f"unknown dtype {name!r}") from None


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) < 80 else text[:77] + "..."
