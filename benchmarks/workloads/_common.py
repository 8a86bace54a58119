"""What the workload builders share: seeded float32 inputs, torchvision for either library, a training step."""
from __future__ import annotations

import importlib

import numpy as np


def randn(torch, *shape, scale: float = 1.0, requires_grad: bool = False, seed: int = 0):
    data = (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)
    return torch.tensor(data, requires_grad=requires_grad)


def labels(torch, n: int, classes: int, seed: int = 1):
    return torch.tensor(np.random.default_rng(seed).integers(0, classes, n))


def vision(torch):
    """torchvision, or flambeau.vision when the library is flambeau."""
    return importlib.import_module("flambeau.vision" if torch.__name__ == "flambeau" else "torchvision")


def training_step(model, optimizer, loss_fn):
    """forward + backward + optimizer step, the unit of every training workload."""
    def step():
        optimizer.zero_grad()
        loss_fn(model).backward()
        optimizer.step()
    return step
