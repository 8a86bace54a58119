"""no_grad, enable_grad, set_grad_enabled, inference_mode and anomaly mode against PyTorch."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, randn

A = randn(3)
# flambeau/__init__.py does not re-export these two yet: reach them through flambeau.autograd
INFERENCE = {torch: torch.is_inference_mode_enabled, flambeau: flambeau.autograd.is_inference_mode_enabled}
ANOMALY = {torch: torch.is_anomaly_enabled, flambeau: flambeau.autograd.is_anomaly_enabled}


def both(fn):
    assert_same(fn(torch), fn(flambeau))


def requires(t, x):
    return (x * 2).requires_grad


@pytest.mark.parametrize("make", [
    lambda t: t.no_grad(), lambda t: t.enable_grad(), lambda t: t.set_grad_enabled(False),
    lambda t: t.set_grad_enabled(True), lambda t: t.inference_mode(), lambda t: t.inference_mode(False),
    lambda t: t.autograd.no_grad(),
])
def test_context_managers(make):
    def fn(t):
        x = t.tensor(A, requires_grad=True)
        with t.no_grad():
            with make(t):
                inside = (requires(t, x), t.is_grad_enabled(), INFERENCE[t]())
            after_inner = t.is_grad_enabled()
        return inside, after_inner, t.is_grad_enabled(), requires(t, x)
    both(fn)


@pytest.mark.parametrize("decorate", [
    lambda t, f: t.no_grad()(f), lambda t, f: t.no_grad(f), lambda t, f: t.enable_grad()(f),
    lambda t, f: t.enable_grad(f), lambda t, f: t.set_grad_enabled(False)(f), lambda t, f: t.inference_mode()(f),
    lambda t, f: t.inference_mode(f), lambda t, f: t.inference_mode(False)(f),
])
def test_decorators(decorate):
    def fn(t):
        x = t.tensor(A, requires_grad=True)

        def f(k):
            return requires(t, x), t.is_grad_enabled(), INFERENCE[t](), k

        wrapped = decorate(t, f)
        with t.no_grad():
            nested = wrapped(2)
        return wrapped(1), nested, t.is_grad_enabled(), wrapped.__name__
    both(fn)


def test_decorated_generator():
    def fn(t):
        @t.no_grad()
        def gen():
            yield t.is_grad_enabled()
            yield t.is_grad_enabled()
        it = gen()
        first = next(it)
        between = t.is_grad_enabled()
        return first, between, next(it)
    both(fn)


def test_set_grad_enabled_function_form():
    def fn(t):
        t.set_grad_enabled(False)
        off = t.is_grad_enabled()
        t.set_grad_enabled(True)
        return off, t.is_grad_enabled()
    both(fn)


def test_set_grad_enabled_rejects_non_bool():
    for lib in (torch, flambeau):
        with pytest.raises(TypeError):
            lib.set_grad_enabled(lambda: None)
    assert flambeau.is_grad_enabled()


def test_inference_mode_tensors():
    def fn(t):
        x = t.tensor(A, requires_grad=True)
        with t.inference_mode():
            y = x * 2
            inside = INFERENCE[t](), t.is_grad_enabled()
        return y.requires_grad, y.grad_fn is None, inside, INFERENCE[t]()
    both(fn)


def test_exception_restores_mode():
    for lib in (torch, flambeau):
        with pytest.raises(ValueError):
            with lib.no_grad():
                raise ValueError
        assert lib.is_grad_enabled()


def test_detect_anomaly_names_forward_op():
    messages = []
    for lib in (torch, flambeau):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                assert ANOMALY[lib]()
                y = (x / x).sum()
                with pytest.raises(RuntimeError) as info:
                    y.backward()
        messages.append(str(info.value).splitlines()[0])
        assert not ANOMALY[lib]()
    assert messages[0] == messages[1] == "Function 'DivBackward0' returned nan values in its 1th output."


def test_anomaly_trace_shows_forward_line():
    x = flambeau.tensor([0.0], requires_grad=True)
    flambeau.autograd.set_detect_anomaly(True)
    try:
        y = (x / x).sum()  # the forward line the error must point at
    finally:
        flambeau.autograd.set_detect_anomaly(False)
    with flambeau.autograd.set_detect_anomaly(True):
        with pytest.raises(RuntimeError, match="the forward line the error must point at"):
            y.backward()
    assert not ANOMALY[flambeau]()


def test_anomaly_check_nan_off_and_decorator():
    x = flambeau.tensor([0.0], requires_grad=True)
    with flambeau.autograd.set_detect_anomaly(True, check_nan=False):
        (x / x).sum().backward()  # NaN gradients, but NaN checks are off
    assert np.isnan(x.grad.numpy()).all()
    with pytest.warns(UserWarning):
        decorated = flambeau.autograd.detect_anomaly()(lambda: ANOMALY[flambeau]())
    assert decorated() and not ANOMALY[flambeau]()
