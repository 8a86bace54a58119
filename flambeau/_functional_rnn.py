"""torch.lstm, torch.gru, torch.rnn_tanh, torch.rnn_relu: ATen's functional recurrences over a flat
parameter list, in both of ATen's forms:

    padded  (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
    packed  (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)

(an LSTM's hx is the pair (h0, c0)). They run nn.RNNBase's own layer loop: a small stand-in carries the
attributes that loop reads, so the recurrence exists once.
"""
from __future__ import annotations

from ._tensor import Tensor
from .nn.modules.rnn import RNNBase

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu"]


class _FlatRNN:
    """What RNNBase._run reads from a module, built from ATen's flat arguments."""

    _run = RNNBase._run
    _run_direction = RNNBase._run_direction
    _run_sequence = RNNBase._run_sequence

    def __init__(self, mode: str, params: list, has_biases: bool, num_layers: int, dropout: float, train: bool,
                 bidirectional: bool, hidden_size: int, proj_size: int) -> None:
        self.mode, self.bias, self.num_layers, self.dropout, self.training = mode, has_biases, num_layers, \
            dropout, train
        self.bidirectional, self.hidden_size, self.proj_size = bidirectional, hidden_size, proj_size
        per_direction = (4 if has_biases else 2) + (1 if proj_size else 0)
        if len(params) != per_direction * num_layers * (2 if bidirectional else 1):
            raise RuntimeError("got an incorrect number of RNN parameters")
        self.all_weights = [list(params[i:i + per_direction]) for i in range(0, len(params), per_direction)]


def _recur(mode: str, args: tuple) -> tuple:
    packed = isinstance(args[3], (list, tuple))  # the packed form has params fourth, the padded has_biases
    if packed:
        data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional = args
        sizes, batch_first, x = [int(s) for s in batch_sizes], False, data
    else:
        input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
        sizes, x = None, input.transpose(0, 1) if batch_first else input
    h0, c0 = (hx[0], hx[1]) if mode == "LSTM" else (hx, None)
    hidden = c0.shape[-1] if c0 is not None else h0.shape[-1]
    proj = h0.shape[-1] if c0 is not None and h0.shape[-1] != hidden else 0
    rnn = _FlatRNN(mode, params, has_biases, num_layers, float(dropout), train, bidirectional, hidden, proj)
    output, h_n, c_n = rnn._run(x, sizes, h0, c0)
    if batch_first:
        output = output.transpose(0, 1)
    return (output, h_n, c_n) if mode == "LSTM" else (output, h_n)


def lstm(*args) -> tuple[Tensor, Tensor, Tensor]:
    """(output, h_n, c_n); hx is (h0, c0). A smaller h0 than c0 means projections (a fifth weight)."""
    return _recur("LSTM", args)


def gru(*args) -> tuple[Tensor, Tensor]:
    """(output, h_n)."""
    return _recur("GRU", args)


def rnn_tanh(*args) -> tuple[Tensor, Tensor]:
    """(output, h_n) of the Elman recurrence with tanh."""
    return _recur("RNN_TANH", args)


def rnn_relu(*args) -> tuple[Tensor, Tensor]:
    """(output, h_n) of the Elman recurrence with relu."""
    return _recur("RNN_RELU", args)
