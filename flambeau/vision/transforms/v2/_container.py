"""Containers of v2 transforms: Compose, RandomApply, RandomChoice, RandomOrder. They pass whole samples
(one or several positional inputs) from transform to transform."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable, Optional, Union

import flambeau
from flambeau import nn

from ._transform import Transform


def _check_transforms(transforms: Any, allowed: tuple = (Sequence,), what: str = "a sequence of callables") -> None:
    if not isinstance(transforms, allowed):
        raise TypeError(f"Argument transforms should be {what}")
    if not transforms:
        raise ValueError("Pass at least one transform")


def _chain(transforms: Sequence[Callable], inputs: tuple) -> Any:
    """The transforms applied in turn; several inputs travel as a tuple, one input as itself."""
    several = len(inputs) > 1
    for transform in transforms:
        outputs = transform(*inputs)
        inputs = outputs if several else (outputs,)
    return outputs


class _Listing(Transform):
    """A container that prints its transforms one per line."""

    def extra_repr(self) -> str:
        return "\n".join(f"    {t}" for t in self.transforms)


class Compose(_Listing):
    """The transforms applied one after the other."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        super().__init__()
        _check_transforms(transforms)
        self.transforms = transforms

    def forward(self, *inputs: Any) -> Any:
        return _chain(self.transforms, inputs)


class RandomApply(_Listing):
    """The transforms applied in turn with probability p (one draw of flambeau.rand(1)), else nothing."""

    def __init__(self, transforms: Union[Sequence[Callable], nn.ModuleList], p: float = 0.5) -> None:
        super().__init__()
        _check_transforms(transforms, (Sequence, nn.ModuleList), "a sequence of callables or a `nn.ModuleList`")
        self.transforms = transforms
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.p = p

    def forward(self, *inputs: Any) -> Any:
        if flambeau.rand(1) >= self.p:
            return inputs if len(inputs) > 1 else inputs[0]
        return _chain(self.transforms, inputs)


class RandomChoice(Transform):
    """One of the transforms, picked with probabilities p (normalized; equal when None)."""

    def __init__(self, transforms: Sequence[Callable], p: Optional[list[float]] = None) -> None:
        _check_transforms(transforms)
        if p is None:
            p = [1] * len(transforms)
        elif len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        super().__init__()
        self.transforms = transforms
        total = sum(p)
        self.p = [prob / total for prob in p]

    def forward(self, *inputs: Any) -> Any:
        index = int(flambeau.multinomial(flambeau.tensor(self.p), 1))
        return self.transforms[index](*inputs)


class RandomOrder(Transform):
    """All the transforms, in a random order (flambeau.randperm)."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        _check_transforms(transforms)
        super().__init__()
        self.transforms = transforms

    def forward(self, *inputs: Any) -> Any:
        order = flambeau.randperm(len(self.transforms)).tolist()
        return _chain([self.transforms[i] for i in order], inputs)
