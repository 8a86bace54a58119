"""What a replay assumes about the world outside its inputs, and the check that it still holds.

torch.compile guards on the globals a frame reads; so do we, for what a capture bakes in or depends on: the
modules and optimizers the function reaches through its globals, closure, defaults and arguments (each module's
Python-number attributes, its training mode among them, which tensors and modules are its parameters, buffers
and children, and how many hooks it has; each parameter's shape, dtype, requires_grad and whether it has a .grad; the size of each
optimizer's parameter groups); the Python numbers the function reads from its globals and closure (a trace
bakes them into the graph's arguments), and which module or optimizer each of its globals and closure cells
names.
"""
from __future__ import annotations

import types

from .._tensor import Tensor

_NUMBERS = (bool, int, float, complex, str, type(None))


def reachable_objects(fn, args: tuple, kwargs: dict) -> list:
    """The objects `fn` names directly: its globals that its code reads, closure cells, defaults, arguments."""
    from ..nn import Module
    objects = list(args) + list(kwargs.values())
    if isinstance(fn, Module):
        objects.append(fn)
    target = getattr(fn, "forward", fn) if isinstance(fn, Module) else fn
    target = getattr(target, "__func__", target)
    code = getattr(target, "__code__", None)
    if code is not None:
        g = getattr(target, "__globals__", {})
        names = set(code.co_names)
        for const in code.co_consts:  # nested code objects (comprehensions) read globals too
            if isinstance(const, types.CodeType):
                names.update(const.co_names)
        objects += [g[n] for n in names if n in g]
        objects += [c.cell_contents for c in (target.__closure__ or ()) if _filled(c)]
        objects += list(target.__defaults__ or ())
    bound = getattr(fn, "__self__", None)
    if bound is not None:
        objects.append(bound)
    return objects


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def named_values(fn) -> list:
    """(where, value) of the globals a plain function's code reads and of its closure cells: where is
    ("global", name) or ("cell", index)."""
    from ..nn import Module
    if isinstance(fn, Module):
        return []
    target = getattr(fn, "__func__", fn)
    code = getattr(target, "__code__", None)
    if code is None:
        return []
    g = getattr(target, "__globals__", {})
    found = [(("global", n), g[n]) for n in sorted(set(code.co_names)) if n in g]
    found += [(("cell", i), c.cell_contents) for i, c in enumerate(target.__closure__ or ()) if _filled(c)]
    return found


def _read(fn, where: tuple):
    target = getattr(fn, "__func__", fn)
    kind, key = where
    return target.__globals__.get(key, _MISSING) if kind == "global" else target.__closure__[key].cell_contents


_MISSING = object()


class Guards:
    """The state a capture was made under, checked before each replay (cheaply: a few attribute reads)."""

    def __init__(self, fn, modules: list, optimizers: list):
        self.fn = fn
        self.modules = [m for root in modules for m in root.modules()]
        self.attributes = tuple(_attributes(m) for m in self.modules)
        params = {id(p): p for root in modules for p in root.parameters()}
        params.update({id(p): p for opt in optimizers for g in opt.param_groups for p in g["params"]})
        self.params = list(params.values())
        # a number the code reads is baked in (guarded by value); a module or optimizer it names is the one whose
        # state the capture reads and whose step it replays (guarded by identity: reassigning it captures again)
        state = tuple(modules) + tuple(optimizers)
        self.values = [(w, v) for w, v in named_values(fn) if type(v) in _NUMBERS]
        self.objects = [(w, v) for w, v in named_values(fn) if any(v is o for o in state)]
        self.optimizers = optimizers
        self.group_sizes = _group_sizes(optimizers)
        self.param_state = tuple(_param_state(p) for p in self.params)
        self._grads = True

    def ignore_grads(self) -> None:
        """The capture neither read nor wrote a .grad: whether a parameter has one does not matter."""
        self.param_state = tuple(state[:3] for state in self.param_state)
        self._grads = False

    def hold(self) -> bool:
        for m, attributes in zip(self.modules, self.attributes):
            if _attributes(m) != attributes:
                return False
        for p, state in zip(self.params, self.param_state):
            if _param_state(p, self._grads) != state:
                return False
        if self.optimizers and _group_sizes(self.optimizers) != self.group_sizes:
            return False
        for w, value in self.values:
            now = _read(self.fn, w)
            if now is not value and (type(now) is not type(value) or now != value):
                return False
        for w, obj in self.objects:
            if _read(self.fn, w) is not obj:
                return False
        return True


def _attributes(m) -> tuple:
    """A module's Python-number attributes (training, a dropout's p, an eps): what its forward may bake in; and
    which tensors are its parameters and buffers (one replaced by another object is not the one captured)."""
    d = m.__dict__
    return (tuple((k, v) for k, v in d.items() if type(v) in _NUMBERS),
            tuple(map(id, m._parameters.values())), tuple(map(id, m._buffers.values())),
            tuple(map(id, m._modules.values())), tuple(len(d[h]) for h in _HOOKS))


_HOOKS = ("_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks", "_backward_hooks")


def module_hooks(modules: list) -> bool:
    """Whether a module has hooks: Python code that runs around its forward and backward, which a replay skips."""
    return any(m.__dict__[h] for m in modules for h in _HOOKS)


def _group_sizes(optimizers: list) -> tuple:
    """How many parameters each group of each optimizer holds (add_param_group changes what a step writes)."""
    return tuple(len(g["params"]) for opt in optimizers for g in opt.param_groups)


def _param_state(p: Tensor, grads: bool = True) -> tuple:
    return (p._data.shape, p._data.dtype, p._rg, p._grad is None) if grads else (p._data.shape, p._data.dtype, p._rg)
