"""Tensor: one backend array plus autograd metadata.

Math methods and operators are bound onto the class by the op families in `flambeau/ops`
(each module lists its methods in `TENSOR_METHODS`); this file holds what is about the
tensor object itself: metadata, conversion, autograd attributes.
"""
from __future__ import annotations

import numpy as np

from ._device import data_ptr, device_of
from ._layout import strided
from ._dtype import FLOATING_NP, FROM_NP, FLOAT, COMPLEX, to_dtype


class Size(tuple):
    """torch.Size: a tuple of ints that prints as torch.Size([..])."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


# jit.trace sets this to its tracer's shape_of(tensor) while it records dynamic dims (flambeau/jit/_tracer.py):
# sizes computed from them stay symbolic. None otherwise, so reading a shape pays one global read.
shape_hook = None

_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
               "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
               "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}


class Tensor:
    __slots__ = ("_data", "_rg", "grad_fn", "_grad", "_vc", "_base", "_output_nr", "_accum",
                 "_hooks", "_view_version", "__weakref__")
    # ndarray + Tensor defers to Tensor.__radd__; np.exp(tensor) still converts through __array__
    __array_priority__ = 1000

    def __init__(self, *args, device=None):
        # The legacy constructor: Tensor(2, 3) is uninitialised float data, Tensor([1, 2]) copies data.
        from .ops.creation import legacy_tensor_data
        _init(self, legacy_tensor_data(args, device))

    @staticmethod
    def _wrap(array) -> "Tensor":
        t = _new(Tensor)
        t._data = array
        t._rg = False
        t.grad_fn = None
        t._grad = None
        t._vc = [0]
        t._base = None
        t._output_nr = 0
        t._accum = None
        t._hooks = None
        return t

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self) -> Size:
        if shape_hook is None:
            return Size(self._data.shape)
        return shape_hook(self)

    def size(self, dim: int | None = None):
        if shape_hook is not None:
            return shape_hook(self) if dim is None else shape_hook(self)[_wrap_dim(dim, self._data.ndim)]
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        if shape_hook is not None:
            return shape_hook(self).numel()
        return self._data.size

    nelement = numel

    @property
    def dtype(self):
        return FROM_NP[self._data.dtype]

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return not isinstance(self._data, np.ndarray)

    is_cpu = property(lambda self: isinstance(self._data, np.ndarray))
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = strided

    def is_floating_point(self) -> bool:
        return self.dtype.category == FLOAT

    def is_complex(self) -> bool:
        return self.dtype.category == COMPLEX

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    # memory placement: host memory is already shareable with DataLoader workers through pickling
    def share_memory_(self) -> "Tensor":
        return self

    def is_shared(self) -> bool:
        return False

    def pin_memory(self, device=None) -> "Tensor":
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def stride(self, dim: int | None = None):
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self) -> int:
        if self._base is None:
            return 0
        return (data_ptr(self._data) - data_ptr(self._base._data)) // self._data.itemsize

    def data_ptr(self) -> int:
        return data_ptr(self._data)

    def untyped_storage(self):
        """The bytes of this tensor's storage, sharing memory with it."""
        from ._storage_view import untyped_storage_of
        return untyped_storage_of(self)

    def storage(self):
        """The elements of this tensor's storage (a TypedStorage of its dtype), sharing memory with it."""
        from ._storage_view import typed_storage_of
        return typed_storage_of(self)

    def to_sparse(self, sparse_dim: int | None = None, **kwargs):
        """This tensor's nonzero entries as a sparse COO tensor."""
        from .sparse import to_sparse
        return to_sparse(self, sparse_dim, **kwargs)

    def to_dense(self, dtype=None, *, masked_grad: bool | None = None) -> "Tensor":
        return self if dtype is None else self.to(dtype)

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is None:
            name = _TYPE_NAMES[self.dtype.name]
            return ("torch.cuda." if self.is_cuda else "torch.") + name
        device = self.device
        if getattr(dtype, "is_legacy_tensor_type", False):  # torch.FloatTensor, torch.cuda.FloatTensor and kin
            device = "cuda" if dtype.is_cuda else "cpu"
            dtype = dtype.dtype
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            names = {v: k for k, v in _TYPE_NAMES.items()}
            if dtype.split(".")[-1] not in names or dtype.split(".")[:-1] not in (["torch"], ["torch", "cuda"]):
                raise ValueError(f"invalid type: '{dtype}'")
            device = "cuda" if dtype.startswith("torch.cuda.") else "cpu"
            dtype = names[dtype.split(".")[-1]]
        return self.to(device, to_dtype(dtype))

    # ---------------------------------------------------------------- autograd attributes
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                                   "a computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return
        if value and self._data.dtype not in FLOATING_NP:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._rg = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._hooks is not None and self._hooks.retains_grad

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def output_nr(self) -> int:
        return self._output_nr

    def detach(self) -> "Tensor":
        t = Tensor._wrap(self._data)
        t._vc = self._vc  # shares memory and versions, but is not an autograd view
        return t

    def detach_(self) -> "Tensor":
        if self._base is not None and self._base.grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        return self

    @property
    def data(self) -> "Tensor":
        # shares memory but not the version counter, like PyTorch: edits through .data are invisible to autograd
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        self._data = value._data

    def retain_grad(self) -> None:
        if self.grad_fn is None:
            return
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.retains_grad:
            return
        import weakref
        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is not None:
                t._grad = grad.detach() if t._grad is None else t._grad + grad
        self.grad_fn._add_retain_grad_hook(self._output_nr, store)
        self._extra_hooks().retains_grad = True

    def register_hook(self, hook):
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_hook(self._output_nr, hook)
        from .autograd.graph import _RemovableHandle
        hooks = self._extra_hooks().leaf
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.graph import _RemovableHandle
        hooks = self._extra_hooks().post_accumulate
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def _extra_hooks(self) -> "_TensorHooks":
        if self._hooks is None:
            self._hooks = _TensorHooks()
        return self._hooks

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---------------------------------------------------------------- Python protocols
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __reversed__(self):
        return self.flip(0) if self._data.ndim else self

    def __contains__(self, element) -> bool:
        if not isinstance(element, (Tensor, int, float, bool)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")
        return bool((self == element).any().item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        _observe_read(self, "bool")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(_real_value(self.item(), "double"))

    def __int__(self) -> int:
        return int(_real_value(self.item(), "int64_t"))

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        _check_host_read(self, "item")
        return self._data.reshape(()).item()

    def tolist(self):
        _check_host_read(self, "tolist")
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if not isinstance(self._data, np.ndarray):
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                                "copy the tensor to host memory first.")
            return self._data.get()
        _observe_read(self, "numpy")
        return self._data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        # numpy()'s refusals hold here too (requires grad, CUDA), as in PyTorch; the array is this tensor's memory
        # unless a dtype or copy=True asks for a copy
        a = self.numpy()
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __array_wrap__(self, array, context=None, return_scalar: bool = False) -> "Tensor":
        # A NumPy ufunc applied to a tensor (np.exp(t), np.add(t, 1)) returns a tensor, as in PyTorch, which also
        # hands back boolean results as uint8
        return Tensor._wrap(array.astype(np.uint8) if array.dtype == np.bool_ else np.asarray(array))

    def __dlpack__(self, *args, **kwargs):
        if self._rg:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return self.__repr__()

    def __reduce_ex__(self, protocol):
        from .ops.creation import rebuild_tensor
        return (rebuild_tensor, (self._data, self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        new = type(self).__new__(type(self))
        _init(new, self._data.copy())
        new._rg = self._rg
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        if hasattr(self, "__dict__"):
            import copy
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new


_new = object.__new__


class _TensorHooks:
    """The rarely used per-tensor hook state, kept out of every tensor's slots."""

    __slots__ = ("leaf", "post_accumulate", "retains_grad")

    def __init__(self):
        self.leaf = []             # register_hook on a leaf: run before accumulation into .grad
        self.post_accumulate = []  # register_post_accumulate_grad_hook
        self.retains_grad = False


def _init(t: Tensor, array) -> None:
    """Fill the slots of a tensor made by a constructor or a subclass (nn.Parameter)."""
    src = Tensor._wrap(array)
    for name in Tensor.__slots__[:-2]:
        setattr(t, name, getattr(src, name))


def _real_value(value, c_type: str):
    """A complex element converts to a real number only when its imaginary part is 0, as in PyTorch."""
    if isinstance(value, complex):
        if value.imag != 0:
            raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")
        return value.real
    return value


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _check_host_read(t: Tensor, what: str) -> None:
    """Inside a transform level (vmap), a value read on the host must not silently be one sample's."""
    from . import _dispatch
    if _dispatch.interpose is not None:
        _dispatch.interpose.__self__.host_read(t, what)
    _observe_read(t, what)


def _observe_read(t: Tensor, what: str) -> None:
    """The observers at the dispatch point (the JIT's tracer) see a value read into Python."""
    from . import _dispatch
    if _dispatch.observer is not None:
        _dispatch.observe_read(t, what)
