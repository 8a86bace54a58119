"""SparseAdam (torch.optim.SparseAdam): Adam for sparse gradients (nn.Embedding(sparse=True)), which moves
the moments and the parameter only at the rows the gradient holds."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _array, _value, _written

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """For the coalesced gradient's entries only: m += (1 - beta1) * (g - m), v += (1 - beta2) * (g^2 - v),
    p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps). 'step' is a Python int, as in PyTorch."""

    def __init__(self, params, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))
        for kind, test in (("Sparse params", "is_sparse"), ("Complex params", "is_complex")):
            found = [[i, j] for i, group in enumerate(self.param_groups) for j, p in enumerate(group["params"])
                     if (p.is_sparse if test == "is_sparse" else p.is_complex())]
            if found:
                need = "SparseAdam requires dense parameter tensors" if test == "is_sparse" else \
                    "SparseAdam does not support complex parameters"
                raise ValueError(f"{kind} at indices {found}: {need}")

    def step(self, closure=None):
        return self._run_step(closure)

    def _update_group(self, group) -> None:
        lr, eps = _value(group["lr"]), group["eps"]
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            if p.grad is None:
                continue
            if not p.grad.is_sparse:
                raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
            state = self.state[p]
            if len(state) == 0:
                state["step"] = 0
                state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
            state["step"] += 1
            grad = p.grad.coalesce()
            values = grad._values().detach()._data
            if group["maximize"]:
                values = -values
            if values.size == 0:
                continue
            rows = tuple(grad._data.indices)  # unique positions in the sparse dimensions
            exp_avg, exp_avg_sq, param = _array(state["exp_avg"]), _array(state["exp_avg_sq"]), _array(p)
            old_avg, old_sq = exp_avg[rows], exp_avg_sq[rows]
            avg_update = (values - old_avg) * (1 - beta1)
            sq_update = (values * values - old_sq) * (1 - beta2)
            exp_avg[rows] += avg_update
            exp_avg_sq[rows] += sq_update
            numer = avg_update + old_avg
            denom = np.sqrt(sq_update + old_sq) + eps
            step = state["step"]
            step_size = lr * math.sqrt(1 - beta2 ** step) / (1 - beta1 ** step)
            param[rows] += -step_size * (numer / denom)
            _written(p)
