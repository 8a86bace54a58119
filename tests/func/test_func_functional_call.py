"""torch.func.functional_call and stack_module_state against PyTorch with copied weights."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, randn


def _pair(make):
    t_module, f_module = make(torch), make(flambeau)
    f_module.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in t_module.state_dict().items()})
    return t_module, f_module


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh(), lib.nn.Linear(4, 2))


class _Tied:
    def __new__(cls, lib):
        class Tied(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a, self.b = lib.nn.Linear(2, 2), lib.nn.Linear(2, 2)
                self.b.weight = self.a.weight

            def forward(self, x):
                return self.b(self.a(x))
        lib.manual_seed(0)
        return Tied()


def _values(lib, module, scale):
    """The module's parameters and buffers, changed, as dicts (two of them)."""
    params = {k: v.detach() * scale for k, v in module.named_parameters()}
    buffers = {k: v * scale if v.is_floating_point() else v.clone() for k, v in module.named_buffers()}
    return params, buffers


@pytest.mark.parametrize("as_tuple", [True, False])
def test_functional_call_matches_torch_and_restores_module(as_tuple):
    t_module, f_module = _pair(_net)
    x = randn(5, 3, dtype=np.float32)
    outs = []
    for lib, module in ((torch, t_module), (flambeau, f_module)):
        before = {k: v.clone() for k, v in module.state_dict().items()}
        params, buffers = _values(lib, module, 1.5)
        dicts = (params, buffers) if as_tuple else {**params, **buffers}
        outs.append(lib.func.functional_call(module, dicts, (lib.tensor(x),)))
        for k, v in module.state_dict().items():  # the module's own tensors are back, unchanged
            assert np.array_equal(v.numpy(), before[k].numpy()), k
    assert_same(outs[0], outs[1], atol=1e-5)


def test_functional_call_gradients_match_torch():
    t_module, f_module = _pair(_net)
    x = randn(5, 3, dtype=np.float32)
    grads = []
    for lib, module in ((torch, t_module), (flambeau, f_module)):
        params = {k: v.detach().clone().requires_grad_() for k, v in module.named_parameters()}
        lib.func.functional_call(module, params, lib.tensor(x), strict=False).sum().backward()
        grads.append(tuple(params[k].grad for k in sorted(params)))
    assert_same(grads[0], grads[1], atol=1e-5)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_tied_weights_match_torch(tie_weights):
    t_module, f_module = _pair(_Tied)
    x = randn(3, 2, dtype=np.float32)
    w = randn(2, 2, dtype=np.float32)
    outs = [lib.func.functional_call(m, {"a.weight": lib.tensor(w)}, (lib.tensor(x),), tie_weights=tie_weights)
            for lib, m in ((torch, t_module), (flambeau, f_module))]
    assert_same(outs[0], outs[1], atol=1e-6)


@pytest.mark.parametrize("case", [
    lambda lib, m: lib.func.functional_call(m, {}, (lib.zeros(2, 3),), strict=True),
    lambda lib, m: lib.func.functional_call(m, ({"0.bias": lib.zeros(4)}, {"0.bias": lib.zeros(4)}), (lib.zeros(2, 3),)),
    lambda lib, m: lib.func.functional_call(m, {**dict(m.named_parameters()), **dict(m.named_buffers()),
                                                "extra": lib.zeros(1)}, (lib.zeros(2, 3),), strict=True),
])
def test_functional_call_errors_match_torch(case):
    t_module, f_module = _pair(_net)
    with pytest.raises(Exception) as t_err:
        case(torch, t_module)
    with pytest.raises(t_err.type) as f_err:
        case(flambeau, f_module)
    assert str(f_err.value).splitlines()[-1] == str(t_err.value).splitlines()[-1]


def test_tied_conflicting_values_raise_like_torch():
    for lib in (torch, flambeau):
        with pytest.raises(ValueError, match="which are tied"):
            lib.func.functional_call(_Tied(lib), {"a.weight": lib.zeros(2, 2), "b.weight": lib.ones(2, 2)},
                                     (lib.zeros(1, 2),))


def test_stack_module_state_and_ensemble_match_torch():
    def make(lib):
        lib.manual_seed(0)
        return [lib.nn.Linear(3, 2) for _ in range(4)]
    t_models, f_models = make(torch), make(flambeau)
    for t_m, f_m in zip(t_models, f_models):
        f_m.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in t_m.state_dict().items()})
    x = randn(5, 3, dtype=np.float32)
    outs = []
    for lib, models in ((torch, t_models), (flambeau, f_models)):
        params, buffers = lib.func.stack_module_state(models)
        assert all(p.is_leaf and p.requires_grad for p in params.values()) and buffers == {}
        ensemble = lib.func.vmap(lambda p, b, xb: lib.func.functional_call(models[0], (p, b), (xb,)),
                                 in_dims=(0, 0, None))
        outs.append((tuple(params[k] for k in sorted(params)), ensemble(params, buffers, lib.tensor(x))))
    assert_same(outs[0], outs[1], atol=1e-6)


def test_jacobians_and_hessian_of_module_parameters_match_torch():
    """jacrev/jacfwd/hessian with respect to a dict of parameters, through functional_call."""
    def make(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    t_module, f_module = _pair(make)
    x = randn(5, 3, dtype=np.float32)
    results = []
    for lib, module in ((torch, t_module), (flambeau, f_module)):
        params = {k: v.detach() for k, v in module.named_parameters()}
        out = lambda p: lib.func.functional_call(module, p, (lib.tensor(x),))  # noqa: E731
        hess = lib.func.hessian(lambda p: out(p).pow(2).mean())(params)
        results.append([lib.func.jacrev(out)(params)[k] for k in sorted(params)]
                       + [lib.func.jacfwd(out)(params)[k] for k in sorted(params)]
                       + [hess[a][b] for a in sorted(params) for b in sorted(params)])
    assert_same(tuple(results[0]), tuple(results[1]), atol=1e-6)
