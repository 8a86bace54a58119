"""Activations against PyTorch: functional forms (values, dtypes, gradients, in-place forms), layers
(forward, input and parameter gradients, repr), gradcheck/gradgradcheck in float64, and errors."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_module, check_raises, gradcheck, randn

F32 = np.float32

# name -> functional case; inputs are spread out (x3) so every branch of the piecewise functions is used
FUNCTIONAL = {
    "relu": lambda t, x: t.nn.functional.relu(x),
    "relu6": lambda t, x: t.nn.functional.relu6(x * 3),
    "hardtanh": lambda t, x: t.nn.functional.hardtanh(x, -0.5, 0.8),
    "threshold": lambda t, x: t.nn.functional.threshold(x, 0.1, -2.0),
    "leaky_relu": lambda t, x: t.nn.functional.leaky_relu(x, 0.2),
    "rrelu_eval": lambda t, x: t.nn.functional.rrelu(x, 0.1, 0.3),
    "prelu": lambda t, x, w: t.nn.functional.prelu(x, w),
    "elu": lambda t, x: t.nn.functional.elu(x * 3, 0.7),
    "selu": lambda t, x: t.nn.functional.selu(x * 3),
    "celu": lambda t, x: t.nn.functional.celu(x * 3, 1.3),
    "gelu": lambda t, x: t.nn.functional.gelu(x * 3),
    "gelu_tanh": lambda t, x: t.nn.functional.gelu(x * 3, approximate="tanh"),
    "silu": lambda t, x: t.nn.functional.silu(x * 3),
    "mish": lambda t, x: t.nn.functional.mish(x * 3),
    "softplus": lambda t, x: t.nn.functional.softplus(x * 3),
    "softplus_beta": lambda t, x: t.nn.functional.softplus(x * 3, beta=2, threshold=4),
    "softsign": lambda t, x: t.nn.functional.softsign(x),
    "softshrink": lambda t, x: t.nn.functional.softshrink(x, 0.4),
    "hardshrink": lambda t, x: t.nn.functional.hardshrink(x, 0.4),
    "tanhshrink": lambda t, x: t.nn.functional.tanhshrink(x),
    "hardsigmoid": lambda t, x: t.nn.functional.hardsigmoid(x * 3),
    "hardswish": lambda t, x: t.nn.functional.hardswish(x * 3),
    "sigmoid": lambda t, x: t.nn.functional.sigmoid(x),
    "logsigmoid": lambda t, x: t.nn.functional.logsigmoid(x * 3),
    "tanh": lambda t, x: t.nn.functional.tanh(x),
    "glu": lambda t, x: t.nn.functional.glu(x, 1),
    "glu_last": lambda t, x: t.nn.functional.glu(x),
    "softmax": lambda t, x: t.nn.functional.softmax(x, 1),
    "softmax_last": lambda t, x: t.nn.functional.softmax(x, -1),
    "log_softmax": lambda t, x: t.nn.functional.log_softmax(x, 1),
    "log_softmax_0": lambda t, x: t.nn.functional.log_softmax(x, 0),
    "softmin": lambda t, x: t.nn.functional.softmin(x, 2),
}
PIECEWISE_LINEAR = {"relu", "relu6", "hardtanh", "threshold", "leaky_relu", "rrelu_eval", "prelu", "softshrink",
                    "hardshrink"}


def _inputs(name, dtype):
    x = randn(2, 4, 6, dtype=dtype)
    return (x, randn(4, dtype=dtype)) if name == "prelu" else (x,)


@pytest.mark.parametrize("name", FUNCTIONAL)
@pytest.mark.parametrize("dtype", [np.float64, F32])
def test_functional(name, dtype):
    tol = 1e-5 if dtype == F32 else 1e-7
    check(FUNCTIONAL[name], *_inputs(name, dtype), atol=tol, rtol=1e-5)


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_noncontiguous(name):
    check(FUNCTIONAL[name], *_inputs(name, np.float64), noncontig=True)


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_gradcheck(name):
    x = randn(2, 4, 2)
    args = (x, randn(4)) if name == "prelu" else (x,)
    gradcheck(FUNCTIONAL[name], *args, gradgrad=name not in PIECEWISE_LINEAR)


INPLACE = [
    lambda t, x: t.nn.functional.relu(x * 1, inplace=True),
    lambda t, x: t.nn.functional.relu_(x * 1),
    lambda t, x: t.nn.functional.relu6(x * 3, inplace=True),
    lambda t, x: t.nn.functional.hardtanh_(x * 1, -0.5, 0.5),
    lambda t, x: t.nn.functional.threshold_(x * 1, 0.2, 5.0),
    lambda t, x: t.nn.functional.leaky_relu_(x * 1, 0.3),
    lambda t, x: t.nn.functional.elu_(x * 1, 0.5),
    lambda t, x: t.nn.functional.selu(x * 1, inplace=True),
    lambda t, x: t.nn.functional.celu_(x * 1, 2.0),
    lambda t, x: t.nn.functional.silu(x * 1, inplace=True),
    lambda t, x: t.nn.functional.mish(x * 1, inplace=True),
    lambda t, x: t.nn.functional.hardsigmoid(x * 3, inplace=True),
    lambda t, x: t.nn.functional.hardswish(x * 3, inplace=True),
    lambda t, x: t.nn.functional.rrelu_(x * 1, 0.2, 0.2, training=False),
]


@pytest.mark.parametrize("i", range(len(INPLACE)))
def test_inplace(i):
    check(INPLACE[i], randn(3, 5))


def test_inplace_returns_input():
    x = flambeau.randn(4)
    assert flambeau.nn.functional.elu(x, inplace=True) is x
    assert flambeau.nn.functional.relu(x, inplace=True) is x


def test_extreme_values():
    x = np.array([-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e4])
    for name in ("elu", "selu", "celu", "silu", "mish", "softplus", "softplus_beta", "logsigmoid", "gelu", "sigmoid",
                 "tanhshrink", "softsign"):
        for dtype in (F32, np.float64):
            check(lambda t, a: FUNCTIONAL[name](t, a.reshape(1, 1, -1)), x.astype(dtype), atol=1e-5)


ELU_FAMILY = [lambda t, x: t.nn.functional.elu(x, 0.7), lambda t, x: t.nn.functional.selu(x),
              lambda t, x: t.nn.functional.celu(x, 1.3), lambda t, x: t.nn.functional.elu(x)]


@pytest.mark.parametrize("i", range(len(ELU_FAMILY)))
@pytest.mark.parametrize("dtype", [np.float16, F32, np.float64])
def test_elu_family_large_and_nonfinite(i, dtype):
    """The fused Elu primitive: arrays large enough for the bitwise select, with inf, nan and zeros."""
    x = randn(64, 80, dtype=dtype) * 3
    tol = 2e-3 if dtype == np.float16 else 1e-5
    x[0, :3] = [-np.inf, 0.0, -0.0]
    check(ELU_FAMILY[i], x, atol=tol, rtol=tol)  # finite and -inf: the plain backward may skip its select
    x[0, 3:5] = [np.inf, np.nan]
    check(ELU_FAMILY[i], x, atol=tol, rtol=tol)


@pytest.mark.parametrize("i", range(len(ELU_FAMILY)))
def test_elu_family_double_backward(i):
    """create_graph=True takes the backward written in ops; its gradient and second gradient match PyTorch."""
    x = randn(64, 80) * 3
    grads = []
    for lib in (torch, flambeau):
        leaf = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad(ELU_FAMILY[i](lib, leaf).sum(), leaf, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), leaf)
        grads.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, F32, np.float64])
def test_relu_backward_large_and_nonfinite(dtype):
    """relu's gradient primitive (ReluBackward) on arrays large enough for its kernel: 0 at 0 and -0,
    g through a nan output, exactly PyTorch's threshold_backward; strided upstream gradients too."""
    x = randn(64, 80, dtype=dtype)
    x[0, :5] = [0.0, -0.0, np.nan, np.inf, -np.inf]
    check(lambda t, a: t.relu(a), x, atol=0, rtol=0)
    check(lambda t, a: t.relu(a).T * 2, x, atol=0, rtol=0)


def test_relu_double_backward():
    x, u = randn(64, 80), randn(64, 80)
    grads = []
    for lib in (torch, flambeau):
        leaf = lib.tensor(x, requires_grad=True)
        upstream = lib.tensor(u, requires_grad=True)
        (g,) = lib.autograd.grad(lib.relu(leaf), leaf, upstream, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), upstream)
        grads.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_array_equal(grads[1][0], grads[0][0])
    np.testing.assert_array_equal(grads[1][1], grads[0][1])


# ------------------------------------------------------------------------------- softmax family

@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), 1), ((), 0),
                                       ((2, 0, 3), 1), ((1, 1), 1)])
def test_softmax_shapes(shape, dim):
    for fn in ("softmax", "log_softmax", "softmin"):
        check(lambda t, x: getattr(t.nn.functional, fn)(x, dim), randn(*shape))
    check(lambda t, x: t.softmax(x, dim), randn(*shape, dtype=F32))
    check(lambda t, x: t.log_softmax(x, dim), randn(*shape, dtype=F32))
    check(lambda t, x: x.softmax(dim), randn(*shape))
    check(lambda t, x: x.log_softmax(dim), randn(*shape))


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", [np.float16, F32, np.float64])
def test_softmax_row_ranges(fn, dtype):
    """Rows whose max is inside and outside the ranges where the max shift is skipped, and non-finite rows."""
    x = randn(13, 7) * 3
    x += np.array([-1e3, -25.0, -19.0, -9.0, -7.0, 0.0, 7.0, 9.0, 59.0, 61.0, 0.0, 0.0, 0.0])[:, None]
    x[10, 2], x[11, :] = np.nan, -np.inf
    x[12, [1, 4]] = np.inf
    tol = 1e-2 if dtype == np.float16 else 1e-6  # PyTorch computes half in float32, NumPy in half
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(lambda t, a: getattr(t.nn.functional, fn)(a, 1), x.astype(dtype), atol=tol, rtol=tol, grad=False)
        for rows in ([4, 5, 6], [0, 1, 2, 3, 7, 8, 9]):  # each slice all inside one range, or all outside
            check(lambda t, a: getattr(t.nn.functional, fn)(a[rows], 1), x.astype(dtype), atol=tol, rtol=tol)
            if dtype != np.float16:
                target = np.arange(len(rows)) % 7
                check(lambda t, a: t.nn.functional.cross_entropy(a[rows], t.tensor(target)), x.astype(dtype), atol=tol)


def test_softmax_dtype():
    check(lambda t, x: t.nn.functional.softmax(x, 1, dtype=t.float64), randn(3, 4, dtype=F32))
    check(lambda t, x: t.nn.functional.log_softmax(x, 0, dtype=t.float32), randn(3, 4))
    check(lambda t, x: x.softmax(1, dtype=t.float64), randn(3, 4, dtype=F32))
    check(lambda t, x: t.softmax(x, 1, dtype=t.float64), randn(3, 4, dtype=F32))
    check(lambda t, x: t.nn.functional.softmax(x, 0, dtype=t.float32), np.arange(4), grad=False)


def test_softmax_stability():
    x = randn(3, 5) * 1000
    for fn in ("softmax", "log_softmax"):
        check(lambda t, a: getattr(t.nn.functional, fn)(a, 1), x)
        check(lambda t, a: getattr(t.nn.functional, fn)(a, 1), x.astype(F32), atol=1e-4)
    masked = randn(3, 5)
    masked[0, 1:] = -np.inf
    masked[1, :] = -np.inf  # an all -inf row is nan, as in PyTorch
    check(lambda t, a: t.nn.functional.softmax(a, 1), masked, grad=False)
    check(lambda t, a: t.nn.functional.log_softmax(a, 1), masked, grad=False)


@pytest.mark.parametrize("ndim,expected", [(0, 0), (1, 0), (2, 1), (3, 0), (4, 1)])
def test_implicit_dim(ndim, expected):
    x = randn(*(2,) * ndim)
    for fn in ("softmax", "log_softmax", "softmin"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(flambeau.nn.functional, fn)(flambeau.tensor(x))
        assert any("Implicit dimension choice for " + fn in str(w.message) for w in caught)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_same(getattr(torch.nn.functional, fn)(torch.tensor(x), expected), out)


def test_softmax_double_backward():
    gradcheck(lambda t, x: t.nn.functional.softmax(x, 1) * x, randn(3, 4))
    gradcheck(lambda t, x: t.nn.functional.log_softmax(x, -1) ** 2, randn(2, 3, 4))


def test_gumbel_softmax():
    flambeau.manual_seed(0)
    logits = flambeau.randn(6, 5, requires_grad=True)
    soft = flambeau.nn.functional.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), np.ones(6), rtol=1e-6)
    hard = flambeau.nn.functional.gumbel_softmax(logits, hard=True)
    values = hard.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0} and (values.sum(-1) == 1).all()
    hard.sum().backward()  # straight-through: the gradient is the soft sample's
    assert logits.grad is not None


# ------------------------------------------------------------------------------- layers

LAYERS = [  # (name, args, kwargs, input shape)
    ("Threshold", (0.1, 20.0), {}, (3, 4)), ("ReLU", (), {}, (3, 4)), ("RReLU", (0.1, 0.3), {}, (3, 4)),
    ("Hardtanh", (-0.5, 0.8), {}, (3, 4)), ("ReLU6", (), {}, (3, 4)), ("Sigmoid", (), {}, (3, 4)),
    ("Hardsigmoid", (), {}, (3, 4)), ("Tanh", (), {}, (3, 4)), ("SiLU", (), {}, (3, 4)), ("Mish", (), {}, (3, 4)),
    ("Hardswish", (), {}, (3, 4)), ("ELU", (0.5,), {}, (3, 4)), ("CELU", (1.5,), {}, (3, 4)),
    ("SELU", (), {}, (3, 4)), ("GLU", (1,), {}, (3, 4)), ("GELU", (), {}, (3, 4)),
    ("GELU", (), {"approximate": "tanh"}, (3, 4)), ("Hardshrink", (0.3,), {}, (3, 4)),
    ("LeakyReLU", (0.1,), {}, (3, 4)), ("LogSigmoid", (), {}, (3, 4)), ("Softplus", (2, 3), {}, (3, 4)),
    ("Softshrink", (0.4,), {}, (3, 4)), ("PReLU", (), {}, (3, 4)), ("PReLU", (4, 0.1), {}, (2, 4, 3)),
    ("PReLU", (), {}, (5,)), ("Softsign", (), {}, (3, 4)), ("Tanhshrink", (), {}, (3, 4)),
    ("Softmin", (1,), {}, (3, 4)), ("Softmax", (1,), {}, (3, 4)), ("Softmax", (), {"dim": -1}, (2, 3, 4)),
    ("Softmax2d", (), {}, (2, 3, 4, 2)), ("LogSoftmax", (1,), {}, (3, 4)),
    ("ReLU", (True,), {}, (3, 4)), ("ELU", (), {"inplace": True}, (3, 4)),
]


@pytest.mark.parametrize("i", range(len(LAYERS)))
def test_layer(i):
    name, args, kwargs, shape = LAYERS[i]
    t_mod, f_mod = getattr(torch.nn, name)(*args, **kwargs), getattr(flambeau.nn, name)(*args, **kwargs)
    assert repr(f_mod) == repr(t_mod)
    inplace = kwargs.get("inplace", bool(args and args[0] is True))
    if inplace:  # the layer writes into its input: give it a non-leaf
        check(lambda t, x: (t_mod if t is torch else f_mod)(x * 1), randn(*shape))
        return
    train_modes = (False,) if name == "RReLU" else (True, False)  # RReLU draws random slopes in training
    for train in train_modes:
        check_module(t_mod, f_mod, randn(*shape, dtype=F32), train=train)


@pytest.mark.parametrize("args", [(), (3,), (3, 0.5)])
def test_prelu_init_and_state(args):
    t_mod, f_mod = torch.nn.PReLU(*args), flambeau.nn.PReLU(*args)
    assert list(f_mod.state_dict()) == list(t_mod.state_dict()) == ["weight"]
    np.testing.assert_array_equal(f_mod.weight.detach().numpy(), t_mod.weight.detach().numpy())
    assert f_mod.weight.dtype == flambeau.float32 and f_mod.weight.requires_grad
    assert flambeau.nn.PReLU(2, dtype=flambeau.float64).weight.dtype == flambeau.float64


@pytest.mark.parametrize("kwargs", [{}, {"inplace": True}, {"min_val": -2.0, "max_val": 3.5}])
def test_hardtanh_repr(kwargs):
    assert repr(flambeau.nn.Hardtanh(**kwargs)) == repr(torch.nn.Hardtanh(**kwargs))
    with pytest.warns(FutureWarning):
        assert flambeau.nn.Hardtanh(min_value=-2.0).min_val == -2.0


@pytest.mark.parametrize("name,kwargs", [
    ("ReLU", {"inplace": True}), ("LeakyReLU", {"negative_slope": 0.2, "inplace": True}), ("SELU", {"inplace": True}),
    ("SiLU", {"inplace": True}), ("Mish", {"inplace": True}), ("Hardswish", {"inplace": True}),
    ("Hardsigmoid", {"inplace": True}), ("ReLU6", {"inplace": True}), ("RReLU", {"inplace": True}),
    ("CELU", {"alpha": 2.0, "inplace": True}), ("Threshold", {"threshold": 1, "value": 2, "inplace": True}),
    ("Softmax", {}), ("LogSoftmax", {"dim": None}), ("Softmin", {"dim": 0}), ("GELU", {}), ("Softplus", {}),
])
def test_repr(name, kwargs):
    assert repr(getattr(flambeau.nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))


def test_rrelu_training():
    x = flambeau.randn(2000)
    layer = flambeau.nn.RReLU(0.1, 0.3)
    flambeau.manual_seed(3)
    x1 = x.clone().requires_grad_()
    y = layer(x1)
    flambeau.manual_seed(3)
    np.testing.assert_array_equal(layer(x).numpy(), y.detach().numpy())  # seeded: reproducible
    xs, ys = x.numpy(), y.detach().numpy()
    neg = xs < 0
    np.testing.assert_array_equal(ys[~neg], xs[~neg])
    slopes = ys[neg] / xs[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01 and abs(slopes.var() - 0.2 ** 2 / 12) < 0.001  # U(0.1, 0.3)
    y.sum().backward()
    np.testing.assert_allclose(x1.grad.numpy()[neg], slopes, rtol=1e-5)
    np.testing.assert_array_equal(x1.grad.numpy()[~neg], 1.0)


ERRORS = [  # x (3, 5) float32
    lambda t, x: t.nn.functional.glu(x, 1),
    lambda t, x: t.nn.functional.glu(x[0, 0]),
    lambda t, x: t.nn.functional.gelu(x, approximate="exact"),
    lambda t, x: t.nn.functional.softmax(x.long(), 1),
    lambda t, x: t.nn.functional.log_softmax(x, 2),
    lambda t, x: t.softmax(x, -3),
    lambda t, x: t.nn.functional.prelu(x, t.ones(2)),
    lambda t, x: t.nn.functional.prelu(x, t.ones(5, 1)),
    lambda t, x: t.nn.functional.prelu(x[0], t.ones(5)),
    lambda t, x: t.nn.functional.hardtanh(x, 1.0, -1.0),
    lambda t, x: t.nn.functional.softshrink(x, -1.0),
    lambda t, x: t.nn.Softmax2d()(x),
    lambda t, x: t.nn.Hardtanh(1.0, 0.5),
    lambda t, x: t.nn.Softmax(dim=1.5),
    lambda t, x: t.nn.functional.relu(x > 0),
    lambda t, x: t.nn.functional.relu_(x.requires_grad_()),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_raises(ERRORS[i], randn(3, 5, dtype=F32))
