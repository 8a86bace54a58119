"""nn.MultiheadAttention, F.multi_head_attention_forward and F.scaled_dot_product_attention against PyTorch:
outputs, attention weights, input and parameter gradients across masks, layouts and projection shapes."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_raises, copy_state, randn, to_numpy

E, HEADS, L, S, N = 8, 2, 3, 4, 2


def mha_pair(**kwargs):
    t_m = torch.nn.MultiheadAttention(E, HEADS, **kwargs).double()
    f_m = flambeau.nn.MultiheadAttention(E, HEADS, **kwargs).double()
    return t_m, f_m


def check_module(t_m, f_m, *arrays, forward, train=True):
    """Same weights, same inputs through `forward(module, *tensors)`: outputs, input and parameter gradients."""
    copy_state(t_m, f_m)
    t_m.train(train)
    f_m.train(train)
    check(lambda lib, *xs: forward(t_m if lib is torch else f_m, *xs), *arrays)
    t_params = dict(t_m.named_parameters())
    for name, p in f_m.named_parameters():
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(t_params[name].grad), atol=1e-5, rtol=1e-4,
                                   err_msg=f"gradient of parameter {name}")


def seq(length, dim=E, batch_first=False):
    return randn(N, length, dim) if batch_first else randn(length, N, dim)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_self_attention(batch_first, need_weights, average):
    t_m, f_m = mha_pair(batch_first=batch_first)
    # one input used three times: the packed in-projection path
    check_module(t_m, f_m, seq(L, batch_first=batch_first),
                 forward=lambda m, x: m(x, x, x, need_weights=need_weights, average_attn_weights=average))


@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
                                    {"kdim": 5, "vdim": 3}, {"add_bias_kv": True, "add_zero_attn": True}])
@pytest.mark.parametrize("need_weights", [True, False])
def test_cross_attention(kwargs, need_weights):
    t_m, f_m = mha_pair(**kwargs)
    k, v = seq(S, kwargs.get("kdim", E)), seq(S, kwargs.get("vdim", E))
    mask = randn(L, S) > 0.5  # bool: True is "may not attend"
    pad = np.zeros((N, S), dtype=bool)
    pad[1, -1] = True
    check_module(t_m, f_m, seq(L), k, v, mask, pad,
                 forward=lambda m, q, k, v, am, kpm: m(q, k, v, attn_mask=am, key_padding_mask=kpm,
                                                       need_weights=need_weights))


@pytest.mark.parametrize("need_weights", [True, False])
def test_float_masks_3d(need_weights):
    t_m, f_m = mha_pair()
    check_module(t_m, f_m, seq(L), seq(S), seq(S), randn(N * HEADS, L, S), randn(N, S),
                 forward=lambda m, q, k, v, am, kpm: m(q, k, v, attn_mask=am, key_padding_mask=kpm,
                                                       need_weights=need_weights))


def test_unbatched_and_causal():
    t_m, f_m = mha_pair()
    causal = np.triu(np.ones((L, L), dtype=bool), 1)
    check_module(t_m, f_m, randn(L, E), causal,
                 forward=lambda m, x, am: m(x, x, x, attn_mask=am, is_causal=True, need_weights=False))
    # with need_weights=False the hint wins over the mask itself, as in PyTorch
    check_module(t_m, f_m, seq(L), np.zeros((L, L), dtype=bool),
                 forward=lambda m, x, am: m(x, x, x, attn_mask=am, is_causal=True, need_weights=False))
    check_module(t_m, f_m, randn(L, E), randn(S, E), np.array([False, True, False, False]),
                 forward=lambda m, q, kv, kpm: m(q, kv, kv, key_padding_mask=kpm))


def test_eval_dropout_is_identity_and_train_dropout_drops():
    t_m, f_m = mha_pair(dropout=0.5)
    check_module(t_m, f_m, seq(L), train=False, forward=lambda m, x: m(x, x, x))
    f_m.train()
    flambeau.manual_seed(0)
    x = flambeau.tensor(seq(L))
    _, w = f_m(x, x, x, average_attn_weights=False)
    assert (w == 0).any()  # some weights dropped, survivors scaled by 2
    f_m.eval()
    _, w = f_m(x, x, x, average_attn_weights=False)
    assert not (w == 0).any()


def test_state_dict_keys_and_init():
    for kwargs in ({}, {"kdim": 5, "vdim": 3, "add_bias_kv": True}, {"bias": False}):
        t_m, f_m = mha_pair(**kwargs)
        t_sd, f_sd = t_m.state_dict(), f_m.state_dict()
        assert list(f_sd) == list(t_sd)
        assert all(tuple(f_sd[k].shape) == tuple(t_sd[k].shape) for k in t_sd)
    f_m = flambeau.nn.MultiheadAttention(64, 4)
    assert float(f_m.in_proj_bias.abs().sum()) == 0 and float(f_m.out_proj.bias.abs().sum()) == 0
    bound = (6 / (64 + 3 * 64)) ** 0.5  # xavier_uniform over the packed (3E, E) weight
    w = f_m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert repr(f_m) == repr(torch.nn.MultiheadAttention(64, 4))


def test_functional_multi_head_attention_forward():
    w_in, b_in, w_out, b_out = randn(3 * E, E), randn(3 * E), randn(E, E), randn(E)
    check(lambda t, q, k, v, wi, bi, wo, bo: t.nn.functional.multi_head_attention_forward(
        q, k, v, E, HEADS, wi, bi, None, None, False, 0.0, wo, bo, training=False), seq(L), seq(S), seq(S),
        w_in, b_in, w_out, b_out)
    check(lambda t, q, k, v, wq, wk, wv, bi, wo, bo: t.nn.functional.multi_head_attention_forward(
        q, k, v, E, HEADS, None, bi, None, None, False, 0.0, wo, bo, use_separate_proj_weight=True,
        q_proj_weight=wq, k_proj_weight=wk, v_proj_weight=wv, average_attn_weights=False), seq(L), seq(S, 5),
        seq(S, 3), randn(E, E), randn(E, 5), randn(E, 3), b_in, w_out, b_out)


MHA_ERRORS = [
    lambda t, x: t.nn.MultiheadAttention(E, 3),
    lambda t, x: t.nn.MultiheadAttention(0, 2),
    lambda t, x: t.nn.MultiheadAttention(E, HEADS).double()(x[0, 0], x[0, 0], x[0, 0]),
    lambda t, x: t.nn.MultiheadAttention(E, HEADS).double()(x, x[0], x[0]),
    lambda t, x: t.nn.MultiheadAttention(4, HEADS).double()(x, x, x),
    lambda t, x: t.nn.MultiheadAttention(E, HEADS).double()(x, x, x, attn_mask=t.zeros(2, 2, dtype=t.float64)),
    lambda t, x: t.nn.MultiheadAttention(E, HEADS).double()(x, x, x, attn_mask=t.zeros(3, 3, dtype=t.int64)),
    lambda t, x: t.nn.MultiheadAttention(E, HEADS).double()(x, x, x, key_padding_mask=t.zeros(2, 5, dtype=t.bool)),
    lambda t, x: t.nn.MultiheadAttention(E, HEADS).double()(x, x, x, is_causal=True),
]


@pytest.mark.parametrize("fn", MHA_ERRORS)
def test_mha_errors(fn):
    check_raises(fn, seq(L))


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 5, 4), (2, 5, 6)), ((1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4)),
                                    ((3, 4), (5, 4), (5, 2))])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa(shapes, scale):
    q, k, v = (randn(*s) for s in shapes)
    check(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, scale=scale), q, k, v)
    check(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True), q, k, v)
    L_, S_ = shapes[0][-2], shapes[1][-2]
    check(lambda t, q, k, v, m: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m), q, k, v,
          randn(L_, S_))  # float mask broadcast over the batch
    keep = randn(L_, S_) > -0.5
    keep[0] = False  # a query that may attend to nothing: zero output and zero gradient
    check(lambda t, q, k, v, m: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m), q, k, v, keep)


def test_sdpa_float32_and_gqa():
    q, k, v = (randn(*shape, dtype=np.float32) for shape in ((1, 4, 3, 8), (1, 2, 5, 8), (1, 2, 5, 8)))
    check(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True), q, k, v,
          atol=1e-5, rtol=1e-4)


SDPA_ERRORS = [
    lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=t.ones(3, 5, dtype=t.bool),
                                                                   is_causal=True),
    lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k[..., :3], v),
    lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=t.ones(3, 5, dtype=t.int64)),
    lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=t.zeros(4, 5, dtype=q.dtype)),
    lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q.float(), k, v),
    lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q[0, 0], k, v),
]


@pytest.mark.parametrize("fn", SDPA_ERRORS)
def test_sdpa_errors(fn):
    check_raises(fn, randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 6))


def test_matches_torch_fast_path():
    # eval + no_grad + batch_first self-attention takes torch's fused native kernel; same numbers expected
    t_m, f_m = mha_pair(batch_first=True)
    copy_state(t_m, f_m)
    t_m.eval()
    f_m.eval()
    x = seq(L, batch_first=True)
    with torch.no_grad():
        t_x = torch.tensor(x)
        expected, _ = t_m(t_x, t_x, t_x, need_weights=False)
    f_x = flambeau.tensor(x)
    with flambeau.no_grad():
        got, weights = f_m(f_x, f_x, f_x, need_weights=False)
    assert weights is None
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-9)
