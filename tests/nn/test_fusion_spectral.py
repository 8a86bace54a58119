"""nn.utils against PyTorch: conv/linear + batch norm fusion (fused layers and weights), the legacy hook-based
spectral_norm (state_dict keys, power iteration in training mode over several calls, eval mode, gradients,
remove_spectral_norm, loading a pre-version-1 checkpoint, errors) and skip_init."""
import copy

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, copy_state, randn, to_numpy


def _randomise_bn(bn):
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        if bn.affine:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-1, 1)
    return bn.eval()


@pytest.mark.parametrize("conv,bn,shape,transpose", [
    (lambda nn: nn.Conv2d(2, 3, 3, padding=1), lambda nn: nn.BatchNorm2d(3), (2, 2, 4, 5), False),
    (lambda nn: nn.Conv1d(2, 4, 2, bias=False), lambda nn: nn.BatchNorm1d(4, affine=False), (2, 2, 5), False),
    (lambda nn: nn.Conv3d(2, 2, 2, groups=2), lambda nn: nn.BatchNorm3d(2, eps=1e-3), (1, 2, 3, 4, 3), False),
    (lambda nn: nn.ConvTranspose2d(2, 3, 2, stride=2), lambda nn: nn.BatchNorm2d(3), (2, 2, 3, 3), True),
])
def test_fuse_conv_bn_eval(conv, bn, shape, transpose):
    t_conv, t_bn = conv(torch.nn).double().eval(), _randomise_bn(bn(torch.nn).double())
    f_conv, f_bn = conv(flambeau.nn).double().eval(), bn(flambeau.nn).double().eval()
    copy_state(t_conv, f_conv)
    copy_state(t_bn, f_bn)
    t_fused = torch.nn.utils.fuse_conv_bn_eval(t_conv, t_bn, transpose)
    f_fused = flambeau.nn.utils.fuse_conv_bn_eval(f_conv, f_bn, transpose)
    assert type(f_fused) is type(f_conv) and f_fused is not f_conv
    assert isinstance(f_fused.weight, flambeau.nn.Parameter) and isinstance(f_fused.bias, flambeau.nn.Parameter)
    check_module(t_fused, f_fused, randn(*shape), train=False)
    # the fused layer computes what the pair computed
    x = flambeau.tensor(randn(*shape))
    np.testing.assert_allclose(to_numpy(f_fused(x)), to_numpy(f_bn(f_conv(x))), atol=1e-10)


def test_fuse_linear_bn_eval():
    t_lin, t_bn = torch.nn.Linear(3, 4).double().eval(), _randomise_bn(torch.nn.BatchNorm1d(4).double())
    f_lin, f_bn = flambeau.nn.Linear(3, 4).double().eval(), flambeau.nn.BatchNorm1d(4).double().eval()
    copy_state(t_lin, f_lin)
    copy_state(t_bn, f_bn)
    t_fused = torch.nn.utils.fuse_linear_bn_eval(t_lin, t_bn)
    f_fused = flambeau.nn.utils.fuse_linear_bn_eval(f_lin, f_bn)
    check_module(t_fused, f_fused, randn(5, 3), train=False)
    np.testing.assert_allclose(to_numpy(f_fused.weight), to_numpy(t_fused.weight), atol=1e-12)


def test_fuse_weights_functions():
    arrays = [randn(4, 2, 3), randn(4), randn(4), randn(4, low=0.5, high=2), randn(4), randn(4)]
    check(lambda t, w, b, rm, rv, g, beta: t.nn.utils.fuse_conv_bn_weights(w, b, rm, rv, 1e-5, g, beta), *arrays)
    check(lambda t, w, rm, rv: t.nn.utils.fuse_conv_bn_weights(w, None, rm, rv, 1e-5, None, None, True),
          randn(3, 4, 2), *arrays[2:4])
    check(lambda t, w, b, rm, rv, g, beta: t.nn.utils.fuse_linear_bn_weights(w, b, rm, rv, 1e-3, g, beta),
          randn(4, 3), *arrays[1:])
    check(lambda t, w, rm, rv, g, beta: t.nn.utils.fuse_linear_bn_weights(w, None, rm, rv, 1e-3, g, beta),
          randn(4, 3), *arrays[2:])


def test_fuse_errors():
    conv, bn = flambeau.nn.Conv2d(2, 3, 1), flambeau.nn.BatchNorm2d(3)
    with pytest.raises(AssertionError):
        flambeau.nn.utils.fuse_conv_bn_eval(conv, bn)  # training mode
    with pytest.raises(AssertionError):
        flambeau.nn.utils.fuse_linear_bn_eval(flambeau.nn.Linear(2, 3).eval(), flambeau.nn.BatchNorm1d(4).eval())
    with pytest.raises(AssertionError):
        flambeau.nn.utils.fuse_conv_bn_eval(conv.eval(), flambeau.nn.BatchNorm2d(3, track_running_stats=False).eval())


# ---------------------------------------------------------------------------------------------- spectral norm

@pytest.mark.parametrize("make,shape,kwargs", [
    (lambda nn: nn.Linear(4, 3), (5, 4), {}),
    (lambda nn: nn.Conv2d(2, 3, 2), (2, 2, 4, 4), {"n_power_iterations": 3}),
    (lambda nn: nn.ConvTranspose1d(2, 3, 2), (2, 2, 4), {}),  # dim defaults to 1
    (lambda nn: nn.Linear(3, 5), (2, 3), {"dim": 1, "eps": 1e-6}),
])
def test_spectral_norm_matches_torch_over_steps(make, shape, kwargs):
    t_mod = torch.nn.utils.spectral_norm(make(torch.nn).double(), **kwargs)
    f_mod = flambeau.nn.utils.spectral_norm(make(flambeau.nn).double(), **kwargs)
    assert list(f_mod.state_dict()) == list(t_mod.state_dict())
    assert {k: tuple(v.shape) for k, v in f_mod.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in t_mod.state_dict().items()}
    assert [n for n, _ in f_mod.named_parameters()] == [n for n, _ in t_mod.named_parameters()]
    copy_state(t_mod, f_mod)
    for step in range(3):  # each training call runs the power iteration on weight_u / weight_v in place
        x = randn(*shape)
        check(lambda t, x: (t_mod if t is torch else f_mod)(x), x, atol=1e-10)
        for name in ("weight_u", "weight_v"):
            np.testing.assert_allclose(to_numpy(getattr(f_mod, name)), to_numpy(getattr(t_mod, name)), atol=1e-10)
        for (name, tp), fp in zip(t_mod.named_parameters(), f_mod.parameters()):
            np.testing.assert_allclose(to_numpy(fp.grad), to_numpy(tp.grad), atol=1e-10, err_msg=f"{step} {name}")
    np.testing.assert_allclose(to_numpy(f_mod.weight), to_numpy(t_mod.weight), atol=1e-10)
    # eval mode: no power iteration, the vectors stay
    t_mod.eval()
    f_mod.eval()
    u = to_numpy(f_mod.weight_u).copy()
    check(lambda t, x: (t_mod if t is torch else f_mod)(x), randn(*shape), atol=1e-10)
    np.testing.assert_array_equal(to_numpy(f_mod.weight_u), u)
    # removing it leaves a plain parameter holding the normalised weight
    torch.nn.utils.remove_spectral_norm(t_mod)
    flambeau.nn.utils.remove_spectral_norm(f_mod)
    assert list(f_mod.state_dict()) == list(t_mod.state_dict())
    assert isinstance(f_mod.weight, flambeau.nn.Parameter)
    np.testing.assert_allclose(to_numpy(f_mod.weight), to_numpy(t_mod.weight), atol=1e-10)
    assert not f_mod._forward_pre_hooks and not f_mod._load_state_dict_pre_hooks


def test_spectral_norm_deepcopy_is_independent():
    original = flambeau.nn.utils.spectral_norm(flambeau.nn.Linear(3, 2))
    clone = copy.deepcopy(original)
    flambeau.nn.utils.remove_spectral_norm(clone)
    assert isinstance(clone.weight, flambeau.nn.Parameter) and not clone._forward_pre_hooks
    assert "weight_orig" in original.state_dict() and len(original._forward_pre_hooks) == 1
    u = original.weight_u.clone()
    original(flambeau.ones(1, 3))  # the original still runs its power iteration
    assert not flambeau.equal(u, original.weight_u)


def test_spectral_norm_sigma_is_the_largest_singular_value():
    f_mod = flambeau.nn.utils.spectral_norm(flambeau.nn.Linear(6, 4).double(), n_power_iterations=50)
    f_mod(flambeau.zeros(1, 6, dtype=flambeau.float64))
    np.testing.assert_allclose(np.linalg.norm(to_numpy(f_mod.weight), 2), 1.0, rtol=1e-8)


def test_spectral_norm_loads_pre_version_1_checkpoint():
    t_mod = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double())
    t_mod(torch.randn(2, 4, dtype=torch.float64))
    legacy = {k: v.clone() for k, v in t_mod.state_dict().items() if k != "weight_v"}
    legacy["weight"] = t_mod.weight.detach().clone()  # old checkpoints stored the normalised weight, not v
    t_new = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double())
    t_new.load_state_dict(legacy)
    f_new = flambeau.nn.utils.spectral_norm(flambeau.nn.Linear(4, 3).double())
    f_new.load_state_dict({k: flambeau.tensor(to_numpy(v)) for k, v in legacy.items()})
    np.testing.assert_allclose(to_numpy(f_new.weight_v), to_numpy(t_new.weight_v), atol=1e-8)


def test_spectral_norm_errors():
    mod = flambeau.nn.utils.spectral_norm(flambeau.nn.Linear(2, 3))
    with pytest.raises(RuntimeError):
        flambeau.nn.utils.spectral_norm(mod)
    with pytest.raises(ValueError):
        flambeau.nn.utils.spectral_norm(flambeau.nn.Linear(2, 3), n_power_iterations=0)
    with pytest.raises(ValueError):
        flambeau.nn.utils.remove_spectral_norm(flambeau.nn.Linear(2, 3))
    with pytest.raises(ValueError):
        flambeau.nn.utils.spectral_norm(flambeau.nn.LazyLinear(3))
    with pytest.raises(ValueError):
        flambeau.nn.utils.spectral_norm(flambeau.nn.Linear(2, 3, bias=False), name="bias")


# ---------------------------------------------------------------------------------------------- skip_init

def test_skip_init():
    flambeau.manual_seed(0)
    expected = flambeau.rand(3)
    flambeau.manual_seed(0)
    f_mod = flambeau.nn.utils.skip_init(flambeau.nn.Conv2d, 2, 3, 3, bias=False, dtype=flambeau.float64)
    t_mod = torch.nn.utils.skip_init(torch.nn.Conv2d, 2, 3, 3, bias=False, dtype=torch.float64)
    assert repr(f_mod) == repr(t_mod)
    assert {k: (tuple(v.shape), str(v.dtype)) for k, v in f_mod.state_dict().items()} == \
        {k: (tuple(v.shape), str(v.dtype)) for k, v in t_mod.state_dict().items()}
    assert isinstance(f_mod.weight, flambeau.nn.Parameter) and f_mod.weight.requires_grad
    np.testing.assert_array_equal(to_numpy(flambeau.rand(3)), to_numpy(expected))  # no random numbers drawn
    bn = flambeau.nn.utils.skip_init(flambeau.nn.BatchNorm1d, 4)
    assert [k for k in bn.state_dict()] == [k for k in torch.nn.BatchNorm1d(4).state_dict()]


def test_skip_init_errors():
    class NoDevice(flambeau.nn.Module):
        def __init__(self):
            super().__init__()

    class TorchNoDevice(torch.nn.Module):
        def __init__(self):
            super().__init__()

    for lib, cls in ((torch, TorchNoDevice), (flambeau, NoDevice)):
        with pytest.raises(RuntimeError):
            lib.nn.utils.skip_init(cls)
        with pytest.raises(RuntimeError):
            lib.nn.utils.skip_init(int)
