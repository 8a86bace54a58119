"""Shape ops that return views: reshape/view, expand, permute/transpose."""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor, _wrap_dim


def size_args(size) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3]))."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def infer_shape(shape: tuple, numel: int, src_shape: tuple) -> tuple:
    """Resolve one -1 in a target shape and check the element count, with PyTorch's message."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Primitive):
    is_view = True

    @staticmethod
    def forward(x, shape):
        return x.reshape(shape)

    def backward(ctx, g):
        return (g.reshape(ctx.metas[0][0]),)


class View(Reshape):
    @staticmethod
    def forward(x, shape):
        v = x.view()
        try:
            v.shape = shape
        except AttributeError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None
        return v


class Expand(Primitive):
    is_view = True

    @staticmethod
    def forward(x, shape):
        return np.broadcast_to(x, shape)

    def backward(ctx, g):
        return (g,)  # the engine sums the gradient back to the input's shape


class Permute(Primitive):
    is_view = True

    @staticmethod
    def forward(x, perm):
        return np.transpose(x, perm)

    def backward(ctx, g):
        return (g.permute(tuple(np.argsort(ctx.args[0]).tolist())),)


class Transpose(Permute):
    pass


def reshape(input: Tensor, *shape) -> Tensor:
    shape = infer_shape(size_args(shape), input._data.size, input._data.shape)
    if shape == input._data.shape:
        return apply(View, (input,), shape)
    return apply(Reshape, (input,), shape)


def view(input: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)):
        from .._dtype import to_dtype
        return _view_dtype(input, to_dtype(shape[0]))
    shape = infer_shape(size_args(shape), input._data.size, input._data.shape)
    return apply(View, (input,), shape)


def _view_dtype(input: Tensor, dtype) -> Tensor:
    if dtype.itemsize != input._data.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported by flambeau")
    out = Tensor._wrap(input._data.view(dtype.np))
    out._base, out._vc = (input._base if input._base is not None else input), input._vc
    return out


def expand(input: Tensor, *sizes) -> Tensor:
    sizes = size_args(sizes)
    src = input._data.shape
    if len(sizes) < len(src):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(src)}}}, size=[{len(sizes)}]): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(src)})")
    lead = len(sizes) - len(src)
    shape = list(sizes)
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            continue
        have = src[i - lead]
        if s == -1:
            shape[i] = have
        elif have != 1 and have != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({have}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(src)}")
    shape = tuple(shape)
    if shape == src:
        return apply(View, (input,), shape)
    return apply(Expand, (input,), shape)


def permute(input: Tensor, *dims) -> Tensor:
    dims = size_args(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to "
                           f"len(dims) = {len(dims)}")
    perm = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(perm)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(Permute, (input,), perm)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    n = input._data.ndim
    perm = list(range(n))
    if n:
        d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
        perm[d0], perm[d1] = perm[d1], perm[d0]
    return apply(Transpose, (input,), tuple(perm))


def t(input: Tensor) -> Tensor:
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else input.view(input._data.shape)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other._data.shape)


def _mT(self: Tensor) -> Tensor:
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


def _T(self: Tensor) -> Tensor:
    return permute(self, tuple(range(self._data.ndim - 1, -1, -1)))


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "expand": expand, "permute": permute, "transpose": transpose,
    "swapaxes": transpose, "swapdims": transpose, "t": t, "expand_as": expand_as, "view_as": view_as,
    "reshape_as": reshape_as, "mT": property(_mT), "T": property(_T), "mH": property(_mT),
}

__all__ = ['permute', 'reshape', 't', 'transpose']
