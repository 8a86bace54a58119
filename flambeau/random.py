"""torch.random: seeding and the state of the default generator, and fork_rng.

flambeau's generator is NumPy's PCG64, so a state tensor holds other bytes than PyTorch's Mersenne
Twister state (80 bytes, not 5056); saving a state and setting it back restores the stream all the same.
CUDA tensors draw from the default generator too, so forking it covers every device.
"""
from __future__ import annotations

import contextlib
from typing import Iterable, Iterator

from .ops.random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                         set_rng_state)


@contextlib.contextmanager
def fork_rng(devices: Iterable | None = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str | None = None) -> Iterator[None]:
    """Restore the random state on exit: draws inside the block do not change the stream outside it.
    devices is accepted for PyTorch's signature: every device draws from the one default generator."""
    if not enabled or device_type == "meta":
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed",
           "set_rng_state"]
