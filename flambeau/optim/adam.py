"""Adam, with AMSGrad, L2 or decoupled weight decay and maximize (torch.optim.Adam)."""
from __future__ import annotations

from .._tensor import Tensor
from .optimizer import (Optimizer, _array, _arrays, _bump_step, _check_common, _scalar_state, _state_like, _value,
                        _written)

__all__ = ["Adam"]


class Adam(Optimizer):
    """m = lerp(m, g, 1 - beta1); v = beta2 * v + (1 - beta2) * g^2;
    p -= lr / (1 - beta1^t) * m / (sqrt(v (or max v with amsgrad)) / sqrt(1 - beta2^t) + eps).
    One fused pass per parameter (flambeau/_kernels/optim.py); `foreach`, `fused`, `capturable` and
    `differentiable` are accepted and ignored."""

    _scalar_state_keys = ("step",)

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_common(lr, eps, betas, weight_decay)
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if isinstance(b, Tensor) and b.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, eps, weight_decay = _value(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = (_value(b) for b in group["betas"])
        amsgrad, decoupled = group["amsgrad"], group["decoupled_weight_decay"]
        from .._kernels import optim as kernels
        converted: dict = {}  # (compute dtype, step) -> the kernel's scalars, shared by the parameters alike
        for p in group["params"]:
            if p._grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _state_like(p)
                state["exp_avg_sq"] = _state_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _state_like(p)
            param, grad = _arrays(p)
            step = _bump_step(state)
            exp_avg, exp_avg_sq = _array(state["exp_avg"]), _array(state["exp_avg_sq"])
            max_sq = _array(state["max_exp_avg_sq"]) if amsgrad else exp_avg_sq
            dtype = kernels.compute_dtype(param)
            scalars = converted.get((dtype, step))
            if scalars is None:
                weight = dtype.type(1 - beta1)  # lerp's weight and 1 - weight, each rounded as PyTorch rounds them
                scalars = converted[dtype, step] = kernels.scalars(dtype, (
                    weight, 1 - weight, beta2, 1 - beta2, lr / (1 - beta1 ** step), (1 - beta2 ** step) ** 0.5, eps,
                    weight_decay, 1 - lr * weight_decay, decoupled, amsgrad, group["maximize"]))
            kernels.update(kernels.adam, (param, grad, exp_avg, exp_avg_sq, max_sq), scalars)
            _written(p)
