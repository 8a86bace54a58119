"""flambeau.utils: helpers around the core (torch.utils): checkpoint, data, dlpack."""
from . import checkpoint, data, dlpack

__all__ = ["checkpoint", "data", "dlpack"]
