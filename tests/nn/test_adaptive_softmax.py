"""nn.AdaptiveLogSoftmaxWithLoss against PyTorch with copied weights: per-target log-probabilities, the loss, the
gradients of the input and of every head/tail parameter, log_prob, predict, unbatched input and the errors."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check_module, copy_state, randint, randn, to_numpy

IN, CLASSES, CUTOFFS, N = 8, 12, [3, 7], 6


def pair(**kwargs):
    t_m = torch.nn.AdaptiveLogSoftmaxWithLoss(IN, CLASSES, CUTOFFS, **kwargs).double()
    f_m = flambeau.nn.AdaptiveLogSoftmaxWithLoss(IN, CLASSES, CUTOFFS, **kwargs).double()
    copy_state(t_m, f_m)
    return t_m, f_m


@pytest.mark.parametrize("kwargs", [{}, {"head_bias": True, "div_value": 2.0}])
@pytest.mark.parametrize("targets", [[0, 4, 11, 2, 7, 5], [0, 1, 2, 2, 1, 0], [9, 8, 10, 11, 7, 7]])
def test_forward_and_gradients(kwargs, targets):
    t_m, f_m = pair(**kwargs)
    assert list(f_m.state_dict()) == list(t_m.state_dict())
    check_module(t_m, f_m, randn(N, IN), np.array(targets))


def test_unbatched():
    t_m, f_m = pair()
    check_module(t_m, f_m, randn(IN), np.array(9))


def test_log_prob_and_predict():
    t_m, f_m = pair(head_bias=True)
    x = randn(40, IN) * 3
    np.testing.assert_allclose(to_numpy(f_m.log_prob(flambeau.tensor(x))), to_numpy(t_m.log_prob(torch.tensor(x))),
                               atol=1e-10)
    predicted = to_numpy(f_m.predict(flambeau.tensor(x)))
    np.testing.assert_array_equal(predicted, to_numpy(t_m.predict(torch.tensor(x))))
    assert (predicted >= CUTOFFS[0]).any() and (predicted < CUTOFFS[0]).any()  # both predict branches ran


@pytest.mark.parametrize("case", ["out_of_range", "batch_mismatch", "2d_target", "3d_input"])
def test_forward_errors(case):
    t_m, f_m = pair()
    x, target = {"out_of_range": (randn(N, IN), randint(0, CLASSES, N) + CLASSES),
                 "batch_mismatch": (randn(N, IN), randint(0, CLASSES, N - 1)),
                 "2d_target": (randn(N, IN), randint(0, CLASSES, N, 1)),
                 "3d_input": (randn(N, 1, IN), randint(0, CLASSES, N))}[case]
    for module, lib in ((t_m, torch), (f_m, flambeau)):
        with pytest.raises(RuntimeError):
            module(lib.tensor(x), lib.tensor(target))


@pytest.mark.parametrize("cutoffs", [[], [7, 3], [0, 4], [4, 12], [4, 4]])
def test_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError):
        torch.nn.AdaptiveLogSoftmaxWithLoss(IN, CLASSES, cutoffs)
    with pytest.raises(ValueError):
        flambeau.nn.AdaptiveLogSoftmaxWithLoss(IN, CLASSES, cutoffs)
