"""torch.memory_format and its values (torch.contiguous_format, torch.channels_last, ...).

flambeau keeps every tensor in NumPy's row-major order; these objects exist so that code passing them
(`x.contiguous(memory_format=torch.channels_last)`, `.to(memory_format=...)`) runs, with the same values.
"""
from __future__ import annotations

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
           "legacy_contiguous_format"]


class memory_format:  # noqa: N801  (torch's name)
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return "torch." + self._name

    def __reduce__(self) -> str:
        return self._name  # pickles by reference to this module's attribute of that name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
legacy_contiguous_format = contiguous_format
