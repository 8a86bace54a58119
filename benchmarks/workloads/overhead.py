"""Eager overhead: tiny tensors, so the time is the framework's per-op cost, not arithmetic."""
from __future__ import annotations

from . import Workload
from ._common import randn

CHAIN = 10  # ops in one chain: 5 x (mul, add)
PER_CALL = 100  # single ops per timed call, so one call is long enough to time


def _chain(x, y):
    z = x
    for _ in range(CHAIN // 2):
        z = z * y + x
    return z


def chain_no_grad(torch, quick):
    x, y = randn(torch, 16), randn(torch, 16, seed=1)
    return lambda: _chain(x, y)


def chain_backward(torch, quick):
    """The chain, a sum and backward: CHAIN + 1 ops forward, their backward, per op."""
    x, y = randn(torch, 16, requires_grad=True), randn(torch, 16, seed=1, requires_grad=True)
    return lambda: _chain(x, y).sum().backward()


def _single(op):
    def build(torch, quick):
        x, y = randn(torch, 4, 4), randn(torch, 4, 4, seed=1)

        def step():
            for _ in range(PER_CALL):
                op(x, y)
        return step
    return build


_OPS = {
    "add": lambda x, y: x + y,
    "add scalar": lambda x, y: x + 1.0,
    "exp": lambda x, y: x.exp(),
    "sum": lambda x, y: x.sum(),
    "matmul 4x4": lambda x, y: x @ y,
    "reshape": lambda x, y: x.reshape(16),
}

WORKLOADS = [
    Workload("tiny-op chain (16 floats), no grad", chain_no_grad, target=1.0, unit="us/op", per=CHAIN),
    Workload("tiny-op chain (16 floats), fwd+bwd", chain_backward, target=1.0, unit="us/op", per=CHAIN + 1),
    *[Workload(f"tiny op: {name}", _single(op), unit="us/op", per=PER_CALL) for name, op in _OPS.items()],
]
