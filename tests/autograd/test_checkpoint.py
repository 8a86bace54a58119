"""utils.checkpoint against PyTorch: same outputs and gradients, recomputation, memory, RNG."""
import gc
import weakref

import numpy as np
import pytest
import torch
import torch.utils.checkpoint

import flambeau
import flambeau.utils.checkpoint  # flambeau/__init__.py does not import flambeau.utils yet
from oracle import assert_same, randn

A, B = randn(3), randn(3)


def ckpt(t):
    return t.utils.checkpoint.checkpoint


def both(fn):
    assert_same(fn(torch), fn(flambeau))


def segment(t, w, h):
    def fn(a, k=1.0):
        return (a * h).exp() * w * k, a * 2
    return fn


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_same_outputs_and_gradients(use_reentrant):
    def fn(t):
        x, w = t.tensor(A, requires_grad=True), t.tensor(B, requires_grad=True)
        h = w * 2  # a non-leaf tensor captured by the segment
        out, twice = ckpt(t)(segment(t, w, h), x, use_reentrant=use_reentrant)
        ((out * out).sum() + twice.sum()).backward()
        return out, twice, x.grad, w.grad
    both(fn)


def test_gradients_match_plain_run():
    x, w = flambeau.tensor(A, requires_grad=True), flambeau.tensor(B, requires_grad=True)
    out, _ = segment(flambeau, w, w * 2)(x)
    (out * out).sum().backward()
    plain = x.grad, w.grad
    x.grad = w.grad = None
    out, _ = ckpt(flambeau)(segment(flambeau, w, w * 2), x, use_reentrant=False)
    (out * out).sum().backward()
    for expected, got in zip(plain, (x.grad, w.grad)):
        np.testing.assert_allclose(got.numpy(), expected.numpy())


def test_kwargs_and_autograd_grad():
    def fn(t):
        x, w = t.tensor(A, requires_grad=True), t.tensor(B, requires_grad=True)
        out, _ = ckpt(t)(segment(t, w, w), x, use_reentrant=False, k=3.0)
        return t.autograd.grad(out.sum(), [x, w])
    both(fn)


def test_recomputes_in_backward_and_frees_the_segment():
    calls = []
    refs = []
    w = flambeau.tensor(B, requires_grad=True)

    def fn(a):
        calls.append(flambeau.is_grad_enabled())
        inner = (a * w).exp()
        refs.append(weakref.ref(inner))
        return inner * 2

    x = flambeau.tensor(A, requires_grad=True)
    out = ckpt(flambeau)(fn, x, use_reentrant=False)
    gc.collect()
    assert refs[0]() is None  # the segment's intermediate (and its graph) is not kept
    assert type(out.grad_fn).__name__ == "CheckpointFunctionBackward"
    out.sum().backward()
    assert len(calls) == 2
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(A * B) * B)


def test_preserves_rng_state():
    def fn(t):
        t.manual_seed(0)
        x = t.tensor(A, requires_grad=True)
        out = ckpt(t)(lambda a: a * t.rand(3, dtype=t.float64), x, use_reentrant=False)
        noise = out.detach() / x.detach()
        t.rand(5)  # moves the global RNG before backward
        out.sum().backward()
        return x.grad, noise
    f_grad, f_noise = fn(flambeau)
    np.testing.assert_allclose(f_grad.numpy(), f_noise.numpy())


def test_no_grad_and_no_inputs_requiring_grad():
    def fn(t):
        x = t.tensor(A)
        with t.no_grad():
            a = ckpt(t)(lambda v: v * 2, t.tensor(A, requires_grad=True), use_reentrant=False)
        b = ckpt(t)(lambda v: v * 2, x, use_reentrant=False)
        return a, a.requires_grad, b, b.requires_grad
    both(fn)


def test_reentrant_rejects_kwargs():
    for t in (torch, flambeau):
        with pytest.raises(ValueError):
            ckpt(t)(lambda v, k=1: v * k, t.tensor(A, requires_grad=True), use_reentrant=True, k=2)


def test_checkpoint_sequential():
    def fn(t):
        x = t.tensor(A, requires_grad=True)
        fns = [lambda v: v * 2, lambda v: v.exp(), lambda v: v * v, lambda v: v + 1]
        out = t.utils.checkpoint.checkpoint_sequential(fns, 2, x, use_reentrant=False)
        out.sum().backward()
        return out, x.grad
    both(fn)
