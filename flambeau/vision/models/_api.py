"""torchvision.models._api: the Weights/WeightsEnum description of pretrained weights and the model registry
(register_model, list_models, get_model, get_model_builder, get_model_weights, get_weight)."""
from __future__ import annotations

import fnmatch
import importlib
import inspect
from dataclasses import dataclass
from enum import Enum
from functools import partial
from types import ModuleType
from typing import Any, Callable, Iterable, TypeVar, Union, get_args

from ...nn import Module
from ._hub import load_state_dict_from_url

__all__ = ["WeightsEnum", "Weights", "get_model", "get_model_builder", "get_model_weights", "get_weight",
           "list_models"]


@dataclass
class Weights:
    """One set of pretrained weights: where the checkpoint is (url), the constructor of its preprocessing
    (transforms, called to build it when needed) and its meta-data (categories, num_params, metrics...)."""

    url: str
    transforms: Callable
    meta: dict[str, Any]

    def __eq__(self, other: Any) -> bool:
        # Enum members are looked up by value on deepcopy/unpickling, and a deep-copied functools.partial is
        # never == the original: compare partials by their parts so copies find their member again.
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        a, b = self.transforms, other.transforms
        if isinstance(a, partial) and isinstance(b, partial):
            return a.func == b.func and a.args == b.args and a.keywords == b.keywords
        return a == b


class WeightsEnum(Enum):
    """Base class of each model's weights enum; its members' values are Weights."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        """None, a member, or a member's name (optionally prefixed by the enum's name) -> None or the member."""
        if obj is None:
            return None
        if type(obj) is str:
            name = obj.replace(cls.__name__ + ".", "")
            if name not in cls.__members__:
                raise KeyError(f"{obj!r} is not one of {cls.__name__}'s weights: "
                               f"{', '.join(cls.__members__)}")
            return cls[name]
        if not isinstance(obj, cls):
            raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                            f"{obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The checkpoint's state_dict, read from torch hub's cache directory (see _hub: nothing is
        downloaded); accepts load_state_dict_from_url's map_location, progress and check_hash."""
        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> dict[str, Any]:
        return self.value.meta


def get_weight(name: str) -> WeightsEnum:
    """The member named like "ResNet50_Weights.IMAGENET1K_V1", looked up in flambeau.vision.models and its
    sub-packages."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    base = importlib.import_module(__name__.rsplit(".", 1)[0])
    modules = [base] + [m for _, m in inspect.getmembers(base, inspect.ismodule)
                        if (getattr(m, "__file__", None) or "").endswith("__init__.py")]
    for module in modules:
        candidate = module.__dict__.get(enum_name)
        if isinstance(candidate, type) and issubclass(candidate, WeightsEnum):
            return candidate[value_name]
    raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be retrieved.")


def get_model_weights(name: Union[Callable, str]) -> type[WeightsEnum]:
    """The weights enum of a model builder, given as the builder or its registered name."""
    return _get_enum_from_fn(get_model_builder(name) if isinstance(name, str) else name)


def _get_enum_from_fn(fn: Callable) -> type[WeightsEnum]:
    # eval_str: builders written with `from __future__ import annotations` carry string annotations
    params = inspect.signature(fn, eval_str=True).parameters
    if "weights" not in params:
        raise ValueError("The method is missing the 'weights' argument.")
    annotation = params["weights"].annotation
    for candidate in (annotation, *get_args(annotation)):  # a bare enum, or Optional[enum]
        if isinstance(candidate, type) and issubclass(candidate, WeightsEnum):
            return candidate
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. Make sure the typing "
                     "info is correct.")


M = TypeVar("M", bound=Module)

BUILTIN_MODELS: dict[str, Callable[..., Module]] = {}


def register_model(name: str | None = None) -> Callable[[Callable[..., M]], Callable[..., M]]:
    """Decorator: record a model builder under `name` (default: the function's name)."""
    def wrapper(fn: Callable[..., M]) -> Callable[..., M]:
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def _as_list(filters: Union[Iterable[str], str]) -> list[str]:
    return [filters] if isinstance(filters, str) else list(filters)


def list_models(module: ModuleType | None = None, include: Union[Iterable[str], str, None] = None,
                exclude: Union[Iterable[str], str, None] = None) -> list[str]:
    """Sorted names of the registered models, optionally only those defined in the package `module`,
    kept by any fnmatch pattern of `include` and then dropped by any pattern of `exclude`."""
    names = {k for k, fn in BUILTIN_MODELS.items()
             if module is None or fn.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        names = {n for pattern in _as_list(include) for n in fnmatch.filter(names, pattern)}
    if exclude:
        for pattern in _as_list(exclude):
            names -= set(fnmatch.filter(names, pattern))
    return sorted(names)


def get_model_builder(name: str) -> Callable[..., Module]:
    """The builder registered under `name` (case-insensitive)."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name.lower()}") from None


def get_model(name: str, **config: Any) -> Module:
    """Build the model registered under `name` with the builder's keyword arguments `config`."""
    return get_model_builder(name)(**config)

