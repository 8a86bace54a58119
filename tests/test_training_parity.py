"""End to end: the same CNN, data and optimizer in PyTorch and flambeau give the same training run."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import copy_state, to_numpy


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
        nn.Dropout(0.0), nn.Linear(64, 32), nn.GELU(), nn.LayerNorm(32), nn.Linear(32, 10))


# NOTE: float64 for the adaptive optimizers: they normalise tiny gradients to lr-sized steps, so
# float32 rounding noise (different summation orders) grows into visible differences within a few steps
@pytest.mark.parametrize("opt, kwargs, dtype", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4), np.float32),
    ("AdamW", dict(lr=1e-2), np.float64), ("RMSprop", dict(lr=1e-3, centered=True), np.float64)])
def test_cnn_training_matches_torch(opt, kwargs, dtype):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((16, 1, 12, 12)).astype(dtype)
    labels = rng.integers(0, 10, 16)
    runs = {}
    models = {torch: _cnn(torch), flambeau: _cnn(flambeau)}
    copy_state(models[torch], models[flambeau])
    for lib, model in models.items():
        model.to(getattr(lib, np.dtype(dtype).name))
        optimizer = getattr(lib.optim, opt)(model.parameters(), **kwargs)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
        x, y = lib.tensor(images), lib.tensor(labels)
        losses = []
        for _ in range(8):
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(x), y, label_smoothing=0.1)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
        model.eval()
        runs[lib.__name__] = (losses, to_numpy(model(x)), {k: to_numpy(v) for k, v in model.state_dict().items()})
    (t_losses, t_out, t_state), (f_losses, f_out, f_state) = runs["torch"], runs["flambeau"]
    np.testing.assert_allclose(f_losses, t_losses, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(f_out, t_out, rtol=1e-3, atol=1e-4)
    assert list(f_state) == list(t_state)
    for key in t_state:
        np.testing.assert_allclose(f_state[key], t_state[key], rtol=1e-3, atol=1e-4, err_msg=key)
