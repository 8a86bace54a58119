"""torch.matrix_rank, qr, solve, eig, lstsq, symeig: removed in PyTorch 1.9 in favour of torch.linalg, and
still present there as functions (and Tensor methods) that raise a RuntimeError naming the replacement."""
from __future__ import annotations

from ._tensor import Tensor

_REPLACEMENTS = {"matrix_rank": "torch.linalg.matrix_rank", "qr": "torch.linalg.qr", "solve": "torch.linalg.solve",
                 "eig": "torch.linalg.eig", "lstsq": "torch.linalg.lstsq", "symeig": "torch.linalg.eigh"}
_METHODS = ("qr", "solve", "eig", "lstsq", "symeig")

__all__ = list(_REPLACEMENTS)


def _removed(name: str):
    def removed(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. `torch.{name}` is "
                           f"deprecated in favor of `{_REPLACEMENTS[name]}`.")
    removed.__name__ = removed.__qualname__ = name
    removed.__doc__ = f"Removed: use {_REPLACEMENTS[name]}."
    return removed


for _name in _REPLACEMENTS:
    globals()[_name] = _removed(_name)
for _name in _METHODS:
    setattr(Tensor, _name, globals()[_name])
