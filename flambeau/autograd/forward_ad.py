"""torch.autograd.forward_ad: dual tensors and forward-mode AD.

Inside a dual level every primitive call goes through `DualLevel.handle` (see _levels.py): the primal
result is computed by the levels below, then the tangent of the result from the inputs' tangents by the
primitive's tangent rule (_tangent_rules.py), in flambeau ops, so tangents are themselves differentiable
(forward over reverse, reverse over forward) and batchable.
"""
from __future__ import annotations

from collections import namedtuple

from .._dtype import FLOATING_NP
from .._tensor import Tensor
from . import _levels
from ._tangent_rules import tangent_of_result

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_dual_levels: list = []  # the public dual levels (torch.autograd.forward_ad allows one at a time)


class DualLevel(_levels.Level):
    """One level of forward-mode AD: its table maps a primal array to its tangent Tensor."""

    def inplace(self, t: Tensor, result: Tensor) -> None:
        tangent, new = self.lookup(t), self.lookup(result)
        if new is not None and tangent is None:
            self.attach(t, new)
        elif tangent is not None:
            from .._dispatch import update_inplace
            from ..ops.creation import zeros_like
            with self.lowered():  # in place, so that the tangents of t's base and other views see it
                update_inplace(tangent, new if new is not None else zeros_like(tangent))
        super().inplace(t, result)

    def detach_attached(self, t: Tensor) -> None:
        tangent = self.lookup(t)
        if tangent is not None and tangent.requires_grad:
            self.attach(t, _levels.detach_everywhere(tangent))

    def handle(self, prim, inputs: tuple, args: tuple) -> Tensor:
        out = self.below(prim, inputs, args)
        if not self.table or not prim.differentiable or out._data.dtype not in FLOATING_NP:
            return out
        tangents = self.attached(inputs)
        if tangents is None:
            return out
        if any(out._data is t._data for t in inputs):  # a forward that returned its input: keep both entries
            out._data = out._data.view()
        with self.lowered():
            tangent = tangent_of_result(prim, inputs, tangents, out, args)
        if tangent is not None:
            self.attach(out, tangent)
        return out


def enter_dual_level() -> int:
    """Enter a new forward-AD level; returns its index."""
    if _dual_levels:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    level = DualLevel()
    _levels.push(level)
    _dual_levels.append(level)
    return len(_dual_levels) - 1


def exit_dual_level(*, level: int | None = None) -> None:
    """Exit the forward-AD level `level` (the current one by default); its tangents are dropped."""
    index = len(_dual_levels) - 1 if level is None else level
    if index != len(_dual_levels) - 1 or index < 0:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. "
                           "This is not supported.")
    _levels.pop(_dual_levels.pop())


class dual_level:
    """Context manager of a forward-AD level: `with dual_level(): ...`."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def _current(level: int | None, what: str) -> DualLevel | None:
    if level is None:
        return _dual_levels[-1] if _dual_levels else None
    if not 0 <= level < len(_dual_levels):
        raise RuntimeError(f"Trying to {what} for forward AD at level {level} that does not exist.")
    return _dual_levels[level]


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of `tensor` that carries `tangent` as its forward gradient at `level`."""
    dual = _current(level, "create a dual Tensor")
    if dual is None:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    return make_dual_at(dual, tensor, tangent)


def make_dual_at(dual: DualLevel, tensor: Tensor, tangent: Tensor) -> Tensor:
    """make_dual on a given level (torch.func.jvp's private levels use it too)."""
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        bad = tangent if isinstance(tensor, Tensor) else tensor
        raise AttributeError(f"'{type(bad).__name__}' object has no attribute 'is_floating_point'")
    if tensor._data.dtype not in FLOATING_NP:
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if tangent._data.dtype not in FLOATING_NP:
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    from ..ops.shape import View
    result = dual.below(View, (tensor,), (tensor._data.shape,))
    dual.attach(result, tangent)
    return result


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """(primal, tangent) of `tensor` at `level`: the primal is a view without the tangent; the tangent is
    None when the tensor carries none."""
    dual = _current(level, "unpack a dual Tensor")
    if dual is None:
        return UnpackedDualTensor(tensor, None)
    return unpack_dual_at(dual, tensor)


def unpack_dual_at(dual: DualLevel, tensor: Tensor) -> UnpackedDualTensor:
    tangent = dual.lookup(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    from ..ops.shape import View
    return UnpackedDualTensor(dual.below(View, (tensor,), (tensor._data.shape,)), tangent)


__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]
