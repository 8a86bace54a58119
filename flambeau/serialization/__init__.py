"""TODO: flambeau.save / flambeau.load (serialization owner)."""
from __future__ import annotations

__all__: list = []
