"""set_return_type: whether Tensor methods called on a TVTensor return the TVTensor type or plain Tensors."""
from __future__ import annotations


class _State:
    tv_tensor = False  # False: plain Tensors (torchvision's default)


STATE = _State()


class _ReturnTypeContext:
    """Returned by set_return_type so that `with set_return_type(...)` restores the previous setting."""

    def __init__(self, previous: bool) -> None:
        self.previous = previous

    def __enter__(self) -> "_ReturnTypeContext":
        return self

    def __exit__(self, *exc) -> None:
        STATE.tv_tensor = self.previous


def set_return_type(return_type: str) -> _ReturnTypeContext:
    """Set what Tensor operations on a TVTensor return: "Tensor" (the default) or "TVTensor" (case-insensitive).

    Works as a global switch or as a context manager restricting it to a block.
    """
    previous = STATE.tv_tensor
    try:
        STATE.tv_tensor = {"tensor": False, "tvtensor": True}[return_type.lower()]
    except KeyError:
        raise ValueError(f"return_type must be 'TVTensor' or 'Tensor', got {return_type}") from None
    return _ReturnTypeContext(previous)
