"""SyncBatchNorm (single process), CrossMapLRN2d, NLLLoss2d, Container, TripletMarginWithDistanceLoss and
F.triplet_margin_with_distance_loss, conv weight memory-format conversion, torch's memory_format values."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_module, check_raises, copy_state, gradcheck, randint, randn


@pytest.mark.parametrize("train", [True, False])
def test_sync_batchnorm_is_batchnorm_in_one_process(train):
    t, f = torch.nn.SyncBatchNorm(3, momentum=0.3), flambeau.nn.SyncBatchNorm(3, momentum=0.3)
    assert repr(f) == repr(t)
    with torch.no_grad():
        t.weight.uniform_(0.5, 1.5)
        t.running_mean.uniform_(-1, 1)
    check_module(t, f, randn(4, 3, 5, dtype=np.float32), train=train)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert_same(getattr(t, name), getattr(f, name))


def test_sync_batchnorm_bad_input():
    for shape in ((3,), (2, 0, 3), (2, 4, 3)):
        check_raises(lambda lib, x: lib.nn.SyncBatchNorm(3)(x), randn(*shape))


def test_convert_sync_batchnorm_shares_tensors():
    t_net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), torch.nn.BatchNorm2d(4),
                                torch.nn.Sequential(torch.nn.BatchNorm2d(4, affine=False)))
    f_net = flambeau.nn.Sequential(flambeau.nn.Conv2d(3, 4, 1), flambeau.nn.BatchNorm2d(4),
                                   flambeau.nn.Sequential(flambeau.nn.BatchNorm2d(4, affine=False)))
    t_net.eval()
    f_net.eval()
    weight = f_net[1].weight
    t_conv = torch.nn.SyncBatchNorm.convert_sync_batchnorm(t_net)
    f_conv = flambeau.nn.SyncBatchNorm.convert_sync_batchnorm(f_net)
    assert repr(f_conv) == repr(t_conv)
    assert f_conv[1].weight is weight and f_conv[1].training is False
    assert type(f_conv[2][0]) is flambeau.nn.SyncBatchNorm
    check_module(t_conv, f_conv, randn(2, 3, 4, 4, dtype=np.float32), train=False)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_cross_map_lrn2d_forward(size):
    t, f = torch.nn.CrossMapLRN2d(size, 0.1, 0.75, 2.0), flambeau.nn.CrossMapLRN2d(size, 0.1, 0.75, 2.0)
    assert repr(f) == repr(t)
    check(lambda lib, x: (t if lib is torch else f)(x), randn(2, 7, 3, 3), grad=False)


def test_cross_map_lrn2d_gradient():
    # torch's hand-written backward is not the derivative of its own forward (docs/differences.md);
    # flambeau's is, checked by finite differences, and agrees with torch where the window is symmetric
    gradcheck(lambda lib, x: lib.nn.CrossMapLRN2d(3, 0.1, 0.75, 2.0)(x), randn(1, 5, 2, 2), gradgrad=False)
    check(lambda lib, x: lib.nn.CrossMapLRN2d(3, 0.1, 0.75, 2.0)(x), randn(2, 1, 3, 3))
    check_raises(lambda lib, x: lib.nn.CrossMapLRN2d(3)(x), randn(2, 3, 4))


def test_nll_loss_2d_and_container_warn_like_torch():
    logp, target = np.log(np.random.default_rng(0).dirichlet(np.ones(3), size=(2, 4, 4))).transpose(0, 3, 1, 2), \
        randint(0, 3, 2, 4, 4)
    for lib in (torch, flambeau):
        with pytest.warns(FutureWarning, match="NLLLoss2d"):
            lib.nn.NLLLoss2d(reduction="sum")
    check(lambda lib, x, y: lib.nn.NLLLoss2d(reduction="sum")(x, y), np.ascontiguousarray(logp), target)
    assert issubclass(flambeau.nn.NLLLoss2d, flambeau.nn.NLLLoss)
    with pytest.warns(FutureWarning, match="Container"):
        f = flambeau.nn.Container(a=flambeau.nn.Linear(2, 3), b=flambeau.nn.ReLU())
    with pytest.warns(FutureWarning, match="Container"):
        t = torch.nn.Container(a=torch.nn.Linear(2, 3), b=torch.nn.ReLU())
    assert repr(f) == repr(t)
    copy_state(t, f)
    assert list(f.state_dict()) == list(t.state_dict())


def _cosine(lib):
    return lambda a, b: 1 - lib.nn.functional.cosine_similarity(a, b)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_triplet_margin_with_distance_loss(swap, reduction):
    a, p, n = randn(5, 4), randn(5, 4), randn(5, 4)
    check(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(
        a, p, n, margin=0.7, swap=swap, reduction=reduction), a, p, n)
    check(lambda lib, a, p, n: lib.nn.functional.triplet_margin_with_distance_loss(
        a, p, n, distance_function=_cosine(lib), margin=0.3, swap=swap, reduction=reduction), a, p, n)
    check(lambda lib, a, p, n: lib.nn.TripletMarginWithDistanceLoss(
        distance_function=_cosine(lib), swap=swap, reduction=reduction)(a, p, n), a, p, n)


def test_triplet_margin_losses_bad_input():
    x = randn(3, 2)
    check_raises(lambda lib, x: lib.nn.functional.triplet_margin_with_distance_loss(x, x, x, margin=0), x)
    check_raises(lambda lib, x: lib.nn.functional.triplet_margin_with_distance_loss(x, x, x, reduction="avg"), x)
    check_raises(lambda lib, x: lib.nn.functional.triplet_margin_with_distance_loss(x, x, x[0]), x)
    check_raises(lambda lib, x: lib.nn.functional.triplet_margin_loss(x, x, x[0]), x)
    check_raises(lambda lib, x: lib.nn.functional.triplet_margin_loss(x, x, x, margin=-1.0), x)
    check_raises(lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=0.0))
    check(lambda lib, a, p, n: lib.nn.functional.triplet_margin_loss(a, p, n, 0.5, 1.5, swap=True), x, randn(3, 2),
          randn(3, 2))


@pytest.mark.parametrize("convert,conv,shape", [("convert_conv2d_weight_memory_format", "Conv2d", (1, 2, 5, 5)),
                                                ("convert_conv3d_weight_memory_format", "Conv3d", (1, 2, 3, 3, 3))])
def test_convert_conv_weight_memory_format(convert, conv, shape):
    fmt = "channels_last" if conv == "Conv2d" else "channels_last_3d"
    t = torch.nn.Sequential(getattr(torch.nn, conv)(2, 3, 2), torch.nn.ReLU())
    f = flambeau.nn.Sequential(getattr(flambeau.nn, conv)(2, 3, 2), flambeau.nn.ReLU())
    copy_state(t, f)
    t_out = getattr(torch.nn.utils, convert)(t, getattr(torch, fmt))
    f_out = getattr(flambeau.nn.utils, convert)(f, getattr(flambeau, fmt))
    assert f_out is f and t_out is t
    check_module(t, f, randn(*shape, dtype=np.float32))


def test_memory_format_values():
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
                 "legacy_contiguous_format"):
        value = getattr(flambeau, name)
        assert repr(value) == repr(getattr(torch, name))
        assert isinstance(value, flambeau.memory_format)
        assert pickle.loads(pickle.dumps(value)) is value
    x = randn(2, 3, 4, 4)
    check(lambda lib, x: x.contiguous(memory_format=lib.channels_last) * 2, x)
    check(lambda lib, x: x.to(memory_format=lib.channels_last) * 2, x)
