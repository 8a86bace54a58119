"""A recurrent layer's whole time loop as one primitive (one direction, sequences of equal length).

The step primitives of ops/rnn.py cost a graph node per step, plus the slicing of the input gates into
steps and the re-assembly of their gradients. Here forward runs the same step kernels on arrays and
returns every step's state stacked (T, B, S); backward walks the steps in reverse on arrays, writes each
step's input-gate gradient into one (T, B, G) array, and takes the recurrent weight's gradient as one
matmul over all steps (a GEMM big enough for BLAS threads) instead of T small ones.

Under create_graph the loop is recomputed with the step primitives and differentiated, so double
backward works. Packed sequences and LSTM projections keep the step-by-step path of nn.modules.rnn.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .joining import stack
from .rnn import (GRUStep, LSTMStep, RNNStep, _join_arrays, gru_grads, gru_step, lstm_grads, lstm_step_hc,
                  rnn_grads, rnn_step, transposed_weight)

_wrap = Tensor._wrap


class _Sequence(Primitive):
    """inputs xg (T, B, G), the initial state (B, S), w_hh (G, P)[, b_hh (G)]; args reverse, stash, w_t.
    Output (T, B, S): the state after each step, in time order whichever the direction."""
    save_inputs = True

    @classmethod
    def forward(cls, xg, state, w, *rest):
        *extra, reverse, stash, w_t = rest
        out = np.empty(xg.shape[:2] + state.shape[1:], dtype=state.dtype)
        states, saved = [], []
        for t in (range(len(xg) - 1, -1, -1) if reverse else range(len(xg))):
            states.append(state)
            state = cls.step(xg[t], state, w, extra, w_t, saved)
            out[t] = state
        stash[:] = (states, saved)  # the state before each step and what its derivative reads, loop order
        return out

    def backward(ctx, grad):
        inputs = ctx.inputs
        if STATE.enabled:
            return _recomputed_grads(ctx, inputs, grad)
        xg, w = inputs[0]._data, inputs[2]._data
        reverse, (states, saved) = ctx.args[-3], ctx.args[-2]
        g = grad._data
        order = range(len(xg) - 1, -1, -1) if reverse else range(len(xg))
        dxg = np.empty_like(xg)
        dhidden = np.empty_like(xg)
        carry = None
        for k, t in zip(range(len(xg) - 1, -1, -1), reversed(order)):  # k: position in loop order
            gt = g[t] if carry is None else g[t] + carry
            dxg[t], carry, dhidden[t] = type(ctx).grads(gt, saved[k], states[k], w, ctx.args)
        p = w.shape[1]
        prev = np.stack(states)  # loop order: reorder to time order to pair with dhidden
        if reverse:
            prev = prev[::-1]
        flat = dhidden.reshape(-1, dhidden.shape[-1])
        dw = flat.T @ prev[..., :p].reshape(-1, p) if ctx.needs_input_grad(2) else None
        grads = [_wrap(dxg), _wrap(carry) if ctx.needs_input_grad(1) else None, None if dw is None else _wrap(dw)]
        if len(inputs) == 4:
            grads.append(_wrap(flat.sum(0)) if ctx.needs_input_grad(3) else None)
        return tuple(grads)


class LSTMSequence(_Sequence):
    """State [h | c] (B, 2H); w_hh (4H, H)."""

    @staticmethod
    def step(xg, hc, w, extra, w_t, saved):
        stash = []
        out = LSTMStep.forward(xg, hc, w, stash, w_t)
        saved.append(stash)
        return out

    @staticmethod
    def grads(g, stash, hc, w, args):
        gates, tc = stash
        return lstm_grads(g, gates, tc, hc, w, _join_arrays, True)


class GRUSequence(_Sequence):
    """State h (B, H); w_hh (3H, H), b_hh (3H)."""

    @staticmethod
    def step(xg, h, w, extra, w_t, saved):
        stash = []
        out = GRUStep.forward(xg, h, w, extra[0], stash, w_t)
        saved.append(stash)
        return out

    @staticmethod
    def grads(g, stash, h, w, args):
        r, z, new, hn = stash
        return gru_grads(g, r, z, new, hn, h, w, _join_arrays, True)


class RNNSequence(_Sequence):
    """State h (B, H); w_hh (H, H); extra arg relu (bool) before reverse."""

    @staticmethod
    def step(xg, h, w, extra, w_t, saved):
        out = RNNStep.forward(xg, h, w, extra[0], w_t)
        saved.append(out)
        return out

    @staticmethod
    def grads(g, out, h, w, args):
        return rnn_grads(g, out, h, w, args[0], True)


def _recomputed_grads(ctx, inputs, grad) -> tuple:
    """Double backward: rebuild the loop from the step primitives (recording a graph) and differentiate it."""
    from ..autograd import grad as autograd_grad
    xg, state, w = inputs[:3]
    kind = type(ctx)
    reverse = ctx.args[-3]
    outs = [None] * len(xg)
    for t in (range(len(xg) - 1, -1, -1) if reverse else range(len(xg))):
        if kind is LSTMSequence:
            state = lstm_step_hc(xg[t], state, w)
        elif kind is GRUSequence:
            state = gru_step(xg[t], state, w, inputs[3])
        else:
            state = rnn_step(xg[t], state, w, ctx.args[0])
        outs[t] = state
    wanted = [i for i, t in enumerate(inputs) if ctx.needs_input_grad(i)]
    found = autograd_grad(stack(outs), [inputs[i] for i in wanted], grad, create_graph=True, allow_unused=True)
    grads = [None] * len(inputs)
    for i, g in zip(wanted, found):
        grads[i] = g
    return tuple(grads)


def lstm_sequence(xg: Tensor, hc: Tensor, w_hh: Tensor, reverse: bool = False) -> Tensor:
    """Every step's [h | c] (T, B, 2H) of an LSTM without projection, from the input gates xg (T, B, 4H)."""
    return apply(LSTMSequence, (xg, hc, w_hh), reverse, [], transposed_weight(w_hh)._data)


def gru_sequence(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor, reverse: bool = False) -> Tensor:
    """Every step's h (T, B, H) of a GRU, from xg = x @ w_ih.T + b_ih (T, B, 3H)."""
    return apply(GRUSequence, (xg, h, w_hh, b_hh), reverse, [], transposed_weight(w_hh)._data)


def rnn_sequence(xg: Tensor, h: Tensor, w_hh: Tensor, relu: bool, reverse: bool = False) -> Tensor:
    """Every step's h (T, B, H) of an Elman RNN (tanh, or relu), from xg (T, B, H) biases included."""
    return apply(RNNSequence, (xg, h, w_hh), relu, reverse, [], transposed_weight(w_hh)._data)
