"""kl_divergence equals PyTorch's, values and gradients w.r.t. both distributions' parameters, for every
registered pair; and the registry dispatches and refuses as PyTorch's does."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, randn

POS = dict(low=0.5, high=2.0)
UNIT = dict(low=0.1, high=0.9)


def _simplex(*shape):
    p = randn(*shape, **POS)
    return p / p.sum(-1, keepdims=True)


def _tril(n, batch=()):
    a = np.tril(randn(*batch, n, n))
    idx = np.arange(n)
    a[..., idx, idx] = np.abs(a[..., idx, idx]) + 0.5
    return a


# (id, fn(D, *params) -> (p, q), params)
PAIRS = [
    ("Normal", lambda D, a, b, c, d: (D.Normal(a, b), D.Normal(c, d)),
     [randn(3), randn(3, **POS), randn(2, 1), randn(3, **POS)]),
    ("Bernoulli", lambda D, a, b: (D.Bernoulli(probs=a), D.Bernoulli(logits=b)), [randn(3, **UNIT), randn(3)]),
    ("Beta", lambda D, a, b, c, d: (D.Beta(a, b), D.Beta(c, d)),
     [randn(3, **POS), randn(3, **POS), randn(3, **POS), randn(3, **POS)]),
    ("Binomial", lambda D, a, b: (D.Binomial(4, probs=a), D.Binomial(4, probs=b)), [randn(3, **UNIT),
                                                                                     randn(3, **UNIT)]),
    ("Categorical", lambda D, a, b: (D.Categorical(probs=a), D.Categorical(logits=b)), [_simplex(2, 4),
                                                                                       randn(4)]),
    ("OneHotCategorical", lambda D, a, b: (D.OneHotCategorical(probs=a), D.OneHotCategorical(logits=b)),
     [_simplex(2, 4), randn(2, 4)]),
    ("Cauchy", lambda D, a, b, c, d: (D.Cauchy(a, b), D.Cauchy(c, d)),
     [randn(3), randn(3, **POS), randn(3), randn(3, **POS)]),
    ("Dirichlet", lambda D, a, b: (D.Dirichlet(a), D.Dirichlet(b)), [randn(2, 3, **POS), randn(3, **POS)]),
    ("Exponential", lambda D, a, b: (D.Exponential(a), D.Exponential(b)), [randn(3, **POS), randn(3, **POS)]),
    ("Gamma", lambda D, a, b, c, d: (D.Gamma(a, b), D.Gamma(c, d)),
     [randn(3, **POS), randn(3, **POS), randn(3, **POS), randn(3, **POS)]),
    ("Chi2-Gamma", lambda D, a, c, d: (D.Chi2(a), D.Gamma(c, d)), [randn(3, **POS), randn(3, **POS),
                                                                     randn(3, **POS)]),
    ("Gumbel", lambda D, a, b, c, d: (D.Gumbel(a, b), D.Gumbel(c, d)),
     [randn(3), randn(3, **POS), randn(3), randn(3, **POS)]),
    ("Geometric", lambda D, a, b: (D.Geometric(probs=a), D.Geometric(probs=b)), [randn(3, **UNIT),
                                                                                 randn(3, **UNIT)]),
    ("Laplace", lambda D, a, b, c, d: (D.Laplace(a, b), D.Laplace(c, d)),
     [randn(3), randn(3, **POS), randn(3), randn(3, **POS)]),
    ("Poisson", lambda D, a, b: (D.Poisson(a), D.Poisson(b)), [randn(3, **POS), randn(3, **POS)]),
    ("Uniform", lambda D, a, b, c, d: (D.Uniform(a, a + b), D.Uniform(c - 3.0, c + d + 3.0)),
     [randn(3), randn(3, **POS), randn(3, **UNIT), randn(3, **POS)]),
    ("MultivariateNormal", lambda D, a, b, c, d: (D.MultivariateNormal(a, scale_tril=b),
                                                  D.MultivariateNormal(c, scale_tril=d)),
     [randn(2, 3), _tril(3), randn(3), _tril(3, (2,))]),
    ("LowRankMultivariateNormal", lambda D, a, b, c, d, e, f: (D.LowRankMultivariateNormal(a, b, c),
                                                               D.LowRankMultivariateNormal(d, e, f)),
     [randn(2, 3), randn(3, 2), randn(3, **POS), randn(3), randn(3, 1), randn(3, **POS)]),
    ("MVN-LowRank", lambda D, a, b, c, d, e: (D.MultivariateNormal(a, scale_tril=b),
                                              D.LowRankMultivariateNormal(c, d, e)),
     [randn(2, 3), _tril(3), randn(3), randn(3, 2), randn(3, **POS)]),
    ("LowRank-MVN", lambda D, a, b, c, d, e: (D.LowRankMultivariateNormal(a, b, c),
                                              D.MultivariateNormal(d, scale_tril=e)),
     [randn(2, 3), randn(3, 2), randn(3, **POS), randn(3), _tril(3)]),
    ("Independent", lambda D, a, b, c, d: (D.Independent(D.Normal(a, b), 1), D.Independent(D.Normal(c, d), 1)),
     [randn(2, 3), randn(3, **POS), randn(3), randn(3, **POS)]),
    ("TransformedDistribution", lambda D, a, b, c, d: (D.LogNormal(a, b), D.LogNormal(c, d)),
     [randn(3), randn(3, **POS), randn(3), randn(3, **POS)]),
]


# the other families, one factory each: (parameters, make(D, *params))
FAMILY = {
    "Bernoulli": ([randn(3, **UNIT)], lambda D, a: D.Bernoulli(a)),
    "Beta": ([randn(3, **POS), randn(3, **POS)], lambda D, a, b: D.Beta(a, b)),
    "Binomial": ([randn(3, **UNIT)], lambda D, a: D.Binomial(3, probs=a)),
    "ContinuousBernoulli": ([np.array([0.2, 0.4997, 0.7])], lambda D, a: D.ContinuousBernoulli(a)),
    "Exponential": ([randn(3, **POS)], lambda D, a: D.Exponential(a)),
    "Gamma": ([randn(3, **POS), randn(3, **POS)], lambda D, a, b: D.Gamma(a, b)),
    "Gumbel": ([randn(3), randn(3, **POS)], lambda D, a, b: D.Gumbel(a, b)),
    "Laplace": ([randn(3), randn(3, **POS)], lambda D, a, b: D.Laplace(a, b)),
    "Normal": ([randn(3), randn(3, **POS)], lambda D, a, b: D.Normal(a, b)),
    "Pareto": ([randn(3, **UNIT), np.array([0.8, 1.5, 3.0])], lambda D, a, b: D.Pareto(a, b)),
    "Poisson": ([randn(3, **POS)], lambda D, a: D.Poisson(a)),
    # inside (0, 1), and above the Pareto scales (< 0.9)
    "Uniform": ([randn(3, low=0.05, high=0.5), randn(3, low=0.1, high=0.4)], lambda D, a, b: D.Uniform(a, a + b)),
    "Uniform-wide": ([randn(3, low=-0.5, high=0.5), randn(3, low=1.5, high=2.0)],
                     lambda D, a, b: D.Uniform(a, a + b)),
    "Uniform-high": ([randn(3, low=1.0, high=1.5), randn(3, low=0.1, high=0.4)],
                     lambda D, a, b: D.Uniform(a, a + b)),
    "HalfNormal": ([randn(3, **POS)], lambda D, a: D.HalfNormal(a)),
}
CROSS = [(p, q) for p, q in [
    ("Bernoulli", "Poisson"), ("Beta", "ContinuousBernoulli"), ("Beta", "Pareto"), ("Beta", "Exponential"),
    ("Beta", "Gamma"), ("Beta", "Normal"), ("Beta", "Uniform-wide"), ("Beta", "Uniform"),
    ("ContinuousBernoulli", "Pareto"), ("ContinuousBernoulli", "Exponential"), ("ContinuousBernoulli", "Normal"),
    ("ContinuousBernoulli", "Uniform-wide"), ("ContinuousBernoulli", "Uniform"),
    ("ContinuousBernoulli", "ContinuousBernoulli"), ("Exponential", "Beta"), ("Exponential", "Uniform"),
    ("Exponential", "Gamma"), ("Exponential", "Gumbel"), ("Exponential", "Normal"), ("Gamma", "Pareto"),
    ("Gamma", "Exponential"), ("Gamma", "Gumbel"), ("Gamma", "Normal"), ("Gamma", "ContinuousBernoulli"),
    ("Gumbel", "Normal"), ("Gumbel", "Gamma"), ("Laplace", "Normal"), ("Laplace", "Uniform"),
    ("Normal", "Gumbel"), ("Normal", "Laplace"), ("Normal", "Beta"), ("Pareto", "Exponential"),
    ("Pareto", "Gamma"), ("Pareto", "Normal"), ("Pareto", "Pareto"), ("Pareto", "Uniform"),
    ("Poisson", "Bernoulli"), ("Poisson", "Binomial"), ("Uniform", "Beta"), ("Uniform-wide", "Beta"),
    ("Uniform", "ContinuousBernoulli"), ("Uniform-high", "ContinuousBernoulli"), ("Uniform", "Exponential"),
    ("Uniform-wide", "Exponential"), ("Uniform", "Gamma"), ("Uniform-wide", "Gamma"), ("Uniform-wide", "Gumbel"),
    ("Uniform-wide", "Normal"), ("Uniform-high", "Pareto"), ("Uniform", "Pareto"), ("HalfNormal", "HalfNormal"),
]]


@pytest.mark.parametrize("pair", CROSS, ids=[f"{p}-{q}" for p, q in CROSS])
def test_kl_more_pairs_match_torch(pair):
    (p_params, make_p), (q_params, make_q) = FAMILY[pair[0]], FAMILY[pair[1]]
    n = len(p_params)
    check(lambda t, *ps: t.distributions.kl_divergence(make_p(t.distributions, *ps[:n]),
                                                       make_q(t.distributions, *ps[n:])),
          *p_params, *q_params, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("case", PAIRS, ids=[c[0] for c in PAIRS])
def test_kl_matches_torch(case):
    _, make, params = case
    check(lambda t, *ps: t.distributions.kl_divergence(*make(t.distributions, *ps)), *params,
          atol=1e-6, rtol=1e-6)


def test_kl_infinite_and_zero_cases():
    check(lambda t, a: t.distributions.kl_divergence(t.distributions.Uniform(a, a + 1.0),
                                                     t.distributions.Uniform(a + 0.5, a + 2.0)), randn(3))
    check(lambda t, p: t.distributions.kl_divergence(t.distributions.Categorical(probs=p),
                                                     t.distributions.Categorical(probs=t.tensor([0.0, 0.5, 0.5],
                                                                                                dtype=p.dtype))),
          np.array([0.2, 0.3, 0.5]), grad=False)
    check(lambda t, p: t.distributions.kl_divergence(t.distributions.Bernoulli(probs=t.tensor([0.0, 1.0, 0.5],
                                                                                              dtype=p.dtype)),
                                                     t.distributions.Bernoulli(probs=p)),
          np.array([0.2, 0.3, 0.5]), grad=False)
    check(lambda t, p: t.distributions.kl_divergence(t.distributions.Binomial(5, probs=p),
                                                     t.distributions.Binomial(t.tensor([3.0, 5.0, 4.0],
                                                                                       dtype=p.dtype), probs=p)),
          np.array([0.2, 0.3, 0.5]), grad=False)


BREGMAN = [
    ("Normal", lambda D, a, b: (D.Normal(a, b), D.Normal(b, a + 1.0))),
    ("Gamma", lambda D, a, b: (D.Gamma(a, b), D.Gamma(b, a))),
    ("Beta", lambda D, a, b: (D.Beta(a, b), D.Beta(b, a))),
    ("Dirichlet", lambda D, a, b: (D.Dirichlet(a), D.Dirichlet(b))),
    ("Exponential", lambda D, a, b: (D.Exponential(a), D.Exponential(b))),
    ("Poisson", lambda D, a, b: (D.Poisson(a), D.Poisson(b))),
    ("Bernoulli", lambda D, a, b: (D.Bernoulli(a / 3), D.Bernoulli(b / 3))),
    ("Wishart", lambda D, a, b: (D.Wishart(a[0] + 3, a[1:].diag() + 0.5), D.Wishart(b[0] + 4, b[1:].diag() + 0.3))),
]


@pytest.mark.parametrize("case", BREGMAN, ids=[c[0] for c in BREGMAN])
def test_kl_exponential_family_bregman(case):
    """The generic exponential-family KL (the Bregman divergence of the log normaliser, used for families
    without their own formula) agrees with PyTorch's, which checks each family's natural parameters."""
    _, make = case
    check(lambda t, a, b: t.distributions.kl._kl_expfamily_expfamily(*make(t.distributions, a, b)),
          randn(3, **POS), randn(3, **POS), atol=1e-6, rtol=1e-6)


def test_registry_dispatch_and_errors():
    D = flambeau.distributions
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Poisson(1.0))
    with pytest.raises(NotImplementedError):  # different exponential families
        D.kl_divergence(D.Gamma(1.0, 1.0), D.Poisson(1.0))
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)

    class Wide(D.Normal):
        pass

    @D.register_kl(Wide, D.Normal)
    def _kl_wide(p, q):
        return p.loc * 0 + 42.0

    assert float(D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0))) == 42.0  # the subclass pair wins
    assert float(D.kl_divergence(D.Normal(0.0, 1.0), Wide(0.0, 1.0))) == 0.0  # falls back to Normal-Normal
