"""Parameter, Buffer and the lazy (uninitialized) parameter of LazyLinear, as torch.nn.parameter."""
from __future__ import annotations

from typing import Any

from .._dtype import FLOATING_NP
from .._tensor import Tensor, _init

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer", "is_lazy"]


def _alias(cls, data: Tensor) -> Tensor:
    """A `cls` instance sharing `data`'s array and version counter, as a fresh leaf."""
    t = object.__new__(cls)
    _init(t, data._data)
    t._vc = data._vc
    return t


def _rebuild_parameter(data: Tensor, requires_grad: bool, state: dict) -> "Parameter":
    p = Parameter(data, requires_grad)
    p.__dict__.update(state)
    return p


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as an attribute."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from .. import empty
            data = empty(0)
        if requires_grad and data._data.dtype not in FLOATING_NP:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = _alias(cls, data)
        p._rg = bool(requires_grad)
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything happens in __new__ (Tensor.__init__ is the legacy constructor)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._wrap(self._data.copy()), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach(), self.requires_grad, dict(self.__dict__)))


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer when assigned as an attribute."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from .. import empty
            data = empty(0)
        b = _alias(cls, data)
        b._rg = data.requires_grad
        b.persistent = persistent
        return b

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass


class UninitializedTensorMixin:
    """Holds no data until `materialize(shape)`; only dtype/device moves are allowed before."""

    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        from .. import empty
        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        self._data = empty(shape, device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
            "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
            "`forward` to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                           "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, protocol):
        return (self.__class__, (self.requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


def is_lazy(param: Any) -> bool:
    """Whether `param` is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is decided by the first forward of a lazy module."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from .. import empty
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is decided by the first forward of a lazy module."""

    cls_to_become = Buffer  # not Tensor: a slotted class cannot take over an instance that has a __dict__

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        from .. import empty
        b = _alias(cls, empty(0, device=device, dtype=dtype))
        b.requires_grad = requires_grad
        b.persistent = persistent
        return b

    def __init__(self, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True) -> None:
        pass
