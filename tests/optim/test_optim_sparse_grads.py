"""Sparse gradients from nn.Embedding(sparse=True) in SparseAdam, SGD and Adagrad against PyTorch:
trajectories, SparseAdam's state_dict (and a resume from PyTorch's), and the refusals PyTorch makes."""
import copy

import numpy as np
import pytest
import torch

import flambeau

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

W0 = np.random.default_rng(0).standard_normal((6, 3))
BATCHES = [np.array([[0, 1, 3]]), np.array([[3, 3, 4], [5, 0, 0]]), np.array([[2, 2, 2]])]


def make(lib, name, kwargs, weight=W0):
    emb = lib.nn.Embedding(6, 3, sparse=True, padding_idx=4, dtype=lib.float64)
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(weight))
    return emb, getattr(lib.optim, name)(emb.parameters(), **kwargs)


def run(lib, emb, opt, steps, start=0):
    out = []
    for s in range(start, start + steps):
        opt.zero_grad()
        (emb(lib.tensor(BATCHES[s % 3])).tanh() ** 2).sum().backward()
        assert emb.weight.grad.is_sparse
        opt.step()
        out.append(emb.weight.detach().numpy().copy())
    return out


CASES = [
    ("SparseAdam", dict(lr=0.1)),
    ("SparseAdam", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-6, maximize=True)),
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs):
    t_traj = run(torch, *make(torch, name, kwargs), 30)
    f_traj = run(flambeau, *make(flambeau, name, kwargs), 30)
    for step, (a, b) in enumerate(zip(f_traj, t_traj)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=f"step {step + 1}")
    # the padding row and rows never looked up stay where they were
    np.testing.assert_array_equal(f_traj[-1][4], W0[4])


def test_sparse_adam_state_dict_and_resume():
    kwargs = dict(lr=0.1)
    t_emb, t_opt = make(torch, "SparseAdam", kwargs)
    f_emb, f_opt = make(flambeau, "SparseAdam", kwargs)
    run(torch, t_emb, t_opt, 5)
    run(flambeau, f_emb, f_opt, 5)
    t_sd, f_sd = copy.deepcopy(t_opt.state_dict()), f_opt.state_dict()  # state_dict() shares the live state
    assert list(f_sd["state"][0]) == list(t_sd["state"][0]) == ["step", "exp_avg", "exp_avg_sq"]
    assert f_sd["state"][0]["step"] == t_sd["state"][0]["step"] == 5 and type(f_sd["state"][0]["step"]) is int
    for key in ("exp_avg", "exp_avg_sq"):
        np.testing.assert_allclose(f_sd["state"][0][key].numpy(), t_sd["state"][0][key].numpy(), rtol=1e-12)
    assert f_sd["param_groups"] == [{**t_sd["param_groups"][0]}]
    reference = run(torch, t_emb, t_opt, 5, start=5)
    # a fresh flambeau optimizer resumes from PyTorch's state_dict
    emb, opt = make(flambeau, "SparseAdam", kwargs, weight=f_emb.weight.detach().numpy())
    converted = t_sd
    for key in ("exp_avg", "exp_avg_sq"):
        converted["state"][0][key] = flambeau.tensor(converted["state"][0][key].numpy())
    opt.load_state_dict(converted)
    for a, b in zip(run(flambeau, emb, opt, 5, start=5), reference):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, weight_decay=0.1)), ("Adagrad", dict(weight_decay=0.1)),
                                         ("Adam", dict()), ("Adafactor", dict())])
def test_refusals_match_torch(name, kwargs):
    for lib in (torch, flambeau):
        emb, opt = make(lib, name, kwargs)
        emb(lib.tensor([[0, 1]])).sum().backward()
        with pytest.raises(RuntimeError):
            opt.step()


def test_sparse_adam_refuses_dense_gradients_and_bad_arguments():
    for lib in (torch, flambeau):
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.ones(2)
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
            lib.optim.SparseAdam([p]).step()
    for kwargs in (dict(lr=0.0), dict(eps=0.0), dict(betas=(1.0, 0.9)), dict(betas=(0.9, -0.1))):
        with pytest.raises(ValueError) as t_info:
            torch.optim.SparseAdam([torch.nn.Parameter(torch.ones(2))], **kwargs)
        with pytest.raises(ValueError) as f_info:
            flambeau.optim.SparseAdam([flambeau.nn.Parameter(flambeau.ones(2))], **kwargs)
        assert str(f_info.value) == str(t_info.value)
    with pytest.raises(ValueError, match=r"Complex params at indices \[\[0, 0\]\]"):
        flambeau.optim.SparseAdam([flambeau.zeros(2, dtype=flambeau.complex64, requires_grad=True)])
