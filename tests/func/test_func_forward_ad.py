"""Forward-mode AD: torch.autograd.forward_ad and the tangent rules, compared with PyTorch's forward AD
(same primals and tangents) and with J.v from reverse-mode Jacobians."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_raises, randn

# op cases: fn(lib, *tensors); every float input gets a random tangent
OPS = {
    "add_broadcast": (lambda t, x, y: x + y, randn(3, 1), randn(4)),
    "sub_mul_div": (lambda t, x, y: (x - y) * x / (y * y + x.exp()), randn(3, 4), randn(3, 4)),
    "pow": (lambda t, x, y: x.abs() ** y, randn(5), randn(5)),
    "exp_log_sqrt": (lambda t, x: x.exp() + (x * x + x.exp()).log() + (x * x + x.exp()).sqrt(), randn(6)),
    "trig": (lambda t, x: x.sin() * x.cos() + x.tanh() + x.atan(), randn(6)),
    "sigmoid_relu": (lambda t, x: t.sigmoid(x) + t.relu(x), randn(2, 3)),
    "clamp_maximum": (lambda t, x, y: t.maximum(x.clamp(-0.5, 0.5), y), randn(7), randn(7)),
    "where": (lambda t, x, y: t.where(x > 0, x, y), randn(4, 3), randn(4, 3)),
    "matmul": (lambda t, a, b: a @ b, randn(3, 4), randn(4, 2)),
    "batched_matmul": (lambda t, a, b: t.matmul(a, b), randn(2, 3, 4), randn(4, 5)),
    "mv": (lambda t, a, v: a @ v, randn(3, 4), randn(4)),
    "linear": (lambda t, x, w, b: t.nn.functional.linear(x, w, b), randn(5, 3), randn(2, 3), randn(2)),
    "sum_mean": (lambda t, x: x.sum(1) + x.mean(0).sum(), randn(3, 4)),
    "prod": (lambda t, x: x.prod(1), randn(3, 4)),
    "amax": (lambda t, x: x.amax(1), randn(3, 4)),
    "max_dim": (lambda t, x: x.max(dim=0).values, randn(3, 4)),
    "norm": (lambda t, x: t.linalg.vector_norm(x, dim=1), randn(3, 4)),
    "var": (lambda t, x: x.var(0), randn(5, 2)),
    "cumsum_cumprod": (lambda t, x: x.cumsum(0) + x.cumprod(1), randn(3, 4)),
    "logsumexp": (lambda t, x: t.logsumexp(x, 1), randn(3, 4)),
    "logcumsumexp": (lambda t, x: t.logcumsumexp(x, 1), randn(3, 4)),
    "svdvals": (lambda t, x: t.linalg.svdvals(x), randn(3, 2)),
    "qr": (lambda t, x: t.linalg.qr(x)[1], randn(3, 2)),
    "views": (lambda t, x: x.reshape(4, 3).t()[1:, ::2].permute(1, 0).unsqueeze(0).expand(2, 2, 2), randn(3, 4)),
    "index_select": (lambda t, x: x[[0, 2, 2]] + x[:, 1:2], randn(3, 4)),
    "gather": (lambda t, x: t.gather(x, 1, t.tensor([[0, 1], [2, 0]])), randn(2, 3)),
    "cat_stack": (lambda t, x, y: t.cat([x, y]) + t.stack([x, y]).sum(0).repeat(2, 1), randn(2, 3), randn(2, 3)),
    "flip_tril": (lambda t, x: t.flip(x, [0]).tril() + x.diagonal().sum(), randn(3, 3)),
    "softmax": (lambda t, x: t.softmax(x, 1), randn(3, 4)),
    "log_softmax": (lambda t, x: t.log_softmax(x, 0), randn(3, 4)),
    "gelu_silu_softplus_elu": (lambda t, x: t.nn.functional.gelu(x) + t.nn.functional.silu(x)
                               + t.nn.functional.softplus(x) + t.nn.functional.elu(x), randn(6)),
    "layer_norm": (lambda t, x, w, b: t.nn.functional.layer_norm(x, (4,), w, b), randn(3, 4), randn(4), randn(4)),
    "mse_loss": (lambda t, x, y: t.nn.functional.mse_loss(x, y), randn(3, 4), randn(3, 4)),
    "cross_entropy": (lambda t, x: t.nn.functional.cross_entropy(x, t.tensor([1, 0, 3])), randn(3, 4)),
    "nll_loss": (lambda t, x: t.nn.functional.nll_loss(t.log_softmax(x, 1), t.tensor([1, 0, 3])), randn(3, 4)),
    "conv2d": (lambda t, x, w: t.nn.functional.conv2d(x, w, padding=1), randn(1, 2, 4, 4), randn(3, 2, 3, 3)),
    "max_pool2d": (lambda t, x: t.nn.functional.max_pool2d(x, 2), randn(1, 1, 4, 4)),
    "pad": (lambda t, x: t.nn.functional.pad(x, (1, 2), value=3.0), randn(2, 3)),
    "einsum": (lambda t, a, b: t.einsum("ij,jk->ik", a, b), randn(2, 3), randn(3, 2)),
}


# PyTorch's forward AD of these (and of tensor + Python scalar, avoided above) loads its Python decompositions
# (~10 s): they are checked against J v only
OPS_JV_ONLY = {"cast": (lambda t, x: x.float().double() * 2, randn(4)),
               "erf_lgamma": (lambda t, x: t.erf(x) + t.lgamma(x.abs() + 1), randn(5))}


def _tangents(arrays):
    return [randn(*a.shape) if a.dtype.kind == "f" else None for a in arrays]


def _jvp_case(lib, fn, primals, tangents):
    """fn's value and tangent through lib's forward_ad API."""
    fwAD = lib.autograd.forward_ad
    with fwAD.dual_level():
        args = [fwAD.make_dual(p, t) if t is not None else p for p, t in zip(primals, tangents)]
        out = fn(lib, *args)
        primal, tangent = fwAD.unpack_dual(out)
    return primal, tangent


@pytest.mark.parametrize("name", sorted(OPS))
def test_tangent_matches_torch(name):
    fn, *arrays = OPS[name]
    tangents = _tangents(arrays)
    results = []
    for lib in (torch, flambeau):
        primals = [lib.tensor(a) for a in arrays]
        tans = [lib.tensor(t) if t is not None else None for t in tangents]
        results.append(_jvp_case(lib, fn, primals, tans))
    assert_same(results[0], results[1], atol=1e-9, rtol=1e-7)


@pytest.mark.parametrize("name", ["matmul", "softmax", "cumsum_cumprod", "layer_norm", "cross_entropy", "conv2d",
                                  "cast", "erf_lgamma"])
def test_tangent_is_jacobian_times_vector(name):
    """The tangent equals J v with J from reverse mode (flambeau alone, a second oracle)."""
    fn, *arrays = {**OPS, **OPS_JV_ONLY}[name]
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    tangents = _tangents(arrays)
    primals = [flambeau.tensor(a) for a in arrays]

    def over_floats(*xs):
        args = list(primals)
        for i, x in zip(floats, xs):
            args[i] = x
        return fn(flambeau, *args)

    jacs = flambeau.autograd.functional.jacobian(over_floats, tuple(primals[i] for i in floats))
    out = over_floats(*[primals[i] for i in floats])
    expected = sum(j.reshape(out.numel(), -1) @ flambeau.tensor(tangents[i]).reshape(-1)
                   for j, i in zip(jacs, floats)).reshape(out.shape)
    _, tangent = _jvp_case(flambeau, fn, primals, [flambeau.tensor(t) if t is not None else None for t in tangents])
    np.testing.assert_allclose(tangent.numpy(), expected.numpy(), atol=1e-10)


def test_reverse_over_forward_gradient_matches_torch():
    """The tangent is differentiable with respect to the primal (reverse over forward)."""
    def fn(t, x, v):
        fwAD = t.autograd.forward_ad
        with fwAD.dual_level():
            d = fwAD.make_dual(x, v)
            y = fwAD.unpack_dual(t.tanh(d.sin() * d) @ d).tangent
        return y
    check(fn, randn(5), randn(5))


def test_forward_ad_api_and_errors():
    fwAD = flambeau.autograd.forward_ad
    x = flambeau.randn(3)
    assert fwAD.unpack_dual(x).tangent is None and fwAD.unpack_dual(x).primal is x
    with fwAD.dual_level() as level:
        assert level == 0
        d = fwAD.make_dual(x, flambeau.ones(3))
        unpacked = fwAD.unpack_dual(d)
        assert isinstance(unpacked, fwAD.UnpackedDualTensor) and unpacked._fields == ("primal", "tangent")
        assert fwAD.unpack_dual(unpacked.primal).tangent is None and fwAD.unpack_dual(x).tangent is None
        assert fwAD.unpack_dual(d * 2).tangent.tolist() == [2.0, 2.0, 2.0]
        with pytest.raises(RuntimeError, match="Nested forward mode AD"):
            fwAD.enter_dual_level()
    assert fwAD.unpack_dual(d * 2).tangent is None  # tangents go with their level
    level = fwAD.enter_dual_level()
    fwAD.exit_dual_level(level=level)


@pytest.mark.parametrize("case", [
    lambda t, x: t.autograd.forward_ad.make_dual(x, x),  # no level
    lambda t, x: _in_level(t, lambda: t.autograd.forward_ad.make_dual(x, t.ones(4))),
    lambda t, x: _in_level(t, lambda: t.autograd.forward_ad.make_dual(t.arange(3), t.arange(3))),
])
def test_make_dual_errors_match_torch(case):
    check_raises(case, randn(3))


def _in_level(lib, fn):
    with lib.autograd.forward_ad.dual_level():
        return fn()


@pytest.mark.parametrize("api", ["jvp", "vjp", "hvp", "vhp"])
def test_autograd_functional_products_match_torch(api):
    def f(t, x, y):
        return (x.sin() * y).sum() + (x * x * y).sum()

    def case(t, x, y, v, w):
        return getattr(t.autograd.functional, api)(lambda a, b: f(t, a, b), (x, y), (v, w) if api != "vjp" else None)
    check(case, randn(4), randn(4), randn(4), randn(4), grad=False, atol=1e-9)


def test_generic_rule_from_backward_formula():
    """A primitive without an explicit tangent rule (sort's values through indexing, scatter) is derived from
    its backward formula; torch agrees."""
    fn = lambda t, x, s: t.zeros(3, 4, dtype=t.float64).scatter_add(1, t.tensor([[0, 1], [2, 2], [3, 0]]), s) * x  # noqa: E731
    arrays = [randn(3, 4), randn(3, 2)]
    results = []
    tangents = _tangents(arrays)
    for lib in (torch, flambeau):
        results.append(_jvp_case(lib, fn, [lib.tensor(a) for a in arrays], [lib.tensor(t) for t in tangents]))
    assert_same(results[0], results[1], atol=1e-10)


def test_in_place_ops_carry_tangents_like_torch():
    def fn(t, x, y):
        z = x * y
        z[1:3] = z[1:3].exp()
        z.mul_(y)
        return z
    results = []
    arrays = [randn(4), randn(4)]
    tangents = _tangents(arrays)
    for lib in (torch, flambeau):
        results.append(_jvp_case(lib, fn, [lib.tensor(a) for a in arrays], [lib.tensor(t) for t in tangents]))
    assert_same(results[0], results[1], atol=1e-12)
