"""torch.nn.utils.skip_init: a module whose parameters and buffers are left uninitialised."""
from __future__ import annotations

import inspect

from ... import get_rng_state, set_rng_state
from ..modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args, **kwargs) -> Module:
    """module_cls(*args, **kwargs) with uninitialised (empty) parameters and buffers."""
    if not isinstance(module_cls, type) or not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    device = kwargs.pop("device", "cpu")
    # NOTE: PyTorch builds the module on the 'meta' device, where initialisation costs nothing; flambeau has no
    # meta device, so the initialisers run and their values are dropped. Restoring the generator's state keeps
    # the random stream where it was, as it is after PyTorch's skip_init.
    state = get_rng_state()
    try:
        module = module_cls(*args, device=device, **kwargs)
    finally:
        set_rng_state(state)
    return module.to_empty(device=device)
