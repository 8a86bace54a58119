"""soft_update and hard_update of target networks."""
import numpy as np
import pytest

import flambeau
from flambeau import nn
from flambeau.rl import hard_update, soft_update


def _net(seed):
    flambeau.manual_seed(seed)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    net.train()
    net(flambeau.randn(8, 3))  # moves the batch-norm statistics away from their initial values
    return net


def _arrays(named):
    return {name: tensor.detach().numpy().copy() for name, tensor in named}


def test_soft_update_averages_parameters_and_copies_buffers():
    target, source = _net(0), _net(1)
    before = _arrays(target.named_parameters())
    source_params, source_buffers = _arrays(source.named_parameters()), _arrays(source.named_buffers())
    soft_update(target, source, tau=0.1)
    for name, param in target.named_parameters():
        np.testing.assert_allclose(param.detach().numpy(), 0.1 * source_params[name] + 0.9 * before[name],
                                   rtol=1e-6, atol=1e-7)
        assert param.is_leaf and param.requires_grad and param.grad_fn is None
    for name, buffer in target.named_buffers():
        np.testing.assert_array_equal(buffer.numpy(), source_buffers[name])
    for name, param in source.named_parameters():
        np.testing.assert_array_equal(param.detach().numpy(), source_params[name])  # the source is untouched


def test_repeated_soft_updates_converge_geometrically():
    target, source = _net(0), _net(1)
    gap = target[0].weight.detach().numpy() - source[0].weight.detach().numpy()
    for _ in range(3):
        soft_update(target, source, tau=0.5)
    np.testing.assert_allclose(target[0].weight.detach().numpy() - source[0].weight.detach().numpy(), gap / 8,
                               atol=1e-6)


def test_hard_update_copies_exactly_and_tau_zero_changes_nothing():
    target, source = _net(0), _net(1)
    before = _arrays(target.named_parameters())
    soft_update(target, source, tau=0.0)
    for name, param in target.named_parameters():
        np.testing.assert_array_equal(param.detach().numpy(), before[name])
    hard_update(target, source)
    for (name, param), (_, source_param) in zip(target.state_dict().items(), source.state_dict().items()):
        np.testing.assert_array_equal(param.numpy(), source_param.numpy(), err_msg=name)
    # the copy does not alias the source
    with flambeau.no_grad():
        source[0].weight.add_(1.0)
    assert not flambeau.equal(target[0].weight, source[0].weight)


def test_mismatched_networks_and_bad_tau_raise_value_error():
    target = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="tau"):
        soft_update(target, nn.Linear(3, 2), tau=1.5)
    with pytest.raises(ValueError, match="shape"):
        hard_update(target, nn.Linear(4, 2))
    with pytest.raises(ValueError, match="missing"):
        hard_update(target, nn.Sequential(nn.Linear(3, 2)))
