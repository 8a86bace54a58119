"""Fit a two-layer network to y = sin(x) with raw tensors and autograd: no nn, no optim.

    python examples/autograd_demo.py [--steps 500]

Runs the same with `import torch` in place of `import flambeau as torch`.
"""
from __future__ import annotations

import argparse
import math

import flambeau as torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()

    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 256).unsqueeze(1)
    y = torch.sin(x)

    w1 = (torch.randn(1, args.hidden) * 1.0).requires_grad_()
    b1 = torch.zeros(args.hidden, requires_grad=True)
    w2 = (torch.randn(args.hidden, 1) / math.sqrt(args.hidden)).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    for step in range(args.steps + 1):
        pred = torch.tanh(x @ w1 + b1) @ w2 + b2
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= args.lr * p.grad
                p.grad = None
        if step % (args.steps // 10) == 0:
            print(f"step {step:4d}  loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
