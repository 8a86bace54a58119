"""Memory layouts (torch.strided, torch.sparse_coo): what Tensor.layout reports."""
from __future__ import annotations


class layout:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_layout_by_name, (self.name,))


def _layout_by_name(name: str) -> layout:
    return _BY_NAME[name]


strided = layout("strided")
sparse_coo = layout("sparse_coo")
_BY_NAME = {"strided": strided, "sparse_coo": sparse_coo}
