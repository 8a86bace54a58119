"""The *_copy forms of view operations (torch.view_copy, torch.permute_copy, ...) and as_strided_scatter.

Each returns what the view would hold, in fresh contiguous memory (for compilers that cannot reason about
aliasing); gradients flow as through the view.
"""
from __future__ import annotations

from ._memory_format import contiguous_format
from ._tensor import Tensor
from .ops.complex import view_as_complex, view_as_real

__all__ = ["alias_copy", "view_copy", "expand_copy", "permute_copy", "select_copy", "slice_copy", "split_copy",
           "split_with_sizes_copy", "squeeze_copy", "unsqueeze_copy", "t_copy", "transpose_copy", "unbind_copy",
           "unfold_copy", "diagonal_copy", "detach_copy", "view_as_real_copy", "view_as_complex_copy", "as_strided_copy",
           "as_strided_scatter"]


def _owned(view: Tensor) -> Tensor:
    return view.clone(memory_format=contiguous_format)


def alias_copy(input: Tensor) -> Tensor:
    return _owned(input)


def view_copy(input: Tensor, size) -> Tensor:
    """input.view(size) (or input.view(dtype)) in its own memory."""
    return _owned(input.view(size))


def expand_copy(input: Tensor, size, *, implicit: bool = False) -> Tensor:
    return _owned(input.expand(size))


def permute_copy(input: Tensor, dims) -> Tensor:
    return _owned(input.permute(dims))


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    return _owned(input.select(dim, index))


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
               step: int = 1) -> Tensor:
    return _owned(input[(slice(None),) * (dim % max(input.dim(), 1)) + (slice(start, end, step),)])


def split_copy(input: Tensor, split_size: int, dim: int = 0) -> list:
    return [_owned(part) for part in input.split(split_size, dim)]


def split_with_sizes_copy(input: Tensor, split_sizes, dim: int = 0) -> list:
    return [_owned(part) for part in input.split_with_sizes(split_sizes, dim)]


def squeeze_copy(input: Tensor, dim=None) -> Tensor:
    return _owned(input.squeeze() if dim is None else input.squeeze(dim))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    return _owned(input.unsqueeze(dim))


def t_copy(input: Tensor) -> Tensor:
    return _owned(input.t())


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _owned(input.transpose(dim0, dim1))


def unbind_copy(input: Tensor, dim: int = 0) -> list:
    return [_owned(part) for part in input.unbind(dim)]


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    return _owned(input.unfold(dimension, size, step))


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return _owned(input.diagonal(offset, dim1, dim2))


def detach_copy(input: Tensor) -> Tensor:
    return _owned(input.detach())


def view_as_real_copy(input: Tensor) -> Tensor:
    return _owned(view_as_real(input))


def view_as_complex_copy(input: Tensor) -> Tensor:
    return _owned(view_as_complex(input))


def as_strided_copy(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    return _owned(input.as_strided(size, stride, storage_offset))


def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A copy of input with src written into the elements input.as_strided(size, stride, storage_offset) covers.
    NOTE: input's gradient is zero where src was written; PyTorch 2.14's is the reverse (docs/differences.md)."""
    out = _owned(input)
    out.as_strided(size, stride, storage_offset).copy_(src)
    return out


Tensor.as_strided_scatter = as_strided_scatter
