"""Building a net's parts from its parameters: the module, the criterion and the callbacks."""
from __future__ import annotations

import copy
import inspect
from typing import Any

from sklearn.base import clone

from ..nn import Module
from .callbacks import Callback


def instantiate(spec: Any, kwargs: dict[str, Any], inferred: dict[str, Any] | None = None) -> Any:
    """An instance from a class or an instance (as skorch: an instance given with kwargs is rebuilt from
    its class). The instance itself is copied so that training never changes the net's parameter.
    `inferred` holds arguments the data decided (in_features, out_features): passed where the class's
    constructor takes them and the user did not set them."""
    if not isinstance(spec, type):
        if not kwargs:
            return copy.deepcopy(spec)
        spec = type(spec)
    accepted = _parameter_names(spec)
    filled = {name: value for name, value in (inferred or {}).items() if name in accepted and name not in kwargs}
    return spec(**filled, **kwargs)


def _parameter_names(cls: type) -> set[str]:
    try:
        return set(inspect.signature(cls).parameters)
    except (TypeError, ValueError):  # a signature Python cannot read: infer nothing
        return set()


def build_callbacks(callbacks: list | None, params: dict[str, Any]) -> list[tuple[str, Callback]]:
    """Clones of the callbacks as (name, callback) pairs, a callback given alone named after its class,
    with the net's `callbacks__<name>__<param>` parameters (here without the prefix) set on them."""
    named = []
    for item in callbacks or []:
        name, callback = item if isinstance(item, tuple) else (type(item).__name__, item)
        if not isinstance(callback, Callback):
            raise TypeError(f"callbacks: {name} is a {type(callback).__name__}, not a flambeau.sklearn Callback")
        named.append((name, clone(callback)))
    by_name = dict(named)
    if len(by_name) != len(named):
        raise ValueError(f"callbacks: names must be unique (name them with (name, callback) pairs), "
                         f"got {[name for name, _ in named]}")
    for key, value in params.items():
        name, _, param = key.partition("__")
        if name not in by_name:
            raise ValueError(f"callbacks__{key}: no callback is named {name!r}; the callbacks are {list(by_name)}")
        by_name[name].set_params(**{param: value})
    return named
