"""Helpers shared by the model builders: channel rounding, checks of builder keyword arguments against the
chosen weights, loading them, describing ImageNet checkpoints, and the pre-0.13 `pretrained=` interface."""
from __future__ import annotations

import functools
import inspect
import warnings
from collections import OrderedDict
from typing import Any, Callable, TypeVar, Union

from ... import nn

from ..transforms._presets import ImageClassification
from ._api import Weights, WeightsEnum
from ._meta import _IMAGENET_CATEGORIES

V = TypeVar("V")
D = TypeVar("D")


class IntermediateLayerGetter(nn.ModuleDict):
    """Runs `model`'s direct children in registration order up to the last one named in `return_layers`, and
    returns the outputs of the named ones under their new names. It assumes the children are called in the order
    they were registered, each once (true of the backbones detection and segmentation take features from)."""

    def __init__(self, model: nn.Module, return_layers: dict[str, str]) -> None:
        if not set(return_layers).issubset(name for name, _ in model.named_children()):
            raise ValueError("return_layers are not present in model")
        wanted = {str(k): str(v) for k, v in return_layers.items()}
        layers = OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            wanted.pop(name, None)
            if not wanted:
                break
        super().__init__(layers)
        self.return_layers = return_layers

    def forward(self, x):
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out


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
    """`expected`, after checking that `actual` (when given) agrees with it (the segmentation and detection
    builders' num_classes and aux_loss against their weights)."""
    if actual is not None and actual != expected:
        raise ValueError(f"The parameter '{param}' expected value {expected} but got {actual} instead.")
    return expected


def _quoted_list(names: list[str]) -> str:
    """'a'; 'a' and 'b'; 'a', 'b', and 'c' (torchvision's wording)."""
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


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
            warnings.warn(f"Using {_quoted_list(list(extra))} as positional parameter(s) is deprecated since 0.13 "
                          f"and may be removed in the future. Please use keyword parameter(s) instead.")
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


M = TypeVar("M")


def _build_model(build: Callable[..., M], weights: WeightsEnum | None, progress: bool, **kwargs: Any) -> M:
    """build(**kwargs), with num_classes fixed by the weights' categories and their state_dict loaded."""
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.meta["categories"]))
    model = build(**kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
    return model


def _imagenet1k_weights(url: str, num_params: int, acc1: float, acc5: float, ops: float, file_size: float, *,
                        recipe: str, docs: str, min_size: tuple[int, int] = (1, 1),
                        **transform_kwargs: Any) -> Weights:
    """A Weights entry for an ImageNet-1k classifier checkpoint: its top-1/top-5 accuracy (%), GFLOPs (ops) and
    file size (MB), evaluated with the ImageClassification preset (crop 224 unless transform_kwargs say
    otherwise)."""
    transform_kwargs.setdefault("crop_size", 224)
    meta = {"min_size": min_size, "categories": _IMAGENET_CATEGORIES, "num_params": num_params, "recipe": recipe,
            "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}, "_ops": ops, "_file_size": file_size,
            "_docs": docs}
    return Weights(url=url, transforms=functools.partial(ImageClassification, **transform_kwargs), meta=meta)
