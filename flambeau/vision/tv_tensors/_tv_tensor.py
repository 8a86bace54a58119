"""TVTensor: the base of the Tensor subclasses that tell v2 transforms what a tensor is (image, boxes, ...).

Like torchvision, a Tensor method called on a TVTensor returns a plain Tensor, except clone, to, detach,
requires_grad_ and pin_memory, which keep the type and metadata; under set_return_type("TVTensor") every
method keeps them. flambeau has no __torch_function__: the methods of Tensor are wrapped here once, so
free functions (torch.flip(image, ...)) always return plain Tensors.
"""
from __future__ import annotations

import types
from typing import Any

import flambeau
from flambeau import Tensor

from ._return_type import STATE

_KEEP_TYPE = {"clone", "to", "detach", "requires_grad_", "pin_memory"}
# Tensor's own plumbing, which must not be wrapped (construction, attribute access, pickling, copying).
_NOT_WRAPPED = {"__init__", "__new__", "__init_subclass__", "__getattribute__", "__setattr__", "__delattr__",
                "__reduce__", "__reduce_ex__", "__getstate__", "__deepcopy__", "__dir__", "__sizeof__",
                "__repr__", "__str__", "__format__", "__subclasshook__"}


class TVTensor(Tensor):
    """Base class of the tv_tensors; subclass it to define a custom TVTensor."""

    _metadata: tuple[str, ...] = ()  # the attributes that travel with the tensor (BoundingBoxes.format, ...)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # subclasses build themselves in __new__ (Tensor.__init__ is the legacy constructor)

    @staticmethod
    def _to_tensor(data: Any, dtype: flambeau.dtype | None = None, device: Any = None,
                   requires_grad: bool | None = None) -> Tensor:
        if requires_grad is None:
            requires_grad = data.requires_grad if isinstance(data, Tensor) else False
        return flambeau.as_tensor(data, dtype=dtype, device=device).requires_grad_(requires_grad)

    @classmethod
    def _with_metadata(cls, tensor: Tensor, metadata: dict[str, Any]) -> "TVTensor":
        """tensor as a cls with these metadata attributes, unchecked."""
        out = tensor.as_subclass(cls)
        out.__dict__.update(metadata)
        return out

    @classmethod
    def _wrap(cls, tensor: Tensor, **metadata: Any) -> "TVTensor":
        """tensor as a cls: subclasses check their metadata (and the tensor's shape) here."""
        return cls._with_metadata(tensor, metadata)

    @classmethod
    def wrap(cls, tensor: Tensor, like: "TVTensor", **kwargs: Any) -> "TVTensor":
        """`tensor` as a `cls`, with `like`'s metadata except where `kwargs` overrides it."""
        return cls._wrap(tensor, **{name: kwargs.get(name, getattr(like, name)) for name in cls._metadata})

    def _wrap_output(self, output: Any) -> Any:
        """A method's result re-wrapped like self: tensors (also inside tuples and lists) without checks."""
        if isinstance(output, Tensor):
            if isinstance(output, type(self)):
                return output
            return type(self)._with_metadata(output, {name: getattr(self, name) for name in self._metadata})
        if isinstance(output, (tuple, list)):
            parts = [self._wrap_output(part) for part in output]
            return type(output)(*parts) if hasattr(output, "_fields") else type(output)(parts)
        return output

    def _make_repr(self, **metadata: Any) -> str:
        extra = ", ".join(f"{key}={value}" for key, value in metadata.items())
        return f"{super().__repr__()[:-1]}, {extra})"

    def __deepcopy__(self, memo: dict) -> "TVTensor":
        # detached so that the copy is not part of the graph; requires_grad is restored afterwards
        return self.detach().clone().requires_grad_(self.requires_grad)

    def __reduce_ex__(self, protocol: int):
        metadata = {name: getattr(self, name) for name in self._metadata}
        return _rebuild, (type(self), self.as_subclass(Tensor), metadata)


def _rebuild(cls: type, tensor: Tensor, metadata: dict) -> TVTensor:
    return cls._with_metadata(tensor, metadata)


def _wrapped(name: str, method):
    keep = name in _KEEP_TYPE

    def wrapper(self, *args, **kwargs):
        output = method(self, *args, **kwargs)
        if keep or STATE.tv_tensor:
            return self._wrap_output(output)
        if isinstance(output, TVTensor):  # in-place methods return self: hand back a plain alias
            return output.as_subclass(Tensor)
        return output

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


def _wrap_tensor_methods() -> None:
    """Give TVTensor a wrapper of every public method and operator of Tensor."""
    for name, method in list(vars(Tensor).items()):
        public = not name.startswith("_") or name.startswith("__")
        if isinstance(method, types.FunctionType) and public and name not in _NOT_WRAPPED:
            setattr(TVTensor, name, _wrapped(name, method))


_wrap_tensor_methods()
