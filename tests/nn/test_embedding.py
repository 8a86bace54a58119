"""Embedding, EmbeddingBag and one_hot against PyTorch: outputs, weight gradients (padding_idx,
scale_grad_by_freq), max_norm's in-place renormalisation, bags (offsets, modes, per-sample weights,
include_last_offset, padding), layers (init, from_pretrained, repr) and errors."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randint, randn, to_numpy

IDX = np.array([[1, 2, 4, 5], [4, 3, 2, 9], [1, 1, 0, 4]])


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 4}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                    {"padding_idx": 1, "scale_grad_by_freq": True}])
@pytest.mark.parametrize("idx", [IDX, IDX[0], np.array(3), IDX.astype(np.int32)])
def test_embedding(kwargs, idx):
    check(lambda t, w, i: t.nn.functional.embedding(i, w, **kwargs), randn(10, 3), idx)


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (0.5, 1.0), (2.0, 3.0)])
def test_embedding_max_norm_renormalises_weight_in_place(max_norm, norm_type):
    def fn(t, w, i):
        w = w.detach().clone().requires_grad_(True)
        out = t.nn.functional.embedding(i, w, max_norm=max_norm, norm_type=norm_type)
        return out, w.detach()  # the weight after the call: looked-up rows above max_norm rescaled
    check(fn, randn(10, 3) * 2, IDX, grad=False)


def test_sparse_gives_the_dense_gradient():
    w = randn(10, 3)
    t_w, f_w = torch.tensor(w, requires_grad=True), flambeau.tensor(w, requires_grad=True)
    (torch.nn.functional.embedding(torch.tensor(IDX), t_w, sparse=True) ** 2).sum().backward()
    (flambeau.nn.functional.embedding(flambeau.tensor(IDX), f_w, sparse=True) ** 2).sum().backward()
    assert f_w.grad.is_sparse  # a sparse COO gradient, as PyTorch's
    np.testing.assert_allclose(to_numpy(f_w.grad.to_dense()), t_w.grad.to_dense().numpy(), rtol=1e-6)


def test_gradcheck():
    # (padding_idx and scale_grad_by_freq change the gradient on purpose, so finite differences don't apply)
    gradcheck(lambda t, w, i: t.nn.functional.embedding(i, w) ** 2, randn(6, 3), np.array([[0, 2, 3], [3, 3, 5]]))
    gradcheck(lambda t, w, i, o, s: t.nn.functional.embedding_bag(i, w, o, mode="sum", per_sample_weights=s) ** 2,
              randn(6, 3), np.array([0, 2, 3, 3, 5]), np.array([0, 2]), randn(5))
    gradcheck(lambda t, w, i: t.nn.functional.embedding_bag(i, w, mode="max"), randn(6, 3), np.array([[0, 2], [3, 5]]))


BAG_IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 1, 1])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("offsets,last", [([0, 3, 3, 7], False), ([0, 2, 5, 10], True), ([0], False),
                                          ([0, 4, 4, 10], True)])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_bag_offsets(mode, offsets, last, padding_idx):
    check(lambda t, w, i, o: t.nn.functional.embedding_bag(i, w, o, mode=mode, include_last_offset=last,
                                                           padding_idx=padding_idx),
          randn(10, 3), BAG_IDX, np.array(offsets))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d(mode):
    check(lambda t, w, i: t.nn.functional.embedding_bag(i, w, mode=mode), randn(10, 3), IDX)
    check(lambda t, w, i: t.nn.functional.embedding_bag(i, w, mode=mode, padding_idx=4), randn(10, 3), IDX)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq(mode):
    check(lambda t, w, i, o: t.nn.functional.embedding_bag(i, w, o, mode=mode, scale_grad_by_freq=True,
                                                           padding_idx=2),
          randn(10, 3), BAG_IDX, np.array([0, 4, 7]))


def test_embedding_bag_per_sample_weights():
    check(lambda t, w, i, o, s: t.nn.functional.embedding_bag(i, w, o, mode="sum", per_sample_weights=s),
          randn(10, 3), BAG_IDX, np.array([0, 3, 3, 7]), randn(10))
    check(lambda t, w, i, s: t.nn.functional.embedding_bag(i, w, mode="sum", per_sample_weights=s, padding_idx=1),
          randn(10, 3), IDX, randn(*IDX.shape))


def test_embedding_bag_max_norm():
    def fn(t, w, i, o):
        w = w.detach().clone()
        return t.nn.functional.embedding_bag(i, w, o, max_norm=1.0), w
    check(fn, randn(10, 3) * 2, BAG_IDX, np.array([0, 5]), grad=False)


@pytest.mark.parametrize("num_classes", [-1, 7])
def test_one_hot(num_classes):
    check(lambda t, i: t.nn.functional.one_hot(i, num_classes), randint(0, 5, 3, 4))
    check(lambda t, i: t.nn.functional.one_hot(i, num_classes), np.array(3))


@pytest.mark.parametrize("fn,arrays", [
    (lambda t, i: t.nn.functional.one_hot(i.int()), [np.array([1, 2])]),
    (lambda t, i: t.nn.functional.one_hot(i), [np.array([1, -2])]),
    (lambda t, i: t.nn.functional.one_hot(i, 3), [np.array([1, 5])]),
    (lambda t, i: t.nn.functional.one_hot(i), [np.zeros(0, dtype=np.int64)]),
    (lambda t, w, i: t.nn.functional.embedding(i, w), [randn(5, 2), np.array([1, 5])]),
    (lambda t, w, i: t.nn.functional.embedding(i, w), [randn(5, 2), np.array([-1, 2])]),
    (lambda t, w, i: t.nn.functional.embedding(i.float(), w), [randn(5, 2), np.array([1, 2])]),
    (lambda t, w, i: t.nn.functional.embedding(i, w, padding_idx=5), [randn(5, 2), np.array([1, 2])]),
    (lambda t, w, i: t.nn.functional.embedding_bag(i, w), [randn(5, 2), np.array([1, 2])]),
    (lambda t, w, i: t.nn.functional.embedding_bag(i, w, i), [randn(5, 2), np.array([[1, 2]])]),
    (lambda t, w, i: t.nn.functional.embedding_bag(i, w, mode="min"), [randn(5, 2), np.array([[1, 2]])]),
    (lambda t, w, i: t.nn.functional.embedding_bag(i, w, mode="max", scale_grad_by_freq=True),
     [randn(5, 2), np.array([[1, 2]])]),
    (lambda t, w, i: t.nn.functional.embedding_bag(i, w, per_sample_weights=w[0]), [randn(5, 2), np.array([[1, 2]])]),
    (lambda t, w, i: t.nn.functional.embedding_bag(i, w, per_sample_weights=w[0, :1].expand(1, 2)),
     [randn(5, 2), np.array([[1, 2]])]),
    (lambda t, w, i: t.nn.functional.embedding_bag(i, w[0]), [randn(5, 2), np.array([[1, 2]])]),
])
def test_errors(fn, arrays):
    check_raises(fn, *arrays)


# ------------------------------------------------------------------------------- layers

@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"max_norm": 1.0}, {"norm_type": 1.0, "max_norm": 2.0},
                                    {"scale_grad_by_freq": True}, {"padding_idx": -2}])
def test_embedding_layer(kwargs):
    t_module, f_module = torch.nn.Embedding(10, 3, **kwargs), flambeau.nn.Embedding(10, 3, **kwargs)
    assert repr(f_module) == repr(t_module)
    assert f_module.padding_idx == t_module.padding_idx
    check_module(t_module, f_module, IDX)
    np.testing.assert_allclose(to_numpy(f_module.weight), to_numpy(t_module.weight), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"mode": "sum"}, {"mode": "max", "padding_idx": 2}, {"max_norm": 1.5},
                                    {"include_last_offset": True, "mode": "sum"}, {"scale_grad_by_freq": True}])
def test_embedding_bag_layer(kwargs):
    t_module, f_module = torch.nn.EmbeddingBag(10, 3, **kwargs), flambeau.nn.EmbeddingBag(10, 3, **kwargs)
    assert repr(f_module) == repr(t_module)
    check_module(t_module, f_module, BAG_IDX, np.array([0, 3, 7]))
    check_module(t_module, f_module, IDX)


def test_embedding_bag_layer_per_sample_weights():
    t_module, f_module = torch.nn.EmbeddingBag(10, 3, mode="sum"), flambeau.nn.EmbeddingBag(10, 3, mode="sum")
    check_module(t_module, f_module, BAG_IDX, np.array([0, 3, 7]), randn(10, dtype=np.float32))


def test_sparse_layer_repr():
    assert repr(flambeau.nn.Embedding(4, 2, sparse=True)) == repr(torch.nn.Embedding(4, 2, sparse=True))


def test_default_init():
    flambeau.manual_seed(0)
    w = to_numpy(flambeau.nn.Embedding(1000, 50, padding_idx=7).weight)
    assert np.all(w[7] == 0)
    rest = np.delete(w, 7, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1) < 0.01  # N(0, 1), like torch
    assert flambeau.nn.Embedding(4, 2).weight.dtype == flambeau.float32
    assert flambeau.nn.EmbeddingBag(4, 2, dtype=flambeau.float64).weight.dtype == flambeau.float64


@pytest.mark.parametrize("cls", ["Embedding", "EmbeddingBag"])
@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained(cls, freeze):
    w = randn(5, 3, dtype=np.float32)
    t_module = getattr(torch.nn, cls).from_pretrained(torch.tensor(w), freeze=freeze)
    f_module = getattr(flambeau.nn, cls).from_pretrained(flambeau.tensor(w), freeze=freeze)
    assert repr(f_module) == repr(t_module)
    assert f_module.weight.requires_grad == t_module.weight.requires_grad == (not freeze)
    np.testing.assert_array_equal(to_numpy(f_module.weight), w)
    with pytest.raises(AssertionError, match="2-dimensional"):
        getattr(flambeau.nn, cls).from_pretrained(flambeau.ones(3))


def test_padding_idx_out_of_range():
    for cls in ("Embedding", "EmbeddingBag"):
        check_raises(lambda t: getattr(t.nn, cls)(5, 2, padding_idx=5))
        check_raises(lambda t: getattr(t.nn, cls)(5, 2, padding_idx=-6))


def test_layer_wrong_index_dtype_names_the_layer():
    with pytest.raises(RuntimeError, match=r"^Embedding\(10, 3\) expected integer indices \(int64 or int32\), "
                                           r"got dtype torch.float32$"):
        flambeau.nn.Embedding(10, 3)(flambeau.ones(2))
    check_raises(lambda t, i: t.nn.Embedding(10, 3)(i), randn(2))
