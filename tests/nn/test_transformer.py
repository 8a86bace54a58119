"""nn.TransformerEncoderLayer/DecoderLayer, TransformerEncoder/Decoder and nn.Transformer against PyTorch with copied
weights: outputs and every input and parameter gradient over norm_first, activations, layouts and masks; PyTorch's
state_dict keys, Xavier init, and a TransformerEncoder state_dict saved by torch.save loading through flambeau.load."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import check_module, copy_state, randn, to_numpy

D, HEADS, FF, S, T, N = 8, 2, 16, 5, 4, 2


def pair(name, *args, **kwargs):
    """The same module built by both libraries, in float64 (float64 keeps the gradient comparisons tight)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TransformerEncoder's nested-tensor notice, checked on its own below
        return getattr(torch.nn, name)(*args, **kwargs).double(), getattr(flambeau.nn, name)(*args, **kwargs).double()


def seq(length, batch_first):
    return randn(N, length, D) if batch_first else randn(length, N, D)


def causal(size):
    return np.triu(np.full((size, size), -np.inf), 1)


def key_padding(length):
    pad = np.zeros((N, length), dtype=bool)
    pad[1, -2:] = True  # the second sequence is two steps shorter
    return pad


class Call(torch.nn.Module):
    """Calls `module` with fixed keyword arguments (masks built per library), so check_module can drive it."""

    def __init__(self, module, kwargs):
        super().__init__()
        self.module, self.kwargs = module, kwargs

    def forward(self, *xs):
        return self.module(*xs, **self.kwargs)


class _FCall(flambeau.nn.Module):
    """flambeau's twin of Call."""

    def __init__(self, module, kwargs):
        super().__init__()
        self.module, self.kwargs = module, kwargs

    def forward(self, *xs):
        return self.module(*xs, **self.kwargs)


def compare(t_m, f_m, *arrays, masks=None, flags=None, train=True):
    """check_module (outputs, input and parameter gradients) with mask arrays and flags as keyword arguments."""
    masks, flags = masks or {}, flags or {}
    t_call = Call(t_m, {k: torch.tensor(v) for k, v in masks.items()} | flags)
    f_call = _FCall(f_m, {k: flambeau.tensor(v) for k, v in masks.items()} | flags)
    check_module(t_call, f_call, *arrays, train=train)


ACTIVATIONS = {"relu": ("relu", "relu"), "gelu": ("gelu", "gelu"),
               "callable": (torch.nn.functional.silu, flambeau.nn.functional.silu),
               "module": (torch.nn.GELU("tanh"), flambeau.nn.GELU("tanh"))}


def layer_pair(name, activation="relu", **kwargs):
    t_act, f_act = ACTIVATIONS[activation]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_m = getattr(torch.nn, name)(D, HEADS, FF, dropout=0.0, activation=t_act, **kwargs).double()
        f_m = getattr(flambeau.nn, name)(D, HEADS, FF, dropout=0.0, activation=f_act, **kwargs).double()
    return t_m, f_m


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(norm_first, activation, batch_first):
    t_m, f_m = layer_pair("TransformerEncoderLayer", activation, norm_first=norm_first, batch_first=batch_first)
    compare(t_m, f_m, seq(S, batch_first))


@pytest.mark.parametrize("masks", ["causal", "padding", "both", "bool_causal"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_masks(masks, batch_first):
    t_m, f_m = layer_pair("TransformerEncoderLayer", batch_first=batch_first, bias=masks != "both")
    kw = {"causal": {"src_mask": causal(S)}, "padding": {"src_key_padding_mask": key_padding(S)},
          "both": {"src_mask": causal(S), "src_key_padding_mask": key_padding(S)},
          "bool_causal": {"src_mask": np.triu(np.ones((S, S), dtype=bool), 1)}}[masks]
    compare(t_m, f_m, seq(S, batch_first), masks=kw)


def test_encoder_layer_eval_dropout_and_unbatched():
    t_m, f_m = pair("TransformerEncoderLayer", D, HEADS, FF, dropout=0.3)
    compare(t_m, f_m, randn(S, D), train=False)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer(norm_first, activation, batch_first):
    t_m, f_m = layer_pair("TransformerDecoderLayer", activation, norm_first=norm_first, batch_first=batch_first)
    masks = {"tgt_mask": causal(T), "tgt_key_padding_mask": key_padding(T),
             "memory_key_padding_mask": key_padding(S)}
    compare(t_m, f_m, seq(T, batch_first), seq(S, batch_first), masks=masks)


@pytest.mark.parametrize("with_norm", [False, True])
@pytest.mark.parametrize("masks", [{}, {"mask": causal(S)}, {"mask": causal(S), "is_causal": True},
                                   {"src_key_padding_mask": key_padding(S)}])
def test_encoder_stack(with_norm, masks):
    t_layer, f_layer = layer_pair("TransformerEncoderLayer", norm_first=with_norm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_m = torch.nn.TransformerEncoder(t_layer, 2, torch.nn.LayerNorm(D).double() if with_norm else None)
        f_m = flambeau.nn.TransformerEncoder(f_layer, 2, flambeau.nn.LayerNorm(D).double() if with_norm else None)
    assert list(f_m.state_dict()) == list(t_m.state_dict())
    # is_causal is a plain flag: passed beside the mask arrays (which compare() turns into tensors)
    flags = {"is_causal": masks.pop("is_causal")} if "is_causal" in masks else {}
    compare(t_m, f_m, seq(S, False), masks=masks, flags=flags)


def test_decoder_stack():
    t_layer, f_layer = layer_pair("TransformerDecoderLayer", batch_first=True)
    t_m = torch.nn.TransformerDecoder(t_layer, 2, torch.nn.LayerNorm(D).double())
    f_m = flambeau.nn.TransformerDecoder(f_layer, 2, flambeau.nn.LayerNorm(D).double())
    compare(t_m, f_m, seq(T, True), seq(S, True), masks={"tgt_mask": causal(T), "memory_mask": randn(T, S)})


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer(batch_first, norm_first):
    kwargs = dict(d_model=D, nhead=HEADS, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=FF,
                  dropout=0.0, batch_first=batch_first, norm_first=norm_first, activation="gelu")
    t_m, f_m = pair("Transformer", **kwargs)
    assert list(f_m.state_dict()) == list(t_m.state_dict())
    masks = {"tgt_mask": causal(T), "src_key_padding_mask": key_padding(S),
             "memory_key_padding_mask": key_padding(S)}
    compare(t_m, f_m, seq(S, batch_first), seq(T, batch_first), masks=masks)


def test_generate_square_subsequent_mask():
    f = flambeau.nn.Transformer.generate_square_subsequent_mask(4, dtype=flambeau.float64)
    t = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    assert f.dtype == flambeau.float64
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))
    assert flambeau.nn.Transformer.generate_square_subsequent_mask(2).dtype == flambeau.float32


def test_transformer_init_and_errors():
    flambeau.manual_seed(0)
    m = flambeau.nn.Transformer(D, HEADS, 1, 1, FF)
    w = m.encoder.layers[0].linear1.weight  # Xavier-uniform bound sqrt(6 / (fan_in + fan_out))
    bound = (6 / (D + FF)) ** 0.5
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.8 * bound
    assert not m.encoder.layers[0].self_attn.in_proj_bias.any()  # 1-d parameters keep their own init
    assert bool((m.decoder.norm.weight == 1).all())
    with pytest.raises(RuntimeError, match="batch number"):
        m(flambeau.zeros(S, 2, D), flambeau.zeros(T, 3, D))
    with pytest.raises(RuntimeError, match="d_model"):
        m(flambeau.zeros(S, 2, D + 1), flambeau.zeros(T, 2, D))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        flambeau.nn.TransformerEncoderLayer(D, HEADS, activation="tanh")


@pytest.mark.parametrize("batch_first", [False, True])
def test_nested_tensor_warning(batch_first):
    layer = flambeau.nn.TransformerEncoderLayer(D, HEADS, FF, batch_first=batch_first)
    t_layer = torch.nn.TransformerEncoderLayer(D, HEADS, FF, batch_first=batch_first)
    with warnings.catch_warnings(record=True) as f_w:
        warnings.simplefilter("always")
        f_enc = flambeau.nn.TransformerEncoder(layer, 1)
    with warnings.catch_warnings(record=True) as t_w:
        warnings.simplefilter("always")
        t_enc = torch.nn.TransformerEncoder(t_layer, 1)
    assert [str(w.message) for w in f_w] == [str(w.message) for w in t_w]
    assert f_enc.use_nested_tensor == t_enc.use_nested_tensor and f_enc.enable_nested_tensor


def test_torch_saved_encoder_loads(tmp_path):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_m = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.1), 2,
                                          torch.nn.LayerNorm(D))
        f_m = flambeau.nn.TransformerEncoder(flambeau.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.1), 2,
                                             flambeau.nn.LayerNorm(D))
    path = tmp_path / "encoder.pt"
    torch.save(t_m.state_dict(), path)
    f_m.load_state_dict(flambeau.load(path))
    t_m.eval()
    f_m.eval()
    x = randn(S, N, D).astype(np.float32)
    mask = causal(S).astype(np.float32)
    expected = t_m(torch.tensor(x), mask=torch.tensor(mask))
    got = f_m(flambeau.tensor(x), mask=flambeau.tensor(mask))
    np.testing.assert_allclose(to_numpy(got), to_numpy(expected), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("left_aligned", [True, False])
def test_encoder_inference_padding_like_torch(grad, left_aligned):
    # eval + no_grad + batch_first + a left-aligned key padding mask: PyTorch's nested-tensor path zeroes padded rows
    t_layer, f_layer = pair("TransformerEncoderLayer", D, HEADS, FF, batch_first=True)
    t_m, f_m = torch.nn.TransformerEncoder(t_layer, 2).eval(), flambeau.nn.TransformerEncoder(f_layer, 2).eval()
    copy_state(t_m, f_m)
    x, pad = seq(S, True), key_padding(S)
    if not left_aligned:
        pad = pad[:, ::-1].copy()
    with torch.set_grad_enabled(grad), flambeau.set_grad_enabled(grad):
        expected = t_m(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
        got = f_m(flambeau.tensor(x), src_key_padding_mask=flambeau.tensor(pad))
    np.testing.assert_allclose(to_numpy(got), to_numpy(expected), atol=1e-6, rtol=1e-5)
    assert (not to_numpy(got)[1, -1].any()) == (not grad and left_aligned)


def test_transformer_unbatched_with_causal_flags():
    t_m, f_m = pair("Transformer", d_model=D, nhead=HEADS, num_encoder_layers=1, num_decoder_layers=2,
                    dim_feedforward=FF, dropout=0.0)
    compare(t_m, f_m, randn(S, D), randn(T, D), masks={"tgt_mask": causal(T)}, flags={"tgt_is_causal": True})
