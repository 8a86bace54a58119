"""Linear, Bilinear and LazyLinear, as torch.nn (Identity lives in flatten.py)."""
from __future__ import annotations

import math

from ... import empty, no_grad
from ..._tensor import Tensor
from .. import functional as F, init
from ..parameter import Parameter, UninitializedParameter, is_lazy
from .module import Module, ModuleInputError

__all__ = ["Linear", "Bilinear", "LazyLinear"]


def check_dtype(module: Module, input: Tensor, weight: Tensor) -> None:
    """A layer's input must have its weight's dtype (PyTorch would fail later, inside the matmul).

    `weight` is passed in, read once by forward: on a parametrized module every read recomputes it."""
    if input._data.dtype != weight._data.dtype:
        raise ModuleInputError(module, f"expected input of dtype {weight.dtype} (the dtype of its weight), "
                                       f"got {input.dtype}")


def uniform_bias_(bias: Tensor | None, fan_in: int) -> None:
    """PyTorch's default bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x @ weight.T + bias, weight (out_features, in_features)."""

    __constants__ = ["in_features", "out_features"]
    in_features: int
    out_features: int
    weight: Tensor

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_ with a=sqrt(5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as for the bias
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        uniform_bias_(self.bias, init._calculate_fan_in_and_fan_out(self.weight)[0])

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape
        if not shape or shape[-1] != self.in_features:
            raise ModuleInputError(self, f"expected input with last dimension {self.in_features}, got shape "
                                         f"{tuple(shape)}")
        weight = self.weight
        check_dtype(self, input, weight)
        return F.linear(input, weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y = x1^T A x2 + b, weight (out_features, in1_features, in2_features)."""

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        weight = self.weight
        for which, x, size in (("input1", input1, self.in1_features), ("input2", input2, self.in2_features)):
            if not x.shape or x.shape[-1] != size:
                raise ModuleInputError(self, f"expected {which} with last dimension {size}, got shape "
                                             f"{tuple(x.shape)}")
            check_dtype(self, x, weight)
        if input1.shape[:-1] != input2.shape[:-1]:
            raise ModuleInputError(self, f"expected inputs with the same leading dimensions, got shapes "
                                         f"{tuple(input1.shape)} and {tuple(input2.shape)}")
        return F.bilinear(input1, input2, weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyMixin:
    """A layer whose input size is read from its first input: its parameters are UninitializedParameters
    until the first call, which materialises them, runs reset_parameters and turns the layer into
    `cls_to_become` (LazyLinear -> Linear), as PyTorch's LazyModuleMixin."""

    cls_to_become: type

    def has_uninitialized_params(self) -> bool:
        return any(is_lazy(p) for p in self._parameters.values())

    def forward(self, input: Tensor, *args, **kwargs) -> Tensor:
        if self.has_uninitialized_params():
            with no_grad():
                self.initialize_parameters(input)
            self.reset_parameters()
        self.__class__ = self.cls_to_become
        return self.forward(input, *args, **kwargs)


class LazyLinear(LazyMixin, Linear):
    """Linear whose in_features is inferred from the last dimension of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        if not input.shape:
            raise ModuleInputError(self, "expected an input with at least one dimension, got a 0-d tensor")
        self.in_features = input.shape[-1]
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
