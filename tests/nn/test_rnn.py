"""RNN, LSTM and GRU against PyTorch with copied weights: outputs, final states and the gradients of the
input, the initial states and every parameter, over layers, directions, batch_first, proj_size, unbatched
inputs and PackedSequence inputs; parameter names, init, repr and the errors for bad arguments."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_raises, copy_state, randn, to_numpy

F32 = np.float32
MODES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]


def _pair(name, *args, dtype=np.float64, **kwargs):
    torch.manual_seed(0)
    t_mod = getattr(torch.nn, name)(*args, **kwargs, dtype=getattr(torch, np.dtype(dtype).name))
    f_mod = getattr(flambeau.nn, name)(*args, **kwargs, dtype=getattr(flambeau, np.dtype(dtype).name))
    copy_state(t_mod, f_mod)
    return t_mod, f_mod


def _compare(t_mod, f_mod, x, states=None, train=True, atol=1e-7, rtol=1e-6):
    """Run both modules on x (and initial states h0 or (h0, c0)); compare outputs, final states and the
    gradients of x, of the states and of every parameter."""
    t_mod.train(train)
    f_mod.train(train)
    lstm = isinstance(t_mod, torch.nn.LSTM)

    def run(lib, x, *hx):
        mod = t_mod if lib is torch else f_mod
        if not hx:
            return mod(x)
        return mod(x, tuple(hx) if lstm else hx[0])

    arrays = (x,) if states is None else (x, *states)
    check(run, *arrays, atol=atol, rtol=rtol)
    t_params = dict(t_mod.named_parameters())
    assert [n for n, _ in f_mod.named_parameters()] == list(t_params)
    for name, p in f_mod.named_parameters():
        assert p.grad is not None, f"{name}: no gradient"
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(t_params[name].grad), atol=atol * 10, rtol=rtol * 10,
                                   err_msg=f"gradient of parameter {name}")


def _states(name, layers, directions, batch, hidden, proj=0, dtype=np.float64):
    shape = (layers * directions,) + ((batch,) if batch else ())
    h = randn(*shape, proj or hidden, dtype=dtype)
    return (h, randn(*shape, hidden, dtype=dtype)) if name == "LSTM" else (h,)


@pytest.mark.parametrize("name,kw", MODES)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_layer(name, kw, layers, bidirectional, batch_first):
    t_mod, f_mod = _pair(name, 3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, **kw)
    x = randn(3, 5, 3) if batch_first else randn(5, 3, 3)
    directions = 2 if bidirectional else 1
    _compare(t_mod, f_mod, x, _states(name, layers, directions, 3, 4))
    _compare(t_mod, f_mod, x)  # zero initial states


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_lstm_proj(layers, bidirectional):
    t_mod, f_mod = _pair("LSTM", 3, 5, num_layers=layers, bidirectional=bidirectional, proj_size=2)
    directions = 2 if bidirectional else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "LSTM with projections is not supported with oneDNN"
        _compare(t_mod, f_mod, randn(4, 3, 3), _states("LSTM", layers, directions, 3, 5, proj=2))
        _compare(t_mod, f_mod, randn(4, 3), _states("LSTM", layers, directions, 0, 5, proj=2))  # unbatched


@pytest.mark.parametrize("name,kw", MODES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched(name, kw, batch_first):
    t_mod, f_mod = _pair(name, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, **kw)
    _compare(t_mod, f_mod, randn(5, 3), _states(name, 2, 2, 0, 4))
    _compare(t_mod, f_mod, randn(5, 3))


@pytest.mark.parametrize("name,kw", MODES)
@pytest.mark.parametrize("train", [True, False])
def test_no_bias_float32_train_eval(name, kw, train):
    t_mod, f_mod = _pair(name, 3, 4, num_layers=2, bias=False, dtype=F32, **kw)
    _compare(t_mod, f_mod, randn(6, 2, 3, dtype=F32), train=train, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("name,kw", MODES)
def test_dropout(name, kw):
    # dropout=1 zeroes the whole input of layer 2 in training: deterministic, so torch is the oracle
    t_mod, f_mod = _pair(name, 3, 4, num_layers=2, dropout=1.0, **kw)
    _compare(t_mod, f_mod, randn(5, 2, 3), train=True)
    _compare(t_mod, f_mod, randn(5, 2, 3), train=False)  # no dropout in eval
    t_mod, f_mod = _pair(name, 3, 4, num_layers=2, dropout=0.5, **kw)
    x = flambeau.tensor(randn(5, 2, 3))
    f_mod.eval()
    reference = f_mod(x)[0]
    np.testing.assert_allclose(to_numpy(reference), to_numpy(t_mod.eval()(torch.tensor(to_numpy(x)))[0]), atol=1e-7)
    f_mod.train()
    assert not np.allclose(to_numpy(f_mod(x)[0]), to_numpy(reference))


def _packed_case(lengths, enforce_sorted, size=3):
    seqs = [randn(n, size) for n in lengths]
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i]) if enforce_sorted else range(len(lengths))
    seqs = [seqs[i] for i in order]
    lengths = [lengths[i] for i in order]
    return seqs, lengths


@pytest.mark.filterwarnings("ignore:LSTM with projections")  # torch's oneDNN notice
@pytest.mark.parametrize("name,kw", MODES + [("LSTM", {"proj_size": 2})])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_packed(name, kw, bidirectional, enforce_sorted):
    seqs, lengths = _packed_case([3, 5, 1, 5, 2], enforce_sorted)
    t_mod, f_mod = _pair(name, 3, 4, num_layers=2, bidirectional=bidirectional, **kw)
    directions = 2 if bidirectional else 1
    padded = np.zeros((5, len(seqs), 3))
    for i, s in enumerate(seqs):
        padded[:len(s), i] = s
    lstm = name == "LSTM"

    def run(lib, x, *hx):
        mod = t_mod if lib is torch else f_mod
        packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)
        out, h = mod(packed, (tuple(hx) if lstm else hx[0]) if hx else None)
        assert type(out).__name__ == "PackedSequence"
        return lib.nn.utils.rnn.pad_packed_sequence(out)[0], out.batch_sizes, h

    for states in (_states(name, 2, directions, len(seqs), 4, proj=kw.get("proj_size", 0)), ()):
        for mod in (t_mod, f_mod):
            mod.zero_grad()
        check(run, padded, *states, atol=1e-7, rtol=1e-6)
        t_params = dict(t_mod.named_parameters())
        for pname, p in f_mod.named_parameters():
            np.testing.assert_allclose(to_numpy(p.grad), to_numpy(t_params[pname].grad), atol=1e-6, rtol=1e-5,
                                       err_msg=f"gradient of parameter {pname}")


def test_names_shapes_repr():
    for args, kwargs in [((3, 4), {}), ((3, 5), {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
                         ((2, 3), {"bias": False, "batch_first": True, "dropout": 0.25, "num_layers": 3})]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_mod, f_mod = _pair("LSTM", *args, **kwargs)
        assert list(f_mod.state_dict()) == list(t_mod.state_dict())
        assert repr(f_mod) == repr(t_mod)
        assert [[tuple(w.shape) for w in ws] for ws in f_mod.all_weights] == \
            [[tuple(w.shape) for w in ws] for ws in t_mod.all_weights]
        assert f_mod._flat_weights_names == t_mod._flat_weights_names
        f_mod.flatten_parameters()
    for name, args in [("RNN", (3, 4, 2, "relu")), ("GRU", (3, 4, 2)), ("RNN", (3, 4))]:
        t_mod, f_mod = _pair(name, *args)
        assert list(f_mod.state_dict()) == list(t_mod.state_dict()) and repr(f_mod) == repr(t_mod)


def test_default_init():
    f_mod = flambeau.nn.LSTM(10, 100, num_layers=2)
    bound = 1 / np.sqrt(100)
    for p in f_mod.parameters():
        w = to_numpy(p)
        assert w.dtype == np.float32 and np.abs(w).max() <= bound
        assert abs(w.std() / (bound / np.sqrt(3)) - 1) < 5 * np.sqrt(0.2 / w.size)


def test_state_dict_strict_load():
    t_mod = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    f_mod = flambeau.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    result = f_mod.load_state_dict({k: flambeau.tensor(to_numpy(v)) for k, v in t_mod.state_dict().items()},
                                   strict=True)
    assert not result.missing_keys and not result.unexpected_keys


FORWARD_ERRORS = [  # module LSTM(3, 4, num_layers=2), x (5, 2, 3), h (2, 2, 4)
    lambda t, m, x, h: m(x[None]),
    lambda t, m, x, h: m(x[0, 0]),
    lambda t, m, x, h: m(x[..., :2]),
    lambda t, m, x, h: m(x, (h[:1], h)),
    lambda t, m, x, h: m(x, (h, h[:, :1])),
    lambda t, m, x, h: m(x, (h[0], h[0])),
    lambda t, m, x, h: m(x[:, 0], (h, h)),
    lambda t, m, x, h: m(x.double()),
]


@pytest.mark.parametrize("i", range(len(FORWARD_ERRORS)))
def test_forward_errors(i):
    """Same exception type and message as PyTorch."""
    t_mod, f_mod = _pair("LSTM", 3, 4, num_layers=2, dtype=F32)
    x, h = randn(5, 2, 3, dtype=F32), randn(2, 2, 4, dtype=F32)
    raised = []
    for lib, mod in ((torch, t_mod), (flambeau, f_mod)):
        with pytest.raises(Exception) as info:
            FORWARD_ERRORS[i](lib, mod, lib.tensor(x), lib.tensor(h))
        raised.append((type(info.value), str(info.value).replace("flambeau.", "torch.")))
    assert raised[1] == raised[0]


@pytest.mark.parametrize("fn", [
    lambda t, x, h: t.nn.GRU(3, 4)(x, h[0]),
    lambda t, x, h: t.nn.RNN(3, 4)(x[:, 0], h),
    lambda t, x, h: t.nn.RNN(3, 4)(x, h[:, :1]),
])
def test_forward_errors_rnn_gru(fn):
    check_raises(fn, randn(5, 2, 3, dtype=F32), randn(1, 2, 4, dtype=F32))


@pytest.mark.parametrize("name,kwargs", [
    ("LSTM", {"proj_size": 4}), ("LSTM", {"proj_size": -1}), ("GRU", {"proj_size": 2}),
    ("RNN", {"nonlinearity": "gelu"}), ("LSTM", {"dropout": 1.5}), ("LSTM", {"dropout": True}),
    ("GRU", {"num_layers": 0}), ("RNN", {"bias": 1}), ("LSTM", {"batch_first": None}),
])
def test_constructor_errors(name, kwargs):
    def build(t):
        return getattr(t.nn, name)(3, 4, **kwargs)
    check_raises(lambda t: build(t))
    for bad in [(0, 4), (3, 0), (3.0, 4)]:
        check_raises(lambda t: getattr(t.nn, name)(*bad))


def test_dropout_warning():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        flambeau.nn.GRU(3, 4, dropout=0.5)


@pytest.mark.parametrize("name,kw", MODES + [("LSTM", {"proj_size": 2})])
def test_double_backward(name, kw):
    # gradgradcheck through a whole layer: the steps' backward under create_graph is differentiable
    f_mod = getattr(flambeau.nn, name)(2, 3, bidirectional=True, dtype=flambeau.float64, **kw)
    x = flambeau.tensor(randn(3, 2, 2), requires_grad=True)
    fn = lambda x: f_mod(x)[0]  # noqa: E731
    assert flambeau.autograd.gradcheck(fn, (x,)) and flambeau.autograd.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("kwargs", [{}, {"proj_size": 3, "bidirectional": True}])
def test_torch_saved_lstm_loads(tmp_path, kwargs):
    """An LSTM state_dict written by torch.save loads through flambeau.load (no torch needed) strictly and
    gives PyTorch's outputs and final states."""
    torch.manual_seed(0)
    t_lstm = torch.nn.LSTM(4, 6, num_layers=2, batch_first=True, **kwargs)
    f_lstm = flambeau.nn.LSTM(4, 6, num_layers=2, batch_first=True, **kwargs)
    path = tmp_path / "lstm.pt"
    torch.save(t_lstm.state_dict(), path)
    f_lstm.load_state_dict(flambeau.load(path), strict=True)
    x = randn(3, 5, 4).astype(F32)
    t_out, (t_h, t_c) = t_lstm(torch.tensor(x))
    f_out, (f_h, f_c) = f_lstm(flambeau.tensor(x))
    for got, expected in ((f_out, t_out), (f_h, t_h), (f_c, t_c)):
        np.testing.assert_allclose(to_numpy(got), to_numpy(expected), atol=1e-6, rtol=1e-5)
