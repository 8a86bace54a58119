"""RNNCell, LSTMCell and GRUCell against PyTorch with copied weights; torch.lstm_cell and friends; gradcheck
and gradgradcheck in float64 of each fused step primitive of flambeau.ops.rnn."""
import numpy as np
import pytest
import torch

import flambeau
from flambeau.ops.rnn import gru_step, lstm_step, rnn_step
from oracle import check, check_module, check_raises, gradcheck, randn

F32 = np.float32


def _pair(name, *args, **kwargs):
    torch.manual_seed(0)
    return (getattr(torch.nn, name)(*args, **kwargs, dtype=torch.float64),
            getattr(flambeau.nn, name)(*args, **kwargs, dtype=flambeau.float64))


@pytest.mark.parametrize("name,kwargs", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("GRUCell", {}),
                                         ("RNNCell", {"bias": False}), ("GRUCell", {"bias": False})])
@pytest.mark.parametrize("batch", [3, None])
def test_rnn_gru_cell(name, kwargs, batch):
    t_mod, f_mod = _pair(name, 4, 5, **kwargs)
    shape = (batch,) if batch else ()
    check_module(t_mod, f_mod, randn(*shape, 4), randn(*shape, 5), atol=1e-8, rtol=1e-7)
    check_module(t_mod, f_mod, randn(*shape, 4), atol=1e-8, rtol=1e-7)  # zero hidden state
    assert repr(f_mod) == repr(t_mod) and list(f_mod.state_dict()) == list(t_mod.state_dict())


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [3, None])
def test_lstm_cell(bias, batch):
    t_mod, f_mod = _pair("LSTMCell", 4, 5, bias=bias)
    shape = (batch,) if batch else ()
    call = lambda lib, x, h, c: (t_mod if lib is torch else f_mod)(x, (h, c))  # noqa: E731
    check_module(t_mod, f_mod, randn(*shape, 4), atol=1e-8, rtol=1e-7)
    for mod in (t_mod, f_mod):
        mod.zero_grad()
    check(call, randn(*shape, 4), randn(*shape, 5), randn(*shape, 5), atol=1e-8, rtol=1e-7)
    t_params = dict(t_mod.named_parameters())
    for name, p in f_mod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), atol=1e-7, rtol=1e-6)
    assert repr(f_mod) == repr(t_mod) and list(f_mod.state_dict()) == list(t_mod.state_dict())


def test_cell_float32():
    torch.manual_seed(0)
    t_mod, f_mod = torch.nn.GRUCell(3, 4), flambeau.nn.GRUCell(3, 4)
    check_module(t_mod, f_mod, randn(2, 3, dtype=F32), randn(2, 4, dtype=F32), atol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda t, x, h, c, wi, wh, b: t.lstm_cell(x, (h, c), wi, wh, b, b * 0.5),
    lambda t, x, h, c, wi, wh, b: t.lstm_cell(x, (h, c), wi, wh),
    lambda t, x, h, c, wi, wh, b: t.gru_cell(x, h, wi[:15], wh[:15], b[:15], b[5:]),
    lambda t, x, h, c, wi, wh, b: t.rnn_tanh_cell(x, h, wi[:5], wh[:5], b[:5], b[5:10]),
    lambda t, x, h, c, wi, wh, b: t.rnn_relu_cell(x, h, wi[:5], wh[:5], b[:5], b[5:10]),
])
def test_functional_cells(fn):
    check(fn, randn(3, 4), randn(3, 5), randn(3, 5), randn(20, 4), randn(20, 5), randn(20), atol=1e-8, rtol=1e-7)


# the primitives alone: xg (B, gates * H), h, c, recurrent weights
def test_gradcheck_lstm_step():
    gradcheck(lambda t, xg, h, c, w: lstm_step(xg, h, c, w), randn(2, 12), randn(2, 2), randn(2, 3), randn(12, 2))


def test_gradcheck_gru_step():
    gradcheck(lambda t, xg, h, w, b: gru_step(xg, h, w, b), randn(2, 9), randn(2, 3), randn(9, 3), randn(9))


@pytest.mark.parametrize("relu", [False, True])
def test_gradcheck_rnn_step(relu):
    # relu: pre-activations kept away from 0, where the finite difference would straddle the kink
    xg = randn(3, 4) + np.sign(randn(3, 4)) * 2 if relu else randn(3, 4)
    gradcheck(lambda t, xg, h, w: rnn_step(xg, h, w, relu), xg, randn(3, 4) * 0.1, randn(4, 4) * 0.1)


ERRORS = [  # x (3, 4), h (3, 5)
    lambda t, x, h: t.nn.LSTMCell(4, 5)(x[None]),
    lambda t, x, h: t.nn.GRUCell(4, 5)(x, h[None]),
    lambda t, x, h: t.nn.RNNCell(4, 5)(x[:, :3]),
    lambda t, x, h: t.nn.RNNCell(4, 5)(x, h[:2]),
    lambda t, x, h: t.nn.LSTMCell(4, 5)(x, (h, h[None])),
    lambda t, x, h: t.nn.GRUCell(4, 5)(x[0], h),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_raises(ERRORS[i], randn(3, 4, dtype=F32), randn(3, 5, dtype=F32))


@pytest.mark.parametrize("name,x,states", [
    ("LSTMCell", (3, 4), ((2, 5), (3, 5))), ("LSTMCell", (3, 4), ((3, 4), (3, 5))),
    ("LSTMCell", (3, 4), ((3, 5), (3, 6))), ("LSTMCell", (3, 3), None), ("GRUCell", (3, 4), (2, 5)),
    ("GRUCell", (3, 4), (3, 6)), ("RNNCell", (3, 4), (5,)),
])
def test_error_messages(name, x, states):
    messages = []
    for lib in (torch, flambeau):
        cell = getattr(lib.nn, name)(4, 5)
        hx = None if states is None else (tuple(lib.zeros(s) for s in states) if name == "LSTMCell"
                                          else lib.zeros(states))
        with pytest.raises(RuntimeError) as info:
            cell(lib.zeros(x), hx)
        messages.append(str(info.value))
    assert messages[1] == messages[0]
