"""cosine_similarity, pairwise_distance and pdist against PyTorch (broadcasting, eps, p, keepdim, zero
vectors), gradcheck, errors, and the CosineSimilarity/PairwiseDistance layers."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn


@pytest.mark.parametrize("shapes,dim", [(((4, 5), (4, 5)), 1), (((3, 4), (3, 4)), 0), (((2, 3, 4), (3, 4)), -1),
                                        (((5,), (5,)), 0), (((2, 1, 4), (3, 4)), 2)])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_cosine_similarity(shapes, dim, eps):
    check(lambda t, a, b: t.nn.functional.cosine_similarity(a, b, dim, eps), *[randn(*s) for s in shapes])


def test_cosine_similarity_zero_vector_and_dtypes():
    a = randn(3, 4)
    a[1] = 0
    check(lambda t, x, y: t.nn.functional.cosine_similarity(x, y), a, randn(3, 4))
    check(lambda t, x, y: t.nn.functional.cosine_similarity(x, y), randn(3, 4, dtype=np.float32),
          randn(3, 4, dtype=np.float32))
    check(lambda t, x, y: t.nn.functional.cosine_similarity(x, y), np.arange(12).reshape(3, 4), randn(3, 4))


@pytest.mark.parametrize("shapes", [((4, 5), (4, 5)), ((5,), (5,)), ((3, 5), (5,)), ((2, 3, 4), (3, 4)),
                                    ((1, 5), (3, 5))])
@pytest.mark.parametrize("p,eps,keepdim", [(2.0, 1e-6, False), (1.0, 0.0, True), (3.0, 0.1, False),
                                           (float("inf"), 1e-6, True)])
def test_pairwise_distance(shapes, p, eps, keepdim):
    check(lambda t, a, b: t.nn.functional.pairwise_distance(a, b, p, eps, keepdim), *[randn(*s) for s in shapes])


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, float("inf")])
@pytest.mark.parametrize("shape", [(5, 3), (1, 4), (2, 1)])
def test_pdist(p, shape):
    check(lambda t, a: t.nn.functional.pdist(a, p), randn(*shape))


def test_gradcheck():
    gradcheck(lambda t, a, b: t.nn.functional.cosine_similarity(a, b), randn(3, 4), randn(3, 4))
    gradcheck(lambda t, a, b: t.nn.functional.pairwise_distance(a, b), randn(3, 4), randn(3, 4))
    gradcheck(lambda t, a: t.nn.functional.pdist(a), randn(4, 3))


@pytest.mark.parametrize("fn,shapes", [
    (lambda t, a, b: t.nn.functional.cosine_similarity(a, b), ((3, 4), (2, 4))),
    (lambda t, a, b: t.nn.functional.cosine_similarity(a.long(), b.long()), ((3, 4), (3, 4))),
    (lambda t, a, b: t.nn.functional.pairwise_distance(a, b), ((3, 4), (3, 5))),
    (lambda t, a, b: t.nn.functional.pdist(a), ((3, 4, 2), (1,))),
    (lambda t, a, b: t.nn.functional.pdist(a.long()), ((3, 4), (1,))),
    (lambda t, a, b: t.nn.functional.pdist(a, -1.0), ((3, 4), (1,))),
])
def test_errors(fn, shapes):
    check_raises(fn, *[randn(*s) for s in shapes])


@pytest.mark.parametrize("name,kwargs", [("CosineSimilarity", {}), ("CosineSimilarity", {"dim": 0, "eps": 1e-3}),
                                         ("PairwiseDistance", {}),
                                         ("PairwiseDistance", {"p": 1.0, "eps": 0.0, "keepdim": True})])
def test_layers(name, kwargs):
    t_module, f_module = getattr(torch.nn, name)(**kwargs), getattr(flambeau.nn, name)(**kwargs)
    assert repr(f_module) == repr(t_module)
    check_module(t_module, f_module, randn(4, 5, dtype=np.float32), randn(4, 5, dtype=np.float32))
