"""RMSprop, plain or centered, with momentum (torch.optim.RMSprop)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _addcdiv_, _addcmul_, _array, _arrays, _bump_step, _check_lr, _lerp_,
                        _scalar_state, _state_like, _value, _with_weight_decay, _written)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """v = alpha * v + (1 - alpha) * g^2; avg = sqrt(v - mean(g)^2 if centered else v) + eps;
    p -= lr * g / avg (through a momentum buffer when momentum > 0).
    `foreach`, `capturable` and `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        for name, value in (("epsilon", eps), ("momentum", momentum), ("weight_decay", weight_decay),
                            ("alpha", alpha)):
            if not 0.0 <= value:
                raise ValueError(f"Invalid {name} value: {value}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, alpha, eps = _value(group["lr"]), group["alpha"], group["eps"]
        weight_decay, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = _state_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = _state_like(p)
                if centered:
                    state["grad_avg"] = _state_like(p)
            param, grad = _arrays(p, group["maximize"])
            _bump_step(state)
            if weight_decay != 0:
                grad = _with_weight_decay(grad, param, weight_decay)
            square_avg = _array(state["square_avg"])
            tmp = np.empty_like(param)
            square_avg *= alpha
            _addcmul_(square_avg, grad, grad, 1 - alpha, tmp)
            if centered:
                grad_avg = _array(state["grad_avg"])
                _lerp_(grad_avg, grad, 1 - alpha, tmp)
                avg = np.negative(grad_avg)
                avg *= grad_avg
                avg += square_avg
                np.sqrt(avg, out=avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buf = _array(state["momentum_buffer"])
                buf *= momentum
                _addcdiv_(buf, grad, avg, 1, tmp)
                np.multiply(buf, -lr, out=tmp)
                param += tmp
            else:
                _addcdiv_(param, grad, avg, -lr, tmp)
            _written(p)
