"""Helpers shared by the returns and the losses: argument checks (clear errors instead of silent
broadcasting) and the episode-continuation mask."""
from __future__ import annotations

import flambeau
from flambeau import Tensor


def check_same_shape(where: str, **tensors: Tensor) -> None:
    """Every argument is a Tensor and all have one shape (a (B,) against a (B, 1) would broadcast)."""
    for name, tensor in tensors.items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{where}: {name} must be a Tensor, got {type(tensor).__name__}")
    shapes = {name: tuple(tensor.shape) for name, tensor in tensors.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"{where}: expected tensors of one shape, got {shapes}")


def check_unit_interval(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


def continues(ends: Tensor, dtype: flambeau.dtype) -> Tensor:
    """1 where the episode goes on after the step, 0 where it ended (`ends` bool or 0/1)."""
    return (~ends.bool()).to(dtype)
