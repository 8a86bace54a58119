"""TODO: Parameter, Buffer (module-core owner)."""
from __future__ import annotations

__all__: list = []
