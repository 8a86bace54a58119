"""NAdam: Adam with Nesterov momentum and momentum decay (torch.optim.NAdam)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcdiv_, _addcmul_, _array, _arrays, _bump_step, _check_common, _lerp_,
                        _scalar_state, _state_like, _value, _with_weight_decay, _written)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)); p -= lr * ((1 - mu_t) / (1 - prod mu) * g +
    mu_{t+1} / (1 - prod mu * mu_{t+1}) * m) / (sqrt(v / (1 - beta2^t)) + eps).
    `foreach`, `capturable` and `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step", "mu_product")

    def __init__(self, params, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_common(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, eps, weight_decay = _value(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        momentum_decay = group["momentum_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["mu_product"] = _scalar_state(1.0)
                state["exp_avg"] = _state_like(p)
                state["exp_avg_sq"] = _state_like(p)
            param, grad = _arrays(p, group["maximize"])
            step = _bump_step(state)
            bias_correction2 = 1 - beta2 ** step
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    param *= 1 - lr * weight_decay
                else:
                    grad = _with_weight_decay(grad, param, weight_decay)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product = state["mu_product"]._data  # a 0-d float32 tensor in PyTorch: the product rounds
            mu_product *= mu
            mu_product = float(mu_product)
            exp_avg, exp_avg_sq = _array(state["exp_avg"]), _array(state["exp_avg_sq"])
            tmp = np.empty_like(param)
            _lerp_(exp_avg, grad, 1 - beta1, tmp)
            exp_avg_sq *= beta2
            _addcmul_(exp_avg_sq, grad, grad, 1 - beta2, tmp)
            denom = np.divide(exp_avg_sq, bias_correction2)
            np.sqrt(denom, out=denom)
            denom += eps
            _addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product), tmp)
            _addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product * mu_next), tmp)
            _written(p)
