"""torch.backends.cudnn's flags. flambeau does not use cuDNN: the flags are kept so that scripts which
set them (`torch.backends.cudnn.benchmark = True`) run unchanged."""
from __future__ import annotations

import contextlib

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version() -> None:
    return None


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, deterministic: bool = False, allow_tf32: bool = True):
    """Set the flags for the duration of a block."""
    module = globals()
    names = ("enabled", "benchmark", "deterministic", "allow_tf32")
    old = {name: module[name] for name in names}
    module.update(zip(names, (enabled, benchmark, deterministic, allow_tf32)))
    try:
        yield
    finally:
        module.update(old)
