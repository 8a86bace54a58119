"""torch.nn.parallel: DataParallel, data_parallel and DistributedDataParallel."""
from .data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


def __getattr__(name: str):
    # DistributedDataParallel brings flambeau.distributed with it: loaded when first asked for, not at startup
    if name == "DistributedDataParallel":
        from .distributed import DistributedDataParallel
        return DistributedDataParallel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
