"""Helpers shared by the model builders: channel rounding, checks of builder keyword arguments against the
chosen weights, and the pre-0.13 `pretrained=` interface."""
from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Callable, TypeVar, Union

from ._api import WeightsEnum

V = TypeVar("V")
D = TypeVar("D")


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round a channel count to the nearest multiple of `divisor` (at least `min_value`), never going more
    than 10% below `v` (the rule of the TensorFlow MobileNet reference)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _ovewrite_named_param(kwargs: dict[str, Any], param: str, new_value: V) -> None:
    """Set kwargs[param] to what the weights need; a different value given by the caller is a ValueError.
    (The misspelling is torchvision's name, kept so code written against it finds the helper.)"""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _ovewrite_value_param(param: str, actual: V | None, expected: V) -> V:
    """`expected`, after checking that `actual` (when given) agrees with it."""
    if actual is not None and actual != expected:
        raise ValueError(f"The parameter '{param}' expected value {expected} but got {actual} instead.")
    return expected


def kwonly_to_pos_or_kw(fn: Callable[..., D]) -> Callable[..., D]:
    """Let the keyword-only parameters of `fn` also be passed positionally, with a deprecation warning
    (builders' arguments were positional before torchvision 0.13)."""
    names = list(inspect.signature(fn).parameters.items())
    start = next((i for i, (_, p) in enumerate(names) if p.kind == p.KEYWORD_ONLY), None)
    if start is None:
        raise TypeError(f"Found no keyword-only parameter on function '{fn.__name__}'")
    keyword_only = [name for name, _ in names[start:]]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> D:
        extra = dict(zip(keyword_only, args[start:]))
        if extra:
            warnings.warn(f"Using {', '.join(extra)} as positional parameter(s) is deprecated since 0.13 and may "
                          f"be removed in the future. Please use keyword parameter(s) instead.")
            kwargs.update(extra)
        return fn(*args[:start], **kwargs)
    return wrapper


LegacyDefault = Union[WeightsEnum, None, Callable[[dict[str, Any]], Union[WeightsEnum, None]]]


def handle_legacy_interface(**weights: tuple[str, LegacyDefault]) -> Callable[[Callable[..., D]], Callable[..., D]]:
    """Decorate a builder so that the old `pretrained=True/False` (keyword, or positional in the place of
    `weights`) still works: True means the given default weights (or default(kwargs) when callable), False
    means None, with torchvision's deprecation warnings. Usage: handle_legacy_interface(weights=("pretrained",
    ResNet18_Weights.IMAGENET1K_V1))."""
    def outer(builder: Callable[..., D]) -> Callable[..., D]:
        @kwonly_to_pos_or_kw
        @functools.wraps(builder)
        def inner(*args: Any, **kwargs: Any) -> D:
            for weights_param, (pretrained_param, default) in weights.items():
                positional = weights_param in kwargs  # e.g. a bool passed where `weights` now stands
                if positional:
                    value = kwargs[weights_param]
                    if value is None or isinstance(value, WeightsEnum) or (isinstance(value, str)
                                                                           and value != "legacy"):
                        continue  # the new interface
                elif pretrained_param not in kwargs:
                    continue
                pretrained = kwargs.pop(weights_param) if positional else kwargs[pretrained_param]
                kwargs[pretrained_param] = pretrained
                chosen = None
                if pretrained:
                    chosen = default(kwargs) if callable(default) else default
                    if not isinstance(chosen, WeightsEnum):
                        raise ValueError(f"No weights available for model {builder.__name__}")
                if not positional:
                    warnings.warn(f"The parameter '{pretrained_param}' is deprecated since 0.13 and may be removed in "
                                  f"the future, please use '{weights_param}' instead.")
                msg = (f"Arguments other than a weight enum or `None` for '{weights_param}' are deprecated since 0.13 "
                       f"and may be removed in the future. The current behavior is equivalent to passing "
                       f"`{weights_param}={chosen}`.")
                if pretrained:
                    msg += (f" You can also use `{weights_param}={type(chosen).__name__}.DEFAULT` to get the most "
                            f"up-to-date weights.")
                warnings.warn(msg)
                del kwargs[pretrained_param]
                kwargs[weights_param] = chosen
            return builder(*args, **kwargs)
        return inner
    return outer
