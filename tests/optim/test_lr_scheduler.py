"""Learning-rate schedulers against PyTorch: lr (and momentum) sequences over many steps, state_dict
save/reload halfway, closed forms through step(epoch), ReduceLROnPlateau on a metric sequence, errors."""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
import torch

import flambeau

LIBS = (torch, flambeau)
N_STEPS, HALF = 60, 30

CASES = {
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda s, o: s.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda s, o: s.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[5, 12, 12, 30, 45], gamma=0.3),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=8),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=15),
    "LinearLR-down": lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=40),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.93),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=40, power=2.0),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=12, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=1e-4),
    "CosineAnnealingWarmRestarts-1": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=7),
    "CyclicLR": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=5),
    "CyclicLR-triangular2": lambda s, o: s.CyclicLR(o, [0.01, 0.001], [0.1, 0.05], step_size_up=4, step_size_down=6,
                                                    mode="triangular2", base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-exp_range": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.97),
    "CyclicLR-scale_fn": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 0.9 ** x,
                                                 scale_mode="iterations", cycle_momentum=False),
    "OneCycleLR": lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=N_STEPS),
    "OneCycleLR-linear-3phase": lambda s, o: s.OneCycleLR(o, max_lr=[0.1, 0.05], epochs=6, steps_per_epoch=10,
                                                          anneal_strategy="linear", three_phase=True, pct_start=0.25),
    "SequentialLR": lambda s, o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=10),
                                                   s.CosineAnnealingLR(o, T_max=20)], milestones=[10]),
    "SequentialLR-3": lambda s, o: s.SequentialLR(o, [s.ConstantLR(o, factor=0.1, total_iters=2),
                                                     s.ExponentialLR(o, gamma=0.9), s.StepLR(o, 5)],
                                                  milestones=[5, 20]),
    "ChainedScheduler": lambda s, o: s.ChainedScheduler([s.ConstantLR(o, factor=0.1, total_iters=3),
                                                         s.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-optimizer": lambda s, o: s.ChainedScheduler([s.StepLR(o, 4), s.CosineAnnealingLR(o, 10)],
                                                                   optimizer=o),
}
ADAM_CASES = {"CyclicLR", "OneCycleLR", "CyclicLR-triangular2"}  # also run with Adam: the momentum is beta1


def _optimizer(lib, kind):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.05}]
    if kind == "adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _record(opt, sched):
    row = list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups]
    for g in opt.param_groups:
        row.append(g["betas"][0] if "betas" in g else g["momentum"])
    return [float(v) for v in row]


def _run(opt, sched, n):
    out = []
    for _ in range(n):
        opt.step()
        sched.step()
        out.append(_record(opt, sched))
    return out


def _same_state(ours, theirs, path="state_dict"):
    """Scheduler state dicts: same keys; numbers, strings and containers equal (floats to 1e-12)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs), (path, set(ours) ^ set(theirs))
        for k in theirs:
            _same_state(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _same_state(a, b, f"{path}[{i}]")
    elif isinstance(theirs, float):
        assert math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-15) or ours == theirs, (path, ours, theirs)
    elif theirs is None or isinstance(theirs, (int, str, bool)):
        assert ours == theirs, (path, ours, theirs)


PARAMS = [(name, "sgd") for name in CASES] + [(name, "adam") for name in sorted(ADAM_CASES)]


@pytest.mark.parametrize("name,kind", PARAMS, ids=[f"{n}-{k}" for n, k in PARAMS])
def test_schedule_matches_torch_and_resumes(name, kind):
    build = CASES[name]
    runs = {}
    for lib in LIBS:
        opt = _optimizer(lib, kind)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # stepping in the right order gives no warning
            sched = build(lib.optim.lr_scheduler, opt)
            initial = [_record(opt, sched)]
            first = _run(opt, sched, HALF)
        saved = copy.deepcopy((opt.state_dict(), sched.state_dict()))
        rest = _run(opt, sched, N_STEPS - HALF)
        # a fresh optimizer and scheduler, loaded halfway, continue the same schedule
        opt2 = _optimizer(lib, kind)
        sched2 = build(lib.optim.lr_scheduler, opt2)
        opt2.load_state_dict(saved[0])
        sched2.load_state_dict(saved[1])
        resumed = _run(opt2, sched2, N_STEPS - HALF)
        np.testing.assert_allclose(resumed, rest, rtol=1e-12, atol=1e-15)
        runs[lib] = (initial + first + rest, saved[1])
    np.testing.assert_allclose(runs[flambeau][0], runs[torch][0], rtol=1e-12, atol=1e-15)
    _same_state(runs[flambeau][1], runs[torch][1])


@pytest.mark.parametrize("mode,threshold_mode,kwargs", [
    ("min", "rel", dict()),
    ("min", "abs", dict(patience=2, cooldown=3, factor=0.5, threshold=0.05)),
    ("max", "rel", dict(patience=1, min_lr=[0.02, 0.001])),
    ("max", "abs", dict(patience=0, factor=0.3, min_lr=1e-3, eps=1e-3)),
])
def test_reduce_lr_on_plateau(mode, threshold_mode, kwargs):
    metrics = [1.0 / (1 + i) if i < 15 else 0.06 + 0.01 * math.sin(i) for i in range(N_STEPS)]
    if mode == "max":
        metrics = [-m for m in metrics]
    runs = {}
    for lib in LIBS:
        opt = _optimizer(lib, "sgd")
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, threshold_mode=threshold_mode, **kwargs)
        out = []
        for i, m in enumerate(metrics):
            opt.step()
            sched.step(lib.tensor(m) if i % 2 else m)
            out.append(_record(opt, sched))
            if i == HALF:
                saved = copy.deepcopy(sched.state_dict())
        sched2 = lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib, "sgd"), mode=mode)
        sched2.load_state_dict(copy.deepcopy(saved))
        assert (sched2.mode, sched2.best, sched2.num_bad_epochs) == (saved["mode"], saved["best"],
                                                                      saved["num_bad_epochs"])
        runs[lib] = (out, saved)
    np.testing.assert_allclose(runs[flambeau][0], runs[torch][0], rtol=1e-12)
    _same_state(runs[flambeau][1], runs[torch][1])


CLOSED_FORMS = {
    "StepLR": lambda s, o: s.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.25, total_iters=4),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=6),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.8),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=8, power=0.5),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=6, eta_min=0.01),
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 1 / (1 + e)),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts-1": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=4),
}


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_step_with_epoch(name):
    epochs = [0, 1, 4, 2.5, 7, 7, 3, 11.25, 20, 0.5, 13] if name.startswith("Cosine") else [0, 1, 4, 2, 7, 7, 3, 11]
    runs = {}
    for lib in LIBS:
        opt = _optimizer(lib, "sgd")
        sched = CLOSED_FORMS[name](lib.optim.lr_scheduler, opt)
        out = []
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            for e in epochs:
                opt.step()
                sched.step(e)
                out.append(_record(opt, sched))
        runs[lib] = (out, [str(w.message) for w in record])
    np.testing.assert_allclose(runs[flambeau][0], runs[torch][0], rtol=1e-12, atol=1e-15)
    assert runs[flambeau][1] == runs[torch][1]


def test_tensor_lr_is_filled_in_place():
    runs = {}
    for lib in LIBS:
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=lib.tensor(0.1), momentum=0.9)
        lr_tensor = opt.param_groups[0]["lr"]
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        for _ in range(5):
            opt.step()
            sched.step()
        assert opt.param_groups[0]["lr"] is lr_tensor and isinstance(sched.get_last_lr()[0], lib.Tensor)
        runs[lib] = float(lr_tensor)
    assert runs[flambeau] == runs[torch]


def test_warnings_like_torch():
    messages = []
    for lib in LIBS:
        opt = _optimizer(lib, "sgd")
        sched = lib.optim.lr_scheduler.StepLR(opt, 3)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            sched.step()  # before optimizer.step()
            sched.get_lr()  # outside step()
        messages.append([str(w.message) for w in record])
    assert messages[0] == messages[1] and len(messages[0]) == 2


@pytest.mark.parametrize("make", [
    lambda s, o: s.ConstantLR(o, factor=1.5),
    lambda s, o: s.LinearLR(o, start_factor=0),
    lambda s, o: s.LinearLR(o, end_factor=2.0),
    lambda s, o: s.LambdaLR(o, [lambda e: 1.0]),
    lambda s, o: s.MultiplicativeLR(o, 0.5),
    lambda s, o: s.StepLR(object(), 3),
    lambda s, o: s.StepLR(o, 3, last_epoch=4),
    lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=1.5),
    lambda s, o: s.CyclicLR(o, 0.1, 1.0, mode="bad"),
    lambda s, o: s.CyclicLR(o, [0.1], 1.0),
    lambda s, o: s.OneCycleLR(o, 0.1),
    lambda s, o: s.OneCycleLR(o, 0.1, total_steps=10, pct_start=2.0),
    lambda s, o: s.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    lambda s, o: s.ReduceLROnPlateau(o, factor=1.0),
    lambda s, o: s.ReduceLROnPlateau(o, mode="middle"),
    lambda s, o: s.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda s, o: s.SequentialLR(o, [s.StepLR(o, 2)], milestones=[3]),
    lambda s, o: s.SequentialLR(o, [s.ReduceLROnPlateau(o), s.StepLR(o, 2)], milestones=[3]),
    lambda s, o: s.ChainedScheduler([]),
])
def test_errors_match_torch(make):
    results = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:
            make(lib.optim.lr_scheduler, _optimizer(lib, "sgd"))
        results.append((type(info.value), str(info.value)))
    assert results[0][0] is results[1][0]
    assert results[0][1] == results[1][1]


def test_one_cycle_raises_past_total_steps():
    for lib in LIBS:
        opt = _optimizer(lib, "sgd")
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times"):
            sched.step()
