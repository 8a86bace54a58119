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


def same_weights(model, torch, seed: int = 0):
    """Give `model` weights drawn from NumPy by a fixed rule, so that PyTorch's and flambeau's copies of a model
    (whose own initialisations draw from different streams) hold the same numbers: a detector then keeps the
    same boxes in both, and the two time the same work. Scales follow the usual inits: weights ~ N(0, 1/fan_in),
    norm weights near 1, biases and running means near 0, running variances near 1."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, value in model.state_dict().items():
        if not value.is_floating_point():
            state[name] = value
            continue
        shape = tuple(value.shape)
        noise = rng.standard_normal(shape).astype(np.float32)
        if name.endswith("running_var"):
            data = 1 + 0.1 * np.abs(noise)
        elif len(shape) > 1:
            data = noise / np.sqrt(max(1, int(np.prod(shape[1:]))))
        elif name.endswith("weight"):
            data = 1 + 0.1 * noise
        else:
            data = 0.1 * noise
        state[name] = torch.tensor(data)
    model.load_state_dict(state)
    return model
