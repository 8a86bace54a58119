"""Fused recurrent cell steps: one primitive per cell kind (LSTM, GRU, Elman RNN with tanh or relu).

A step takes `xg`, the input's share of the gate pre-activations (batch, gates), which the layer computes
for all time steps with one matmul before its time loop, and adds the hidden state's share with one matmul
on the concatenated recurrent weights (gates, hidden). Forward keeps the activated gates (through `stash`,
a list the caller passes in) so the plain backward needs no recomputation; backward is written with
flambeau ops, and under create_graph it recomputes the gates from the inputs so double backward works.

The LSTM step returns h' and c' side by side, (batch, 2 * hidden): a primitive has one output, and the
two halves are taken as views by `lstm_step`.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .joining import cat

_wrap = Tensor._wrap


def _sigmoid_(a):
    """sigmoid in place (exp(-x) overflowing to inf gives the right limit 0)."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)
    return a


def _join_arrays(parts):
    return np.concatenate(parts, 1)


def _join_tensors(parts):
    return cat(parts, 1)


# The derivative formulas below take either backend arrays (plain backward: no per-op dispatch, the
# bulk of a step's cost) or flambeau tensors (under create_graph, so that double backward works): both
# speak *, -, @, .T and slicing; `join` concatenates along the gate axis.

# Each returns (d input gates, d previous state or None, d hidden-side gates): the weight's gradient is
# (d hidden-side gates).T @ h, which a whole-sequence caller takes once over all steps.

def lstm_grads(grad, gates, tc, hc, w, join, needs_state: bool) -> tuple:
    n, p = w.shape[0] // 4, w.shape[1]
    i, f, g, o = gates[:, :n], gates[:, n:2 * n], gates[:, 2 * n:3 * n], gates[:, 3 * n:]
    gh, gc = grad[:, :n], grad[:, n:]
    dc = gc + gh * o * (1 - tc * tc)
    dgates = join([dc * g * i * (1 - i), dc * hc[:, p:] * f * (1 - f), dc * i * (1 - g * g), gh * tc * o * (1 - o)])
    return dgates, join([dgates @ w, dc * f]) if needs_state else None, dgates


def gru_grads(grad, r, z, new, hn, h, w, join, needs_state: bool) -> tuple:
    dnew = grad * (1 - z) * (1 - new * new)
    dr = dnew * hn * r * (1 - r)
    dz = grad * (h - new) * z * (1 - z)
    dhg = join([dr, dz, dnew * r])
    return join([dr, dz, dnew]), grad * z + dhg @ w if needs_state else None, dhg


def rnn_grads(grad, out, h, w, relu: bool, needs_state: bool) -> tuple:
    # NOTE: relu's gradient at 0 is 0, as PyTorch's threshold_backward
    d = grad * (out > 0) if relu else grad * (1 - out * out)
    return d, d @ w if needs_state else None, d


def _step_grads(ctx, grads, h) -> tuple:
    """(d xg, d state, d w_hh[, d b_hh]) of one step from (d input gates, d state, d hidden-side gates)."""
    dxg, dstate, dhidden = grads
    p = ctx.metas[2][0][1]  # w_hh's columns: the width of h (the projection's, with proj_size)
    dw = dhidden.T @ h[:, :p] if ctx.needs_input_grad(2) else None
    if len(ctx.next) == 3:
        return dxg, dstate, dw
    return dxg, dstate, dw, (dhidden.sum(0) if ctx.needs_input_grad(3) else None)


def _wrap_all(grads):
    return tuple(None if g is None else _wrap(g) for g in grads)


class LSTMStep(Primitive):
    """inputs xg (B, 4H), hc (B, P + H) the state h (B, P) and c (B, H) side by side, w_hh (4H, P); gates
    in PyTorch's order i, f, g, o. Output (B, 2H): o * tanh(c') and c' side by side, which without a
    projection (P = H) is the next step's hc as it is."""
    save_inputs = True

    @staticmethod
    def forward(xg, hc, w, stash, w_t):
        n, p = w.shape[0] // 4, w.shape[1]
        gates = hc[:, :p] @ w_t
        gates += xg
        _sigmoid_(gates[:, :2 * n])
        np.tanh(gates[:, 2 * n:3 * n], out=gates[:, 2 * n:3 * n])
        _sigmoid_(gates[:, 3 * n:])
        out = gates[:, :2 * n].copy()  # a fresh (B, 2H) buffer of the gates' dtype and backend
        c2 = out[:, n:]
        np.multiply(gates[:, n:2 * n], hc[:, p:], out=c2)
        c2 += gates[:, :n] * gates[:, 2 * n:3 * n]
        tc = np.tanh(c2)
        np.multiply(gates[:, 3 * n:], tc, out=out[:, :n])
        stash[:] = (gates, tc)
        return out

    def backward(ctx, grad):
        xg, hc, w = ctx.inputs
        if STATE.enabled:  # double backward: the gates as differentiable functions of the inputs
            n, p = w.shape[0] // 4, w.shape[1]
            pre = xg + hc[:, :p] @ w.T
            gates = cat([pre[:, :2 * n].sigmoid(), pre[:, 2 * n:3 * n].tanh(), pre[:, 3 * n:].sigmoid()], 1)
            tc = (gates[:, n:2 * n] * hc[:, p:] + gates[:, :n] * gates[:, 2 * n:3 * n]).tanh()
            return _step_grads(ctx, lstm_grads(grad, gates, tc, hc, w, _join_tensors, ctx.needs_input_grad(1)), hc)
        gates, tc = ctx.args[0]
        return _wrap_all(_step_grads(ctx, lstm_grads(grad._data, gates, tc, hc._data, w._data, _join_arrays,
                                                     ctx.needs_input_grad(1)), hc._data))


class GRUStep(Primitive):
    """inputs xg (B, 3H) = x @ w_ih.T + b_ih, h (B, H), w_hh (3H, H), b_hh (3H); gates r, z, n."""
    save_inputs = True

    @staticmethod
    def forward(xg, h, w, b, stash, w_t):
        n = h.shape[1]
        hg = h @ w_t
        hg += b
        rz = xg[:, :2 * n] + hg[:, :2 * n]
        _sigmoid_(rz)
        r, z = rz[:, :n], rz[:, n:]
        hn = hg[:, 2 * n:]
        new = np.tanh(xg[:, 2 * n:] + r * hn)
        stash[:] = (r, z, new, hn)
        out = h - new
        out *= z
        out += new
        return out

    def backward(ctx, grad):
        xg, h, w, b = ctx.inputs
        if STATE.enabled:
            n = h.shape[1]
            hg = h @ w.T + b
            r, z = (xg[:, :n] + hg[:, :n]).sigmoid(), (xg[:, n:2 * n] + hg[:, n:2 * n]).sigmoid()
            hn = hg[:, 2 * n:]
            new = (xg[:, 2 * n:] + r * hn).tanh()
            return _step_grads(ctx, gru_grads(grad, r, z, new, hn, h, w, _join_tensors, ctx.needs_input_grad(1)), h)
        r, z, new, hn = ctx.args[0]
        return _wrap_all(_step_grads(ctx, gru_grads(grad._data, r, z, new, hn, h._data, w._data, _join_arrays,
                                                    ctx.needs_input_grad(1)), h._data))


class RNNStep(Primitive):
    """inputs xg (B, H), h (B, H), w_hh (H, H); args: relu (bool) picks relu over tanh, w_t."""
    save_inputs = True
    save_output = True

    @staticmethod
    def forward(xg, h, w, relu, w_t):
        pre = h @ w_t
        pre += xg
        return np.maximum(pre, 0, out=pre) if relu else np.tanh(pre, out=pre)

    def backward(ctx, grad):
        _, h, w = ctx.inputs
        return _step_grads(ctx, rnn_grads(grad, ctx.output, h, w, ctx.args[0], ctx.needs_input_grad(1)), h)


def transposed_weight(w_hh: Tensor) -> Tensor:
    """w_hh.T as a contiguous copy without history, made once per sequence for the steps' forward.

    NOTE: for a time step's few rows, BLAS computes h @ w_t about 1.7x faster than h @ w_hh.T (and
    backward's g @ w_hh is fast as it is), which is most of a step's cost."""
    return w_hh.detach().t().contiguous()


def _forward_weight(w_hh: Tensor, w_t: Tensor | None):
    # w_hh.t() goes through dispatch so that a trace knows the array it passes (jit.trace of LSTMCell)
    return w_hh.t()._data if w_t is None else w_t._data


def lstm_step_hc(xg: Tensor, hc: Tensor, w_hh: Tensor, w_t: Tensor | None = None) -> Tensor:
    """One LSTM step on the state hc = [h | c]: [o * tanh(c') | c'] (before any projection of h);
    w_t: transposed_weight(w_hh), when the caller runs many steps."""
    return apply(LSTMStep, (xg, hc, w_hh), [], _forward_weight(w_hh, w_t))


def lstm_step(xg: Tensor, h: Tensor, c: Tensor, w_hh: Tensor) -> tuple:
    """One LSTM step from the input's gate pre-activations `xg` (biases included): (h', c')."""
    out = lstm_step_hc(xg, cat([h, c], 1), w_hh)
    n = c.shape[1]
    return out[:, :n], out[:, n:]


def gru_step(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor, w_t: Tensor | None = None) -> Tensor:
    """One GRU step from `xg` = x @ w_ih.T + b_ih (b_hh stays apart: r multiplies the hidden's n share)."""
    return apply(GRUStep, (xg, h, w_hh, b_hh), [], _forward_weight(w_hh, w_t))


def rnn_step(xg: Tensor, h: Tensor, w_hh: Tensor, relu: bool = False, w_t: Tensor | None = None) -> Tensor:
    """One Elman RNN step, tanh (or relu) of xg + h @ w_hh.T."""
    return apply(RNNStep, (xg, h, w_hh), relu, _forward_weight(w_hh, w_t))


def _input_gates(input: Tensor, w_ih: Tensor, b: Tensor | None) -> Tensor:
    out = input.matmul(w_ih.t())
    return out if b is None else out + b


def _biases(b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor | None:
    return None if b_ih is None else b_ih + b_hh


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """torch.lstm_cell: (h', c') for input (B, I) and hx = (h, c)."""
    return lstm_step(_input_gates(input, w_ih, _biases(b_ih, b_hh)), hx[0], hx[1], w_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """torch.gru_cell: h' for input (B, I) and hidden hx (B, H)."""
    if b_hh is None:
        b_hh = hx.new_zeros(w_hh.shape[0])
    return gru_step(_input_gates(input, w_ih, b_ih), hx, w_hh, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """torch.rnn_tanh_cell: tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)."""
    return rnn_step(_input_gates(input, w_ih, _biases(b_ih, b_hh)), hx, w_hh, False)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """torch.rnn_relu_cell: relu(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)."""
    return rnn_step(_input_gates(input, w_ih, _biases(b_ih, b_hh)), hx, w_hh, True)


__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]
TENSOR_METHODS: dict = {}
