"""The whole-sequence recurrence primitives (ops/rnn_sequence.py): gradcheck and gradgradcheck in float64
with respect to every input, both directions, and agreement with the step-by-step primitives."""
import pytest

import flambeau
from flambeau.ops.rnn import gru_step, lstm_step_hc, rnn_step
from flambeau.ops.rnn_sequence import gru_sequence, lstm_sequence, rnn_sequence
from oracle import randn

T, B, H = 3, 2, 3


def _inputs(kind):
    gates = {"lstm": 4, "gru": 3}.get(kind, 1) * H
    state = 2 * H if kind == "lstm" else H
    arrays = [randn(T, B, gates), randn(B, state) * 0.5, randn(gates, H) * 0.5]
    if kind == "gru":
        arrays.append(randn(gates) * 0.5)
    return [flambeau.tensor(a, requires_grad=True) for a in arrays]


def _sequence(kind, reverse):
    if kind == "lstm":
        return lambda xg, h, w: lstm_sequence(xg, h, w, reverse)
    if kind == "gru":
        return lambda xg, h, w, b: gru_sequence(xg, h, w, b, reverse)
    return lambda xg, h, w: rnn_sequence(xg, h, w, kind == "relu", reverse)


def _steps(kind, reverse):
    def run(xg, h, w, *b):
        outs = [None] * len(xg)
        for t in (range(len(xg) - 1, -1, -1) if reverse else range(len(xg))):
            if kind == "lstm":
                h = lstm_step_hc(xg[t], h, w)
            elif kind == "gru":
                h = gru_step(xg[t], h, w, b[0])
            else:
                h = rnn_step(xg[t], h, w, kind == "relu")
            outs[t] = h
        return flambeau.stack(outs)
    return run


KINDS = ["lstm", "gru", "tanh", "relu"]


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_every_input(kind, reverse):
    fn = _sequence(kind, reverse)
    inputs = tuple(_inputs(kind))
    assert flambeau.autograd.gradcheck(fn, inputs)
    assert flambeau.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_same_values_and_grads_as_steps(kind, reverse):
    inputs = _inputs(kind)
    weights = flambeau.tensor(randn(T, B, inputs[1].shape[1]))
    whole = _sequence(kind, reverse)(*inputs)
    grads = flambeau.autograd.grad((whole * weights).sum(), inputs)
    stepped = _steps(kind, reverse)(*inputs)
    expected = flambeau.autograd.grad((stepped * weights).sum(), inputs)
    assert flambeau.allclose(whole, stepped, rtol=1e-12, atol=1e-12)
    for g, e in zip(grads, expected):
        assert flambeau.allclose(g, e, rtol=1e-10, atol=1e-12)
