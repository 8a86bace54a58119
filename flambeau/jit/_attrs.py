"""A primitive's static arguments <-> JSON.

JSON has no tuples, dtypes, slices or infinities: those become one-key objects ({"tuple": [...]}), so
every JSON object in an encoded argument is a tag and decoding is unambiguous. Anything else (an array,
a function) cannot be saved, and the trace fails naming the primitive.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np


class UnserializableArgument(TypeError):
    pass


def encode(arg: Any) -> Any:
    if arg is None or type(arg) in (bool, int, str):
        return arg
    if type(arg) is float:
        return arg if math.isfinite(arg) else {"float": repr(arg)}
    if type(arg) is tuple:
        return {"tuple": [encode(a) for a in arg]}
    if type(arg) is list:
        return [encode(a) for a in arg]
    if type(arg) is dict and all(type(k) is str for k in arg):
        return {"dict": {k: encode(v) for k, v in arg.items()}}
    if isinstance(arg, np.dtype) or (isinstance(arg, type) and issubclass(arg, np.generic)):
        return {"dtype": np.dtype(arg).name}
    if isinstance(arg, np.generic) and arg.ndim == 0 and arg.dtype.kind in "biuf":
        return {"scalar": [arg.dtype.name, encode(arg.item())]}
    if type(arg) is slice:
        return {"slice": [encode(arg.start), encode(arg.stop), encode(arg.step)]}
    if arg is Ellipsis:
        return {"ellipsis": None}
    raise UnserializableArgument(f"{type(arg).__name__} {_short(arg)}")


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return [decode(a) for a in data]
    if not isinstance(data, dict):
        return data
    if len(data) != 1:
        raise ValueError(f"malformed argument {_short(data)}")
    (tag, body), = data.items()
    if tag == "float" and body in ("inf", "-inf", "nan"):
        return float(body)
    if tag == "tuple" and isinstance(body, list):
        return tuple(decode(a) for a in body)
    if tag == "dict" and isinstance(body, dict):
        return {k: decode(v) for k, v in body.items()}
    if tag == "dtype" and isinstance(body, str):
        return numpy_dtype(body)
    if tag == "scalar" and isinstance(body, list) and len(body) == 2:
        return numpy_dtype(body[0]).type(decode(body[1]))
    if tag == "slice" and isinstance(body, list) and len(body) == 3:
        return slice(*(decode(a) for a in body))
    if tag == "ellipsis":
        return Ellipsis
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
