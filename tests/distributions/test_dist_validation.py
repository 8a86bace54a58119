"""Argument and sample validation: the same inputs make PyTorch and flambeau raise the same exception type
(ValueError for a parameter outside its constraint or a value outside the support)."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check_raises

BAD = [
    ("normal-scale", lambda t: t.distributions.Normal(0.0, -1.0)),
    ("normal-nan-loc", lambda t: t.distributions.Normal(t.tensor([float("nan")]), 1.0)),
    ("uniform-order", lambda t: t.distributions.Uniform(1.0, 0.0)),
    ("uniform-outside", lambda t: t.distributions.Uniform(0.0, 1.0).log_prob(t.tensor(2.0))),
    ("bernoulli-probs", lambda t: t.distributions.Bernoulli(probs=t.tensor([1.5]))),
    ("bernoulli-both", lambda t: t.distributions.Bernoulli(probs=t.tensor(0.5), logits=t.tensor(0.0))),
    ("bernoulli-neither", lambda t: t.distributions.Bernoulli()),
    ("bernoulli-value", lambda t: t.distributions.Bernoulli(0.3).log_prob(t.tensor(0.5))),
    ("categorical-0d", lambda t: t.distributions.Categorical(probs=t.tensor(1.0))),
    ("categorical-negative", lambda t: t.distributions.Categorical(probs=t.tensor([-0.1, 1.1]))),
    ("categorical-value", lambda t: t.distributions.Categorical(probs=t.tensor([0.5, 0.5])).log_prob(t.tensor(2))),
    ("binomial-count", lambda t: t.distributions.Binomial(t.tensor(2.5), probs=t.tensor(0.5))),
    ("binomial-value", lambda t: t.distributions.Binomial(3, probs=t.tensor(0.5)).log_prob(t.tensor(4.0))),
    ("multinomial-value", lambda t: t.distributions.Multinomial(3, probs=t.tensor([0.5, 0.5])).log_prob(
        t.tensor([-1.0, 2.0]))),
    ("beta", lambda t: t.distributions.Beta(t.tensor([-1.0]), t.tensor([1.0]))),
    ("beta-value", lambda t: t.distributions.Beta(2.0, 2.0).log_prob(t.tensor(1.5))),
    ("gamma-value", lambda t: t.distributions.Gamma(2.0, 2.0).log_prob(t.tensor(-1.0))),
    ("gamma-rate", lambda t: t.distributions.Gamma(2.0, 0.0)),
    ("dirichlet", lambda t: t.distributions.Dirichlet(t.tensor([1.0, -1.0]))),
    ("dirichlet-0d", lambda t: t.distributions.Dirichlet(t.tensor(1.0))),
    ("dirichlet-value", lambda t: t.distributions.Dirichlet(t.tensor([1.0, 2.0])).log_prob(t.tensor([0.5, 0.6]))),
    ("exponential", lambda t: t.distributions.Exponential(-1.0)),
    ("poisson", lambda t: t.distributions.Poisson(-1.0)),
    ("poisson-value", lambda t: t.distributions.Poisson(1.0).log_prob(t.tensor(1.5))),
    ("geometric-zero", lambda t: t.distributions.Geometric(t.tensor([0.0, 0.5]))),
    ("studentt-df", lambda t: t.distributions.StudentT(-1.0)),
    ("event-shape", lambda t: t.distributions.MultivariateNormal(t.zeros(3), t.eye(3)).log_prob(t.zeros(2))),
    ("batch-shape", lambda t: t.distributions.Normal(t.zeros(3), 1.0).log_prob(t.zeros(4))),
    ("not-a-tensor", lambda t: t.distributions.Normal(0.0, 1.0).log_prob(0.5)),
    ("mvn-0d-loc", lambda t: t.distributions.MultivariateNormal(t.tensor(0.0), t.eye(1))),
    ("mvn-two-params", lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.eye(2), scale_tril=t.eye(2))),
    ("mvn-not-pd", lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 2.0], [2.0, 1.0]]))),
    ("mvn-1d-cov", lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.ones(2))),
    ("lowrank-shape", lambda t: t.distributions.LowRankMultivariateNormal(t.zeros(3), t.ones(2, 1), t.ones(3))),
    ("independent-ndims", lambda t: t.distributions.Independent(t.distributions.Normal(t.zeros(3), 1.0), 2)),
    ("mixture-type", lambda t: t.distributions.MixtureSameFamily(t.distributions.Normal(0.0, 1.0),
                                                                 t.distributions.Normal(t.zeros(2), 1.0))),
    ("mixture-count", lambda t: t.distributions.MixtureSameFamily(t.distributions.Categorical(logits=t.zeros(3)),
                                                                  t.distributions.Normal(t.zeros(2), 1.0))),
    ("transformed-list", lambda t: t.distributions.TransformedDistribution(t.distributions.Normal(0.0, 1.0), 3)),
    ("kl-missing", lambda t: t.distributions.kl_divergence(t.distributions.Normal(0.0, 1.0),
                                                           t.distributions.Poisson(1.0))),
    ("binomial-entropy-inhomogeneous", lambda t: t.distributions.Binomial(t.tensor([2.0, 3.0]),
                                                                          probs=t.tensor(0.5)).entropy()),
    ("multinomial-count", lambda t: t.distributions.Multinomial(t.tensor([2, 3]), probs=t.tensor([0.5, 0.5]))),
    ("von-mises", lambda t: t.distributions.VonMises(0.0, -1.0)),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_like_torch(case):
    check_raises(case[1])


def test_validation_can_be_turned_off():
    for lib in (torch, flambeau):
        D = lib.distributions
        D.Normal(0.0, -1.0, validate_args=False)  # no error
        assert D.Normal(0.0, 1.0, validate_args=False).log_prob(lib.tensor(0.5)) is not None
        D.Distribution.set_default_validate_args(False)
        try:
            D.Normal(0.0, -1.0)
            value = D.Bernoulli(0.3).log_prob(lib.tensor(0.5))
            assert np.isfinite(float(value))
        finally:
            D.Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError):
            D.Normal(0.0, -1.0)
        with pytest.raises(ValueError):
            D.Distribution.set_default_validate_args("yes")


def test_expand_keeps_validation_and_shapes():
    d = flambeau.distributions.Normal(flambeau.zeros(3), 1.0).expand((2, 3))
    assert tuple(d.batch_shape) == (2, 3)
    with pytest.raises(ValueError):
        d.log_prob(flambeau.zeros(4))
    with pytest.raises(ValueError):
        d.log_prob(flambeau.tensor(float("nan")))
