"""Recurrent layers as torch.nn: RNN (tanh/relu), LSTM (with proj_size) and GRU over whole sequences,
and their one-step cells RNNCell, LSTMCell, GRUCell. Parameter names, shapes, order and init are
PyTorch's, so its state_dicts load.

A layer computes the input's share of the gates for every time step with one matmul, then runs the
fused step primitives of flambeau.ops.rnn in a Python loop over time. A PackedSequence input runs the
same loop over its batch_sizes: the batch shrinks (or grows, in the reverse direction) as sequences end.
"""
from __future__ import annotations

import math
import numbers
import warnings

from ... import cat, stack, zeros
from ..._tensor import Tensor
from ...ops.rnn import gru_step, lstm_step, lstm_step_hc, rnn_step, transposed_weight
from ...ops.rnn_sequence import gru_sequence, lstm_sequence, rnn_sequence
from .. import functional as F, init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size) -> None:
    if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
        raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                         "being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                      f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                      stacklevel=3)
    for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                              ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
        if not isinstance(value, kind):
            raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
    if input_size <= 0:
        raise ValueError("input_size must be greater than zero")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


class RNNBase(Module):
    """The multi-layer, optionally bidirectional recurrence shared by RNN, LSTM and GRU."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        _check_arguments(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        out_size = proj_size or hidden_size
        gate_size = _GATES[mode] * hidden_size
        self._all_weights: list = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, Parameter(zeros(shape, device=device, dtype=dtype)))
                self._all_weights.append([name + suffix for name, _ in shapes])
        self._flat_weights_names = [name for names in self._all_weights for name in names]
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """PyTorch packs the weights into one cuDNN buffer here; flambeau's weights need no packing."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # ------------------------------------------------------------------------------------ forward

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | tuple[Tensor, Tensor] | None = None) -> tuple:
        """(output, h_n) for RNN and GRU, (output, (h_n, c_n)) for LSTM; output packed if input is."""
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            sequence, sizes = input.data, [int(s) for s in input.batch_sizes]
            batch = sizes[0]
            if hx is not None and input.sorted_indices is not None:  # hx is in the caller's order
                hx = tuple(h.index_select(1, input.sorted_indices) for h in hx) if lstm else \
                    hx.index_select(1, input.sorted_indices)
            batched = True
        else:
            name = "RNN" if self.mode.startswith("RNN") else self.mode
            if input.dim() not in (2, 3):
                tail = "tensor instead" if name == "RNN" else "instead"
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D {tail}")
            batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            sequence = input if batched else input.unsqueeze(batch_dim)
            if self.batch_first:
                sequence = sequence.transpose(0, 1)
            hx = self._check_hx_dims(hx, batched)
            sizes, batch = None, sequence.shape[1]
        self._check_input(sequence, 2 if packed else 3)
        h0, c0 = self._initial_states(hx, sequence, batch)
        output, h_n, c_n = self._run(sequence, sizes, h0, c0)
        if packed:
            if input.unsorted_indices is not None:
                h_n = h_n.index_select(1, input.unsorted_indices)
                c_n = c_n.index_select(1, input.unsorted_indices) if lstm else None
            output = PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
        else:
            if self.batch_first:
                output = output.transpose(0, 1)
            if not batched:
                output = output.squeeze(batch_dim)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if lstm else None
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def _check_hx_dims(self, hx, batched: bool):
        if hx is None:
            return None
        want = 3 if batched else 2
        kind = "batched 3-D" if batched else "unbatched 2-D"
        if self.mode == "LSTM":
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            return hx if batched else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        if hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
        return hx if batched else hx.unsqueeze(1)

    def _check_input(self, input: Tensor, expected_dim: int) -> None:
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                             f"Convert input: input.to({weight.dtype}), or convert model: model.to({input.dtype})")
        if input.dim() != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {input.dim()}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    def _initial_states(self, hx, input: Tensor, batch: int) -> tuple:
        """(h0, c0) of shapes (layers * directions, batch, out) and (..., hidden); c0 None but for LSTM."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        h_shape = (layers, batch, self.proj_size or self.hidden_size)
        c_shape = (layers, batch, self.hidden_size)
        lstm = self.mode == "LSTM"
        if hx is None:
            h0 = zeros(h_shape, dtype=input.dtype, device=input.device)
            return h0, (zeros(c_shape, dtype=input.dtype, device=input.device) if lstm else None)
        h0, c0 = hx if lstm else (hx, None)
        _check_hidden(h0, h_shape, "Expected hidden[0] size {}, got {}" if lstm else "Expected hidden size {}, got {}")
        if lstm:
            _check_hidden(c0, c_shape, "Expected hidden[1] size {}, got {}")
        return h0, c0

    def _run(self, x: Tensor, sizes, h0: Tensor, c0) -> tuple:
        """All layers and directions over x (T, B, in) or packed data (N, in) with batch `sizes`."""
        directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                out, h, c = self._run_direction(x, sizes, self.all_weights[k], h0[k], None if c0 is None else c0[k],
                                                direction == 1)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if directions == 1 else cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, stack(h_n), (stack(c_n) if c0 is not None else None)

    def _run_direction(self, x: Tensor, sizes, weights: list, h: Tensor, c, reverse: bool) -> tuple:
        mode = self.mode
        w_ih, w_hh = weights[0], weights[1]
        b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
        w_hr = weights[-1] if self.proj_size else None
        # the input's share of every step's gates, one 2-D matmul for the whole sequence (NumPy would run
        # a 3-D one as T small matmuls)
        xg = x.reshape(-1, x.shape[-1]).matmul(w_ih.t())
        if b_ih is not None:
            xg = xg + (b_ih if mode == "GRU" else b_ih + b_hh)
        xg = xg.reshape(x.shape[:-1] + (xg.shape[-1],))
        if mode == "GRU" and b_hh is None:
            b_hh = zeros(w_hh.shape[0], dtype=x.dtype, device=x.device)
        relu = mode == "RNN_RELU"
        if not sizes and w_hr is None and len(xg):
            return self._run_sequence(xg, h, c, w_hh, b_hh, relu, reverse)
        steps = _time_steps(xg, sizes)
        w_t = transposed_weight(w_hh)
        out_size = h.shape[-1]
        # an LSTM's state runs as one tensor, [h | c] side by side: the step primitive reads and writes
        # that layout, so the loop slices nothing (but the projection, when there is one)
        state0 = cat([h, c], 1) if mode == "LSTM" else h
        state = state0[:sizes[-1]] if sizes and reverse else state0  # reverse: the sequences still running
        ended = []
        outs = [None] * len(steps)
        for t in (range(len(steps) - 1, -1, -1) if reverse else range(len(steps))):
            if sizes:
                n, running = sizes[t], state.shape[0]
                if n < running:  # sequences n.. ended at the previous step: their state is final
                    ended.append(state[n:])
                    state = state[:n]
                elif n > running:  # reverse direction: sequences n.. start here from their initial state
                    state = cat([state, state0[running:n]])
            if mode == "LSTM":
                state = lstm_step_hc(steps[t], state, w_hh, w_t)
                if w_hr is not None:
                    state = cat([state[:, :self.hidden_size].matmul(w_hr.t()), state[:, self.hidden_size:]], 1)
            elif mode == "GRU":
                state = gru_step(steps[t], state, w_hh, b_hh, w_t)
            else:
                state = rnn_step(steps[t], state, w_hh, relu, w_t)
            outs[t] = state
        if ended:  # rows in batch order: the still-running ones, then those that ended last to first
            state = cat([state] + ended[::-1])
        out = cat(outs) if sizes else stack(outs)
        if mode != "LSTM":
            return out, state, None
        return out[..., :out_size], state[:, :out_size], state[:, out_size:]


    def _run_sequence(self, xg: Tensor, h: Tensor, c, w_hh: Tensor, b_hh, relu: bool, reverse: bool) -> tuple:
        """Equal-length sequences without projection: the whole time loop is one primitive."""
        last = 0 if reverse else -1
        if self.mode == "LSTM":
            out = lstm_sequence(xg, cat([h, c], 1), w_hh, reverse)
            n = h.shape[-1]
            return out[..., :n], out[last, :, :n], out[last, :, n:]
        out = gru_sequence(xg, h, w_hh, b_hh, reverse) if self.mode == "GRU" else rnn_sequence(xg, h, w_hh, relu,
                                                                                                reverse)
        return out, out[last], None


def _time_steps(x: Tensor, sizes: list | None) -> list:
    """x cut along dim 0 into its time steps (`sizes` rows each, or single rows when None) by halving:
    a slice's backward allocates its parent's size, so T slices of the whole would cost O(T^2) in
    backward, halving O(T log T)."""
    n = len(sizes) if sizes else x.shape[0]
    if n <= 1:
        return [x if sizes else x[0]] if n else []
    half = n // 2
    rows = sum(sizes[:half]) if sizes else half
    return _time_steps(x[:rows], sizes[:half] if sizes else None) + \
        _time_steps(x[rows:], sizes[half:] if sizes else None)


def _check_hidden(hx: Tensor, expected: tuple, message: str) -> None:
    if tuple(hx.shape) != expected:
        raise RuntimeError(message.format(expected, list(hx.shape)))


class RNN(RNNBase):
    """Elman RNN: h_t = tanh (or relu) (x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:  # PyTorch's positional order: input_size, hidden_size, num_layers, nonlinearity, ...
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity  # NOTE: absent from the repr, as in PyTorch


class LSTM(RNNBase):
    """Long short-term memory; with proj_size > 0 the hidden state is projected by weight_hr."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's formulation (r multiplies the hidden state's n share, bias included)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ---------------------------------------------------------------------------------------- cells

class RNNCellBase(Module):
    """weight_ih (chunks * hidden, input), weight_hh (chunks * hidden, hidden) and their biases."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(zeros((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(zeros((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(zeros(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(zeros(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _prepare(self, input: Tensor, states: tuple, name: str) -> tuple:
        """Check shapes as PyTorch does; batch unbatched tensors; zeros for absent states."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        out = []
        batch = input.shape[0]
        for i, s in enumerate(states):
            if s is None:
                s = zeros((batch, self.hidden_size), dtype=input.dtype, device=input.device)
            elif not batched:
                s = s.unsqueeze(0)
            if s.shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{i} batch size {s.shape[0]}")
            if s.dim() != 2 or s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s.shape[-1]}, expected "
                                   f"{self.hidden_size}")
            out.append(s)
        return input, out, batched

    def _input_gates(self, input: Tensor, fold_hh_bias: bool) -> Tensor:
        xg = input.matmul(self.weight_ih.t())
        if self.bias_ih is None:
            return xg
        return xg + (self.bias_ih + self.bias_hh if fold_hh_bias else self.bias_ih)


def _check_state_dims(name: str, states: tuple, label) -> None:
    for i, s in enumerate(states):
        if s is not None and s.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected {label(i)} to be 1D or 2D, got {s.dim()}D instead")


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh (or relu) (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        _check_state_dims("RNNCell", (hx,), lambda i: "hidden")
        input, (h,), batched = self._prepare(input, (hx,), "RNNCell")
        out = rnn_step(self._input_gates(input, True), h, self.weight_hh, self.nonlinearity == "relu")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        _check_state_dims("LSTMCell", hx or (), lambda i: f"hx[{i}]")
        input, (h, c), batched = self._prepare(input, (None, None) if hx is None else tuple(hx), "LSTMCell")
        h, c = lstm_step(self._input_gates(input, True), h, c, self.weight_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: returns h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        _check_state_dims("GRUCell", (hx,), lambda i: "hidden")
        input, (h,), batched = self._prepare(input, (hx,), "GRUCell")
        b_hh = self.bias_hh if self.bias_hh is not None else zeros(self.weight_hh.shape[0], dtype=input.dtype,
                                                                    device=input.device)
        out = gru_step(self._input_gates(input, False), h, self.weight_hh, b_hh)
        return out if batched else out.squeeze(0)
