"""Dropout: masks can't match PyTorch's bits, so the statistics are tested (fraction dropped, scaling,
channel-wise masks, alpha dropout's mean and variance), plus eval-mode identity, gradient = mask * scale,
in-place forms, p validation and repr against PyTorch."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_raises, randn

F = flambeau.nn.functional


def _np(t):
    return np.asarray(t.detach()._data)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics_and_gradient(p):
    flambeau.manual_seed(0)
    x = flambeau.ones(200, 100, requires_grad=True)
    y = F.dropout(x, p)
    out = _np(y)
    kept = out != 0
    assert abs(1 - kept.mean() - p) < 0.01  # 20000 draws: std of the fraction is below 0.004
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-6)
    y.backward(flambeau.full((200, 100), 3.0))
    np.testing.assert_allclose(_np(x.grad), np.where(kept, 3 / (1 - p), 0), rtol=1e-6)  # grad = mask * scale


@pytest.mark.parametrize("fn,shape", [(F.dropout, (2, 3)), (F.dropout1d, (2, 3, 4)), (F.dropout2d, (2, 3, 4, 5)),
                                      (F.dropout3d, (2, 3, 4, 5, 2)), (F.alpha_dropout, (2, 3)),
                                      (F.feature_alpha_dropout, (2, 3, 4))])
def test_eval_mode_and_p0_are_identity(fn, shape):
    x = flambeau.randn(*shape)
    assert fn(x, 0.5, training=False) is x
    assert fn(x, 0.0, training=True) is x


@pytest.mark.parametrize("fn,shape,channels", [
    (F.dropout1d, (8, 50, 7), (8, 50, 1)), (F.dropout1d, (50, 7), (50, 1)),
    (F.dropout2d, (8, 50, 3, 4), (8, 50, 1, 1)), (F.dropout3d, (4, 50, 2, 2, 3), (4, 50, 1, 1, 1)),
    (F.dropout3d, (50, 2, 2, 3), (50, 1, 1, 1)),
])
def test_channel_dropout_drops_whole_channels(fn, shape, channels):
    flambeau.manual_seed(1)
    out = _np(fn(flambeau.ones(*shape), 0.5))
    per_channel = out.reshape(int(np.prod(channels)), -1)
    assert np.all(per_channel == per_channel[:, :1])  # one draw per channel
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert 0.3 < (per_channel[:, 0] == 0).mean() < 0.7


@pytest.mark.parametrize("fn,feature", [(F.alpha_dropout, False), (F.feature_alpha_dropout, True)])
def test_alpha_dropout_keeps_mean_and_variance(fn, feature):
    flambeau.manual_seed(2)
    x = flambeau.randn(400, 500) if not feature else flambeau.randn(400, 500, 1)
    y = _np(fn(x, 0.3, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    # dropped units all take the same value, a' = -alpha * a + b with b = alpha * a * p
    alpha, p = 1.7580993408473766, 0.3
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(y, a * alpha * p - alpha * a, rtol=1e-5)
    assert abs(dropped.mean() - p) < 0.01


def test_alpha_dropout_gradient_is_the_scale():
    flambeau.manual_seed(3)
    x = flambeau.randn(50, 40, requires_grad=True)
    y = F.alpha_dropout(x, 0.4, training=True)
    y.sum().backward()
    alpha, p = 1.7580993408473766, 0.4
    a = 1 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    kept = ~np.isclose(_np(y), a * alpha * p - alpha * a, rtol=1e-5)
    np.testing.assert_allclose(_np(x.grad), np.where(kept, a, 0), rtol=1e-5)


def test_p1_gives_zeros_like_torch():
    check(lambda t, x: t.nn.functional.dropout(x, 1.0), randn(3, 4))
    check(lambda t, x: t.nn.functional.alpha_dropout(x, 1.0, True), randn(3, 4))
    check(lambda t, x: t.nn.functional.dropout2d(x, 1.0), randn(2, 3, 4, 2))


def test_inplace():
    flambeau.manual_seed(4)
    x = flambeau.ones(100, 10)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(_np(x))) <= {0.0, 2.0}
    x = flambeau.ones(20, 30, 5)
    y = F.dropout1d(x, 0.5, inplace=True)
    assert y is x and np.all(_np(x) == _np(x)[:, :, :1])
    x = flambeau.ones(30, 5)  # unbatched: unsqueezed and squeezed back in place
    assert F.dropout1d(x, 0.5, inplace=True) is x and x.shape == (30, 5)


def test_generator_reproducibility():
    flambeau.manual_seed(7)
    a = _np(F.dropout(flambeau.ones(50), 0.5))
    flambeau.manual_seed(7)
    assert np.array_equal(a, _np(F.dropout(flambeau.ones(50), 0.5)))


@pytest.mark.parametrize("fn", [
    lambda t, x: t.nn.functional.dropout(x, 1.5),
    lambda t, x: t.nn.functional.dropout(x, -0.1),
    lambda t, x: t.nn.functional.alpha_dropout(x, 2.0),
    lambda t, x: t.nn.functional.dropout2d(x, -1),
    lambda t, x: t.nn.functional.dropout1d(x, 0.5),  # 4-D input
    lambda t, x: t.nn.functional.feature_alpha_dropout(x[0, 0, 0], 0.5, True),  # 1-D input
    lambda t, x: t.nn.Dropout(1.1),
    lambda t, x: t.nn.Dropout2d(-0.5),
])
def test_errors(fn):
    check_raises(fn, randn(2, 3, 4, 5, dtype=np.float32))


def test_dropout2d_warnings_like_torch():
    for shape in [(3, 4, 5), (2, 3)]:
        with warnings.catch_warnings(record=True) as t_w:
            warnings.simplefilter("always")
            torch.nn.functional.dropout2d(torch.randn(*shape))
        with warnings.catch_warnings(record=True) as f_w:
            warnings.simplefilter("always")
            F.dropout2d(flambeau.randn(*shape))
        assert [str(w.message) for w in f_w] == [str(w.message) for w in t_w]


@pytest.mark.parametrize("name,shape", [("Dropout", (4, 60)), ("Dropout1d", (4, 60, 3)), ("Dropout2d", (4, 60, 3, 2)),
                                        ("Dropout3d", (4, 60, 3, 2, 2)), ("AlphaDropout", (4, 60)),
                                        ("FeatureAlphaDropout", (4, 60, 3))])
def test_layers(name, shape):
    for kwargs in ({}, {"p": 0.2, "inplace": True}):
        t_module, f_module = getattr(torch.nn, name)(**kwargs), getattr(flambeau.nn, name)(**kwargs)
        assert repr(f_module) == repr(t_module)
    f_module = getattr(flambeau.nn, name)(0.5)
    x = flambeau.ones(*shape)
    f_module.eval()
    assert np.array_equal(_np(f_module(x)), _np(x))
    f_module.train()
    out = _np(f_module(x))
    assert not np.array_equal(out, _np(x))


def test_dropout1d_layer_names_itself_on_wrong_rank():
    with pytest.raises(RuntimeError, match=r"^Dropout1d\(p=0.5, inplace=False\) expected 2D or 3D input \(got 4D input\)"):
        flambeau.nn.Dropout1d()(flambeau.ones(2, 3, 4, 5))


def test_layer_in_model_scales_in_train_only():
    model = flambeau.nn.Sequential(flambeau.nn.Dropout(0.25))
    x = flambeau.ones(1000)
    flambeau.manual_seed(5)
    out = _np(model(x))
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    model.eval()
    assert np.array_equal(_np(model(x)), _np(x))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_fused_dropout_mask_rate_scale_and_gradient(dtype):
    # the fused primitive: kept values scaled by 1/(1-p), the gradient the same mask and scale, the drop
    # rate within 4 standard deviations of p, dtypes as PyTorch's
    flambeau.manual_seed(0)
    p, n = 0.3, 20000
    x = flambeau.ones(n, dtype=getattr(flambeau, dtype), requires_grad=True)
    y = flambeau.nn.functional.dropout(x, p, True)
    y.backward(flambeau.ones(n, dtype=x.dtype))
    kept = y != 0
    assert y.dtype == x.dtype and x.grad.dtype == x.dtype
    assert abs(float((~kept).float().mean()) - p) < 4 * (p * (1 - p) / n) ** 0.5
    scale = torch.tensor(1 / (1 - p), dtype=getattr(torch, dtype)).item()
    assert flambeau.equal(y[kept].float(), flambeau.full((int(kept.sum()),), scale))
    assert flambeau.equal(x.grad, y)
