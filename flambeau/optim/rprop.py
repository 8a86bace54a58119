"""Rprop: resilient backpropagation (torch.optim.Rprop)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _array, _arrays, _bump_step, _check_lr, _scalar_state, _state_like, _value,
                        _written)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Per-element step sizes grow by etaplus while the gradient keeps its sign and shrink by etaminus when
    it flips (that element then skips its update); p -= sign(g) * step_size.
    `foreach`, `capturable` and `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                lr = _value(group["lr"])
                state["step"] = _scalar_state(0.0)
                state["prev"] = _state_like(p)
                state["step_size"] = _state_like(p, complex(lr, lr) if p.is_complex() else lr)
            param, grad = _arrays(p, group["maximize"])
            _bump_step(state)
            prev, step_size = _array(state["prev"]), _array(state["step_size"])
            sign = np.multiply(grad, prev)
            np.sign(sign, out=sign)
            sign[sign > 0] = etaplus
            sign[sign < 0] = etaminus
            sign[sign == 0] = 1
            step_size *= sign
            np.clip(step_size, step_size_min, step_size_max, out=step_size)
            prev[...] = grad
            prev[sign == etaminus] = 0  # a flipped sign: no update now, and no flip detected next step
            np.sign(prev, out=sign)
            sign *= -1
            sign *= step_size
            param += sign
            _written(p)
