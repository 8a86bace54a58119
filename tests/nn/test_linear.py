"""Linear, Bilinear and LazyLinear against PyTorch: functional forms, layers (forward, input and parameter
gradients), default init statistics, repr, and the errors for bad inputs."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn, to_numpy

F32 = np.float32


@pytest.mark.parametrize("xs,ws", [((4, 3), (5, 3)), ((2, 4, 3), (5, 3)), ((3,), (5, 3)), ((4, 3), (3,)),
                                   ((2, 1, 3, 3), (2, 3))])
def test_linear(xs, ws):
    check(lambda t, x, w: t.nn.functional.linear(x, w), randn(*xs), randn(*ws))
    if len(ws) == 2:
        check(lambda t, x, w, b: t.nn.functional.linear(x, w, b), randn(*xs), randn(*ws), randn(ws[0]))
        check(lambda t, x, w, b: t.nn.functional.linear(x, w, b), randn(*xs, dtype=F32), randn(*ws, dtype=F32),
              randn(ws[0], dtype=F32), noncontig=True, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("x1,x2", [((4, 3), (4, 2)), ((2, 3, 3), (2, 3, 2)), ((3,), (2,))])
def test_bilinear(x1, x2):
    check(lambda t, a, b, w, bias: t.nn.functional.bilinear(a, b, w, bias), randn(*x1), randn(*x2), randn(5, 3, 2),
          randn(5))
    check(lambda t, a, b, w: t.nn.functional.bilinear(a, b, w), randn(*x1), randn(*x2), randn(5, 3, 2))


def test_gradcheck():
    gradcheck(lambda t, x, w, b: t.nn.functional.linear(x, w, b), randn(2, 3, 4), randn(2, 4), randn(2))
    gradcheck(lambda t, a, b, w, bias: t.nn.functional.bilinear(a, b, w, bias), randn(3, 2), randn(3, 3),
              randn(2, 2, 3), randn(2))


ERRORS = [  # x (2, 5, 4), w (3, 4)
    lambda t, x, w: t.nn.functional.linear(x, w.T),
    lambda t, x, w: t.nn.functional.linear(x[0, 0], w.T),
    lambda t, x, w: t.nn.functional.linear(x, w.double()),
    lambda t, x, w: t.nn.functional.linear(x, w, w[0]),
    lambda t, x, w: t.nn.functional.bilinear(x, x[:1], w.reshape(1, 4, 3)),
    lambda t, x, w: t.nn.functional.bilinear(x, x, w.reshape(1, 4, 3)),
    lambda t, x, w: t.nn.functional.bilinear(x, x, w.reshape(1, 3, 4)),
    lambda t, x, w: t.nn.functional.bilinear(x, x[..., :3], w.reshape(1, 4, 3), w[0, :2]),
    lambda t, x, w: t.nn.functional.bilinear(x, x, w),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_raises(ERRORS[i], randn(2, 5, 4, dtype=F32), randn(3, 4, dtype=F32))


def _pair(name, *args, **kwargs):
    torch.manual_seed(0)
    return getattr(torch.nn, name)(*args, **kwargs), getattr(flambeau.nn, name)(*args, **kwargs)


@pytest.mark.parametrize("args,kwargs,shape", [((3, 5), {}, (4, 3)), ((3, 5), {"bias": False}, (2, 4, 3)),
                                               ((3, 1), {}, (3,)), ((4, 2), {}, (0, 4))])
def test_linear_layer(args, kwargs, shape):
    t_mod, f_mod = _pair("Linear", *args, **kwargs)
    check_module(t_mod, f_mod, randn(*shape, dtype=F32))
    assert repr(f_mod) == repr(t_mod)
    assert list(f_mod.state_dict()) == list(t_mod.state_dict())


def test_linear_double():
    t_mod, f_mod = torch.nn.Linear(3, 2, dtype=torch.float64), flambeau.nn.Linear(3, 2, dtype=flambeau.float64)
    check_module(t_mod, f_mod, randn(4, 3))


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_layer(bias):
    t_mod, f_mod = _pair("Bilinear", 3, 2, 4, bias=bias)
    check_module(t_mod, f_mod, randn(5, 3, dtype=F32), randn(5, 2, dtype=F32))
    assert repr(f_mod) == repr(t_mod)


def test_lazy_linear():
    t_mod, f_mod = _pair("LazyLinear", 4)
    assert repr(f_mod) == repr(t_mod) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    x = randn(2, 6, dtype=F32)
    t_mod(torch.tensor(x))
    out = f_mod(flambeau.tensor(x))
    assert type(f_mod) is flambeau.nn.Linear and repr(f_mod) == repr(t_mod) and out.shape == (2, 4)
    assert type(f_mod.weight) is flambeau.nn.Parameter and f_mod.weight.shape == (4, 6)
    check_module(t_mod, f_mod, x)
    no_bias = flambeau.nn.LazyLinear(3, bias=False)
    no_bias(flambeau.randn(2, 5))
    assert no_bias.bias is None and repr(no_bias) == "Linear(in_features=5, out_features=3, bias=False)"


def check_default_init(t_mod, f_mod, fan_in=None) -> None:
    """weight and bias of both layers are U(-b, b) samples with torch's b = 1/sqrt(fan_in) (for the weight,
    kaiming_uniform_ with a=sqrt(5)): within the bound, reaching near it, and with the uniform's std."""
    bound = 1 / np.sqrt(fan_in or torch.nn.init._calculate_fan_in_and_fan_out(t_mod.weight)[0])
    for key in ("weight", "bias"):
        tw, fw = to_numpy(getattr(t_mod, key)), to_numpy(getattr(f_mod, key))
        assert fw.shape == tw.shape and fw.dtype == np.float32
        for w in (tw, fw):  # torch's sample passes the same test: the test describes torch's distribution
            n = w.size
            assert bound * (1 - max(10 / n, 1e-4)) < np.abs(w).max() <= bound  # P(max lower) = e^-10
            assert abs(w.std() / (bound / np.sqrt(3)) - 1) < 5 * np.sqrt(0.2 / n)
            assert abs(w.mean()) < 5 * bound / np.sqrt(3 * n)


@pytest.mark.parametrize("name,args", [("Linear", (400, 300)), ("Linear", (7, 2000)), ("Bilinear", (20, 30, 50))])
def test_default_init(name, args):
    t_mod, f_mod = _pair(name, *args)
    check_default_init(t_mod, f_mod, t_mod.weight.size(1) if name == "Bilinear" else None)  # Bilinear: 1/sqrt(in1)


def test_input_errors():
    model = flambeau.nn.Sequential(flambeau.nn.Linear(5, 9216), flambeau.nn.Sequential(flambeau.nn.Identity(),
                                                                                        flambeau.nn.Linear(9216, 128)))
    model[1][0] = flambeau.nn.Linear(9216, 7680)  # so the second layer gets 7680 features
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"^1\.1 \(Linear\(in_features=9216, out_features=128, "
                       r"bias=True\)\) expected input with last dimension 9216, got shape \(64, 7680\)$"):
        model(flambeau.randn(64, 5))
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"expected input of dtype torch.float32 .*got "
                       r"torch.float64"):
        model(flambeau.randn(64, 5, dtype=flambeau.float64))
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"expected input1 with last dimension 3, got shape \(2, 4\)"):
        flambeau.nn.Bilinear(3, 2, 1)(flambeau.randn(2, 4), flambeau.randn(2, 2))
    with pytest.raises(RuntimeError):  # ModuleInputError is a RuntimeError, like torch's error here
        flambeau.nn.Linear(3, 2)(flambeau.randn(3, 4))
