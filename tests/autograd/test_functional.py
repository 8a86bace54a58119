"""autograd.functional against torch.autograd.functional."""
import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import flambeau
import flambeau.autograd.functional as FF
from oracle import assert_same, randn

A, B, M = randn(3), randn(3), randn(2, 3)


def run(call):
    """call(functional module, lib, tensor maker) on both libraries; compare the results."""
    results = []
    for F, t in ((TF, torch), (FF, flambeau)):
        results.append(call(F, t, lambda *arrays: tuple(t.tensor(a) for a in arrays)))
    assert_same(*results)


def two_outputs(x, y):
    return x.exp() * y, (x * y * y).sum()


def scalar(x, y):
    return (x * x * y + y.exp()).sum()


@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp(create_graph):
    run(lambda F, t, T: F.vjp(two_outputs, T(A, B), T(B, np.float64(1.5)), create_graph=create_graph))
    run(lambda F, t, T: F.vjp(lambda x: (x * x).sum(), T(A)[0]))
    run(lambda F, t, T: F.vjp(lambda x, y: x * 2, T(A, B), T(B)[0]))  # y unused: zeros


@pytest.mark.parametrize("create_graph", [False, True])
def test_jvp(create_graph):
    run(lambda F, t, T: F.jvp(two_outputs, T(A, B), T(B, A), create_graph=create_graph))
    run(lambda F, t, T: F.jvp(lambda x: x.exp(), T(M)[0], T(M * 2)[0]))


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian(vectorize):
    run(lambda F, t, T: F.jacobian(two_outputs, T(A, B), vectorize=vectorize))
    run(lambda F, t, T: F.jacobian(lambda x: x.exp() * 2, T(M)[0], vectorize=vectorize))
    run(lambda F, t, T: F.jacobian(lambda x, y: x.sum() * 1, T(A, B)))


def test_jacobian_create_graph_is_differentiable():
    def call(F, t, T):
        x = t.tensor(A, requires_grad=True)
        jac = F.jacobian(lambda v: v * v * v, x, create_graph=True)
        jac.sum().backward()
        return jac, x.grad
    run(call)


def test_hessian():
    run(lambda F, t, T: F.hessian(scalar, T(A, B)))
    run(lambda F, t, T: F.hessian(lambda x: (x * x * x).sum(), T(M)[0]))


@pytest.mark.parametrize("name", ["hvp", "vhp"])
def test_hvp_vhp(name):
    run(lambda F, t, T: getattr(F, name)(scalar, T(A, B), T(B, A)))
    run(lambda F, t, T: getattr(F, name)(lambda x: (x * x * x).sum(), T(A)[0], T(B)[0]))


@pytest.mark.parametrize("call", [
    lambda F, t: F.vjp(lambda x: x * 2, t.tensor(A)),                       # v needed for non-scalar output
    lambda F, t: F.vjp(lambda x: x * 2, t.tensor(A), t.tensor(M)),          # v of the wrong shape
    lambda F, t: F.vjp(lambda x, y: x * 2, (t.tensor(A), t.tensor(B)), t.tensor(A), strict=True),
    lambda F, t: F.jvp(lambda x: x * 2, t.tensor(A)),                       # v needed for non-scalar input
    lambda F, t: F.hessian(lambda x: x * 2, t.tensor(A)),                   # non-scalar function
    lambda F, t: F.vjp(lambda x: 3, t.tensor(A)),                           # not a tensor
])
def test_errors(call):
    raised = []
    for F, t in ((TF, torch), (FF, flambeau)):
        with pytest.raises(Exception) as info:
            call(F, t)
        raised.append(info.type)
    assert issubclass(raised[1], raised[0]), raised
