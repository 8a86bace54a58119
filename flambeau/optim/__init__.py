"""TODO: flambeau.optim (optim owner)."""
from __future__ import annotations

__all__: list = []
