"""Shape ops: views (reshape/view, squeeze, flatten, permute/transpose/movedim, expand/broadcast, narrow/select)
and the copies that rearrange elements (flip, rot90), with their in-place forms."""
from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from .._dispatch import Primitive, apply, check_inplace
from .._tensor import Size, Tensor, _wrap_dim


def size_args(size) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size([2, 3])); a float is a TypeError, as in PyTorch."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(map(operator.index, size))


def infer_shape(shape: tuple, numel: int) -> tuple:
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


def dims_arg(dims) -> tuple:
    """An int or a sequence of ints -> a tuple of ints."""
    return (int(dims),) if isinstance(dims, (int, np.integer)) else tuple(int(d) for d in dims)


def wrap_dims(dims: tuple, ndim: int, op: str = "dim") -> tuple:
    """Wrap negative dims and refuse duplicates, with PyTorch's message."""
    out = tuple(_wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        dup = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    return out


# ------------------------------------------------------------------------------- primitives

class Reshape(Primitive):
    is_view = True

    @staticmethod
    def forward(x, shape):
        try:
            return x.reshape(shape)  # NumPy resolves -1; a view when the layout allows, else a copy
        except ValueError:
            infer_shape(shape, x.size)  # raises PyTorch's message
            raise

    def backward(ctx, g):
        return (g.reshape(ctx.metas[0][0]),)


class View(Reshape):
    @staticmethod
    def forward(x, shape):
        if x.flags.c_contiguous:
            return Reshape.forward(x, shape)
        v = x.view()
        try:
            v.shape = infer_shape(shape, x.size)
        except AttributeError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None
        return v


class Squeeze(Reshape):  # adding or removing size-1 dims is always a view
    pass


class Unsqueeze(Reshape):
    pass


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


class Slice(Primitive):
    """x[key] for a tuple of slices and ints: the view behind narrow, select, split, chunk and unbind."""
    is_view = True

    @staticmethod
    def forward(x, key):
        return x[key]

    def backward(ctx, g):
        return (apply(SliceBackward, (g,), ctx.metas[0][0], ctx.args[0]),)


class Select(Slice):
    pass


class SliceBackward(Primitive):
    """Zeros of the input's shape with the gradient written at `key`; its own gradient is the slice again."""

    @staticmethod
    def forward(g, shape, key):
        out = np.zeros_like(g, shape=shape)
        out[key] = g
        return out

    def backward(ctx, gg):
        return (apply(Slice, (gg,), ctx.args[1]),)


class Flip(Primitive):
    @staticmethod
    def forward(x, dims):
        return np.flip(x, dims).copy()  # a copy, like PyTorch (and no negative strides in our views)

    def backward(ctx, g):
        return (apply(Flip, (g,), ctx.args[0]),)


# ------------------------------------------------------------------------------- reshaping views

def reshape(input: Tensor, *shape) -> Tensor:
    return apply(View if input._data.flags.c_contiguous else Reshape, (input,), size_args(shape))


def view(input: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)):
        from .._dtype import to_dtype
        return _view_dtype(input, to_dtype(shape[0]))
    return apply(View, (input,), size_args(shape))


def _view_dtype(input: Tensor, dtype) -> Tensor:
    if dtype.itemsize != input._data.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported by flambeau")
    out = Tensor._wrap(input._data.view(dtype.np))
    out._vc = input._vc  # shares memory; not differentiable, so not an autograd view
    return out


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = input._data.shape
    start, end = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if not shape:
        return reshape(input, (1,))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    # the flattened size spelled out: -1 cannot be inferred beside a zero-size dimension
    return reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    shape = input._data.shape
    if not shape:
        raise RuntimeError(f"unflatten: Dimension specified as {dim} but tensor has no dimensions")
    d = _wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = int(np.prod([s for s in sizes if s != -1]))
    if (-1 not in sizes and known != shape[d]) or (-1 in sizes and (known == 0 or shape[d] % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
                           f"({shape[d]}) in the input tensor")
    sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)  # inferred here: also beside a zero size
    return view(input, shape[:d] + sizes + shape[d + 1:])  # splitting one dim is always a view


def ravel(input: Tensor) -> Tensor:
    return reshape(input, (-1,))


def squeeze(input: Tensor, dim=None) -> Tensor:
    shape = input._data.shape
    if dim is None:
        dims = range(len(shape))
    else:
        dims = wrap_dims(dims_arg(dim), len(shape))
    drop = {d for d in dims if d < len(shape) and shape[d] == 1}  # a 0-d tensor accepts dim 0 or -1
    return apply(Squeeze, (input,), tuple(s for i, s in enumerate(shape) if i not in drop))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape) + 1)
    return apply(Unsqueeze, (input,), shape[:d] + (1,) + shape[d:])


def atleast_1d(*tensors):
    return _atleast(tensors, _to_1d)


def atleast_2d(*tensors):
    return _atleast(tensors, _to_2d)


def atleast_3d(*tensors):
    return _atleast(tensors, _to_3d)


def _to_1d(x: Tensor) -> Tensor:
    return reshape(x, (1,)) if x._data.ndim == 0 else x


def _to_2d(x: Tensor) -> Tensor:
    shape = x._data.shape
    return reshape(x, (1,) * (2 - len(shape)) + shape) if len(shape) < 2 else x


def _to_3d(x: Tensor) -> Tensor:
    # (,) -> (1, 1, 1); (n,) -> (1, n, 1); (m, n) -> (m, n, 1), like NumPy
    shape = x._data.shape
    if len(shape) == 0:
        return reshape(x, (1, 1, 1))
    if len(shape) == 1:
        return reshape(x, (1,) + shape + (1,))
    return reshape(x, shape + (1,)) if len(shape) == 2 else x


def _atleast(tensors: tuple, fn):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return fn(tensors[0])
    if len(tensors) == 1:
        tensors = tensors[0]
    return tuple(fn(x) for x in tensors)


# ------------------------------------------------------------------------------- reordering dims

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
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    if n:
        perm[d0], perm[d1] = perm[d1], perm[d0]
    return apply(Transpose, (input,), tuple(perm))


def t(input: Tensor) -> Tensor:
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else input.view(input._data.shape)


def movedim(input: Tensor, source, destination) -> Tensor:
    n = input._data.ndim
    src, dst = dims_arg(source), dims_arg(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    src_w, dst_w = tuple(_wrap_dim(d, n) for d in src), tuple(_wrap_dim(d, n) for d in dst)
    for name, given, wrapped in (("source", src, src_w), ("destination", dst, dst_w)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if n == 0:  # dims 0 and -1 of a 0-d tensor: nothing moves
        return input.view(())
    perm = [d for d in range(n) if d not in src_w]
    for dst_d, src_d in sorted(zip(dst_w, src_w)):  # ascending destinations: each insert lands in its final place
        perm.insert(dst_d, src_d)
    return apply(Permute, (input,), tuple(perm))


# ------------------------------------------------------------------------------- broadcasting

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


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def broadcast_shapes(*shapes) -> Size:
    shapes = [(int(s),) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    for shape in shapes:
        if any(s < 0 for s in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return Size(_broadcast(shapes))


def broadcast_tensors(*tensors) -> tuple:
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        tensors = tuple(tensors[0])
    shape = _broadcast([x._data.shape for x in tensors])
    return tuple(expand(x, shape) for x in tensors)


def _broadcast(shapes) -> tuple:
    out = [1] * max((len(s) for s in shapes), default=0)
    for shape in shapes:
        for j, s in enumerate(shape, len(out) - len(shape)):
            if s != 1:
                if out[j] != 1 and out[j] != s:
                    raise RuntimeError(f"The size of tensor a ({out[j]}) must match the size of tensor b ({s}) at "
                                       f"non-singleton dimension {j}")
                out[j] = s
    return tuple(out)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for x in tensors:
        if x._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {x}")
        if x._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    # 'xy' is 'ij' with the first two output dims swapped (Cartesian indexing, like NumPy)
    place = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        place[0], place[1] = 1, 0
    shape = [0] * len(tensors)
    for p, x in zip(place, tensors):
        shape[p] = x._data.size
    ones = [1] * len(tensors)
    return tuple(expand(reshape(x, ones[:p] + [-1] + ones[p + 1:]), shape) for p, x in zip(place, tensors))


# ------------------------------------------------------------------------------- slicing views

def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, len(shape))
    start, length, size = int(start), int(length), shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return apply(Slice, (input,), (slice(None),) * d + (slice(start, start + length),))


def select(input: Tensor, dim: int, index) -> Tensor:
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, len(shape))
    index = int(index)
    if not -shape[d] <= index < shape[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {d}")
    # the trailing Ellipsis keeps a 0-d result a view instead of a NumPy scalar
    return apply(Select, (input,), (slice(None),) * d + (index % shape[d], Ellipsis))


# ------------------------------------------------------------------------------- flips

def flip(input: Tensor, *args, dims=None) -> Tensor:
    """flip(x, 0, 1), flip(x, (0, 1)) or flip(x, dims=(0, 1)), as PyTorch accepts them."""
    if dims is not None and args:
        raise TypeError("flip() got multiple values for argument 'dims'")
    dims = args if dims is None else (dims,)
    ndim = input._data.ndim
    dims = wrap_dims(size_args(dims), ndim)
    return apply(Flip, (input,), dims if ndim else ())  # a 0-d tensor accepts dim 0 and has nothing to flip


def fliplr(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return apply(Flip, (input,), (1,))


def flipud(input: Tensor) -> Tensor:
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return apply(Flip, (input,), (0,))


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    n = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = _wrap_dim(dims[0], n), _wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(apply(Flip, (input,), (d1,)), d0, d1)
    if k == 2:
        return apply(Flip, (input,), (d0, d1))
    if k == 3:
        return transpose(apply(Flip, (input,), (d0,)), d0, d1)
    return input.clone()


# ------------------------------------------------------------------------------- in-place forms

def _rebind(self: Tensor, out: Tensor) -> Tensor:
    """An in-place shape change: `self` takes the view's array (same memory) and its history."""
    check_inplace(self)
    self._data = out._data
    if out.grad_fn is not None:
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
    self._vc[0] += 1
    return self


def squeeze_(self: Tensor, dim=None) -> Tensor:
    return _rebind(self, squeeze(self, dim))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    return _rebind(self, unsqueeze(self, dim))


def t_(self: Tensor) -> Tensor:
    return _rebind(self, t(self))


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    return _rebind(self, transpose(self, dim0, dim1))


# ------------------------------------------------------------------------------- as another tensor

def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other._data.shape)


def _mT(self: Tensor) -> Tensor:
    if self._data.ndim == 0:
        warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
                      UserWarning, stacklevel=2)
        return self.view(())
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


def _T(self: Tensor) -> Tensor:
    return permute(self, tuple(range(self._data.ndim - 1, -1, -1)))


TENSOR_METHODS = {
    "reshape": reshape, "view": view, "expand": expand, "permute": permute, "transpose": transpose,
    "swapaxes": transpose, "swapdims": transpose, "t": t, "expand_as": expand_as, "view_as": view_as,
    "reshape_as": reshape_as, "mT": property(_mT), "T": property(_T), "mH": property(lambda self: _mT(self).conj()),
    "flatten": flatten, "unflatten": unflatten, "ravel": ravel, "squeeze": squeeze, "unsqueeze": unsqueeze,
    "movedim": movedim, "moveaxis": movedim, "broadcast_to": broadcast_to, "narrow": narrow, "select": select,
    "flip": flip, "fliplr": fliplr, "flipud": flipud, "rot90": rot90,
    "squeeze_": squeeze_, "unsqueeze_": unsqueeze_, "t_": t_, "transpose_": transpose_, "swapaxes_": transpose_,
    "swapdims_": transpose_,
}

moveaxis = movedim
swapaxes = swapdims = transpose

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors", "broadcast_to",
           "flatten", "flip", "fliplr", "flipud", "meshgrid", "moveaxis", "movedim", "narrow", "permute", "ravel",
           "reshape", "rot90", "select", "squeeze", "swapaxes", "swapdims", "t", "transpose", "unflatten",
           "unsqueeze"]
