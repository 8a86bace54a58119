"""Shared checks for the modern-architecture model tests: a torchvision model and its flambeau twin built with the
same arguments must have the same parameter count and state_dict keys, load each other's weights strictly and
agree in eval mode; the flambeau model must also train (every parameter gets a gradient)."""
import importlib

import numpy as np
import torch
import torchvision

import flambeau


def build_pair(module: str, name: str, **kwargs):
    """torchvision.models.<name>(**kwargs) and flambeau.vision.models.<module>.<name>(**kwargs)."""
    torch.manual_seed(0)
    t_model = getattr(torchvision.models, name)(**kwargs)
    f_model = getattr(importlib.import_module(f"flambeau.vision.models.{module}"), name)(**kwargs)
    return t_model, f_model


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def check_structure(t_model, f_model) -> None:
    assert count(f_model) == count(t_model)
    t_sd, f_sd = t_model.state_dict(), f_model.state_dict()
    assert list(f_sd) == list(t_sd)
    for k in t_sd:
        assert tuple(f_sd[k].shape) == tuple(t_sd[k].shape), k


def perturb(t_model) -> None:
    """Move torchvision's fresh init off its special values (zero heads and biases, unit norms, identity running
    statistics, tiny layer scales), so that every parameter and buffer shapes the compared output."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, v in t_model.state_dict().items():
            if not v.is_floating_point():
                continue
            if name.endswith("running_var"):
                v.copy_(torch.rand(v.shape, generator=gen) + 0.5)
            else:
                v.add_(torch.randn(v.shape, generator=gen) * 0.02)


def check_eval(t_model, f_model, shape=(1, 3, 64, 64), atol=1e-4, rtol=1e-4) -> None:
    """Perturb torchvision's weights, load them (strict) and compare eval outputs on one random batch."""
    perturb(t_model)
    f_model.load_state_dict({k: flambeau.tensor(v.numpy()) for k, v in t_model.state_dict().items()}, strict=True)
    t_model.eval()
    f_model.eval()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = t_model(torch.tensor(x)).numpy()
    with flambeau.no_grad():
        got = f_model(flambeau.tensor(x)).numpy()
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol)


def check_train(f_model, shape=(2, 3, 64, 64)) -> None:
    """One train-mode forward/backward: finite loss, and a finite gradient on every parameter."""
    f_model.train()
    x = flambeau.tensor(np.random.default_rng(1).standard_normal(shape).astype(np.float32))
    loss = f_model(x).square().mean()
    loss.backward()
    assert np.isfinite(loss.item())
    for name, p in f_model.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        assert np.isfinite(p.grad.numpy()).all(), name


def check_weights(enum_name: str, module: str, t_namespace=torchvision.models) -> None:
    """flambeau's weights enum lists torchvision's members (t_namespace.<enum_name>) with the same urls, meta (but
    the prose) and preprocessing arguments; DEFAULT is the same member."""
    t_enum = getattr(t_namespace, enum_name)
    f_enum = getattr(importlib.import_module(f"flambeau.vision.models.{module}"), enum_name)
    assert list(f_enum.__members__) == list(t_enum.__members__)
    for name, t_w in t_enum.__members__.items():
        f_w = f_enum[name]
        assert f_w.url == t_w.url
        assert {k: v for k, v in f_w.meta.items() if k != "_docs"} == \
            {k: v for k, v in t_w.meta.items() if k != "_docs"}
        t_kw = {k: getattr(v, "value", v) for k, v in t_w.transforms.keywords.items()}
        f_kw = {k: getattr(v, "value", v) for k, v in f_w.transforms.keywords.items()}
        assert f_kw == t_kw and f_w.transforms.func.__name__ == t_w.transforms.func.__name__
