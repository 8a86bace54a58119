"""Arguments checked against their annotations as TorchScript reads them: an unannotated argument is a Tensor;
int, float, bool, str, Optional[T], List[T], Tuple[...], Dict[K, V] and Tensor are checked, Python numbers are
interchangeable as TorchScript's conversions allow (a float is no int)."""
from __future__ import annotations

import inspect
import typing
from typing import Any, Callable

from ..._tensor import Tensor

_NUMBERS = {int: (int, bool), float: (int, float, bool), bool: (int, bool)}


class Signature:
    """A scripted function's parameters (self left out) with their TorchScript types."""

    def __init__(self, fn: Callable, skip_self: bool):
        self.name = fn.__name__
        self.signature = inspect.signature(fn)
        try:
            hints = typing.get_type_hints(fn)
        except Exception:   # an annotation that cannot be evaluated here: read as written
            hints = dict(getattr(fn, "__annotations__", {}))
        params = list(self.signature.parameters.values())[1 if skip_self else 0:]
        if skip_self:
            self.signature = self.signature.replace(parameters=params)
        self.types = {p.name: hints.get(p.name, Tensor) for p in params}
        self.annotated = {p.name for p in params if p.name in hints}

    def bind(self, args: tuple, kwargs: dict) -> tuple:
        """The positional arguments of a call, defaults filled in, each checked against its type."""
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as e:
            raise RuntimeError(f"{self.name}() {e}") from None
        bound.apply_defaults()
        for position, (name, value) in enumerate(bound.arguments.items()):
            expected = self.types[name]
            if not matches(expected, value):
                inferred = "" if name in self.annotated else " (inferred)"
                raise RuntimeError(f"{self.name}() Expected a value of type '{type_name(expected)}{inferred}' for "
                                   f"argument '{name}' but instead found type '{type(value).__name__}'.\n"
                                   f"Position: {position}\nValue: {value!r}")
        return bound.args


def matches(expected: Any, value: Any) -> bool:
    if expected is Any or expected is inspect.Parameter.empty:
        return True
    if expected is Tensor:
        return isinstance(value, Tensor)
    if expected in _NUMBERS:
        return type(value) in _NUMBERS[expected]
    if expected is None or expected is type(None):
        return value is None
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin is typing.Union:
        return any(matches(a, value) for a in args)
    if origin is list:   # TorchScript takes a tuple for a list
        return isinstance(value, (list, tuple)) and (not args or all(matches(args[0], v) for v in value))
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(matches(args[0], v) for v in value)
        return not args or (len(args) == len(value) and all(matches(a, v) for a, v in zip(args, value)))
    if origin is dict:
        return isinstance(value, dict) and (not args or all(matches(args[0], k) and matches(args[1], v)
                                                            for k, v in value.items()))
    if isinstance(expected, type):
        return isinstance(value, expected)
    return True   # an annotation TorchScript's subset does not name (a string left unevaluated): not checked


def type_name(t: Any) -> str:
    if t is Tensor:
        return "Tensor"
    if isinstance(t, type):
        return t.__name__
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Union and len(args) == 2 and type(None) in args:
        return f"Optional[{type_name(next(a for a in args if a is not type(None)))}]"
    names = {list: "List", tuple: "Tuple", dict: "Dict", typing.Union: "Union"}
    if origin in names:
        return f"{names[origin]}[{', '.join('...' if a is Ellipsis else type_name(a) for a in args)}]"
    return str(t)
