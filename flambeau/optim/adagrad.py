"""Adagrad with learning-rate decay and an initial accumulator value (torch.optim.Adagrad)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcdiv_, _addcmul_, _array, _arrays, _bump_step, _check_lr, _scalar_state,
                        _state_like, _value, _with_weight_decay, _written)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """sum += g^2; p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum) + eps). State is created for every
    parameter at construction, as in PyTorch. `foreach`, `fused` and `differentiable` are accepted and
    ignored; a sparse gradient updates like its dense equivalent (the same numbers as PyTorch's sparse path)."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        value = self.defaults["initial_accumulator_value"]
        state["step"] = _scalar_state(0.0)
        state["sum"] = _state_like(p, complex(value, value) if p.is_complex() else value)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, lr_decay, eps, weight_decay = _value(group["lr"]), group["lr_decay"], group["eps"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                self._init_state(p)
            if weight_decay != 0 and p.grad.is_sparse:
                raise RuntimeError("weight_decay option is not compatible with sparse gradients")
            param, grad = _arrays(p, group["maximize"], sparse_ok=True)
            step = _bump_step(state)
            if weight_decay != 0:
                grad = _with_weight_decay(grad, param, weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = _array(state["sum"])
            tmp = np.empty_like(param)
            _addcmul_(state_sum, grad, grad, 1, tmp)
            std = np.sqrt(state_sum)
            std += eps
            _addcdiv_(param, grad, std, -clr, tmp)
            _written(p)
