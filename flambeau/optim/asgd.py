"""ASGD: averaged stochastic gradient descent (torch.optim.ASGD)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _array, _arrays, _bump_step, _check_lr, _scalar_dtype, _scalar_state, _state_like,
                        _value, _with_weight_decay, _written)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """p = p * (1 - lambd * eta) - eta * g; ax averages p once t > t0; eta = lr / (1 + lambd * lr * t)^alpha,
    mu = 1 / max(1, t - t0). `foreach`, `capturable` and `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step", "eta", "mu")

    def __init__(self, params, lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, lambd, alpha, t0 = _value(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        weight_decay = group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["eta"] = _scalar_state(lr)
                state["mu"] = _scalar_state(1.0)
                state["ax"] = _state_like(p)
            param, grad = _arrays(p, group["maximize"])
            step = _bump_step(state)
            if weight_decay != 0:
                grad = _with_weight_decay(grad, param, weight_decay)
            eta, mu = state["eta"]._data, state["mu"]._data  # 0-d arrays: PyTorch reads them with .item()
            eta_value = float(eta)
            param *= 1 - lambd * eta_value
            param += np.multiply(grad, -eta_value)
            ax = _array(state["ax"])
            if float(mu) != 1:
                diff = np.subtract(param, ax)
                diff *= mu
                ax += diff
            else:
                ax[...] = param
            # PyTorch goes through torch.as_tensor(float): the new values round to the default dtype
            rounded = _scalar_dtype()
            eta[...] = rounded(lr / ((1 + lambd * lr * step) ** alpha))
            mu[...] = rounded(1 / max(1, step - t0))
            _written(p)
