"""flambeau.utils: helpers around the core (torch.utils): checkpoint, data."""
from . import checkpoint, data

__all__ = ["checkpoint", "data"]
