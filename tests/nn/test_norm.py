"""Normalisation against PyTorch: the functional forms (outputs, gradients, running statistics, errors),
gradcheck of the fused primitive, and the layers (train and eval, buffers, state_dict, repr)."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn, to_numpy

F32 = np.float32


# ------------------------------------------------------------------------------- functional

def _stats_case(lib, x, rm, rv, w, b, training, momentum):
    """batch_norm's output together with the running statistics it leaves behind."""
    rm, rv = rm.detach().clone(), rv.detach().clone()
    out = lib.nn.functional.batch_norm(x, rm, rv, w, b, training, momentum, 1e-3)
    return out, rm, rv


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 4, 5), (2, 3, 2, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(shape, training):
    c = shape[1]
    check(lambda t, x, rm, rv, w, b: _stats_case(t, x, rm, rv, w, b, training, 0.3),
          randn(*shape), randn(c), randn(c, low=0.5, high=2.0), randn(c), randn(c))


def test_batch_norm_float32_no_affine_no_stats():
    check(lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True), randn(8, 4, 5, dtype=F32),
          atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 4), (3, 4)), ((3, 5), [5])])
def test_layer_norm(shape, normalized):
    trailing = tuple(normalized)
    check(lambda t, x, w, b: t.nn.functional.layer_norm(x, normalized, w, b, 1e-5),
          randn(*shape), randn(*trailing), randn(*trailing))
    check(lambda t, x: t.nn.functional.layer_norm(x, normalized), randn(*shape, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_group_norm(groups):
    check(lambda t, x, w, b: t.nn.functional.group_norm(x, groups, w, b), randn(3, 6, 5), randn(6), randn(6))
    check(lambda t, x: t.nn.functional.group_norm(x, groups), randn(2, 6, 2, 3))


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 4)])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm(shape, use_input_stats):
    def fn(t, x, rm, rv, w, b):
        rm, rv = rm.detach().clone(), rv.detach().clone()
        return t.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats, 0.2, 1e-5), rm, rv
    c = shape[1]
    check(fn, randn(*shape), randn(c), randn(c, low=0.5, high=2.0), randn(c), randn(c))
    if use_input_stats:
        check(lambda t, x: t.nn.functional.instance_norm(x), randn(*shape))


@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm(eps):
    check(lambda t, x, w: t.nn.functional.rms_norm(x, (3, 4), w, eps), randn(2, 3, 4), randn(3, 4))
    check(lambda t, x: t.nn.functional.rms_norm(x, [4], eps=eps), randn(5, 4, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("shape", [(2, 6, 5), (2, 5, 3, 4), (1, 4, 2, 2, 3)])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_local_response_norm(shape, size):
    check(lambda t, x: t.nn.functional.local_response_norm(x, size, 0.1, 0.6, 2.0), randn(*shape))


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1), (3.0, 0), (float("inf"), 1)])
def test_normalize(p, dim):
    x = randn(3, 4)
    x[1] = 0  # a zero vector: its norm is clamped to eps
    check(lambda t, a: t.nn.functional.normalize(a, p, dim), x)


def test_normalize_out():
    check(lambda t, a, o: t.nn.functional.normalize(a, out=o), randn(3, 4), randn(3, 4), grad=False)


# ------------------------------------------------------------------------------- the fused primitive

@pytest.mark.parametrize("fn,shapes", [
    (lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, True), [(4, 3, 2), (3,), (3,)]),
    (lambda t, x, w, b: t.nn.functional.layer_norm(x, (3, 2), w, b), [(2, 3, 2), (3, 2), (3, 2)]),
    (lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    (lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b), [(2, 3, 4), (3,), (3,)]),
])
def test_gradcheck(fn, shapes):
    gradcheck(fn, *[randn(*s) for s in shapes])


def test_double_backward_matches_torch():
    def fn(t, x, w):
        y = t.nn.functional.layer_norm(x, (4,), w) ** 2
        (g,) = t.autograd.grad(y.sum(), x, create_graph=True)
        return g
    check(fn, randn(3, 4), randn(4))


# ------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("fn,shape", [
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True), (1, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, training=False), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, t.zeros(3), None, training=True), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, t.zeros(4), t.ones(4), training=True), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, t.ones(2), training=True), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True, eps=0.0), (4, 3)),
    (lambda t, x: t.nn.functional.instance_norm(x), (2, 3, 1)),
    (lambda t, x: t.nn.functional.layer_norm(x, (4,)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.layer_norm(x, (5,), t.ones(4)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.rms_norm(x, (4,)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.group_norm(x, 2), (4, 3, 5)),
    (lambda t, x: t.nn.functional.group_norm(x, 3, t.ones(2)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.group_norm(x, 1), (4,)),
    (lambda t, x: t.nn.functional.local_response_norm(x, 2), (4, 3)),
])
def test_errors(fn, shape):
    check_raises(fn, randn(*shape))


def test_error_messages():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"torch.Size\(\[1, 3\]\)"):
        flambeau.nn.functional.batch_norm(flambeau.randn(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], "
                                           r"but got input of size\[4, 3, 5\]"):
        flambeau.nn.functional.layer_norm(flambeau.randn(4, 3, 5), (4,))
