"""Lazy batch and instance norms against PyTorch: repr before and after the first call, the class they become,
state_dict keys and shapes, outputs/gradients/running statistics of the first and later calls, loading a
state_dict into an uninitialised lazy norm."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, randn, to_numpy

SHAPES = {"1d": (4, 3, 5), "2d": (2, 3, 4, 3), "3d": (2, 3, 3, 2, 3)}
NAMES = [f"Lazy{kind}Norm{n}" for kind in ("Batch", "Instance") for n in ("1d", "2d", "3d")]
FLAGS = [{}, {"affine": False}, {"track_running_stats": False}, {"affine": True, "bias": False, "momentum": None},
         {"eps": 1e-3, "momentum": 0.3}]


def _pair(name, kwargs):
    return getattr(torch.nn, name)(**kwargs), getattr(flambeau.nn, name)(**kwargs)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kwargs", FLAGS)
def test_lazy_norm_first_call_becomes_eager(name, kwargs):
    t_mod, f_mod = _pair(name, kwargs)
    assert repr(f_mod) == repr(t_mod)
    x = randn(*SHAPES[name[-2:]])
    # the first call materialises both and runs them: outputs and input gradients
    check(lambda t, x: (t_mod if t is torch else f_mod)(x), x.astype(np.float32), atol=1e-5)
    assert type(f_mod).__name__ == type(t_mod).__name__ == name.replace("Lazy", "")
    assert repr(f_mod) == repr(t_mod)
    t_state, f_state = t_mod.state_dict(), f_mod.state_dict()
    assert list(f_state) == list(t_state)
    for key in t_state:  # running statistics after one batch, parameters at their initial values
        np.testing.assert_allclose(to_numpy(f_state[key]), to_numpy(t_state[key]), atol=1e-6, err_msg=key)
    t_mod.double()
    f_mod.double()
    check_module(t_mod, f_mod, randn(*SHAPES[name[-2:]]), train=True)
    check_module(t_mod, f_mod, randn(*SHAPES[name[-2:]]), train=False)


@pytest.mark.parametrize("name", ["LazyBatchNorm2d", "LazyInstanceNorm1d"])
def test_lazy_norm_loads_state_dict(name):
    t_eager = getattr(torch.nn, name.replace("Lazy", ""))(3, affine=True, track_running_stats=True)
    with torch.no_grad():
        for v in t_eager.parameters():
            v.uniform_(0.5, 1.5)
        t_eager.running_mean.uniform_(-1, 1)
        t_eager.running_var.uniform_(0.5, 2)
    f_lazy = getattr(flambeau.nn, name)()
    f_lazy.load_state_dict({k: flambeau.tensor(to_numpy(v)) for k, v in t_eager.state_dict().items()})
    t_eager.eval()
    f_lazy.eval()
    x = randn(*SHAPES[name[-2:]])[:, :3].astype(np.float32)
    check(lambda t, x: (t_eager if t is torch else f_lazy)(x), x, atol=1e-5)


def test_lazy_norm_exports():
    for name in NAMES:
        assert getattr(flambeau.nn, name).cls_to_become is getattr(flambeau.nn, name.replace("Lazy", ""))
    with pytest.raises(ValueError):
        flambeau.nn.LazyBatchNorm2d()(flambeau.ones(2, 3, 4))  # wrong rank: the eager layer's ValueError


def test_lazy_instance_norm_unbatched():
    # as PyTorch, num_features is read from dim 1 even for an unbatched (C, L) input: an affine layer then refuses
    check_raises(lambda t, x: t.nn.LazyInstanceNorm1d()(x), randn(3, 5))
    t_mod, f_mod = _pair("LazyInstanceNorm1d", {"affine": False, "track_running_stats": False})
    x = randn(3, 5)
    with pytest.warns(UserWarning, match="num_features"):
        f_out = f_mod(flambeau.tensor(x))
    with pytest.warns(UserWarning, match="num_features"):
        t_out = t_mod(torch.tensor(x))
    np.testing.assert_allclose(to_numpy(f_out), to_numpy(t_out), atol=1e-12)
    assert repr(f_mod) == repr(t_mod)  # no lazy parameters, so num_features stays 0
