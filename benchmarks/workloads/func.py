"""torch.func: per-sample gradients of a 784-128-10 MLP (cross-entropy, batch 64) through
vmap(grad(loss)), and the ordinary batched forward + backward they are measured against (issue 8's
target: the per-sample gradients in at most 3x the batched backward's time)."""
from __future__ import annotations

from . import Workload
from ._common import labels, randn

BATCH = 64


def _mlp(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    return model, randn(torch, BATCH, 784), labels(torch, BATCH, 10)


def batched(torch, quick):
    model, x, y = _mlp(torch)

    def step():
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
    return step


def per_sample(torch, quick):
    model, x, y = _mlp(torch)
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, xb, yb):
        out = torch.func.functional_call(model, p, (xb.unsqueeze(0),))
        return torch.nn.functional.cross_entropy(out, yb.unsqueeze(0))

    grads = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))
    return lambda: grads(params, x, y)


WORKLOADS = [
    Workload("MLP 784-128-10 fwd+bwd, batch 64", batched),
    Workload("MLP 784-128-10 per-sample grads, vmap(grad), batch 64", per_sample),
]
