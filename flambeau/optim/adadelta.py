"""Adadelta (torch.optim.Adadelta)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcmul_, _array, _arrays, _bump_step, _check_lr, _scalar_state, _state_like,
                        _value, _with_weight_decay, _written)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """v = rho * v + (1 - rho) * g^2; delta = sqrt(u + eps) / sqrt(v + eps) * g; u = rho * u + (1 - rho) * delta^2;
    p -= lr * delta. `foreach`, `capturable` and `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, rho, eps, weight_decay = _value(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = _state_like(p)
                state["acc_delta"] = _state_like(p)
            param, grad = _arrays(p, group["maximize"])
            _bump_step(state)
            if weight_decay != 0:
                grad = _with_weight_decay(grad, param, weight_decay)
            square_avg, acc_delta = _array(state["square_avg"]), _array(state["acc_delta"])
            tmp = np.empty_like(param)
            square_avg *= rho
            _addcmul_(square_avg, grad, grad, 1 - rho, tmp)
            std = np.add(square_avg, eps)
            np.sqrt(std, out=std)
            delta = np.add(acc_delta, eps)
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= grad
            acc_delta *= rho
            _addcmul_(acc_delta, delta, delta, 1 - rho, tmp)
            delta *= -lr
            param += delta
            _written(p)
