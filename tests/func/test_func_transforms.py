"""torch.func's grad, grad_and_value, vjp, jvp, jacrev, jacfwd and hessian against PyTorch's torch.func on the
same functions, and against loops of ordinary autograd."""
from __future__ import annotations

import numpy as np
import pytest

import flambeau
from oracle import check, check_raises, randn


def leaves(out):
    """Nested dicts, lists and tuples as nested tuples (the oracle compares tuples), dicts in key order."""
    if isinstance(out, dict):
        return tuple(leaves(out[k]) for k in sorted(out))
    if isinstance(out, (tuple, list)):
        return tuple(leaves(o) for o in out)
    return out


def _f(t, x, y):
    return (x.sin() * y).sum() + (x @ y.reshape(3, 1)).tanh().sum()


def test_grad_argnums_match_torch():
    check(lambda t, x, y: t.func.grad(lambda a, b: _f(t, a, b))(x, y), randn(2, 3), randn(3), grad=False)
    check(lambda t, x, y: t.func.grad(lambda a, b: _f(t, a, b), argnums=1)(x, y), randn(2, 3), randn(3), grad=False)
    check(lambda t, x, y: t.func.grad(lambda a, b: _f(t, a, b), argnums=(0, 1))(x, y), randn(2, 3), randn(3),
          grad=False)


def test_grad_equals_autograd():
    x, y = flambeau.tensor(randn(2, 3), requires_grad=True), flambeau.tensor(randn(3), requires_grad=True)
    _f(flambeau, x, y).backward()
    gx, gy = flambeau.func.grad(lambda a, b: _f(flambeau, a, b), argnums=(0, 1))(x.detach(), y.detach())
    np.testing.assert_allclose(gx.numpy(), x.grad.numpy())
    np.testing.assert_allclose(gy.numpy(), y.grad.numpy())


def test_grad_and_value_has_aux_and_pytrees_match_torch():
    def case(t, x, y):
        def f(p, scale):
            loss = (p["a"] * p["b"][0]).sum() * scale
            return loss, {"doubled": loss * 2}
        return t.func.grad_and_value(f, has_aux=True)({"a": x, "b": [y]}, 3.0)
    check(lambda t, x, y: leaves(case(t, x, y)), randn(4), randn(4), grad=False)
    grads, (value, aux) = case(flambeau, flambeau.randn(4), flambeau.randn(4))
    assert set(grads) == {"a", "b"} and isinstance(grads["b"], list) and set(aux) == {"doubled"}


def test_grad_of_grad_and_gradient_through_grad_match_torch():
    check(lambda t, x: t.func.grad(t.func.grad(lambda a: a.sin().sum() * a.sum()))(x), randn(1).reshape(()),
          grad=False)
    # an ordinary backward through a grad transform (its result keeps its graph when the input requires grad)
    check(lambda t, x: t.func.grad(lambda a: (a ** 3).sum())(x), randn(4))


def test_vjp_matches_torch():
    def case(t, x, y, v):
        out, fn = t.func.vjp(lambda a, b: (a * b.exp(), a.sum()), x, y)
        return out, fn((v, t.ones(())))
    check(case, randn(3), randn(3), randn(3), grad=False)


def test_vjp_has_aux_matches_torch():
    def case(t, x, v):
        out, fn, aux = t.func.vjp(lambda a: (a.sin(), a.cos()), x, has_aux=True)
        return out, fn(v), aux
    check(case, randn(3), randn(3), grad=False)


def test_jvp_matches_torch():
    check(lambda t, x, y, u, v: t.func.jvp(lambda a, b: (a * b).sin().sum(0), (x, y), (u, v)),
          randn(2, 3), randn(3), randn(2, 3), randn(3), grad=False)
    check(lambda t, x, u: t.func.jvp(lambda a: (a.exp(), a.sum()), (x,), (u,), has_aux=True),
          randn(3), randn(3), grad=False)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobians_match_torch(transform):
    def case(t, x, y):
        jac = getattr(t.func, transform)
        return jac(lambda a, b: (a.sin() * b, (a @ a.t()).sum(1)), argnums=(0, 1))(x, y)
    check(case, randn(2, 3), randn(2, 3), grad=False)
    check(lambda t, x: leaves(getattr(t.func, transform)(lambda a: {"y": a.exp()[1:]})(x)), randn(4), grad=False)
    check(lambda t, x: getattr(t.func, transform)(lambda a: (a.sum(), a * 2), has_aux=True)(x), randn(3),
          grad=False)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobian_equals_autograd_rows(transform):
    x = flambeau.tensor(randn(3, 2))
    f = lambda a: a.tanh() @ a.t()  # noqa: E731
    jac = getattr(flambeau.func, transform)(f)(x)
    expected = flambeau.autograd.functional.jacobian(f, x)
    np.testing.assert_allclose(jac.numpy(), expected.numpy(), atol=1e-12)


def test_hessian_matches_torch_and_autograd():
    f = lambda t: (lambda a, b: (a.sin() * b).sum() * (a * a).sum())  # noqa: E731
    check(lambda t, x, y: t.func.hessian(f(t))(x, y), randn(3), randn(3), grad=False)
    check(lambda t, x, y: t.func.hessian(f(t), argnums=(0, 1))(x, y), randn(2), randn(2), grad=False)
    x, y = flambeau.tensor(randn(3)), flambeau.tensor(randn(3))
    expected = flambeau.autograd.functional.hessian(lambda a: f(flambeau)(a, y), x)
    np.testing.assert_allclose(flambeau.func.hessian(f(flambeau))(x, y).numpy(), expected.numpy(), atol=1e-12)


def test_hessian_of_network_loss_matches_torch():
    def case(t, x, w):
        return t.func.hessian(lambda v: t.nn.functional.cross_entropy((x @ v.reshape(3, 2)).relu() * 2,
                                                                      t.tensor([0, 1])))(w)
    check(case, randn(2, 3), randn(6), grad=False)


@pytest.mark.parametrize("case", [
    lambda t, x: t.func.grad(lambda a: a)(x),                         # not a scalar
    lambda t, x: t.func.grad(lambda a: 1.0)(x),                       # not a tensor
    lambda t, x: t.func.grad(lambda a: a.sum(), argnums=2)(x),        # argnum out of range
    lambda t, x: t.func.grad(lambda a: a.sum(), argnums=(0, 0))(x),   # repeated argnums
    lambda t, x: t.func.grad(lambda a: a.sum(), has_aux=True)(x),     # no aux returned
    lambda t, x: t.func.grad(lambda a: a.sum())(x.long()),            # integer input
    lambda t, x: t.func.grad(lambda a: a.sum())(3.0),                 # not a tensor input
    lambda t, x: t.func.jvp(lambda a: a, x, x),                       # primals not a tuple
    lambda t, x: t.func.jvp(lambda a: a, (x,), (x, x)),               # structures differ
    lambda t, x: t.func.jvp(lambda a: a, (x,), (x[:2],)),             # tangent of another shape
    lambda t, x: t.func.jacrev(lambda a: a, argnums=1)(x),
])
def test_errors_match_torch(case):
    check_raises(case, randn(3))


def test_vmap_of_vjp_fn_and_jvp_of_grad_match_torch():
    """vjp_fn batched over cotangents (PyTorch's jacrev) and forward over reverse (a Hessian-vector product)."""
    def rows(t, x, cots):
        _, fn = t.func.vjp(lambda a: t.softmax(a @ a.t(), 1), x)
        return t.func.vmap(fn)(cots)
    check(rows, randn(3, 2), randn(5, 3, 3), grad=False)
    check(lambda t, x, v: t.func.jvp(t.func.grad(lambda a: (a.sin() * a).sum() * a.sum()), (x,), (v,)),
          randn(4), randn(4), grad=False)


def test_jacrev_chunk_size_matches_torch():
    check(lambda t, x: t.func.jacrev(lambda a: a.exp() @ a.t(), chunk_size=2)(x), randn(3, 2), grad=False)
    check_raises(lambda t, x: t.func.jacrev(lambda a: a, chunk_size=0)(x), randn(2))
