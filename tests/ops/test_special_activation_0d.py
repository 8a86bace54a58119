"""Activations and elementwise math on 0-d tensors (issue 8: NumPy ufuncs return scalars for 0-d
arrays, and the fused forwards passed those to `out=`, raising "return arrays must be of ArrayType")."""
import numpy as np
import pytest

from oracle import check, gradcheck

ACTIVATIONS = {
    "silu": lambda t, x: t.nn.functional.silu(x),
    "elu": lambda t, x: t.nn.functional.elu(x),
    "elu_alpha": lambda t, x: t.nn.functional.elu(x, alpha=0.7),
    "celu": lambda t, x: t.nn.functional.celu(x, alpha=1.3),
    "selu": lambda t, x: t.nn.functional.selu(x),
    "gelu": lambda t, x: t.nn.functional.gelu(x),
    "gelu_tanh": lambda t, x: t.nn.functional.gelu(x, approximate="tanh"),
    "mish": lambda t, x: t.nn.functional.mish(x),
    "logsigmoid": lambda t, x: t.nn.functional.logsigmoid(x),
    "softplus": lambda t, x: t.nn.functional.softplus(x),
    "softplus_beta": lambda t, x: t.nn.functional.softplus(x, beta=2.0, threshold=0.5),
    "erf": lambda t, x: t.erf(x),
    "erfc": lambda t, x: t.erfc(x),
    "sigmoid": lambda t, x: t.sigmoid(x),
    "softmax": lambda t, x: t.softmax(x, 0),
    "log_softmax": lambda t, x: t.log_softmax(x, 0),
}


# the other activations of torch.nn.functional, swept on 0-d inputs with their gradients
MORE = {name: (lambda name: lambda t, x: getattr(t.nn.functional, name)(x))(name) for name in [
    "relu", "relu6", "leaky_relu", "hardtanh", "hardswish", "hardsigmoid", "softsign", "tanhshrink", "softshrink",
    "hardshrink", "sigmoid", "tanh", "silu", "mish", "gelu", "elu", "selu", "celu", "logsigmoid", "softplus"]}
MORE["rrelu_eval"] = lambda t, x: t.nn.functional.rrelu(x, training=False)
MORE["threshold"] = lambda t, x: t.nn.functional.threshold(x, 0.1, 2.0)
MORE["prelu"] = lambda t, x: t.nn.functional.prelu(x, x.new_tensor([0.25]))
MORE["softmin"] = lambda t, x: t.nn.functional.softmin(x, 0)


@pytest.mark.parametrize("name", sorted(MORE))
def test_all_activations_on_zero_dim(name):
    for value in (0.75, -0.5):
        for dtype in (np.float32, np.float64):
            assert check(MORE[name], np.array(value, dtype=dtype)).shape == ()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [0.5, -0.75, 3.0])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_zero_dim_values_and_gradients(name, value, dtype):
    out = check(ACTIVATIONS[name], np.array(value, dtype=dtype))
    assert out.shape == ()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_zero_dim_gradcheck(name):
    gradcheck(ACTIVATIONS[name], np.array(0.3))


@pytest.mark.parametrize("name", ["silu", "elu", "selu", "celu"])
def test_zero_dim_inplace(name):
    check(lambda t, x: getattr(t.nn.functional, name)(x * 1.0, inplace=True), np.array(-0.4, dtype=np.float32))


def test_issue_reproduction_plain_tensor():
    """The issue's reproduction: a 0-d tensor without requires_grad."""
    for fn in ("silu", "elu", "mish", "logsigmoid", "selu"):
        check(lambda t, x: getattr(t.nn.functional, fn)(x), np.array(0.5, dtype=np.float32), grad=False)
    check(lambda t, x: t.erf(x), np.array(0.5, dtype=np.float32), grad=False)
