"""Losses against PyTorch: functional forms over their options and reductions (values, dtypes, gradients of
every float input), layers (state_dict with weight buffers, repr, legacy size_average/reduce), gradcheck and
gradgradcheck in float64, and the errors PyTorch raises."""
import warnings

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_raises, copy_state, gradcheck, randint, randn

F32 = np.float32
REDUCTIONS = ["none", "mean", "sum"]

X = randn(5, 4)
Y = randn(5, 4)
X4 = randn(3, 4, 2, 3)
T4 = randint(0, 4, 3, 2, 3)
LABELS = randint(0, 4, 5)
IGNORED = LABELS.copy()
IGNORED[[1, 3]] = -100
CLASS_W = randn(4, low=0.5, high=2.0)
PROBS = randn(5, 4, low=0.05, high=0.95)
UNIT = randn(5, 4, low=0.0, high=1.0)
SIGNS = np.where(randn(5, 4) > 0, 1.0, -1.0)
SIGNS1 = np.array([1.0, -1.0, 1.0, -1.0, -1.0])


def _w(t, like):
    """Class weights as a constant of the input's dtype (PyTorch's kernels refuse a weight that requires grad)."""
    return t.tensor(CLASS_W, dtype=like.dtype)


# (name, case, inputs): each case runs for every reduction and for float32 and float64
CASES = [
    ("l1", lambda t, a, b, r: t.nn.functional.l1_loss(a, b, reduction=r), X, Y),
    ("l1_weight", lambda t, a, b, r: t.nn.functional.l1_loss(a, b, reduction=r, weight=a.detach().abs()), X, Y),
    ("mse", lambda t, a, b, r: t.nn.functional.mse_loss(a, b, reduction=r), X, Y),
    ("mse_weight", lambda t, a, b, r: t.nn.functional.mse_loss(a, b, reduction=r, weight=b.detach().abs()), X, Y),
    ("smooth_l1", lambda t, a, b, r: t.nn.functional.smooth_l1_loss(a, b, reduction=r), X, Y),
    ("smooth_l1_beta", lambda t, a, b, r: t.nn.functional.smooth_l1_loss(a, b, reduction=r, beta=0.4), X, Y),
    ("smooth_l1_beta0", lambda t, a, b, r: t.nn.functional.smooth_l1_loss(a, b, reduction=r, beta=0.0), X, Y),
    ("huber", lambda t, a, b, r: t.nn.functional.huber_loss(a, b, reduction=r, delta=0.6), X, Y),
    ("huber_weight", lambda t, a, b, r: t.nn.functional.huber_loss(a, b, r, 1.5, weight=b.detach().abs()), X, Y),
    ("nll", lambda t, a, b, r: t.nn.functional.nll_loss(a, b, reduction=r), X, LABELS),
    ("nll_weight_ignore", lambda t, a, b, r: t.nn.functional.nll_loss(a, b, _w(t, a), reduction=r), X, IGNORED),
    ("nll_ignore_index", lambda t, a, b, r: t.nn.functional.nll_loss(a, b, ignore_index=2, reduction=r), X, LABELS),
    ("nll_kdim", lambda t, a, b, r: t.nn.functional.nll_loss(a, b, _w(t, a), ignore_index=1, reduction=r), X4, T4),
    ("nll_1d", lambda t, a, b, r: t.nn.functional.nll_loss(a, b, reduction=r), X[0], np.array(2)),
    ("ce", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, reduction=r), X, LABELS),
    ("ce_weight", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, _w(t, a), reduction=r), X, LABELS),
    ("ce_ignore", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, _w(t, a), reduction=r), X, IGNORED),
    ("ce_ignore_index", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, ignore_index=3, reduction=r), X,
     LABELS),
    ("ce_kdim", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, reduction=r), X4, T4),
    ("ce_kdim_weight", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, _w(t, a), ignore_index=0, reduction=r),
     X4, T4),
    ("ce_3d", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, reduction=r), randn(2, 4, 3), randint(0, 4, 2, 3)),
    ("ce_1d", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, reduction=r), X[0], np.array(1)),
    ("ce_smoothing", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, reduction=r, label_smoothing=0.2), X,
     IGNORED),
    ("ce_smoothing_weight", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, _w(t, a), reduction=r,
                                                                             label_smoothing=0.3), X, IGNORED),
    ("ce_smoothing_kdim", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, _w(t, a), ignore_index=2, reduction=r,
                                                                           label_smoothing=0.1), X4, T4),
    ("ce_probs", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, reduction=r), X, UNIT),
    ("ce_probs_weight", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, _w(t, a), reduction=r,
                                                                         label_smoothing=0.25), X, UNIT),
    ("ce_probs_kdim", lambda t, a, b, r: t.nn.functional.cross_entropy(a, b, reduction=r), X4, randn(3, 4, 2, 3)),
    ("bce", lambda t, a, b, r: t.nn.functional.binary_cross_entropy(a, b, reduction=r), PROBS, UNIT),
    ("bce_weight", lambda t, a, b, r: t.nn.functional.binary_cross_entropy(a, b, _w(t, a), reduction=r), PROBS, UNIT),
    ("bce_logits", lambda t, a, b, r: t.nn.functional.binary_cross_entropy_with_logits(a * 20, b, reduction=r), X,
     UNIT),
    ("bce_logits_weights", lambda t, a, b, r: t.nn.functional.binary_cross_entropy_with_logits(
        a, b, _w(t, a).flip(0), reduction=r, pos_weight=_w(t, a)), X, UNIT),
    ("kl_div", lambda t, a, b, r: t.nn.functional.kl_div(a, b, reduction=r), X, UNIT),
    ("kl_div_log_target", lambda t, a, b, r: t.nn.functional.kl_div(a, b, reduction=r, log_target=True), X, Y),
    ("poisson", lambda t, a, b, r: t.nn.functional.poisson_nll_loss(a, b * 3, reduction=r), X, UNIT),
    ("poisson_full", lambda t, a, b, r: t.nn.functional.poisson_nll_loss(a, b * 3, full=True, reduction=r), X, UNIT),
    ("poisson_rate", lambda t, a, b, r: t.nn.functional.poisson_nll_loss(a, b * 3, False, True, eps=1e-3,
                                                                         reduction=r), PROBS, UNIT),
    ("gaussian", lambda t, a, b, v, r: t.nn.functional.gaussian_nll_loss(a, b, v, reduction=r), X, Y, PROBS),
    ("gaussian_full_homo", lambda t, a, b, v, r: t.nn.functional.gaussian_nll_loss(a, b, v, True, reduction=r), X,
     Y, PROBS[:, 0]),
    ("gaussian_broadcast", lambda t, a, b, v, r: t.nn.functional.gaussian_nll_loss(a, b, v, eps=0.3, reduction=r),
     X, Y, PROBS[:1]),
    ("gaussian_float_var", lambda t, a, b, r: t.nn.functional.gaussian_nll_loss(a, b, 0.5, reduction=r), X, Y),
    ("cosine_embedding", lambda t, a, b, r: t.nn.functional.cosine_embedding_loss(a, b, t.tensor(SIGNS1), 0.1,
                                                                                  reduction=r), X, Y),
    ("cosine_embedding_1d", lambda t, a, b, r: t.nn.functional.cosine_embedding_loss(a, b, t.tensor(-1.0), -0.5,
                                                                                     reduction=r), X[0], Y[0]),
    ("margin_ranking", lambda t, a, b, c, r: t.nn.functional.margin_ranking_loss(a, b, c, 0.3, reduction=r), X[:, 0],
     Y[:, 0], SIGNS1),
    ("hinge_embedding", lambda t, a, b, r: t.nn.functional.hinge_embedding_loss(a, b, 0.7, reduction=r), X, SIGNS),
    ("multi_margin", lambda t, a, b, r: t.nn.functional.multi_margin_loss(a, b, reduction=r), X, LABELS),
    ("multi_margin_p2_weight", lambda t, a, b, r: t.nn.functional.multi_margin_loss(a, b, 2, 0.6, _w(t, a),
                                                                                     reduction=r), X, LABELS),
    ("multi_margin_1d", lambda t, a, b, r: t.nn.functional.multi_margin_loss(a, b, reduction=r), X[0], np.array(3)),
    ("multilabel_margin", lambda t, a, b, r: t.nn.functional.multilabel_margin_loss(a, b, reduction=r), X,
     np.array([[3, 0, -1, 1], [1, 1, -1, 2], [1, 2, 3, 0], [-1, 0, 0, 0], [2, -1, 3, 3]])),
    ("multilabel_margin_1d", lambda t, a, b, r: t.nn.functional.multilabel_margin_loss(a, b, reduction=r), X[0],
     np.array([2, 0, -1, 1])),
    ("multilabel_soft_margin", lambda t, a, b, r: t.nn.functional.multilabel_soft_margin_loss(a, b, reduction=r), X,
     (UNIT > 0.5).astype(np.float64)),
    ("multilabel_soft_margin_weight", lambda t, a, b, c, r: t.nn.functional.multilabel_soft_margin_loss(
        a, b, c, reduction=r), X, UNIT, CLASS_W),
    ("soft_margin", lambda t, a, r: t.nn.functional.soft_margin_loss(a, t.tensor(SIGNS, dtype=a.dtype),
                                                                     reduction=r), X),
    ("triplet", lambda t, a, b, c, r: t.nn.functional.triplet_margin_loss(a, b, c, reduction=r), X, Y, UNIT),
    ("triplet_p1_swap", lambda t, a, b, c, r: t.nn.functional.triplet_margin_loss(a, b, c, 0.5, 1, swap=True,
                                                                                  reduction=r), X, Y, UNIT),
    ("triplet_1d", lambda t, a, b, c, r: t.nn.functional.triplet_margin_loss(a, b, c, 2.0, 3, reduction=r), X[0],
     Y[0], UNIT[0]),
]


def _cast(arrays, dtype):
    return [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_functional(name, reduction):
    _, fn, *arrays = next(c for c in CASES if c[0] == name)
    case = lambda t, *xs: fn(t, *xs, reduction)  # noqa: E731
    check(case, *arrays)
    check(case, *_cast(arrays, F32), atol=2e-5, rtol=1e-4)


SMOOTH = ["mse", "smooth_l1_beta", "huber", "nll_weight_ignore", "nll_kdim", "ce", "ce_weight", "ce_ignore", "ce_kdim",
          "ce_kdim_weight", "ce_smoothing_weight", "ce_probs_weight", "bce", "bce_logits_weights", "kl_div",
          "kl_div_log_target", "poisson_full", "poisson_rate", "gaussian", "gaussian_full_homo", "cosine_embedding",
          "multilabel_soft_margin_weight", "soft_margin", "triplet"]
PIECEWISE = ["l1", "margin_ranking", "hinge_embedding", "multi_margin", "multi_margin_p2_weight", "multilabel_margin",
             "triplet_p1_swap"]


@pytest.mark.parametrize("name", SMOOTH + PIECEWISE)
def test_gradcheck(name):
    _, fn, *arrays = next(c for c in CASES if c[0] == name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for reduction in ("mean", "none"):
            gradcheck(lambda t, *xs: fn(t, *xs, reduction), *arrays, gradgrad=name in SMOOTH)


def test_cross_entropy_fused_matches_composite():
    """The fused primitive equals nll_loss(log_softmax(x)): value, gradient and second derivative."""
    F = flambeau.nn.functional
    target, weight = flambeau.tensor(IGNORED), flambeau.tensor(CLASS_W)
    results = []
    for loss_fn in (lambda x: F.cross_entropy(x, target, weight),
                    lambda x: F.nll_loss(F.log_softmax(x, 1), target, weight)):
        x = flambeau.tensor(X, requires_grad=True)
        loss = loss_fn(x)
        g, = flambeau.autograd.grad(loss, x, create_graph=True)
        gg, = flambeau.autograd.grad((g * g).sum(), x)
        results.append([loss.detach().numpy(), g.detach().numpy(), gg.numpy()])
    for fused, composite in zip(*results):
        np.testing.assert_allclose(fused, composite, rtol=1e-10, atol=1e-12)


def test_cross_entropy_plain_backward_retained_and_no_grad():
    """The plain backward reads the softmax the forward saved: a retained graph's second backward gives the
    same gradient, and a forward without gradient (no saved softmax) gives the same loss."""
    F = flambeau.nn.functional
    target, weight = flambeau.tensor(IGNORED), flambeau.tensor(CLASS_W)
    x = flambeau.tensor(X, requires_grad=True)
    loss = F.cross_entropy(x, target, weight, reduction="sum")
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * first)
    with flambeau.no_grad():
        unrecorded = F.cross_entropy(x, target, weight, reduction="sum")
    np.testing.assert_array_equal(unrecorded.numpy(), loss.detach().numpy())
    check(lambda t, a: t.nn.functional.cross_entropy(a, t.tensor(IGNORED), t.tensor(CLASS_W.astype(F32))),
          X.astype(F32))


def test_all_ignored_mean_is_nan_with_zero_gradient():
    check(lambda t, a: t.nn.functional.cross_entropy(a, t.full((5,), -100)), X)
    check(lambda t, a: t.nn.functional.nll_loss(a, t.full((5,), 1), ignore_index=1), X)


def test_extreme_logits():
    big = randn(4, 6) * 1e3
    check(lambda t, a: t.nn.functional.cross_entropy(a, t.tensor([0, 5, 2, 2])), big.astype(F32), atol=1e-3)
    check(lambda t, a, b: t.nn.functional.binary_cross_entropy_with_logits(a, b), big, randn(4, 6, low=0, high=1))
    edges = np.array([0.0, 1e-30, 0.5, 1.0])
    check(lambda t, a: t.nn.functional.binary_cross_entropy(a, t.tensor([0.0, 1.0, 0.3, 1.0]).to(a.dtype)),
          edges.astype(F32), grad=False)


@pytest.mark.parametrize("dtype", [F32, np.float64])
def test_cross_entropy_row_kernels(dtype):
    """(N, C) logits run as row kernels: non-finite rows, an empty batch, and rows split over two threads."""
    x = randn(6, 5, dtype=dtype)
    x[1, 2], x[2, 0], x[3, :] = np.inf, np.nan, -np.inf
    check(lambda t, a: t.nn.functional.cross_entropy(a, t.tensor([0, 2, 1, 3, 4, 0]), reduction="none"), x)
    check(lambda t, a: t.nn.functional.cross_entropy(a, t.zeros(0, dtype=t.int64)), randn(0, 5, dtype=dtype))
    big = randn(3000, 100, dtype=dtype) * 4
    labels = randint(0, 100, 3000)
    previous = flambeau.get_num_threads()
    flambeau.set_num_threads(2)
    try:
        check(lambda t, a: t.nn.functional.cross_entropy(a, t.tensor(labels)), big, atol=1e-6)
    finally:
        flambeau.set_num_threads(previous)


# ------------------------------------------------------------------------------- CTC

T_, N_, C_ = 7, 3, 5
LOGITS = randn(T_, N_, C_)
LOG_PROBS = LOGITS - np.log(np.exp(LOGITS).sum(-1, keepdims=True))
PADDED = np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc(reduction, zero_infinity):
    kw = {"reduction": reduction, "zero_infinity": zero_infinity}
    # log_probs as the leaf: PyTorch's gradient w.r.t. log_probs itself (it assumes a log_softmax before)
    check(lambda t, a: t.nn.functional.ctc_loss(a, t.tensor(PADDED), [7, 6, 5], [3, 2, 3], **kw), LOG_PROBS)
    check(lambda t, a: t.nn.functional.ctc_loss(a.log_softmax(2), t.tensor(PADDED), t.tensor([7, 6, 3]),
                                                t.tensor([3, 0, 3]), blank=4, **kw), LOGITS)  # one infeasible
    check(lambda t, a: t.nn.functional.ctc_loss(a.log_softmax(2), t.tensor([1, 2, 2, 3, 1, 4]), (7, 6, 5),
                                                (3, 2, 1), **kw), LOGITS.astype(F32), atol=1e-5)
    check(lambda t, a: t.nn.functional.ctc_loss(a[:, 0], t.tensor([1, 3]), [7], [2], **kw), LOG_PROBS)


def test_ctc_gradcheck_and_layer():
    gradcheck(lambda t, a: t.nn.functional.ctc_loss(a.log_softmax(2), t.tensor(PADDED), [7, 6, 5], [3, 2, 3]),
              LOGITS, gradgrad=False)
    t_mod, f_mod = torch.nn.CTCLoss(blank=3, zero_infinity=True), flambeau.nn.CTCLoss(blank=3, zero_infinity=True)
    assert repr(f_mod) == repr(t_mod)
    targets = np.array([[1, 2, 2], [4, 1, 0], [4, 4, 4]])
    check(lambda t, a: (t_mod if t is torch else f_mod)(a.log_softmax(2), t.tensor(targets), t.tensor([7, 7, 2]),
                                                        t.tensor([3, 3, 2])), LOGITS)


def test_ctc_no_double_backward():
    lp = flambeau.tensor(LOG_PROBS, requires_grad=True)
    loss = flambeau.nn.functional.ctc_loss(lp, flambeau.tensor(PADDED), [7, 6, 5], [3, 2, 3])
    g, = flambeau.autograd.grad(loss, lp, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        g.sum().backward()


# ------------------------------------------------------------------------------- layers

LAYERS = [  # (name, kwargs, inputs with gradients, constant inputs); weight buffers are float32 tensors
    ("L1Loss", {}, (X, Y), ()), ("MSELoss", {"reduction": "sum"}, (X, Y), ()),
    ("SmoothL1Loss", {"beta": 0.5}, (X, Y), ()), ("HuberLoss", {"delta": 0.5, "reduction": "none"}, (X, Y), ()),
    ("CrossEntropyLoss", {}, (X,), (LABELS,)),
    ("CrossEntropyLoss", {"weight": CLASS_W, "ignore_index": 1, "label_smoothing": 0.1}, (X4,), (T4,)),
    ("CrossEntropyLoss", {"weight": CLASS_W, "reduction": "none"}, (X, UNIT), ()),
    ("NLLLoss", {"weight": CLASS_W}, (X,), (IGNORED,)),
    ("NLLLoss", {"ignore_index": 0, "reduction": "sum"}, (X4,), (T4,)),
    ("BCELoss", {"weight": CLASS_W}, (PROBS, UNIT), ()),
    ("BCEWithLogitsLoss", {"weight": CLASS_W, "pos_weight": CLASS_W[::-1].copy()}, (X, UNIT), ()),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, (X, Y), ()),
    ("PoissonNLLLoss", {"log_input": False, "full": True}, (PROBS, UNIT * 3), ()),
    ("GaussianNLLLoss", {"full": True, "eps": 0.1}, (X, Y, PROBS), ()),
    ("CosineEmbeddingLoss", {"margin": 0.2}, (X, Y), (SIGNS1,)),
    ("MarginRankingLoss", {"margin": 0.1}, (X[:, 0], Y[:, 0], SIGNS1), ()),
    ("HingeEmbeddingLoss", {"margin": 2.0}, (X,), (SIGNS,)),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": CLASS_W}, (X,), (LABELS,)),
    ("MultiLabelMarginLoss", {}, (X,), (np.array([[3, 0, -1, 1]] * 5),)),
    ("MultiLabelSoftMarginLoss", {"weight": CLASS_W}, (X, (UNIT > 0.5).astype(np.float64)), ()),
    ("SoftMarginLoss", {}, (X,), (SIGNS,)),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.5, "swap": True}, (X, Y, UNIT), ()),
]


def _layer(lib, name, kwargs):
    kw = {k: lib.tensor(v, dtype=lib.float32) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(lib.nn, name)(**kw)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("i", range(len(LAYERS)))
def test_layer(i):
    name, kwargs, inputs, constants = LAYERS[i]
    t_mod, f_mod = _layer(torch, name, kwargs), _layer(flambeau, name, kwargs)
    assert repr(f_mod) == repr(t_mod)
    assert list(f_mod.state_dict()) == list(t_mod.state_dict())
    copy_state(t_mod, f_mod)
    for train in (True, False):
        t_mod.train(train)
        f_mod.train(train)
        check(lambda t, *xs: (t_mod if t is torch else f_mod)(*xs, *[t.tensor(c).to(xs[0].dtype)
                                                                    if c.dtype.kind == "f" else t.tensor(c)
                                                                    for c in constants]),
              *_cast(inputs, F32), atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (True, True), (False, True),
                                                 (True, False)])
def test_legacy_reduction_flags(size_average, reduce):
    for name in ("L1Loss", "MSELoss", "CrossEntropyLoss", "BCELoss", "KLDivLoss", "SmoothL1Loss", "SoftMarginLoss"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f_mod = getattr(flambeau.nn, name)(size_average=size_average, reduce=reduce)
            t_mod = getattr(torch.nn, name)(size_average=size_average, reduce=reduce)
        assert f_mod.reduction == t_mod.reduction
        assert any("size_average and reduce args will be deprecated" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t, a, b: t.nn.functional.nll_loss(a, b, size_average=size_average, reduce=reduce), X, LABELS)
        check(lambda t, a, b: t.nn.functional.mse_loss(a, b, size_average=size_average, reduce=reduce), X, Y)


def test_weight_is_a_buffer():
    f_mod = flambeau.nn.CrossEntropyLoss(weight=flambeau.tensor(CLASS_W, dtype=flambeau.float32))
    assert [name for name, _ in f_mod.named_buffers()] == ["weight"] and not list(f_mod.parameters())
    assert f_mod.double().weight.dtype == flambeau.float64
    assert list(flambeau.nn.NLLLoss().state_dict()) == list(torch.nn.NLLLoss().state_dict()) == []


@pytest.mark.filterwarnings("ignore:Using a target size")
def test_warnings():
    F = flambeau.nn.functional
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(flambeau.ones(3, 1), flambeau.ones(3))
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(flambeau.zeros(2, 3), flambeau.ones(2, 3))
    x = flambeau.tensor(X)
    assert_same(torch.nn.functional.mse_loss(torch.tensor(X), torch.tensor(Y[:1]), reduction="sum"),
                F.mse_loss(x, flambeau.tensor(Y[:1]), reduction="sum"))


ERRORS = [  # x (5, 4) float32, y (5,) int64
    lambda t, x, y: t.nn.functional.nll_loss(x, y.float()),
    lambda t, x, y: t.nn.functional.nll_loss(x, y.int()),
    lambda t, x, y: t.nn.functional.nll_loss(x, y[:3]),
    lambda t, x, y: t.nn.functional.nll_loss(x, y + 4),
    lambda t, x, y: t.nn.functional.nll_loss(x, y - 5),
    lambda t, x, y: t.nn.functional.nll_loss(x[0, 0], y[0]),
    lambda t, x, y: t.nn.functional.nll_loss(x, y.reshape(5, 1)),
    lambda t, x, y: t.nn.functional.nll_loss(x.reshape(5, 2, 2), y),
    lambda t, x, y: t.nn.functional.nll_loss(x, y, weight=t.ones(3)),
    lambda t, x, y: t.nn.functional.nll_loss(x, y, reduction="average"),
    lambda t, x, y: t.nn.functional.nll_loss(x, y, weight=t.ones(4, requires_grad=True)),
    lambda t, x, y: t.nn.functional.cross_entropy(x, y.float()),
    lambda t, x, y: t.nn.functional.cross_entropy(x, x.long()),
    lambda t, x, y: t.nn.functional.cross_entropy(x, x, ignore_index=1),
    lambda t, x, y: t.nn.functional.cross_entropy(x, y, label_smoothing=1.5),
    lambda t, x, y: t.nn.functional.cross_entropy(x, x.softmax(1), label_smoothing=1.5),
    lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="elementwise"),
    lambda t, x, y: t.nn.functional.binary_cross_entropy(x.sigmoid(), x[:, :2].sigmoid()),
    lambda t, x, y: t.nn.functional.binary_cross_entropy(x * 2, x.sigmoid()),
    lambda t, x, y: t.nn.functional.binary_cross_entropy(x.sigmoid(), x.sigmoid(), t.ones(4, requires_grad=True)),
    lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, x[0]),
    lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(x, x, pos_weight=t.ones(4, requires_grad=True)),
    lambda t, x, y: t.nn.functional.l1_loss(x, x, reduction="avg"),
    lambda t, x, y: t.nn.functional.mse_loss(x, x, weight=t.ones(4)),
    lambda t, x, y: t.nn.functional.smooth_l1_loss(x, x, beta=-1.0),
    lambda t, x, y: t.nn.functional.huber_loss(x, x, delta=0.0),
    lambda t, x, y: t.nn.functional.kl_div(x, x, reduction="batch"),
    lambda t, x, y: t.nn.functional.poisson_nll_loss(x, x, reduction="avg"),
    lambda t, x, y: t.nn.functional.gaussian_nll_loss(x, x, -t.ones(5, 4)),
    lambda t, x, y: t.nn.functional.gaussian_nll_loss(x, x, -1.0),
    lambda t, x, y: t.nn.functional.gaussian_nll_loss(x, x, t.ones(5, 3)),
    lambda t, x, y: t.nn.functional.gaussian_nll_loss(x, x, t.ones(5, 4), reduction="avg"),
    lambda t, x, y: t.nn.functional.cosine_embedding_loss(x, x, t.ones(5, 1)),
    lambda t, x, y: t.nn.functional.cosine_embedding_loss(x, x, t.ones(())),
    lambda t, x, y: t.nn.functional.cosine_embedding_loss(x[0], x[0], t.ones(5)),
    lambda t, x, y: t.nn.functional.margin_ranking_loss(x, x[0], y.float()),
    lambda t, x, y: t.nn.functional.multi_margin_loss(x, y, p=3),
    lambda t, x, y: t.nn.functional.multi_margin_loss(x, y, weight=t.ones(2, 2)),
    lambda t, x, y: t.nn.functional.multi_margin_loss(x, y[:2]),
    lambda t, x, y: t.nn.functional.multi_margin_loss(x, y + 4),
    lambda t, x, y: t.nn.functional.multilabel_margin_loss(x, x),
    lambda t, x, y: t.nn.functional.multilabel_margin_loss(x, y),
    lambda t, x, y: t.nn.functional.soft_margin_loss(x, x.requires_grad_()),
    lambda t, x, y: t.nn.functional.triplet_margin_loss(x, x, x, margin=0.0),
    lambda t, x, y: t.nn.functional.triplet_margin_loss(x, x, x[0]),
    lambda t, x, y: t.nn.functional.ctc_loss(x.reshape(5, 1, 4), y[:2].reshape(1, 2), [6], [2]),
    lambda t, x, y: t.nn.functional.ctc_loss(x.reshape(5, 1, 4), y[:2].reshape(1, 2), [5], [3]),
    lambda t, x, y: t.nn.functional.ctc_loss(x.reshape(5, 1, 4), y[:2].reshape(1, 2), [5], [2], reduction="x"),
    lambda t, x, y: t.nn.HuberLoss(delta="1"),
    lambda t, x, y: t.nn.MultiMarginLoss(p=3),
    lambda t, x, y: t.nn.MultiMarginLoss(weight=t.ones(2, 2)),
    lambda t, x, y: t.nn.TripletMarginLoss(margin=-1.0),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_raises(ERRORS[i], randn(5, 4, dtype=F32), randint(0, 4, 5))


def test_error_messages():
    F = flambeau.nn.functional
    x, y = flambeau.tensor(X), flambeau.tensor(LABELS)
    for call, tfn in [(lambda: F.nll_loss(x, y.float()), lambda: torch.nn.functional.nll_loss(
                          torch.tensor(X), torch.tensor(LABELS).float())),
                      (lambda: F.binary_cross_entropy(x.sigmoid(), x[:, :2].sigmoid()),
                       lambda: torch.nn.functional.binary_cross_entropy(torch.tensor(X).sigmoid(),
                                                                        torch.tensor(X)[:, :2].sigmoid())),
                      (lambda: F.nll_loss(x, y + 4), lambda: torch.nn.functional.nll_loss(torch.tensor(X),
                                                                                          torch.tensor(LABELS) + 4))]:
        with pytest.raises(Exception) as f_err:
            call()
        with pytest.raises(Exception) as t_err:
            tfn()
        assert str(f_err.value) == str(t_err.value)
