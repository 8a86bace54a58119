"""Adamax: Adam with the infinity norm (torch.optim.Adamax)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcdiv_, _array, _arrays, _bump_step, _check_common, _lerp_, _scalar_state,
                        _state_like, _value, _with_weight_decay, _written)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """m = lerp(m, g, 1 - beta1); u = max(beta2 * u, |g| + eps); p -= lr / (1 - beta1^t) * m / u.
    `foreach`, `capturable` and `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_common(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, eps, weight_decay = _value(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _state_like(p)
                state["exp_inf"] = _state_like(p)
            param, grad = _arrays(p, group["maximize"])
            step = _bump_step(state)
            if weight_decay != 0:
                grad = _with_weight_decay(grad, param, weight_decay)
            exp_avg, exp_inf = _array(state["exp_avg"]), _array(state["exp_inf"])
            tmp = np.empty_like(param)
            _lerp_(exp_avg, grad, 1 - beta1, tmp)
            exp_inf *= beta2
            np.abs(grad, out=tmp)
            tmp += eps
            np.maximum(exp_inf, tmp, out=exp_inf)
            clr = lr / (1 - beta1 ** step)
            _addcdiv_(param, exp_avg, exp_inf, -clr, tmp)
            _written(p)
