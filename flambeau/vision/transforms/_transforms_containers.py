"""torchvision's transform containers: Compose, Lambda, RandomApply, RandomOrder, RandomChoice.

NOTE: torchvision's RandomOrder and RandomChoice draw from Python's `random`; here every draw
comes from flambeau's RNG, so `flambeau.manual_seed` alone reproduces a pipeline.
"""
from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from typing import Any, Callable, Optional

import flambeau
from flambeau import nn

__all__ = ["Compose", "Lambda", "RandomApply", "RandomChoice", "RandomOrder", "RandomTransforms"]


def _listing(name: str, lines: list[str]) -> str:
    """torchvision's container repr: the name, then one indented line per entry."""
    return name + "(" + "".join(f"\n    {line}" for line in lines) + "\n)"


class Compose:
    """Apply the transforms one after the other."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return _listing(self.__class__.__name__, [str(t) for t in self.transforms])


class Lambda:
    """Apply a user-defined function as a transform."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class RandomTransforms:
    """Base class for a sequence of transforms applied with some randomness."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError()

    def __repr__(self) -> str:
        return _listing(self.__class__.__name__, [str(t) for t in self.transforms])


class RandomApply(nn.Module):
    """Apply all the transforms (in order) with probability p, or none of them."""

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5) -> None:
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, img: Any) -> Any:
        if self.p < flambeau.rand(1).item():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return _listing(self.__class__.__name__, [f"p={self.p}"] + [str(t) for t in self.transforms])


class RandomOrder(RandomTransforms):
    """Apply the transforms in a random order."""

    def __call__(self, img: Any) -> Any:
        for i in flambeau.randperm(len(self.transforms)).tolist():
            img = self.transforms[i](img)
        return img


class RandomChoice(RandomTransforms):
    """Apply one transform, picked with probabilities proportional to the weights p
    (uniformly when p is None)."""

    def __init__(self, transforms: Sequence[Callable], p: Optional[Sequence[float]] = None) -> None:
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError("Argument p should be a sequence")
        self.p = p

    def _pick(self) -> Callable:
        # random.choices' rule (bisect into the cumulative weights) on one flambeau draw
        n = len(self.transforms)
        if n == 0:
            raise IndexError("Cannot choose from an empty sequence")
        weights = [1.0] * n if self.p is None else list(self.p)
        if len(weights) != n:
            raise ValueError("The number of weights does not match the population")
        cum = list(itertools.accumulate(weights))
        total = cum[-1] + 0.0
        if total <= 0.0:
            raise ValueError("Total of weights must be greater than zero")
        if not math.isfinite(total):
            raise ValueError("Total of weights must be finite")
        u = flambeau.rand(1, dtype=flambeau.float64).item()
        return self.transforms[bisect.bisect(cum, u * total, 0, n - 1)]

    def __call__(self, *args: Any) -> Any:
        return self._pick()(*args)

    def __repr__(self) -> str:
        return f"{super().__repr__()}(p={self.p})"
