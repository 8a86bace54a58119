"""flambeau.utils: helpers around the core (torch.utils): checkpoint, data (later)."""
from . import checkpoint

__all__ = ["checkpoint"]
