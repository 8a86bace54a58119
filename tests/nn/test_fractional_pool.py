"""Fractional max pooling against PyTorch, both given the same _random_samples: F.fractional_max_pool2d/3d and
nn.FractionalMaxPool2d/3d (values, indices, gradients) over output_size/output_ratio, kernel shapes, unbatched
inputs and ties; gradcheck in float64; samples drawn from flambeau's generator; PyTorch's exception types."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

F32 = np.float32


def _samples(n, c, nsp, dtype=F32, seed=0):
    return np.random.default_rng(seed).random((n, c, nsp)).astype(dtype)


CASES_2D = [(2, {"output_size": 3}), (3, {"output_size": (2, 4)}), ((2, 3), {"output_size": (5, 3)}),
            (2, {"output_ratio": (0.5, 0.5)}), ((3, 2), {"output_ratio": (0.4, 0.7)}), (1, {"output_size": (7, 6)}),
            (2, {"output_size": 1})]


@pytest.mark.parametrize("k,kwargs", CASES_2D)
@pytest.mark.parametrize("seed", [0, 1])
def test_fractional_max_pool2d(k, kwargs, seed):
    x = randn(2, 3, 7, 6, dtype=F32)
    s = _samples(2, 3, 2, seed=seed)
    check(lambda t, x: t.nn.functional.fractional_max_pool2d(x, k, return_indices=True, _random_samples=t.tensor(s),
                                                             **kwargs), x)
    check(lambda t, x: t.nn.functional.fractional_max_pool2d(x, k, _random_samples=t.tensor(s[:1]), **kwargs), x[1])


CASES_3D = [(2, {"output_size": 2}), ((2, 1, 3), {"output_size": (3, 3, 2)}), (2, {"output_ratio": (0.5, 0.7, 0.4)}),
            (1, {"output_size": (4, 3, 5)}), (2, {"output_ratio": 0.5})]


@pytest.mark.parametrize("k,kwargs", CASES_3D)
def test_fractional_max_pool3d(k, kwargs):
    x = randn(2, 2, 5, 4, 6)
    s = _samples(3, 2, 3, np.float64)  # more sample rows than the batch: the first ones are used
    check(lambda t, x: t.nn.functional.fractional_max_pool3d(x, k, return_indices=True, _random_samples=t.tensor(s),
                                                             **kwargs), x)
    check(lambda t, x: t.nn.functional.fractional_max_pool3d(x, k, _random_samples=t.tensor(s[:1]), **kwargs), x[0])


def test_fractional_ties_and_nan():
    x = np.random.default_rng(2).integers(0, 3, (2, 2, 7, 7)).astype(F32)
    x[0, 1, 3, 3] = np.nan
    s = _samples(2, 2, 2)
    check(lambda t, x: t.nn.functional.fractional_max_pool2d(x, 3, 3, return_indices=True,
                                                             _random_samples=t.tensor(s)), x, grad=False)


def test_fractional_empty():
    s = _samples(2, 3, 2)
    for x, size in ((randn(2, 3, 7, 6, dtype=F32), 0), (randn(2, 3, 7, 6, dtype=F32), (0, 3)),
                    (np.zeros((0, 3, 7, 6), dtype=F32), 3)):
        check(lambda t, x: t.nn.functional.fractional_max_pool2d(x, 2, size, return_indices=True,
                                                                 _random_samples=t.tensor(s)), x, grad=False)


@pytest.mark.parametrize("fn,shape,nsp", [
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, (3, 2), _random_samples=s), (1, 2, 5, 4), 2),
    (lambda t, x, s: t.nn.functional.fractional_max_pool3d(x, (2, 1, 2), 2, _random_samples=s), (1, 1, 4, 3, 4), 3),
])
def test_fractional_gradcheck(fn, shape, nsp):
    n = int(np.prod(shape))
    x = np.random.default_rng(3).permutation(n).reshape(shape) / 10.0  # distinct values: no tied maxima
    s = _samples(shape[0], shape[1], nsp, np.float64)
    check(lambda t, x: fn(t, x, t.tensor(s)), x)
    gradcheck(lambda t, x: fn(t, x, t.tensor(s)), x)


def test_fractional_samples_requiring_grad_raise():
    check_raises(lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, 3, _random_samples=s.requires_grad_()),
                 randn(1, 2, 6, 6, dtype=F32), _samples(1, 2, 2))


@pytest.mark.parametrize("name,nsp,args,kwargs", [
    ("FractionalMaxPool2d", 2, (2,), {"output_size": (3, 2)}),
    ("FractionalMaxPool2d", 2, ((2, 3),), {"output_ratio": 0.5, "return_indices": True}),
    ("FractionalMaxPool3d", 3, (2,), {"output_size": 2, "return_indices": True}),
    ("FractionalMaxPool3d", 3, ((1, 2, 2),), {"output_ratio": (0.5, 0.5, 0.6)}),
])
def test_fractional_layers(name, nsp, args, kwargs):
    s = _samples(2, 2, nsp, np.float64)
    t_mod = getattr(torch.nn, name)(*args, _random_samples=torch.tensor(s), **kwargs)
    f_mod = getattr(flambeau.nn, name)(*args, _random_samples=flambeau.tensor(s), **kwargs)
    assert repr(f_mod) == repr(t_mod)
    assert list(f_mod.state_dict()) == list(t_mod.state_dict()) == ["_random_samples"]
    check_module(t_mod, f_mod, randn(2, 2, *(6, 5, 6)[:nsp]))


def test_fractional_samples_come_from_flambeau_generator():
    x = flambeau.tensor(randn(2, 3, 8, 7, dtype=F32))
    flambeau.manual_seed(5)
    out, idx = flambeau.nn.functional.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5), return_indices=True)
    flambeau.manual_seed(5)
    samples = flambeau.rand(2, 3, 2)
    same, same_idx = flambeau.nn.functional.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5), return_indices=True,
                                                                  _random_samples=samples)
    assert out.shape == (2, 3, 4, 3)
    assert flambeau.equal(out, same) and flambeau.equal(idx, same_idx)
    # and those samples give PyTorch's windows
    t_out = torch.nn.functional.fractional_max_pool2d(torch.tensor(x.numpy()), 2, output_ratio=(0.5, 0.5),
                                                      _random_samples=torch.tensor(samples.numpy()))
    np.testing.assert_array_equal(out.numpy(), t_out.numpy())
    layer = flambeau.nn.FractionalMaxPool3d(2, output_size=2)  # no samples: a fresh draw on every call
    flambeau.manual_seed(1)
    first = layer(flambeau.randn(1, 2, 5, 5, 5))
    assert first.shape == (1, 2, 2, 2, 2)


@pytest.mark.parametrize("fn,shape,sample_shape", [
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2), (2, 3, 7, 6), (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 3, 6, _random_samples=s), (2, 3, 7, 6), (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, 3, _random_samples=s), (2, 3, 7, 6), (2, 3, 3)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, 3, _random_samples=s), (2, 3, 7, 6), (1, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, 3, _random_samples=s), (2, 3, 7, 6), (2, 2, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, 3, _random_samples=s.double()), (2, 3, 7, 6),
     (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, (2, 2, 2), 3, _random_samples=s), (2, 3, 7, 6),
     (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5)), (2, 3, 7, 6),
     (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 0, 3, _random_samples=s), (2, 3, 7, 6), (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool3d(x, 2, 3, _random_samples=s), (2, 3, 5, 5, 5), (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool3d(x, 2, 3, _random_samples=s), (2, 3, 5, 5), (2, 3, 3)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool3d(x, 1, (5, 4, 4), _random_samples=s), (2, 3, 5, 5, 5),
     (2, 3, 3)),  # 3-D windows must leave room (ATen's strict check)
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x, 2, output_ratio=0.5), (2, 3, 7, 6), (2, 3, 2)),
    (lambda t, x, s: t.nn.functional.fractional_max_pool2d(x.long(), 2, 3), (2, 3, 7, 6), (2, 3, 2)),
    (lambda t, x, s: t.nn.FractionalMaxPool2d(2), (1,), (1,)),
    (lambda t, x, s: t.nn.FractionalMaxPool2d(2, output_ratio=1.5), (1,), (1,)),
    (lambda t, x, s: t.nn.FractionalMaxPool3d(2, 3, 0.5), (1,), (1,)),
])
def test_fractional_errors(fn, shape, sample_shape):
    check_raises(fn, randn(*shape, dtype=F32), _samples(*sample_shape) if len(sample_shape) == 3 else randn(1))
