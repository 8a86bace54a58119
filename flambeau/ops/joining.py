"""Joining, splitting and repeating: cat/stack and their h/v/d/column forms, split/chunk/unbind
(each piece a narrow/select view with its own node), repeat/tile/repeat_interleave and roll."""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._dtype import FROM_NP, result_type_of
from .._tensor import Tensor, _wrap_dim
from .shape import atleast_1d, atleast_2d, atleast_3d, dims_arg, flatten, narrow, reshape, select, size_args


# ------------------------------------------------------------------------------- primitives

def _joined(arrays: tuple) -> tuple:
    # NOTE: PyTorch skips 1-D empty tensors in cat (a legacy rule), whatever the other shapes are
    return tuple(a for a in arrays if a.shape != (0,)) or arrays


class Cat(Primitive):
    variadic = True

    @staticmethod
    def forward(arrays, dim, np_dtype):
        return np.concatenate(_joined(arrays), axis=dim, dtype=np_dtype)

    def backward(ctx, g):
        dim = ctx.args[0]
        grads, start = [], 0
        for i, (shape, _) in enumerate(ctx.metas):
            if shape == (0,):
                grads.append(g.new_zeros((0,)) if ctx.needs_input_grad(i) else None)
                continue
            if ctx.needs_input_grad(i):
                grads.append(narrow(g, dim, start, shape[dim]))
            else:
                grads.append(None)
            start += shape[dim]
        return tuple(grads)


class Stack(Primitive):
    variadic = True

    @staticmethod
    def forward(arrays, dim, np_dtype):
        shape = arrays[0].shape
        shape = shape[:dim] + (1,) + shape[dim:]
        # NOTE: reshape + concatenate is about twice as fast as np.stack for many small inputs
        return np.concatenate([a.reshape(shape) for a in arrays], axis=dim, dtype=np_dtype)

    def backward(ctx, g):
        dim = ctx.args[0]
        return tuple(select(g, dim, i) if ctx.needs_input_grad(i) else None for i in range(len(ctx.metas)))


class Repeat(Primitive):
    @staticmethod
    def forward(x, repeats):
        return np.tile(x, repeats)  # np.tile pads the shape with leading 1s, as Tensor.repeat does

    def backward(ctx, g):
        repeats, shape = ctx.args[0], ctx.metas[0][0]
        padded = (1,) * (len(repeats) - len(shape)) + shape
        # output dim i is (repeat r_i) x (size s_i): split it in two and sum over the repeats
        split = g.reshape(tuple(v for r, s in zip(repeats, padded) for v in (r, s)))
        return (split.sum(tuple(range(0, 2 * len(repeats), 2))).reshape(shape),)


# ------------------------------------------------------------------------------- joining

def _tensor_list(tensors, op: str) -> tuple:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{op}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    return tuple(tensors)


def _common_dtype(tensors: tuple, op: str):
    """One device and the promoted dtype; every input counts alike (no 0-d priority), as in PyTorch's cat and stack."""
    kinds = {type(x._data) for x in tensors}
    if len(kinds) > 1 or (np.ndarray not in kinds and len({x.device for x in tensors}) > 1):
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices ({op})")
    dtypes = {x._data.dtype for x in tensors}
    if len(dtypes) == 1:
        return dtypes.pop()
    return result_type_of([FROM_NP[d] for d in dtypes], (), ()).np


def cat(tensors, dim: int = 0, *, axis: int | None = None) -> Tensor:
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    shapes = [x._data.shape for x in tensors]
    if () in shapes:
        raise RuntimeError(f"zero-dimensional tensor (at position {shapes.index(())}) cannot be concatenated")
    ref = next((s for s in shapes if s != (0,)), (0,))
    d = _wrap_dim(dim if axis is None else axis, len(ref))
    if shapes.count(ref) != len(shapes):
        _check_cat_shapes(shapes, ref, d)
    return apply(Cat, tensors, d, _common_dtype(tensors, "cat"))


def _check_cat_shapes(shapes: list, ref: tuple, d: int) -> None:
    for i, shape in enumerate(shapes):
        if shape == (0,):
            continue
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
        for j, (a, b) in enumerate(zip(ref, shape)):
            if j != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got "
                                   f"size {b} for tensor number {i} in the list.")


concat = concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shapes = [x._data.shape for x in tensors]
    ref = shapes[0]
    if shapes.count(ref) != len(shapes):
        i = next(i for i, s in enumerate(shapes) if s != ref)
        raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                           f"{list(shapes[i])} at entry {i}")
    d = _wrap_dim(dim, len(ref) + 1)
    return apply(Stack, tensors, d, _common_dtype(tensors, "stack"))


def _nonempty(tensors, op: str) -> tuple:
    tensors = _tensor_list(tensors, op)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def hstack(tensors) -> Tensor:
    tensors = atleast_1d(_nonempty(tensors, "hstack"))
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return cat(atleast_2d(_nonempty(tensors, "vstack")), 0)


def dstack(tensors) -> Tensor:
    return cat(atleast_3d(_nonempty(tensors, "dstack")), 2)


def column_stack(tensors) -> Tensor:
    tensors = _nonempty(tensors, "column_stack")
    return hstack([reshape(x, (x._data.size, 1)) if x._data.ndim <= 1 else x for x in tensors])


row_stack = vstack


# ------------------------------------------------------------------------------- splitting

def _pieces(input: Tensor, dim: int, sizes) -> tuple:
    """Consecutive narrow views of the given sizes along `dim`."""
    out, start = [], 0
    for s in sizes:
        out.append(narrow(input, dim, start, s))
        start += s
    return tuple(out)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if not isinstance(split_size_or_sections, (int, np.integer)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
        return _pieces(tensor, d, sizes)
    size = int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        return (narrow(tensor, d, 0, 0),)
    return _pieces(tensor, d, [size] * (n // size) + ([n % size] if n % size or n == 0 else []))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        return _pieces(input, d, [0] * chunks)
    return split(input, -(-n // chunks), d)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec._data.dtype.kind not in "iu" or spec._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               "one-dimensional tensor of integer dtype")
        spec = spec.item() if spec._data.ndim == 0 else spec.tolist()
    if isinstance(spec, (int, np.integer)):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        q, r = divmod(n, int(spec))
        return _pieces(input, d, [q + 1] * r + [q] * (int(spec) - r))
    bounds = [min(max(int(i) + (n if i < 0 else 0), 0), n) for i in spec]
    starts = [0] + bounds
    ends = bounds + [n]
    return tuple(narrow(input, d, s, max(e - s, 0)) for s, e in zip(starts, ends))


def _directional_split(input: Tensor, spec, dim: int, min_dims: int, op: str) -> tuple:
    if input._data.ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, but got a tensor with "
                           f"{input._data.ndim} dimensions!")
    if isinstance(spec, (int, np.integer)) and input._data.shape[dim] % spec:
        raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input._data.shape[dim]} is not divisible by the split_size {spec}!")
    return tensor_split(input, spec, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    return _directional_split(input, indices_or_sections, 0 if input._data.ndim == 1 else 1, 1, "hsplit")


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    return _directional_split(input, indices_or_sections, 0, 2, "vsplit")


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    return _directional_split(input, indices_or_sections, 2, 3, "dsplit")


def unbind(input: Tensor, dim: int = 0) -> tuple:
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, input._data.ndim)
    return tuple(select(input, d, i) for i in range(input._data.shape[d]))


# ------------------------------------------------------------------------------- repeating

def repeat(input: Tensor, *sizes) -> Tensor:
    sizes = size_args(sizes)
    if len(sizes) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(sizes)}")
    return apply(Repeat, (input,), sizes)


def tile(input: Tensor, dims) -> Tensor:
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    dims = size_args((dims,))
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


def _tile_method(self: Tensor, *dims, **kwargs) -> Tensor:
    """Tensor.tile also takes the sizes as separate arguments: x.tile(2, 1)."""
    return tile(self, kwargs["dims"] if "dims" in kwargs else size_args(dims))


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None):
    if repeats is None:  # repeat_interleave(repeats): index i repeated repeats[i] times
        return _as_index_tensor(np.repeat(np.arange(input._data.size), _counts(input)), input, input._data.dtype)
    if dim is None:
        input, dim = flatten(input), 0
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(repeats, Tensor) and not (repeats._data.size == 1 and repeats._data.ndim <= 1):
        counts = _counts(repeats)
        if counts.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{counts.size} and input.size({d}) = {n}")
    else:
        if int(repeats) < 0:
            raise RuntimeError("Repeats must be non-negative")
        counts = np.full(n, int(repeats))
    # one gather for every form of repeats: the result is always a new tensor, its gradient an index_add
    from .index_ops import index_select
    return index_select(input, d, _as_index_tensor(np.repeat(np.arange(n), counts), input, np.int64))


def _counts(repeats: Tensor) -> np.ndarray:
    if repeats._data.ndim > 1 or repeats._data.dtype.kind not in "iu":
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    counts = np.array(repeats._data.tolist(), dtype=np.int64).reshape(-1)  # host metadata
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    return counts


def _as_index_tensor(host: np.ndarray, like: Tensor, np_dtype) -> Tensor:
    from .creation import tensor
    return tensor(host.astype(np_dtype), device=like.device)


# ------------------------------------------------------------------------------- rolling

def roll(input: Tensor, shifts, dims=None) -> Tensor:
    shifts = dims_arg(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return roll(flatten(input), shifts, 0).view(input._data.shape)
    dims = dims_arg(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    out = input
    for shift, dim in zip(shifts, dims):
        d = _wrap_dim(dim, input._data.ndim)
        n = input._data.shape[d]
        s = shift % n if n else 0
        # the last s elements move to the front; cat always copies, so a zero shift still gives a new tensor
        out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d)
    return out


TENSOR_METHODS = {
    "split": split, "chunk": chunk, "tensor_split": tensor_split, "hsplit": hsplit, "vsplit": vsplit,
    "dsplit": dsplit, "unbind": unbind, "repeat": repeat, "tile": _tile_method, "repeat_interleave": repeat_interleave,
    "roll": roll,
}

__all__ = ["cat", "chunk", "column_stack", "concat", "concatenate", "dsplit", "dstack", "hsplit", "hstack",
           "repeat_interleave", "roll", "row_stack", "split", "stack", "tensor_split", "tile", "unbind", "vsplit",
           "vstack"]
