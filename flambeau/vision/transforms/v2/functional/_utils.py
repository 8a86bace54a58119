"""The kernel registry of the v2 functionals: each functional dispatches on its input's type to a kernel.

A kernel registered for a builtin TVTensor type receives a plain Tensor and its result is wrapped back into
the input's type (with its metadata), so kernels are written once for plain tensors.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Callable, Optional, Union

import flambeau
from flambeau.vision import tv_tensors

_FillType = Union[int, float, Sequence[int], Sequence[float], None]
_FillTypeJIT = Optional[list[float]]

_KERNEL_REGISTRY: dict[Callable, dict[type, Callable]] = {}


def is_pure_tensor(inpt: Any) -> bool:
    return isinstance(inpt, flambeau.Tensor) and not isinstance(inpt, tv_tensors.TVTensor)


def _kernel_tv_tensor_wrapper(kernel: Callable) -> Callable:
    @functools.wraps(kernel)
    def wrapper(inpt, *args, **kwargs):
        output = kernel(inpt.as_subclass(flambeau.Tensor), *args, **kwargs)
        return tv_tensors.wrap(output, like=inpt)
    return wrapper


def _register_kernel_internal(functional: Callable, input_type: type, *, tv_tensor_wrapper: bool = True):
    """Decorator registering a kernel of `functional` for `input_type` (kernels of builtin TVTensor types
    are wrapped unless tv_tensor_wrapper is False: those handle the TVTensor themselves)."""
    registry = _KERNEL_REGISTRY.setdefault(functional, {})
    if input_type in registry:
        raise ValueError(f"Functional {functional} already has a kernel registered for type {input_type}.")

    def decorator(kernel: Callable) -> Callable:
        wrap = tv_tensor_wrapper and issubclass(input_type, tv_tensors.TVTensor)
        registry[input_type] = _kernel_tv_tensor_wrapper(kernel) if wrap else kernel
        return kernel
    return decorator


def _register_pil_kernel(functional: Callable):
    """Decorator registering a kernel of `functional` for PIL images, when Pillow (optional) is installed."""
    def decorator(kernel: Callable) -> Callable:
        try:
            from PIL.Image import Image
        except ImportError:
            return kernel
        return _register_kernel_internal(functional, Image)(kernel)
    return decorator


def _name_to_functional(name: str) -> Callable:
    from flambeau.vision.transforms.v2 import functional
    try:
        return getattr(functional, name)
    except AttributeError:
        raise ValueError(f"Could not find functional with name '{name}' in "
                         "flambeau.vision.transforms.v2.functional.") from None


def _builtin_tv_tensor_types() -> set:
    return {obj for obj in vars(tv_tensors).values() if isinstance(obj, type) and issubclass(obj, tv_tensors.TVTensor)}


def register_kernel(functional: Callable | str, tv_tensor_cls: type) -> Callable:
    """Decorate a kernel to register it for a functional and a custom TVTensor type (the kernel receives
    the TVTensor itself and returns what the functional should)."""
    if isinstance(functional, str):
        functional = _name_to_functional(functional)
    elif not (callable(functional) and
              getattr(functional, "__module__", "").startswith("flambeau.vision.transforms.v2.functional")):
        raise ValueError("Kernels can only be registered on functionals from the "
                         f"flambeau.vision.transforms.v2.functional namespace, but got {functional}.")
    if not (isinstance(tv_tensor_cls, type) and issubclass(tv_tensor_cls, tv_tensors.TVTensor)):
        raise ValueError("Kernels can only be registered for subclasses of flambeau.vision.tv_tensors.TVTensor, "
                         f"but got {tv_tensor_cls}.")
    if tv_tensor_cls in _builtin_tv_tensor_types():
        raise ValueError(f"Kernels cannot be registered for the builtin tv_tensor classes, but got {tv_tensor_cls}")
    return _register_kernel_internal(functional, tv_tensor_cls, tv_tensor_wrapper=False)


def _passthrough(inpt: Any, *args: Any, **kwargs: Any) -> Any:
    return inpt


def _get_kernel(functional: Callable, input_type: type, *, allow_passthrough: bool = False) -> Callable:
    """The kernel registered for input_type or its nearest base class up to TVTensor (a TVTensor subclass
    without a kernel never falls back to the plain-Tensor kernel)."""
    registry = _KERNEL_REGISTRY.get(functional)
    if not registry:
        raise ValueError(f"No kernel registered for functional {functional.__name__}.")
    for cls in input_type.__mro__:
        if cls in registry:
            return registry[cls]
        if cls is tv_tensors.TVTensor:
            break
    if allow_passthrough:
        return _passthrough
    raise TypeError(f"Functional F.{functional.__name__} supports inputs of type {registry.keys()}, "
                    f"but got {input_type} instead.")


def _register_five_ten_crop_kernel_internal(functional: Callable, input_type: type):
    """Like _register_kernel_internal, for kernels returning a tuple of images: each is wrapped."""
    registry = _KERNEL_REGISTRY.setdefault(functional, {})
    if input_type in registry:
        raise TypeError(f"Functional '{functional}' already has a kernel registered for type '{input_type}'.")

    def wrap(kernel: Callable) -> Callable:
        @functools.wraps(kernel)
        def wrapper(inpt, *args, **kwargs):
            output = kernel(inpt, *args, **kwargs)
            return type(output)(tv_tensors.wrap(o, like=inpt) for o in output)
        return wrapper

    def decorator(kernel: Callable) -> Callable:
        registry[input_type] = wrap(kernel) if issubclass(input_type, tv_tensors.TVTensor) else kernel
        return kernel
    return decorator
