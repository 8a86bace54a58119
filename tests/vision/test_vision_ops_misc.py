"""vision.ops building blocks against torchvision.ops: Conv2d/3dNormActivation, SqueezeExcitation, MLP, Permute,
FrozenBatchNorm2d (structure, outputs, gradients) and stochastic_depth (modes, scaling, eval identity, errors)."""
from functools import partial

import numpy as np
import pytest
import torch
import torchvision.ops as tv_ops

import flambeau
import flambeau.vision.ops as f_ops
from oracle import check, copy_state, randn, to_numpy


def pair(name, *args, **kwargs):
    """The same block from both libraries; callables in kwargs are given as 'nn.X' names and resolved per library."""
    def resolve(lib, v):
        if isinstance(v, str) and v.startswith("nn."):
            return getattr(lib.nn, v[3:])
        if isinstance(v, tuple) and v and v[0] == "partial":
            return partial(resolve(lib, v[1]), **v[2])
        return v
    t_block = getattr(tv_ops, name)(*args, **{k: resolve(torch, v) for k, v in kwargs.items()}).double()
    f_block = getattr(f_ops, name)(*args, **{k: resolve(flambeau, v) for k, v in kwargs.items()}).double()
    return t_block, f_block


def check_block(t_block, f_block, x, train=True):
    assert repr(f_block) == repr(t_block)
    assert list(f_block.state_dict()) == list(t_block.state_dict())
    copy_state(t_block, f_block)
    t_block.train(train)
    f_block.train(train)
    check(lambda lib, x: (t_block if lib is torch else f_block)(x), x)
    # BatchNorm running statistics must move the same way in train mode
    t_sd = t_block.state_dict()
    for k, v in f_block.state_dict().items():
        np.testing.assert_allclose(to_numpy(v), to_numpy(t_sd[k]), rtol=1e-6, atol=1e-8, err_msg=k)
    t_params = dict(t_block.named_parameters())
    for name, p in f_block.named_parameters():
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(t_params[name].grad), rtol=1e-5, atol=1e-8,
                                   err_msg=name)


@pytest.mark.parametrize("args,kwargs", [
    ((3, 8), {}),
    ((3, 8, 5, 2), {"groups": 1, "dilation": 2}),
    ((4, 8), {"kernel_size": (3, 1), "dilation": (1, 2), "groups": 2, "activation_layer": "nn.Hardswish"}),
    ((3, 6), {"norm_layer": None, "activation_layer": None}),
    ((3, 6), {"padding": 0, "bias": True, "inplace": None, "activation_layer": "nn.SiLU"}),
    ((3, 6), {"norm_layer": ("partial", "nn.BatchNorm2d", {"eps": 1e-3, "momentum": 0.01}), "inplace": False}),
])
@pytest.mark.parametrize("train", [True, False])
def test_conv2d_norm_activation(args, kwargs, train):
    check_block(*pair("Conv2dNormActivation", *args, **kwargs), randn(2, args[0], 7, 6), train=train)


def test_conv3d_norm_activation():
    check_block(*pair("Conv3dNormActivation", 2, 4, kernel_size=(3, 1, 3)), randn(2, 2, 4, 5, 5))


@pytest.mark.parametrize("kwargs", [{}, {"activation": "nn.SiLU", "scale_activation": "nn.Hardsigmoid"}])
def test_squeeze_excitation(kwargs):
    check_block(*pair("SqueezeExcitation", 8, 2, **kwargs), randn(2, 8, 5, 5))


@pytest.mark.parametrize("kwargs", [{}, {"norm_layer": "nn.LayerNorm", "activation_layer": "nn.GELU", "bias": False},
                                    {"inplace": False, "dropout": 0.0}])
def test_mlp(kwargs):
    check_block(*pair("MLP", 6, [8, 7, 3], **kwargs), randn(4, 6))


def test_mlp_dropout_in_train_only():
    f_block = f_ops.MLP(6, [8, 3], dropout=0.5)
    x = flambeau.ones(64, 6)
    flambeau.manual_seed(0)
    hidden = f_block[1](f_block[0](x))  # Linear, ReLU
    assert (f_block[2](hidden) == 0).any()  # Dropout drops in train mode
    f_block.eval()
    assert flambeau.equal(f_block[2](hidden), hidden)


def test_permute():
    check_block(*pair("Permute", [0, 2, 3, 1]), randn(2, 3, 4, 5))


def test_frozen_batch_norm():
    t_block, f_block = pair("FrozenBatchNorm2d", 5, eps=1e-3)
    assert repr(f_block) == repr(t_block)
    state = {"weight": randn(5), "bias": randn(5), "running_mean": randn(5), "running_var": randn(5, low=0.5, high=2),
             "num_batches_tracked": np.array(3)}  # a BatchNorm2d checkpoint: its counter is dropped
    t_block.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    f_block.load_state_dict({k: flambeau.tensor(v) for k, v in state.items()})
    check(lambda lib, x: (t_block if lib is torch else f_block)(x), randn(2, 5, 3, 3))
    assert not list(f_block.parameters())


@pytest.mark.parametrize("mode", ["row", "batch"])
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_stochastic_depth(mode, p):
    x = flambeau.ones(200, 3, 2)
    flambeau.manual_seed(0)
    y = f_ops.stochastic_depth(x, p, mode, training=True).numpy()
    # each row (or the whole batch) is either dropped or scaled by 1 / (1 - p)
    per_row = y.reshape(200, -1)
    kept = per_row[:, 0] != 0
    assert (per_row == per_row[:, :1]).all()
    if p < 1:
        np.testing.assert_allclose(per_row[kept], 1 / (1 - p), rtol=1e-6)
    if mode == "batch":
        assert kept.all() or not kept.any()
    if p == 0.0:
        assert kept.all()
    if p == 1.0:
        assert not kept.any()
    if p == 0.3 and mode == "row":
        assert 0.5 < kept.mean() < 0.9
    # eval mode, and p == 0, return the input itself, as torchvision
    assert f_ops.stochastic_depth(x, p, mode, training=False) is x
    flambeau.manual_seed(0)
    again = f_ops.StochasticDepth(p, mode)(x).numpy()
    np.testing.assert_array_equal(again, y)  # manual_seed reproduces the draw


def test_stochastic_depth_gradient_and_repr():
    x = flambeau.ones(50, 4, requires_grad=True)
    flambeau.manual_seed(1)
    y = f_ops.stochastic_depth(x, 0.5, "row")
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # d(x * mask)/dx = mask
    assert repr(f_ops.StochasticDepth(0.2, "row")) == repr(tv_ops.StochasticDepth(0.2, "row"))


@pytest.mark.parametrize("p,mode", [(-0.1, "row"), (1.5, "batch"), (0.5, "rows")])
def test_stochastic_depth_errors(p, mode):
    with pytest.raises(ValueError):
        tv_ops.stochastic_depth(torch.ones(2, 2), p, mode)
    with pytest.raises(ValueError):
        f_ops.stochastic_depth(flambeau.ones(2, 2), p, mode)


def test_conv_norm_activation_base_class_warns():
    with pytest.warns(UserWarning, match="Conv2dNormActivation"):
        f_ops.misc.ConvNormActivation(3, 4)


def test_ops_namespace_is_torchvisions():
    """flambeau.vision.ops exports exactly the names torchvision.ops does, each a function or a class."""
    import torchvision.ops

    import flambeau.vision.ops as ops
    assert sorted(ops.__all__) == sorted(torchvision.ops.__all__)
    for name in ops.__all__:
        assert callable(getattr(ops, name)), name
