"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (torch.optim.SGD)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _array, _arrays, _check_lr, _value, _written

__all__ = ["SGD"]


class SGD(Optimizer):
    """buf = momentum * buf + (1 - dampening) * g (buf = g at the first step); p -= lr * (g + momentum * buf
    if nesterov else buf), in one fused pass per parameter (flambeau/_kernels/optim.py).
    `foreach`, `fused` and `differentiable` are accepted and ignored."""

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float | Tensor = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, momentum = _value(group["lr"]), group["momentum"]
        weight_decay, dampening = _value(group["weight_decay"]), group["dampening"]
        nesterov, maximize = group["nesterov"], group["maximize"]
        from .._kernels import optim as kernels
        for p in group["params"]:
            if p.grad is None:
                continue
            if weight_decay != 0 and p.grad.is_sparse:
                raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
            param, grad = _arrays(p, sparse_ok=True)
            buf, first = param, False  # without momentum the kernel never touches buf
            if momentum != 0:
                state = self.state[p]
                first = state.get("momentum_buffer") is None
                if first:
                    state["momentum_buffer"] = Tensor._wrap(np.empty_like(p._data))
                buf = _array(state["momentum_buffer"])
            scalars = kernels.scalars(kernels.compute_dtype(param),
                                      (lr, momentum, 1 - dampening, weight_decay, nesterov, maximize, first))
            kernels.update(kernels.sgd, (param, grad, buf), scalars)
            _written(p)
