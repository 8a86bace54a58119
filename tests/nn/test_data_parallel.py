"""nn.parallel.DataParallel on a machine without GPUs, against PyTorch: it runs the wrapped module directly,
exposes it as .module, prefixes state_dict keys with 'module.', passes keyword arguments and gradients through;
data_parallel refuses without a device, as PyTorch's does."""
import pytest
import torch

import flambeau
import flambeau.nn.parallel
from oracle import check, copy_state, randn


def _models():
    t_net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU()).double()
    f_net = flambeau.nn.Sequential(flambeau.nn.Linear(3, 4), flambeau.nn.BatchNorm1d(4), flambeau.nn.ReLU()).double()
    copy_state(t_net, f_net)
    return torch.nn.DataParallel(t_net), flambeau.nn.DataParallel(f_net)


def test_data_parallel_runs_the_module():
    t_dp, f_dp = _models()
    assert flambeau.nn.parallel.DataParallel is flambeau.nn.DataParallel
    assert f_dp.device_ids == t_dp.device_ids == []
    assert list(f_dp.state_dict()) == list(t_dp.state_dict())
    assert all(k.startswith("module.") for k in f_dp.state_dict())
    assert repr(f_dp) == repr(t_dp)
    check(lambda t, x: (t_dp if t is torch else f_dp)(x), randn(5, 3))
    for (name, tp), fp in zip(t_dp.named_parameters(), f_dp.parameters()):
        assert fp.grad is not None, name
        assert torch.allclose(tp.grad, torch.from_numpy(fp.grad.numpy()), atol=1e-10), name
    # running statistics were updated through the wrapper, and a state_dict round trip keeps them
    copy_state(t_dp, f_dp)
    f_dp.eval()
    t_dp.eval()
    check(lambda t, x: (t_dp if t is torch else f_dp)(x), randn(2, 3))


def test_data_parallel_kwargs_and_module():
    class Scale(flambeau.nn.Module):
        def forward(self, x, *, factor=1.0):
            return x * factor

    inner = Scale()
    dp = flambeau.nn.parallel.DataParallel(inner, device_ids=None, dim=0)
    assert dp.module is inner
    x = flambeau.ones(2)
    assert dp(x, factor=3.0).tolist() == [3.0, 3.0]


def test_functional_data_parallel_without_devices():
    with pytest.raises(RuntimeError):
        torch.nn.parallel.data_parallel(torch.nn.Linear(2, 3), torch.randn(4, 2))
    with pytest.raises(RuntimeError):
        flambeau.nn.parallel.data_parallel(flambeau.nn.Linear(2, 3), flambeau.randn(4, 2))
