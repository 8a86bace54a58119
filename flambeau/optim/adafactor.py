"""Adafactor (torch.optim.Adafactor): Adam-like steps whose second moment of a matrix is kept as a row
factor and a column factor, with a relative step size and update clipping."""
from __future__ import annotations

import numpy as np

from .._dtype import finfo, FROM_NP
from .._tensor import Tensor
from .optimizer import Optimizer, _array, _arrays, _bump_step, _lerp_, _scalar_state, _value, _written

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """For step t: beta2_t = 1 - t^beta2_decay, rho = min(lr, 1/sqrt(t)), alpha = max(eps2, RMS(p)) * rho.
    A parameter with 2 or more dimensions keeps the means of g^2 over its last dimension (row_var) and
    over its second-to-last (col_var), lerped by beta2_t; its variance estimate is
    row_var @ col_var / max(mean(row_var), eps1). A vector keeps variance = lerp(g^2). The update
    g / sqrt(max(estimate, eps1^2)) is scaled down to RMS <= d and p -= alpha * update, after the
    weight decay p *= 1 - lr * weight_decay. eps1=None means the dtype's machine epsilon.
    `foreach` is accepted and ignored."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        state["step"] = _scalar_state(0.0)
        if p.dim() > 1:
            state["row_var"] = Tensor._wrap(np.zeros((*p.shape[:-1], 1), p._data.dtype))
            state["col_var"] = Tensor._wrap(np.zeros((*p.shape[:-2], 1, p.shape[-1]), p._data.dtype))
        else:
            state["variance"] = Tensor._wrap(np.zeros_like(p._data))

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, d, weight_decay = _value(group["lr"]), group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.is_complex():
                raise RuntimeError("Adafactor does not support complex parameters")
            if p.grad.is_sparse:
                raise RuntimeError("Adafactor does not support sparse gradients")
            state = self.state[p]
            if len(state) == 0:
                self._init_state(p)
            param, grad = _arrays(p, group["maximize"])
            floor = eps1 if eps1 is not None else finfo(FROM_NP[param.dtype]).eps
            step = _bump_step(state)
            beta2_t = step ** group["beta2_decay"]  # the weight of the new mean: 1 - beta2 in Adam's terms
            rho = min(lr, 1 / step ** 0.5)
            alpha = max(eps2, float(np.sqrt(np.sum(np.square(param)))) / param.size ** 0.5) * rho
            if weight_decay != 0:
                param *= 1 - lr * weight_decay
            if grad.ndim > 1:
                row_var, col_var = _array(state["row_var"]), _array(state["col_var"])
                _lerp_(row_var, np.square(grad).mean(axis=-1, keepdims=True), beta2_t, np.empty_like(row_var))
                _lerp_(col_var, np.square(grad).mean(axis=-2, keepdims=True), beta2_t, np.empty_like(col_var))
                estimate = row_var @ col_var
                estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), floor)
            else:
                variance = _array(state["variance"])
                _lerp_(variance, grad * grad, beta2_t, np.empty_like(variance))
                estimate = variance.copy()
            update = 1 / np.sqrt(np.maximum(estimate, floor * floor))
            update *= grad
            denom = max(1.0, float(np.sqrt(np.sum(np.square(update)))) / (update.size ** 0.5 * d))
            param -= update * param.dtype.type(alpha / denom)
            _written(p)
