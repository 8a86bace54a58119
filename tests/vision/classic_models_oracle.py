"""Shared checks for the classic-architecture model tests (AlexNet, VGG, ResNet, DenseNet, SqueezeNet,
ShuffleNet): torchvision's model is built on the meta device (no init cost), a random state_dict with healthy
statistics is drawn once in NumPy and loaded strictly into both models, whose outputs, gradients and updated
batch-norm statistics must then agree."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision

import flambeau
import flambeau.vision.models as fmodels

# draws this large are reused for every tensor of the same shape (VGG's and AlexNet's classifiers):
# drawing 100M numbers per test would dominate the run time
_SHARED_ABOVE = 8_000_000
_shared: dict[tuple, np.ndarray] = {}


@pytest.fixture(autouse=True, scope="module")
def torch_one_thread():
    """torch on one thread while these tests run: on a loaded machine OpenMP's spinning workers make its
    convolutions 10-20x slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def skip_init(monkeypatch) -> None:
    """Make flambeau's random initialisers no-ops: a model whose every value is then overwritten by
    load_state_dict builds in milliseconds instead of drawing (VGG) 130M numbers."""
    monkeypatch.setattr(flambeau.Tensor, "uniform_", lambda self, *a, **k: self)
    monkeypatch.setattr(flambeau.Tensor, "normal_", lambda self, *a, **k: self)
    # its rejection loop would spin forever on values that never get redrawn
    monkeypatch.setattr(flambeau.nn.init, "trunc_normal_", lambda tensor, *a, **k: tensor)


def torchvision_meta(name: str, **kwargs) -> torch.nn.Module:
    with torch.device("meta"):
        return getattr(torchvision.models, name)(**kwargs)


def _draw(rng: np.random.Generator, key: str, shape: tuple) -> np.ndarray:
    if len(shape) >= 2:  # conv/linear weight: He-scaled uniform, so deep stacks keep unit-size activations
        bound = np.sqrt(6.0 / int(np.prod(shape[1:])))
        if int(np.prod(shape)) > _SHARED_ABOVE:
            if shape not in _shared:
                _shared[shape] = (rng.random(shape, dtype=np.float32) * 2 - 1) * np.float32(bound)
            return _shared[shape]
        return (rng.random(shape, dtype=np.float32) * 2 - 1) * np.float32(bound)
    if key.endswith("running_var") or key.endswith("weight"):  # norms' scales and variances
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    return rng.uniform(-0.2, 0.2, shape).astype(np.float32)  # biases, running means


def random_state_dict(t_model: torch.nn.Module, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: (_draw(rng, k, tuple(v.shape)) if v.is_floating_point() else np.zeros(tuple(v.shape), np.int64))
            for k, v in t_model.state_dict().items()}


def load_torchvision(t_model: torch.nn.Module, state: dict[str, np.ndarray]) -> None:
    """Give a meta-device model real tensors (copies of the small ones, which train steps update in place)."""
    t_model.load_state_dict({k: torch.from_numpy(v.copy() if v.ndim < 2 else v) for k, v in state.items()},
                            strict=True, assign=True)


def load_both(t_model: torch.nn.Module, f_model: flambeau.nn.Module, state: dict[str, np.ndarray]) -> None:
    load_torchvision(t_model, state)
    f_model.load_state_dict({k: flambeau.from_numpy(v) for k, v in state.items()}, strict=True)


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def check_structure(t_model, f_model) -> None:
    """Same parameter count, and the same state_dict keys, in the same order, with the same shapes."""
    assert count(f_model) == count(t_model)
    t_sd, f_sd = t_model.state_dict(), f_model.state_dict()
    assert list(f_sd) == list(t_sd)
    for k, v in t_sd.items():
        assert tuple(f_sd[k].shape) == tuple(v.shape), k


def _close(got: np.ndarray, expected: np.ndarray, what: str, tol: float = 1e-4) -> None:
    assert got.shape == expected.shape and got.dtype == expected.dtype, what
    scale = max(1.0, float(np.abs(expected).max()))  # deep nets: float32 sums of large terms
    np.testing.assert_allclose(got, expected, atol=tol * scale, rtol=tol, err_msg=what)


def check_eval(name: str, monkeypatch, size: int, batch: int = 1, **kwargs) -> None:
    """Eval-mode outputs agree for the same random weights."""
    skip_init(monkeypatch)
    t_model, f_model = torchvision_meta(name, **kwargs), getattr(fmodels, name)(**kwargs)
    check_structure(t_model, f_model)
    load_both(t_model, f_model, random_state_dict(t_model))
    x = np.random.default_rng(1).standard_normal((batch, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = t_model.eval()(torch.from_numpy(x)).numpy()
    with flambeau.no_grad():
        got = f_model.eval()(flambeau.from_numpy(x)).numpy()
    _close(got, expected, f"{name} eval output")


def _outputs(out) -> list:
    return list(out) if isinstance(out, tuple) else [out]


def check_train(name: str, monkeypatch, size: int, **kwargs) -> None:
    """One train-mode forward/backward on a batch of 2: same output, same gradient for every parameter, same
    updated batch-norm statistics. In float64: batch norm over few values per channel makes deep float32
    gradients ill-conditioned (torch's own float32 gradients then differ from its float64 ones by up to 20%).
    Dropout models are built with dropout=0 so that no random draws differ."""
    skip_init(monkeypatch)
    t_model, f_model = torchvision_meta(name, **kwargs), getattr(fmodels, name)(**kwargs).double()
    state = {k: v.astype(np.float64) if v.dtype == np.float32 else v
             for k, v in random_state_dict(t_model).items()}
    load_both(t_model, f_model, state)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, size, size))
    t_outs, f_outs = _outputs(t_model.train()(torch.from_numpy(x))), _outputs(f_model.train()(flambeau.from_numpy(x)))
    assert len(f_outs) == len(t_outs)  # GoogLeNet, Inception: the auxiliary logits too
    projections = [rng.standard_normal(tuple(t.shape)) for t in t_outs]
    sum((t * torch.from_numpy(p)).sum() for t, p in zip(t_outs, projections)).backward()
    sum((f * flambeau.from_numpy(p)).sum() for f, p in zip(f_outs, projections)).backward()
    for t_out, f_out in zip(t_outs, f_outs):
        _close(f_out.detach().numpy(), t_out.detach().numpy(), f"{name} train output", tol=1e-7)
    t_params = dict(t_model.named_parameters())
    for k, p in f_model.named_parameters():
        assert p.grad is not None, f"{k} got no gradient"
        _close(p.grad.numpy(), t_params[k].grad.numpy(), f"{name} grad of {k}", tol=1e-7)
    t_buffers = dict(t_model.named_buffers())
    for k, b in f_model.named_buffers():
        _close(b.numpy(), t_buffers[k].numpy(), f"{name} buffer {k} after a train step", tol=1e-7)
