"""TODO: nn.modules.pooling (filled in by its owner)."""
from __future__ import annotations

__all__: list = []
