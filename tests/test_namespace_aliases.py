"""torch.* forms of nn.functional ops (ATen's top-level signatures) and the functional RNNs, against torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_raises, randint, randn

ALIASES = ["adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "max_pool1d", "max_pool2d", "max_pool3d",
           "max_pool1d_with_indices", "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "dropout_", "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
           "feature_dropout", "feature_dropout_", "celu", "celu_", "selu", "selu_", "rrelu", "rrelu_",
           "threshold", "threshold_", "hardshrink", "prelu", "embedding", "embedding_bag", "embedding_renorm_",
           "bilinear", "binary_cross_entropy_with_logits", "kl_div", "ctc_loss", "cosine_embedding_loss",
           "hinge_embedding_loss", "margin_ranking_loss", "poisson_nll_loss", "triplet_margin_loss",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "constant_pad_nd",
           "conv_tbc", "affine_grid_generator", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d",
           "lstm", "gru", "rnn_tanh", "rnn_relu"]


def test_every_alias_exists_and_is_callable():
    for name in ALIASES:
        assert callable(getattr(torch, name)), name  # the list names real torch functions
        assert callable(getattr(flambeau, name, None)), name


X3 = randn(2, 3, 6)
BCE_W, BCE_P = randn(3), randn(3, low=0.5, high=2)  # weights that take no gradient in torch

CASES = {
    "adaptive_avg_pool1d": (lambda t, x: t.adaptive_avg_pool1d(x, 4), X3),
    "adaptive_max_pool1d": (lambda t, x: t.adaptive_max_pool1d(x, [3]), X3),
    "avg_pool1d": (lambda t, x: t.avg_pool1d(x, 3, 2, 1, True, False), X3),
    "max_pool1d": (lambda t, x: t.max_pool1d(x, 2), X3),
    "max_pool1d_dilated": (lambda t, x: t.max_pool1d(x, 2, 1, 1, 2), X3),
    "max_pool2d": (lambda t, x: t.max_pool2d(x, [2, 2], [], 1), randn(1, 2, 5, 5)),
    "max_pool3d": (lambda t, x: t.max_pool3d(x, 2), randn(1, 2, 4, 4, 4)),
    "max_pool1d_with_indices": (lambda t, x: t.max_pool1d_with_indices(x, 3, 1), X3),
    "batch_norm_train": (lambda t, x, w, b: t.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
                         X3, randn(3), randn(3)),
    "instance_norm": (lambda t, x, w, b: t.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
                      X3, randn(3), randn(3)),
    "layer_norm": (lambda t, x, w, b: t.layer_norm(x, [6], w, b), X3, randn(6), randn(6)),
    "group_norm": (lambda t, x, w, b: t.group_norm(x, 3, w, b, 1e-3), X3, randn(3), randn(3)),
    "rms_norm": (lambda t, x, w: t.rms_norm(x, [3, 6], w), X3, randn(3, 6)),
    "celu": (lambda t, x: t.celu(x, 0.7), X3),
    "celu_": (lambda t, x: t.celu_(x * 1, 0.7), X3),
    "selu": (lambda t, x: t.selu(x), X3),
    "selu_": (lambda t, x: t.selu_(x * 1), X3),
    "rrelu_eval": (lambda t, x: t.rrelu(x), X3),
    "rrelu_": (lambda t, x: t.rrelu_(x * 1, 0.1, 0.3), X3),
    "threshold": (lambda t, x: t.threshold(x, 0.1, -2.0), X3),
    "threshold_": (lambda t, x: t.threshold_(x * 1, 0.1, -2.0), X3),
    "hardshrink": (lambda t, x: t.hardshrink(x, 0.3), X3),
    "hardshrink_method": (lambda t, x: x.hardshrink(), X3),
    "prelu": (lambda t, x, w: t.prelu(x, w), X3, randn(3)),
    "prelu_method": (lambda t, x, w: x.prelu(w), X3, randn(1)),
    "embedding": (lambda t, w, i: t.embedding(w, i), randn(5, 3), randint(0, 5, 2, 4)),
    "embedding_padding": (lambda t, w, i: t.embedding(w, i, 2, True), randn(5, 3), randint(0, 5, 7)),
    "bilinear": (lambda t, a, b, w, c: t.bilinear(a, b, w, c), randn(4, 3), randn(4, 2), randn(5, 3, 2), randn(5)),
    "bce_logits": (lambda t, x, y: t.binary_cross_entropy_with_logits(x, y, t.tensor(BCE_W), t.tensor(BCE_P), 2),
                   randn(4, 3), randn(4, 3, low=0, high=1)),
    "bce_logits_default": (lambda t, x, y: t.binary_cross_entropy_with_logits(x, y), randn(4), randn(4, low=0, high=1)),
    "kl_div": (lambda t, x, y: t.kl_div(x, y, 0, log_target=True), randn(4, 3), randn(4, 3)),
    "kl_div_mean": (lambda t, x, y: t.kl_div(x, y), randn(4, 3), randn(4, 3, low=0.1, high=1)),
    "cosine_embedding_loss": (lambda t, a, b, y: t.cosine_embedding_loss(a, b, y, 0.2, 0), randn(4, 3), randn(4, 3),
                              np.array([1.0, -1, 1, -1])),
    "hinge_embedding_loss": (lambda t, x, y: t.hinge_embedding_loss(x, y, 0.5, 2), randn(5),
                             np.array([1.0, -1, 1, -1, -1])),
    "margin_ranking_loss": (lambda t, a, b, y: t.margin_ranking_loss(a, b, y, 0.1), randn(5), randn(5),
                            np.array([1.0, -1, 1, -1, -1])),
    "poisson_nll_loss": (lambda t, x, y: t.poisson_nll_loss(x, y, True, True, 1e-8, 1), randn(6), randn(6, low=0, high=3)),
    "poisson_nll_loss_linear": (lambda t, x, y: t.poisson_nll_loss(x, y, False, False, 1e-6, 0),
                                randn(6, low=0.1, high=2), randn(6, low=0, high=3)),
    "triplet_margin_loss": (lambda t, a, p, n: t.triplet_margin_loss(a, p, n, 0.5, 1.0, 1e-6, True, 2),
                            randn(4, 3), randn(4, 3), randn(4, 3)),
    "pixel_shuffle": (lambda t, x: t.pixel_shuffle(x, 2), randn(1, 8, 2, 3)),
    "pixel_unshuffle": (lambda t, x: t.pixel_unshuffle(x, 2), randn(1, 2, 4, 6)),
    "channel_shuffle": (lambda t, x: t.channel_shuffle(x, 2), randn(1, 4, 2, 2)),
    "constant_pad_nd": (lambda t, x: t.constant_pad_nd(x, [1, 2, 0, 1], 3.5), X3),
    "constant_pad_nd_crop": (lambda t, x: t.constant_pad_nd(x, [-1, 2]), X3),
    "conv_tbc": (lambda t, x, w, b: t.conv_tbc(x, w, b, 1), randn(7, 2, 3), randn(3, 3, 4), randn(4)),
    "affine_grid_generator": (lambda t, th: t.affine_grid_generator(th, [2, 1, 3, 4], False), randn(2, 2, 3)),
    "grid_sampler": (lambda t, x, g: t.grid_sampler(x, g, 0, 1, True), randn(1, 2, 4, 5), randn(1, 3, 3, 2)),
    "grid_sampler_2d": (lambda t, x, g: t.grid_sampler_2d(x, g, 0, 2, False), randn(1, 2, 4, 5),
                        randn(1, 3, 3, 2, low=-0.9, high=0.9)),
    "grid_sampler_3d": (lambda t, x, g: t.grid_sampler_3d(x, g, 0, 1, True), randn(1, 2, 3, 4, 5),
                        randn(1, 2, 3, 2, 3, low=-1.2, high=1.2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_alias_matches_torch(name):
    fn, *arrays = CASES[name]
    check(fn, *arrays)


def test_batch_norm_updates_running_stats():
    x = randn(4, 3)
    stats = {}
    for lib in (torch, flambeau):
        mean, var = lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
        out = lib.batch_norm(lib.tensor(x), None, None, mean, var, True, 0.3, 1e-5, False)
        stats[lib] = (out, mean, var)
        eval_out = lib.batch_norm(lib.tensor(x), None, None, mean, var, False, 0.3, 1e-5, False)
        stats[lib] += (eval_out,)
    for t, f in zip(stats[torch], stats[flambeau]):
        np.testing.assert_allclose(f.numpy(), t.numpy(), rtol=1e-6, atol=1e-9)


def test_no_derivative_ops():
    check(lambda t, x: t.native_channel_shuffle(x, 2), randn(1, 4, 2, 2), grad=False)
    check(lambda t, x, g: t.grid_sampler(x, g, 1, 0, False), randn(1, 2, 4, 5), randn(1, 3, 3, 2), grad=False)


def test_loss_reduction_ints_as_torch():  # torch's Python default is 0 (none); 1 mean, 2 sum, others none
    x, y = randn(4, 3), randn(4, 3)
    for r in ((), (0,), (1,), (2,), (7,)):
        check(lambda t, x, y: t.kl_div(x, y, *r), x, y)
        check(lambda t, x, y: t.binary_cross_entropy_with_logits(x, y.sigmoid(), None, None, *r), x, y)


def test_ctc_loss_int_reduction():
    lp = np.log(np.random.default_rng(1).dirichlet(np.ones(4), size=(6, 2)))
    targets = np.array([[1, 2, 1], [3, 1, 0]])
    check(lambda t, x, y: t.ctc_loss(x, y, [6, 5], [3, 2], 0, 2), lp, targets)
    check(lambda t, x, y: t.ctc_loss(x, y, t.tensor([6, 6]), t.tensor([3, 2])), lp, targets)


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_embedding_bag_returns_aten_tuple(mode):
    w, idx, offsets = randn(6, 3), np.array([0, 2, 1, 4, 5, 5, 3]), np.array([0, 2, 3])
    check(lambda t, w, i, o: t.embedding_bag(w, i, o, False, mode), w, idx, offsets)


def test_embedding_renorm_in_place():
    w = randn(5, 3) * 3
    tw, fw = torch.tensor(w), flambeau.tensor(w)
    assert torch.embedding_renorm_(tw, torch.tensor([0, 1, 1]), 1.0, 2.0) is tw
    assert flambeau.embedding_renorm_(fw, flambeau.tensor([0, 1, 1]), 1.0, 2.0) is fw
    np.testing.assert_allclose(fw.numpy(), tw.numpy(), rtol=1e-6)


def test_dropout_family():
    x = randn(3, 4, 5)
    for name in ("alpha_dropout", "feature_dropout", "feature_alpha_dropout"):
        for p, train in ((0.4, False), (0.0, True)):
            check(lambda t, x: getattr(t, name)(x, p, train), x)
        check(lambda t, x: getattr(t, name + "_")(x * 1, 0.3, False), x)
    check(lambda t, x: t.dropout_(x * 1, 1.0, True), x)
    check(lambda t, x: t.feature_dropout(x, 1.0, True), x)
    # a feature mask is one draw per (sample, channel), scaled by 1 / (1 - p)
    out = flambeau.feature_dropout(flambeau.ones(20, 30, 4), 0.5, True).numpy()
    assert set(np.unique(out)) == {0.0, 2.0}
    assert (out == out[..., :1]).all()
    out = flambeau.ones(50, 40)
    assert flambeau.dropout_(out, 0.5, True) is out
    assert set(np.unique(out.numpy())) == {0.0, 2.0}


def test_bad_input_raises_like_torch():
    x = randn(4)
    check_raises(lambda t, x: t.dropout_(x, 1.5, True), x)
    check_raises(lambda t, x: t.feature_dropout(x, 0.5, True), x)
    check_raises(lambda t, x: t.conv_tbc(x, x, x), x)
    check_raises(lambda t, w: t.embedding(w, t.tensor([7])), randn(5, 3))
    check_raises(lambda t, x: t.threshold(x, 0.1), x)


def _rnn_params(gates, inp, hidden, layers, directions, bias, proj=0):
    params = []
    out = proj or hidden
    for layer in range(layers):
        for _ in range(directions):
            n_in = inp if layer == 0 else out * directions
            params += [randn(gates * hidden, n_in), randn(gates * hidden, out)]
            if bias:
                params += [randn(gates * hidden), randn(gates * hidden)]
            if proj:
                params.append(randn(proj, hidden))
    return params


@pytest.mark.parametrize("name,gates", [("gru", 3), ("rnn_tanh", 1), ("rnn_relu", 1)])
@pytest.mark.parametrize("bias,layers,bidirectional,batch_first", [(True, 1, False, False), (False, 2, True, True)])
def test_functional_rnn_padded(name, gates, bias, layers, bidirectional, batch_first):
    d = 2 if bidirectional else 1
    params = _rnn_params(gates, 3, 4, layers, d, bias)
    x = randn(2, 5, 3) if batch_first else randn(5, 2, 3)
    check(lambda t, x, h, *p: getattr(t, name)(x, h, list(p), bias, layers, 0.0, True, bidirectional, batch_first),
          x, randn(layers * d, 2, 4), *params)


@pytest.mark.parametrize("proj", [0, 2])
def test_functional_lstm_padded(proj):
    params = _rnn_params(4, 3, 4, 2, 2, True, proj)
    check(lambda t, x, h, c, *p: t.lstm(x, (h, c), list(p), True, 2, 0.0, False, True, False),
          randn(5, 2, 3), randn(4, 2, proj or 4), randn(4, 2, 4), *params)


@pytest.mark.parametrize("name,gates", [("lstm", 4), ("gru", 3), ("rnn_tanh", 1)])
def test_functional_rnn_packed(name, gates):
    params = _rnn_params(gates, 3, 4, 1, 2, True)
    sizes = np.array([3, 2, 2, 1])

    def fn(t, data, h, *p):
        hx = (h, h * 0.5) if name == "lstm" else h
        return getattr(t, name)(data, t.tensor(sizes), hx, list(p), True, 1, 0.0, True, True)
    check(fn, randn(8, 3), randn(2, 3, 4), *params)


def test_functional_rnn_wrong_parameter_count():
    params = _rnn_params(3, 3, 4, 1, 1, True)[:3]
    check_raises(lambda t, x, h, *p: t.gru(x, h, list(p), True, 1, 0.0, False, False, False),
                 randn(5, 2, 3), randn(1, 2, 4), *params)
