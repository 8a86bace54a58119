"""RAdam: Adam with a rectified adaptive learning rate (torch.optim.RAdam)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcmul_, _array, _arrays, _bump_step, _check_common, _lerp_, _scalar_state,
                        _state_like, _value, _with_weight_decay, _written)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """While the variance estimate is unreliable (rho_t <= 5) the step is SGD with momentum on the
    bias-corrected m; afterwards Adam's step scaled by the rectification term.
    `foreach`, `capturable` and `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_common(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, eps, weight_decay = _value(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        rho_inf = 2 / (1 - beta2) - 1
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _state_like(p)
                state["exp_avg_sq"] = _state_like(p)
            param, grad = _arrays(p, group["maximize"])
            step = _bump_step(state)
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    param *= 1 - lr * weight_decay
                else:
                    grad = _with_weight_decay(grad, param, weight_decay)
            exp_avg, exp_avg_sq = _array(state["exp_avg"]), _array(state["exp_avg_sq"])
            tmp = np.empty_like(param)
            _lerp_(exp_avg, grad, 1 - beta1, tmp)
            exp_avg_sq *= beta2
            _addcmul_(exp_avg_sq, grad, grad, 1 - beta2, tmp)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            update = np.divide(exp_avg, bias_correction1)
            update *= lr
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                np.sqrt(exp_avg_sq, out=tmp)
                tmp += eps
                np.divide(bias_correction2 ** 0.5, tmp, out=tmp)  # the adaptive learning rate
                update *= tmp
                update *= rect
            param -= update
            _written(p)
