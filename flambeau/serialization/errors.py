"""Exceptions raised when a file cannot be loaded, and how files are named in messages."""
from __future__ import annotations

import os
import pickle


class CorruptFileError(RuntimeError):
    """The file is damaged, truncated or not in a format flambeau reads.

    A RuntimeError, as PyTorch raises for a broken archive; `file` and `reason` hold the parts."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class UnsafeFileError(pickle.UnpicklingError):
    """Loading the file would need to run code it names (a global outside the allow-list, or a
    pickled object in a flambeau archive) and the caller did not opt in with weights_only=False."""

    def __init__(self, file: str, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


def source_name(f) -> str:
    """How a file argument is named in error messages: its path, or the stream's name or type."""
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(f).__name__}>"
