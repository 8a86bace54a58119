"""ExceptionWrapper: carries an exception raised in a worker (type and formatted traceback) to the
main process, where reraise() raises the same type with the worker's traceback in the message."""
from __future__ import annotations

import sys
import traceback


class KeyErrorMessage(str):
    """str(KeyError(msg)) is repr(msg); this keeps a multi-line message readable."""

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """The exception being handled now (or exc_info), remembered as its type and traceback text."""

    def __init__(self, exc_info=None, where: str = "in background", note: str = "") -> None:
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where
        self.note = note  # context lines between the first line and the original traceback

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\n{self.note}Original {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)  # exception types whose constructor wants message= (PyTorch does this)
        # never bound to a local here: exception -> traceback -> this frame -> exception would be a cycle,
        # keeping the DataLoader iterator (and its workers) alive until the garbage collector runs
        raise self._exception(msg)

    def _exception(self, msg: str) -> BaseException:
        try:
            return self.exc_type(msg)
        except Exception:  # a constructor that does not take one string
            return RuntimeError(msg)
