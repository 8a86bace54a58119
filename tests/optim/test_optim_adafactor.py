"""Adafactor against PyTorch: trajectories (float64 tightly, float32 loosely), state_dict layout and a resume
from each library's state_dict, argument errors. The harness is test_optimizers.py's."""
import copy

import numpy as np
import pytest
import torch

import flambeau
from test_optimizers import _assert_same_layout, _assert_traj, _convert, _initial, _make, _run

CASES = [
    dict(),
    dict(lr=0.05, beta2_decay=-0.5, d=1.5),
    dict(lr=0.05, eps=(1e-6, 1e-2), weight_decay=0.1),
    dict(lr=0.02, maximize=True, foreach=False),
    dict(lr=0.3, eps=(None, 0.0), d=1.0),  # lr above 1/sqrt(t) after a few steps, no RMS floor
]


@pytest.mark.parametrize("kwargs", CASES)
def test_trajectory_state_and_resume_float64(kwargs):
    arrays = _initial(np.float64)
    t_params, t_opt = _make(torch, "Adafactor", kwargs, arrays)
    f_params, f_opt = _make(flambeau, "Adafactor", kwargs, arrays)
    _assert_traj(_run(flambeau, f_params, f_opt, 20), _run(torch, t_params, t_opt, 20), rtol=1e-9, atol=1e-12)
    _assert_same_layout(f_opt.state_dict(), t_opt.state_dict())
    at_half = [p.detach().numpy().copy() for p in f_params]
    t_saved, f_saved = copy.deepcopy(t_opt.state_dict()), copy.deepcopy(f_opt.state_dict())
    reference = _run(torch, t_params, t_opt, 20)

    def resumed(lib, saved):
        params, opt = _make(lib, "Adafactor", kwargs, at_half)
        opt.load_state_dict(copy.deepcopy(saved))  # loading keeps the 'step' tensors, which the run advances
        return _run(lib, params, opt, 20)
    _assert_traj(resumed(flambeau, f_saved), reference, rtol=1e-9, atol=1e-12)
    _assert_traj(resumed(flambeau, _convert(t_saved, flambeau)), reference, rtol=1e-9, atol=1e-12)
    _assert_traj(resumed(torch, _convert(f_saved, torch)), reference, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kwargs", CASES[:3])
def test_trajectory_float32(kwargs):
    arrays = _initial(np.float32)
    f_params, f_opt = _make(flambeau, "Adafactor", kwargs, arrays)
    f_traj = _run(flambeau, f_params, f_opt, 30)
    # float32 rounding differs (NumPy's pairwise sums, PyTorch's vectorised ones) and grows over the run
    _assert_traj(f_traj, _run(torch, *_make(torch, "Adafactor", kwargs, arrays), 30), rtol=1e-3, atol=1e-4)
    assert all(v.dtype == flambeau.float32 for s in f_opt.state.values() for k, v in s.items() if k != "step")


def test_three_dimensional_and_scalar_parameters():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 4)), rng.standard_normal(())]

    def run(lib):
        params = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
        opt = lib.optim.Adafactor(params, lr=0.05, weight_decay=0.01)
        out = []
        for _ in range(15):
            opt.zero_grad()
            ((params[0] ** 3).sum() + params[0].sum() * params[1] ** 2).backward()
            opt.step()
            out.append([p.detach().numpy().copy() for p in params])
        return out, {k: tuple(v.shape) for k, v in opt.state_dict()["state"][0].items()}
    (f_traj, f_shapes), (t_traj, t_shapes) = run(flambeau), run(torch)
    _assert_traj(f_traj, t_traj, rtol=1e-9, atol=1e-12)
    assert f_shapes == t_shapes == {"step": (), "row_var": (2, 3, 1), "col_var": (2, 1, 4)}


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(beta2_decay=0.5), dict(eps=(-1.0, 1e-3)),
                                    dict(eps=(None, -1.0)), dict(d=0.5), dict(weight_decay=-0.1)])
def test_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as t_info:
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as f_info:
        flambeau.optim.Adafactor([flambeau.zeros(2, requires_grad=True)], **kwargs)
    assert str(f_info.value) == str(t_info.value)


def test_complex_parameters_are_refused():
    for lib in (torch, flambeau):
        p = lib.zeros(2, dtype=lib.complex64, requires_grad=True)
        p.grad = lib.ones(2, dtype=lib.complex64)
        with pytest.raises(RuntimeError, match="Adafactor does not support complex parameters"):
            lib.optim.Adafactor([p]).step()
