"""Target networks: copies of a network that follow it slowly (soft) or at intervals (hard)."""
from __future__ import annotations

from collections.abc import Callable

import flambeau
from flambeau import Tensor, nn

from ._common import check_unit_interval


def soft_update(target: nn.Module, source: nn.Module, tau: float) -> None:
    """Polyak averaging of the parameters: target <- tau * source + (1 - tau) * target.

    Buffers (batch-norm statistics and counters) are copied as they are, as Stable-Baselines3
    does: averaging a counter, or statistics of a network's own activations, has no meaning.
    """
    check_unit_interval("tau", tau)
    _update(target, source, lambda target_param, param: target_param.lerp_(param, tau))


def hard_update(target: nn.Module, source: nn.Module) -> None:
    """Copy every parameter and buffer of `source` into `target`, exactly."""
    _update(target, source, lambda target_param, param: target_param.copy_(param))


def _update(target: nn.Module, source: nn.Module, update_parameter: Callable[[Tensor, Tensor], object]) -> None:
    with flambeau.no_grad():
        for target_param, param in _pairs(target.named_parameters(), source.named_parameters(), "parameters"):
            update_parameter(target_param, param)
        for target_buffer, buffer in _pairs(target.named_buffers(), source.named_buffers(), "buffers"):
            target_buffer.copy_(buffer)


def _pairs(target_named, source_named, kind: str):
    """(target, source) tensors matched by name; the two networks must have the same structure."""
    target_named, source_named = dict(target_named), dict(source_named)
    if target_named.keys() != source_named.keys():
        missing = sorted(source_named.keys() - target_named.keys())
        unexpected = sorted(target_named.keys() - source_named.keys())
        raise ValueError(f"target and source {kind} differ: missing in target {missing}, not in source {unexpected}")
    for name, target_tensor in target_named.items():
        if target_tensor.shape != source_named[name].shape:
            raise ValueError(f"{name}: target shape {tuple(target_tensor.shape)} != "
                             f"source shape {tuple(source_named[name].shape)}")
        yield target_tensor, source_named[name]
