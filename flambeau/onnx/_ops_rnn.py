"""Recurrent primitives -> ONNX Scan: a layer's whole time loop, one step of the body per time step.

The sequence primitives (flambeau/ops/rnn_sequence.py) return every step's state, an LSTM's [h | c] side by
side, which ONNX's LSTM/GRU nodes do not give (they keep only the last c); a Scan whose body is the step
gives exactly that, runs over any sequence length and batch size, and reads the weights from the outer graph.
"""
from __future__ import annotations

from ._builder import tensor_type

_Q = "flambeau.ops.rnn_sequence."


def _lstm_step(b, xg, hc, n, c):
    w_t = c.args[-1].onnx
    h = b.op("Slice", [hc, b.ints([0]), b.ints([n]), b.ints([1])])
    cell = b.op("Slice", [hc, b.ints([n]), b.ints([2 * n]), b.ints([1])])
    gates = b.op("Add", [b.op("MatMul", [h, w_t]), xg])
    i, f, g, o = b.op("Split", [gates, b.ints([n] * 4)], outputs=4, axis=1)
    i, f, g, o = b.op("Sigmoid", [i]), b.op("Sigmoid", [f]), b.op("Tanh", [g]), b.op("Sigmoid", [o])
    cell = b.op("Add", [b.op("Mul", [f, cell]), b.op("Mul", [i, g])])
    return b.op("Concat", [b.op("Mul", [o, b.op("Tanh", [cell])]), cell], axis=1)


def _gru_step(b, xg, h, n, c):
    w_t, b_hh = c.args[-1].onnx, c.inputs[3]
    hg = b.op("Add", [b.op("MatMul", [h, w_t]), b_hh])
    x_rz, x_n = b.op("Split", [xg, b.ints([2 * n, n])], outputs=2, axis=1)
    h_rz, h_n = b.op("Split", [hg, b.ints([2 * n, n])], outputs=2, axis=1)
    r, z = b.op("Split", [b.op("Sigmoid", [b.op("Add", [x_rz, h_rz])]), b.ints([n, n])], outputs=2, axis=1)
    new = b.op("Tanh", [b.op("Add", [x_n, b.op("Mul", [r, h_n])])])
    return b.op("Add", [b.op("Mul", [b.op("Sub", [h, new]), z]), new])


def _rnn_step(b, xg, h, n, c):
    pre = b.op("Add", [b.op("MatMul", [h, c.args[-1].onnx]), xg])
    return b.op("Relu" if c.args[0] else "Tanh", [pre])


def _sequence(step):
    def translate(b, c):
        reverse = int(c.args[-3])
        n = c.shapes[2][1]  # w_hh (G, H)
        body = b.subgraph()
        xg_t, state = body.fresh("xg_t"), body.fresh("state")
        new = step(body, xg_t, state, n, c)
        out = body.op("Identity", [new])
        elem = tensor_type(b.onnx, c.out_dtype)
        vi = b.onnx.helper.make_tensor_value_info
        graph = body.graph("step", [vi(state, elem, None), vi(xg_t, tensor_type(b.onnx, c.dtypes[0]), None)],
                           [vi(new, elem, None), vi(out, elem, None)])
        _, outs = b.op("Scan", [c.inputs[1], c.inputs[0]], outputs=2, body=graph, num_scan_inputs=1,
                       scan_input_directions=[reverse], scan_output_directions=[reverse])
        return outs
    return translate


TABLE = {_Q + "LSTMSequence": _sequence(_lstm_step), _Q + "GRUSequence": _sequence(_gru_step),
         _Q + "RNNSequence": _sequence(_rnn_step)}
