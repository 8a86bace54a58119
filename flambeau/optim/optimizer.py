"""Optimizer: the base class of every algorithm in flambeau.optim (PyTorch's torch.optim.Optimizer).

Parameter groups, per-parameter state, state_dict/load_state_dict in PyTorch's layout (state keyed by
the parameter's index in group order, 'params' as index lists), zero_grad and step hooks.

The updates themselves run on the parameters' backend arrays with in-place ufuncs, outside the
autograd graph: the helpers at the bottom of this file (`_arrays`, `_written`, `_lerp_`, ...) are the
only place where optimizer code touches `_data`, and `_written` bumps the version counter of a
parameter whose memory changed, as an in-place tensor op would.
"""
from __future__ import annotations

import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable

import numpy as np

from .._dtype import float64, get_default_dtype
from .._runtime import typename
from .._tensor import Tensor
from ..autograd import enable_grad
from ..autograd.graph import _RemovableHandle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_pre_hooks: list = []
_global_post_hooks: list = []


class _RequiredParameter:
    """Marks a hyperparameter every parameter group must give (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def register_optimizer_step_pre_hook(hook: Callable) -> _RemovableHandle:
    """A hook(optimizer, args, kwargs) run before every optimizer's step."""
    _global_pre_hooks.append(hook)
    return _RemovableHandle(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> _RemovableHandle:
    """A hook(optimizer, args, kwargs) run after every optimizer's step."""
    _global_post_hooks.append(hook)
    return _RemovableHandle(_global_post_hooks, hook)


def _with_step_hooks(step: Callable) -> Callable:
    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        self = args[0]
        for hook in chain(_global_pre_hooks, self._step_pre_hooks):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in chain(self._step_post_hooks, _global_post_hooks):
            hook(self, args, kwargs)
        return out
    wrapper._hooked = True
    return wrapper


class Optimizer:
    """Base class for all optimizers: subclasses give `defaults` and implement `step`.

    The built-in algorithms implement `_update_group(group)` and call `_run_step(closure)` from step.
    `foreach`, `fused`, `capturable` and `differentiable` are accepted for compatibility and change
    nothing: every update is one whole-array pass per parameter, never recorded by autograd.
    """

    # state entries that PyTorch keeps as 0-d tensors (older checkpoints may hold Python numbers)
    _scalar_state_keys: tuple = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _with_step_hooks(step)

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _init_hooks(self) -> None:
        self._step_pre_hooks: list = []
        self._step_post_hooks: list = []
        self._state_dict_pre_hooks: list = []
        self._state_dict_post_hooks: list = []
        self._load_state_dict_pre_hooks: list = []
        self._load_state_dict_post_hooks: list = []

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_step_pre_hooks" not in self.__dict__:
            self._init_hooks()
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for key, default in self.defaults.items():
                if default is not required:
                    group.setdefault(key, default)
            for p in group["params"]:
                p_state = self.state.get(p)
                for key in self._scalar_state_keys:
                    if p_state and key in p_state and not isinstance(p_state[key], Tensor):
                        p_state[key] = _scalar_state(float(p_state[key]))

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ---------------------------------------------------------------- hooks
    def register_step_pre_hook(self, hook: Callable) -> _RemovableHandle:
        self._step_pre_hooks.append(hook)
        return _RemovableHandle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _RemovableHandle:
        self._step_post_hooks.append(hook)
        return _RemovableHandle(self._step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _RemovableHandle:
        return _add_hook(self._state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _RemovableHandle:
        return _add_hook(self._state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _RemovableHandle:
        return _add_hook(self._load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _RemovableHandle:
        return _add_hook(self._load_state_dict_post_hooks, hook, prepend)

    # ---------------------------------------------------------------- state_dict
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: per-parameter state}, 'param_groups': [group with 'params' as indices]}.

        As in PyTorch the per-parameter dicts and tensors are the live ones, not copies."""
        for hook in self._state_dict_pre_hooks:
            hook(self)
        index: dict[int, int] = {}
        start = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            packed_groups.append(packed)
        packed_state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": packed_groups}
        for hook in self._state_dict_post_hooks:
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load state saved by `state_dict` (ours or PyTorch's with tensors converted to flambeau)."""
        state_dict = state_dict.copy()
        for hook in self._load_state_dict_pre_hooks:
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = _cast_state(id_map[k], v)
            else:
                state[k] = v
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in self._load_state_dict_post_hooks:
            hook(self)

    # ---------------------------------------------------------------- gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    def step(self, closure: Callable[[], Any] | None = None):
        raise NotImplementedError

    def _run_step(self, closure):
        """The step of the built-in algorithms: evaluate the closure with grad, then update each group."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        seen: set = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)


def _add_hook(hooks: list, hook: Callable, prepend: bool) -> _RemovableHandle:
    hooks.insert(0, hook) if prepend else hooks.append(hook)
    return _RemovableHandle(hooks, hook)


def _cast_state(param: Tensor, value, key=None):
    """Copy loaded state for `param`: tensors take its dtype (except 'step'), containers are rebuilt."""
    if isinstance(value, Tensor):
        if key != "step" and param.is_floating_point():
            value = value.to(dtype=param.dtype, device=param.device)
        else:
            value = value.to(device=param.device)
        if not value._data.flags.writeable:  # e.g. loaded from a read-only buffer: updates write in place
            value = value.clone()
        return value
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_common(lr, eps=None, betas=None, weight_decay=None) -> None:
    """The argument checks the Adam family shares, with PyTorch's messages."""
    _check_lr(lr)
    if eps is not None and not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if betas is not None:
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
    if weight_decay is not None and not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


# -------------------------------------------------------------------- internal no-grad array helpers
def _value(x) -> float:
    """A hyperparameter as a Python number (a 1-element tensor lr/beta gives its value)."""
    return x.item() if isinstance(x, Tensor) else x


def _scalar_dtype():
    return np.float64 if get_default_dtype() is float64 else np.float32


def _scalar_state(value: float) -> Tensor:
    """A 0-d state tensor such as 'step' (float32, or float64 under a float64 default dtype, as PyTorch)."""
    return Tensor._wrap(np.array(value, dtype=_scalar_dtype()))


def _state_like(p: Tensor, fill: float = 0.0) -> Tensor:
    """A state tensor shaped like `p` (exp_avg, momentum_buffer, ...), filled with `fill`."""
    return Tensor._wrap(np.full_like(p._data, fill) if fill else np.zeros_like(p._data))


def _real(a):
    """Complex arrays are updated through their real view, as PyTorch's view_as_real."""
    return a.view(a.real.dtype) if a.dtype.kind == "c" else a


def _arrays(p: Tensor, maximize: bool = False, sparse_ok: bool = False):
    """(parameter array, gradient array) for an in-place update; the gradient is negated when maximizing.
    sparse_ok: a sparse gradient is used as its dense equivalent (SGD, Adagrad: the entries it leaves out
    are zeros that change nothing); other optimizers refuse it, as in PyTorch."""
    grad = p._grad
    if grad.is_sparse:
        if not sparse_ok:
            raise RuntimeError("this optimizer does not support sparse gradients, please consider SparseAdam "
                               "instead")
        grad = grad.to_dense()
    grad = grad._data
    return _real(p._data), _real(-grad if maximize else grad)


def _array(t: Tensor):
    return _real(t._data)


def _written(p: Tensor) -> None:
    """The parameter's memory changed in place: bump its version counter like any in-place op."""
    p._vc[0] += 1


def _bump_step(state: dict, key: str = "step") -> float:
    """state[key] += 1 in place (a 0-d tensor shared with saved state dicts); returns the new value."""
    step = state[key]._data
    step += 1
    return float(step)


def _with_weight_decay(grad, param, weight_decay):
    """grad + weight_decay * param, a new array (PyTorch's grad.add(param, alpha=weight_decay))."""
    out = param * weight_decay
    out += grad
    return out


def _lerp_(a, b, weight, tmp) -> None:
    """a.lerp_(b, weight) with PyTorch's two-sided formula; tmp is scratch space shaped like a."""
    w = a.dtype.type(weight)
    np.subtract(b, a, out=tmp)
    if abs(w) < 0.5:
        tmp *= w
        a += tmp
    else:
        tmp *= 1 - w
        np.subtract(b, tmp, out=a)


def _addcmul_(a, t1, t2, value, tmp) -> None:
    """a += value * t1 * t2 (PyTorch's addcmul_ order of operations)."""
    np.multiply(t1, value, out=tmp)
    tmp *= t2
    a += tmp


def _addcdiv_(a, t1, t2, value, tmp) -> None:
    """a += value * t1 / t2 (PyTorch's addcdiv_ order of operations)."""
    np.multiply(t1, value, out=tmp)
    tmp /= t2
    a += tmp
