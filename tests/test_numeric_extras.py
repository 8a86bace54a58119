"""torch.histogram/histogramdd, gradient, poisson/binomial and frombuffer, against torch."""
from __future__ import annotations

import array

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_raises, randn


HISTOGRAMS = {
    "bins": lambda t, x: t.histogram(x, 5),
    "range_weight": lambda t, x: t.histogram(x, 4, range=(-1.0, 1.0), weight=x.abs()),
    "density": lambda t, x: t.histogram(x, 3, density=True),
    "edges": lambda t, x: t.histogram(x, t.tensor([-2.0, -0.5, 0.0, 0.1, 3.0], dtype=x.dtype)),
    "edges_density_weight": lambda t, x: t.histogram(x, t.tensor([-1.0, 0.0, 2.0], dtype=x.dtype),
                                                     weight=x * x, density=True),
    "method": lambda t, x: x.histogram(6),
    "dd_bins": lambda t, x: t.histogramdd(x.reshape(-1, 2), bins=[2, 3]),
    "dd_range": lambda t, x: t.histogramdd(x.reshape(-1, 3), bins=2, range=[-1.0, 1.0, 0.0, 2.0, -3.0, 0.0]),
    "dd_edges_density": lambda t, x: t.histogramdd(x.reshape(-1, 2), density=True,
                                                   bins=[t.tensor([-3.0, 0.0, 3.0], dtype=x.dtype),
                                                         t.tensor([-1.0, 0.5, 1.0, 2.0], dtype=x.dtype)]),
    "dd_weight": lambda t, x: t.histogramdd(x.reshape(-1, 2), bins=[3, 2], weight=x.reshape(-1, 2)[:, 0].abs()),
}


@pytest.mark.parametrize("name", sorted(HISTOGRAMS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram(name, dtype):
    out = check(HISTOGRAMS[name], randn(24, dtype=dtype), grad=False)
    assert type(out).__name__ == ("histogramdd" if name.startswith("dd") else "histogram")


def test_histogram_edge_cases():
    check(lambda t, x: t.histogram(x, 3), np.array([2.0, 2.0]), grad=False)  # one value: a bin around it
    check(lambda t, x: t.histogram(x, 3), np.zeros(0), grad=False)
    check_raises(lambda t, x: t.histogram(x, 2, range=(3.0, 1.0)), randn(4))
    check_raises(lambda t, x: t.histogram(x, -1), randn(4))
    check_raises(lambda t, x: t.histogram(x, 2), np.array([1, 2]))
    check_raises(lambda t, x: t.histogram(x, t.tensor([0.0, 1.0])), randn(4))  # float64 input, float32 edges
    check_raises(lambda t, x: t.histogramdd(x, bins=2, range=[0.0, 1.0]), randn(3, 2))


GRADIENTS = {
    "default": lambda t, x: t.gradient(x),
    "spacing": lambda t, x: t.gradient(x, spacing=0.5, dim=1),
    "spacing_list": lambda t, x: t.gradient(x, spacing=[2.0, 0.5]),
    "edge_order_2": lambda t, x: t.gradient(x, spacing=[2.0], dim=[-1], edge_order=2),
    "coordinates": lambda t, x: t.gradient(x, spacing=[t.tensor([0.0, 1.0, 3.0, 3.5], dtype=x.dtype),
                                                       t.tensor([0.0, 0.5, 2.0, 2.5, 4.0], dtype=x.dtype)]),
    "coordinates_edge_order_2": lambda t, x: t.gradient(x, spacing=[t.tensor([0.0, 0.5, 2.0, 2.5, 4.0],
                                                                             dtype=x.dtype)], dim=1, edge_order=2),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradient(name):
    check(GRADIENTS[name], randn(4, 5))


def test_gradient_int_input_and_errors():
    check(lambda t, x: t.gradient(x), np.array([1, 4, 9, 16]))
    check_raises(lambda t, x: t.gradient(x, edge_order=2), randn(2))
    check_raises(lambda t, x: t.gradient(x, edge_order=3), randn(5))
    check_raises(lambda t, x: t.gradient(x, spacing=[1.0, 2.0], dim=0), randn(5))


def test_poisson_and_binomial_draws():
    flambeau.manual_seed(0)
    rates = flambeau.tensor([0.0, 1.0, 30.0]).expand(20000, 3)
    draws = flambeau.poisson(rates)
    assert repr(draws.dtype) == str(torch.poisson(torch.zeros(1)).dtype)
    np.testing.assert_allclose(draws.mean(0).numpy(), [0.0, 1.0, 30.0], rtol=0.03, atol=1e-9)
    np.testing.assert_allclose(draws.var(0).numpy(), [0.0, 1.0, 30.0], rtol=0.06, atol=1e-9)
    count, prob = flambeau.tensor([10.0, 50.0]).expand(20000, 2), flambeau.tensor([0.3, 0.9])
    draws = flambeau.binomial(count, prob)
    assert draws.dtype == flambeau.float32 and (draws <= count).all()
    np.testing.assert_allclose(draws.mean(0).numpy(), [3.0, 45.0], rtol=0.02)
    assert_same(torch.binomial(torch.tensor([5.0, 0.0]), torch.tensor([1.5, 0.5])),
                flambeau.binomial(flambeau.tensor([5.0, 0.0]), flambeau.tensor([1.5, 0.5])))
    check_raises(lambda t, x: t.poisson(x), np.array([-1.0]))
    check_raises(lambda t, c, p: t.binomial(c, p), np.array([5]), np.array([0.5]))
    g = flambeau.Generator().manual_seed(7)
    first = flambeau.poisson(flambeau.full((5,), 4.0), generator=g)
    assert flambeau.equal(first, flambeau.poisson(flambeau.full((5,), 4.0), generator=g.manual_seed(7)))


def test_frombuffer_shares_memory():
    a = array.array("f", [1, 2, 3, 4])
    t, f = torch.frombuffer(a, dtype=torch.float32), flambeau.frombuffer(a, dtype=flambeau.float32)
    a[0] = 9
    assert_same(t, f)
    assert_same(torch.frombuffer(a, dtype=torch.float32, count=2, offset=4),
                flambeau.frombuffer(a, dtype=flambeau.float32, count=2, offset=4))
    buf = bytearray(8)
    f = flambeau.frombuffer(buf, dtype=flambeau.int16, requires_grad=False)
    f[1] = 258
    assert buf[2:4] == bytearray(b"\x02\x01")
    with pytest.warns(UserWarning, match="not writable"):
        assert_same(torch.frombuffer(b"\x01\x02", dtype=torch.uint8), flambeau.frombuffer(b"\x01\x02",
                                                                                          dtype=flambeau.uint8))
    assert flambeau.frombuffer(bytearray(8), dtype=flambeau.float32, requires_grad=True).requires_grad


@pytest.mark.parametrize("kwargs", [{"count": 0}, {"offset": 16}, {"count": 5}, {"offset": -1}])
def test_frombuffer_bad_arguments(kwargs):
    a = array.array("f", [1, 2, 3, 4])
    check_raises(lambda t: t.frombuffer(a, dtype=t.float32, **kwargs))
    check_raises(lambda t: t.frombuffer(bytearray(3), dtype=t.float32))
    check_raises(lambda t: t.frombuffer(bytearray(), dtype=t.float32))


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "prod", "amax", "amin"])
@pytest.mark.parametrize("initial", [None, 0.5])
def test_segment_reduce(reduce, initial):
    data, lengths = randn(6, 3), np.array([2, 0, 3, 1])
    check(lambda t, x: t.segment_reduce(x, reduce, lengths=t.tensor(lengths), initial=initial), data)
    check(lambda t, x: t.segment_reduce(x, reduce, offsets=t.tensor([0, 1, 1, 3]), initial=initial), randn(3))


def test_segment_reduce_bad_input():
    x = randn(6)
    check_raises(lambda t, x: t.segment_reduce(x, "sum", lengths=t.tensor([2, 2])), x)
    check_raises(lambda t, x: t.segment_reduce(x, "avg", lengths=t.tensor([6])), x)
    check_raises(lambda t, x: t.segment_reduce(x, "sum", indices=t.tensor([6])), x)
    check_raises(lambda t, x: t.segment_reduce(x, "sum", lengths=t.tensor([2, 1]), axis=1), randn(3, 3))


def test_from_file(tmp_path):
    path = str(tmp_path / "values.bin")
    np.arange(6, dtype=np.float32).tofile(path)
    for kwargs in ({"size": 4}, {"size": 0}, {"size": 3, "dtype": "float64"}, {"size": 2, "dtype": "int32"}):
        kw = {k: v for k, v in kwargs.items() if k != "dtype"}
        t_kw, f_kw = dict(kw), dict(kw)
        if "dtype" in kwargs:
            t_kw["dtype"], f_kw["dtype"] = getattr(torch, kwargs["dtype"]), getattr(flambeau, kwargs["dtype"])
        assert_same(torch.from_file(path, **t_kw), flambeau.from_file(path, **f_kw))
    private = flambeau.from_file(path, shared=False, size=6)
    private[1] = 7
    shared = flambeau.from_file(path, shared=True, size=6)
    shared[0] = 42
    shared.add_(1)
    np.testing.assert_array_equal(np.fromfile(path, dtype=np.float32), [43, 2, 3, 4, 5, 6])
    check_raises(lambda t: t.from_file(path, size=100))
    check_raises(lambda t: t.from_file(path + "-missing", size=1))
