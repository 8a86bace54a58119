"""nn.init against PyTorch: statistics over large tensors, exact values where deterministic, errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import flambeau
from flambeau.nn import init
from oracle import to_numpy

SHAPE = (256, 128, 3)  # fan_in 384, fan_out 768; ~98k samples


def fill(name, shape=SHAPE, *args, **kwargs):
    """The same initialiser on a fresh flambeau and torch tensor; both as numpy arrays. Seeded: the statistical
    checks then give the same answer on every run, whatever ran before in the worker."""
    flambeau.manual_seed(0)
    torch.manual_seed(0)
    f = flambeau.empty(*shape)
    t = torch.empty(*shape)
    out = getattr(init, name)(f, *args, **kwargs)
    assert out is f
    getattr(torch.nn.init, name)(t, *args, **kwargs)
    return to_numpy(f), to_numpy(t)


def same_stats(f, t, bounds=None):
    n = f.size
    std = t.std()
    assert abs(f.mean() - t.mean()) < 6 * std / math.sqrt(n) + 1e-12
    assert abs(f.std() - std) / std < 0.02
    if bounds is not None:
        lo, hi = bounds
        assert f.min() >= lo and f.max() <= hi and t.min() >= lo and t.max() <= hi
        # and the range is actually used, as in torch
        assert f.min() - lo < 0.01 * (hi - lo) and hi - f.max() < 0.01 * (hi - lo)


@pytest.mark.parametrize("args", [(), (-3.0, 5.0)])
def test_uniform(args):
    f, t = fill("uniform_", SHAPE, *args)
    same_stats(f, t, args or (0.0, 1.0))


@pytest.mark.parametrize("args", [(), (2.0, 0.5)])
def test_normal(args):
    same_stats(*fill("normal_", SHAPE, *args))


@pytest.mark.parametrize("kwargs", [{}, dict(mean=1.0, std=2.0, a=-1.0, b=2.5), dict(mean=0.0, std=1.0, a=2.0, b=3.0),
                                    dict(mean=0.0, std=0.02, a=-0.04, b=0.04)])
def test_trunc_normal(kwargs):
    bounds = (kwargs.get("a", -2.0), kwargs.get("b", 2.0))
    f, t = fill("trunc_normal_", SHAPE, **kwargs)
    same_stats(f, t, bounds)


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier(gain):
    a = gain * math.sqrt(6.0 / (384 + 768))
    same_stats(*fill("xavier_uniform_", SHAPE, gain=gain), bounds=(-a, a))
    f, t = fill("xavier_normal_", SHAPE, gain=gain)
    same_stats(f, t)
    assert abs(f.std() - gain * math.sqrt(2.0 / (384 + 768))) < 0.02 * f.std()


@pytest.mark.parametrize("a, mode, nonlinearity", [(0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"),
                                                   (0, "fan_out", "relu"), (0.2, "FAN_OUT", "tanh"), (0, "fan_in", "selu")])
def test_kaiming(a, mode, nonlinearity):
    fan = 384 if mode.lower() == "fan_in" else 768
    bound = math.sqrt(3.0) * init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    same_stats(*fill("kaiming_uniform_", SHAPE, a=a, mode=mode, nonlinearity=nonlinearity), bounds=(-bound, bound))
    same_stats(*fill("kaiming_normal_", SHAPE, a=a, mode=mode, nonlinearity=nonlinearity))


def test_kaiming_zero_element_tensor_warns():
    for lib in (torch, flambeau):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            lib.nn.init.kaiming_uniform_(lib.empty(0, 3))


@pytest.mark.parametrize("shape, gain", [((30, 50), 1.0), ((50, 30), 2.0), ((8, 3, 3, 3), 1.0)])
def test_orthogonal(shape, gain):
    f, t = fill("orthogonal_", shape, gain=gain)
    flat = f.reshape(shape[0], -1)
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)
    assert abs(np.abs(f).mean() - np.abs(t).mean()) < 0.1 * np.abs(t).mean()


def test_sparse():
    f, t = fill("sparse_", (100, 400), 0.3, std=0.05)
    assert ((f == 0).sum(0) == 30).all() and ((t == 0).sum(0) == 30).all()
    same_stats(f[f != 0], t[t != 0])


def test_deterministic_initialisers_exact():
    for name, shape, args in [("constant_", (3, 4), (0.25,)), ("ones_", (2, 5), ()), ("zeros_", (4,), ()),
                              ("eye_", (3, 5), ()), ("eye_", (4, 2), ()), ("dirac_", (4, 2, 3), ()),
                              ("dirac_", (6, 3, 3, 3), (2,)), ("dirac_", (2, 4, 3, 3, 3), ())]:
        f, t = fill(name, shape, *args)
        np.testing.assert_array_equal(f, t, err_msg=name)


def test_gain_and_fans_exact():
    for nl in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
               "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert init.calculate_gain(nl) == torch.nn.init.calculate_gain(nl)
    for p in (0, 0.2, 3):
        assert init.calculate_gain("leaky_relu", p) == torch.nn.init.calculate_gain("leaky_relu", p)
    for shape in [(3, 4), (5, 2, 3), (8, 4, 3, 3), (2, 3, 2, 2, 2)]:
        assert init._calculate_fan_in_and_fan_out(flambeau.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.init.calculate_gain("softmax"),
    lambda lib: lib.nn.init.calculate_gain("leaky_relu", "x"),
    lambda lib: lib.nn.init.calculate_gain("leaky_relu", True),
    lambda lib: lib.nn.init.xavier_uniform_(lib.empty(3)),
    lambda lib: lib.nn.init.kaiming_normal_(lib.empty(3, 4), mode="fan_avg"),
    lambda lib: lib.nn.init.eye_(lib.empty(3, 4, 5)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 4)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 4, 3), groups=2),
    lambda lib: lib.nn.init.orthogonal_(lib.empty(3)),
    lambda lib: lib.nn.init.sparse_(lib.empty(3, 4, 5), 0.1),
])
def test_errors_match_torch(call):
    excs = []
    for lib in (torch, flambeau):
        with pytest.raises(Exception) as info:
            call(lib)
        excs.append(info.value)
    assert type(excs[1]) is type(excs[0]) and str(excs[1]) == str(excs[0])


def test_generator_reproducible_and_no_graph():
    g1, g2 = flambeau.Generator().manual_seed(3), flambeau.Generator().manual_seed(3)
    for name, kwargs in [("uniform_", {}), ("normal_", {}), ("trunc_normal_", {}), ("xavier_uniform_", {}),
                         ("kaiming_normal_", {}), ("orthogonal_", {})]:
        a = getattr(init, name)(flambeau.empty(8, 6), generator=g1, **kwargs)
        b = getattr(init, name)(flambeau.empty(8, 6), generator=g2, **kwargs)
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b), err_msg=name)
    p = flambeau.nn.Parameter(flambeau.empty(4, 3))
    out = init.kaiming_uniform_(p)
    assert out is p and p.is_leaf and p.requires_grad
    init.zeros_(p)
    assert p.is_leaf and not p.any()


def test_deprecated_aliases_warn():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        init.normal(flambeau.empty(2, 2))
    assert any(issubclass(w.category, FutureWarning) and "nn.init.normal_" in str(w.message) for w in rec)
