"""log_prob, cdf/icdf, entropy, mean/mode/variance/stddev of every distribution equal PyTorch's for the same
(batched, broadcast) parameters, and so do their gradients w.r.t. parameters and values."""
import numpy as np
import pytest

from oracle import check, gradcheck, randn

# one row per distribution: (id, factory(D, *params), params, value, methods)
# D is lib.distributions; params and value are float64 arrays (value None: no log_prob/cdf)
POS = dict(low=0.5, high=2.0)
UNIT = dict(low=0.1, high=0.9)
ALL = ("log_prob", "entropy", "mean", "mode", "variance", "stddev")


def _simplex(*shape):
    p = randn(*shape, **POS)
    return p / p.sum(-1, keepdims=True)


def _spd(n, batch=()):
    a = randn(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tril(n, batch=()):
    a = np.tril(randn(*batch, n, n))
    idx = np.arange(n)
    a[..., idx, idx] = np.abs(a[..., idx, idx]) + 0.5
    return a


CASES = [
    ("Normal", lambda D, m, s: D.Normal(m, s), [randn(3, 1), randn(4, **POS)], randn(2, 3, 4),
     ALL + ("cdf",)),
    ("Normal-icdf", lambda D, m, s: D.Normal(m, s), [randn(3), randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("LogNormal", lambda D, m, s: D.LogNormal(m, s), [randn(3), randn(3, **POS)], randn(2, 3, **POS),
     ALL + ("cdf",)),
    ("LogNormal-icdf", lambda D, m, s: D.LogNormal(m, s), [randn(3), randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("Uniform", lambda D, lo, hi: D.Uniform(lo, lo + hi), [randn(3), randn(3, **POS)], None,
     ("entropy", "mean", "variance", "stddev")),
    ("Uniform-x", lambda D, lo, hi, x: D.Uniform(lo, lo + hi).log_prob(lo + x * hi) * 1.0,
     [randn(3), randn(3, **POS), randn(3, **UNIT)], None, ("call",)),
    ("Uniform-cdf", lambda D, lo, hi, x: (D.Uniform(lo, lo + hi).cdf(lo + x * hi),
                                          D.Uniform(lo, lo + hi).icdf(x)),
     [randn(3), randn(3, **POS), randn(3, **UNIT)], None, ("call",)),
    ("Bernoulli-probs", lambda D, p: D.Bernoulli(probs=p), [randn(3, **UNIT)], np.array([0.0, 1.0, 1.0]),
     ("log_prob", "entropy", "mean", "mode", "variance")),
    ("Bernoulli-logits", lambda D, lg: D.Bernoulli(logits=lg), [randn(2, 3)], np.array([[0.0, 1.0, 1.0]]),
     ("log_prob", "entropy", "mean", "mode", "variance")),
    ("Binomial", lambda D, p: D.Binomial(5, probs=p), [randn(3, **UNIT)], np.array([0.0, 2.0, 5.0]),
     ("log_prob", "entropy", "mean", "mode", "variance")),
    ("Binomial-counts", lambda D, lg, n: D.Binomial(n, logits=lg), [randn(3), np.array([3.0, 7.0, 10.0])],
     np.array([1.0, 7.0, 4.0]), ("log_prob", "mean", "mode", "variance")),
    ("Categorical-probs", lambda D, p: D.Categorical(probs=p), [_simplex(2, 4)], np.array([[0.0, 3.0], [1.0, 2.0],
                                                                                           [3.0, 3.0]]),
     ("log_prob", "entropy", "mode")),
    ("Categorical-logits", lambda D, lg: D.Categorical(logits=lg), [randn(3, 5)], np.array([0.0, 4.0, 2.0]),
     ("log_prob", "entropy", "mode")),
    ("OneHotCategorical", lambda D, lg: D.OneHotCategorical(logits=lg), [randn(2, 3)], np.eye(3)[[0, 2]],
     ("log_prob", "entropy", "mean", "mode", "variance")),
    ("Multinomial", lambda D, p: D.Multinomial(6, probs=p), [_simplex(2, 3)],
     np.array([[1.0, 2.0, 3.0], [6.0, 0.0, 0.0]]), ("log_prob", "entropy", "mean", "variance")),
    ("Beta", lambda D, a, b: D.Beta(a, b), [randn(3, 1, **POS), randn(2, **POS) + 1], randn(3, 2, **UNIT),
     ALL),
    ("Gamma", lambda D, a, r: D.Gamma(a, r), [randn(3, **POS) + 1, randn(3, **POS)], randn(2, 3, **POS), ALL),
    ("Chi2", lambda D, df: D.Chi2(df), [randn(3, **POS) * 3], randn(3, **POS), ALL),
    ("Dirichlet", lambda D, c: D.Dirichlet(c), [randn(2, 3, **POS) + 1], _simplex(2, 3), ALL),
    ("Dirichlet-small", lambda D, c: D.Dirichlet(c), [randn(2, 3, **UNIT)], _simplex(2, 3), ("mode",)),
    ("Exponential", lambda D, r: D.Exponential(r), [randn(3, **POS)], randn(2, 3, **POS), ALL + ("cdf",)),
    ("Exponential-icdf", lambda D, r: D.Exponential(r), [randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("Laplace", lambda D, m, s: D.Laplace(m, s), [randn(3), randn(3, **POS)], randn(2, 3), ALL + ("cdf",)),
    ("Laplace-icdf", lambda D, m, s: D.Laplace(m, s), [randn(3), randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("Cauchy", lambda D, m, s: D.Cauchy(m, s), [randn(3), randn(3, **POS)], randn(2, 3),
     ("log_prob", "entropy", "mean", "mode", "variance", "cdf")),
    ("Cauchy-icdf", lambda D, m, s: D.Cauchy(m, s), [randn(3), randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("Poisson", lambda D, r: D.Poisson(r), [randn(3, **POS) * 3], np.array([0.0, 2.0, 7.0]),
     ("log_prob", "mean", "mode", "variance")),
    ("Geometric-probs", lambda D, p: D.Geometric(probs=p), [randn(3, **UNIT)], np.array([0.0, 2.0, 7.0]),
     ("log_prob", "entropy", "mean", "mode", "variance")),
    ("Geometric-logits", lambda D, lg: D.Geometric(logits=lg), [randn(3)], np.array([0.0, 2.0, 7.0]),
     ("log_prob", "entropy", "mean", "variance")),
    ("StudentT", lambda D, df, m, s: D.StudentT(df, m, s), [np.array([0.7, 1.5, 3.0, 9.0]), randn(4),
                                                           randn(4, **POS)], randn(2, 4),
     ("log_prob", "entropy", "mean", "mode", "variance")),
    ("MultivariateNormal-cov", lambda D, m, c: D.MultivariateNormal(m, covariance_matrix=c),
     [randn(2, 3), _spd(3)], randn(4, 2, 3), ("log_prob", "entropy", "mean", "variance")),
    ("MultivariateNormal-tril", lambda D, m, L: D.MultivariateNormal(m, scale_tril=L),
     [randn(3), _tril(3, (2,))], randn(4, 1, 3), ("log_prob", "entropy", "mean", "mode", "variance")),
    ("MultivariateNormal-prec", lambda D, m, P: D.MultivariateNormal(m, precision_matrix=P),
     [randn(3), _spd(3)], randn(2, 3), ("log_prob", "entropy", "variance")),
    # tril(): only the lower triangle is a parameter (the upper one's gradient is a convention of cholesky_inverse)
    ("MultivariateNormal-attrs", lambda D, m, L: (D.MultivariateNormal(m, scale_tril=L.tril()).covariance_matrix,
                                                  D.MultivariateNormal(m, scale_tril=L.tril()).precision_matrix),
     [randn(3), _tril(3, (2,))], None, ("call",)),
    ("MultivariateNormal-fromcov", lambda D, m, c: (D.MultivariateNormal(m, c).scale_tril,
                                                    D.MultivariateNormal(m, precision_matrix=c).scale_tril),
     [randn(3), _spd(3)], None, ("call",)),
    ("LowRankMultivariateNormal", lambda D, m, w, d: D.LowRankMultivariateNormal(m, w, d),
     [randn(2, 4), randn(4, 2), randn(4, **POS)], randn(3, 2, 4), ("log_prob", "entropy", "mean", "variance")),
    ("LowRankMultivariateNormal-attrs", lambda D, m, w, d: (D.LowRankMultivariateNormal(m, w, d).scale_tril,
                                                            D.LowRankMultivariateNormal(m, w, d).covariance_matrix,
                                                            D.LowRankMultivariateNormal(m, w, d).precision_matrix),
     [randn(4), randn(2, 4, 2), randn(4, **POS)], None, ("call",)),
    ("Independent", lambda D, m, s: D.Independent(D.Normal(m, s), 1), [randn(2, 3), randn(3, **POS)],
     randn(4, 2, 3), ALL),
    ("MixtureSameFamily", lambda D, lg, m, s: D.MixtureSameFamily(D.Categorical(logits=lg), D.Normal(m, s)),
     [randn(2, 3), randn(2, 3), randn(3, **POS)], randn(4, 2), ("log_prob", "mean", "variance", "cdf")),
    ("MixtureSameFamily-mvn", lambda D, lg, m, s: D.MixtureSameFamily(
        D.Categorical(logits=lg), D.Independent(D.Normal(m, s), 1)),
     [randn(3), randn(3, 2), randn(3, 2, **POS)], randn(4, 2), ("log_prob", "mean", "variance")),
    ("TransformedDistribution", lambda D, m, s: D.TransformedDistribution(
        D.Normal(m, s), [D.AffineTransform(1.0, -2.0), D.ExpTransform()]),
     [randn(3), randn(3, **POS)], randn(2, 3, **POS), ("log_prob", "cdf")),
    ("TransformedDistribution-icdf", lambda D, m, s: D.TransformedDistribution(
        D.Normal(m, s), [D.AffineTransform(1.0, -2.0), D.ExpTransform()]),
     [randn(3), randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("RelaxedBernoulli", lambda D, t, p: D.RelaxedBernoulli(t, probs=p), [np.array(0.7), randn(3, **UNIT)],
     randn(2, 3, **UNIT), ("log_prob",)),
    ("LogitRelaxedBernoulli", lambda D, t, lg: D.relaxed_bernoulli.LogitRelaxedBernoulli(t, logits=lg),
     [np.array(1.3), randn(3)], randn(2, 3), ("log_prob",)),
    ("RelaxedOneHotCategorical", lambda D, t, lg: D.RelaxedOneHotCategorical(t, logits=lg),
     [np.array(0.8), randn(2, 3)], _simplex(4, 2, 3), ("log_prob",)),
    ("ExpRelaxedCategorical", lambda D, t, p: D.relaxed_categorical.ExpRelaxedCategorical(t, probs=p),
     [np.array(0.8), _simplex(3)], np.log(_simplex(2, 3)), ("log_prob",)),
    ("Gumbel", lambda D, m, s: D.Gumbel(m, s), [randn(3), randn(3, **POS)], randn(2, 3),
     ("log_prob", "entropy", "mean", "mode", "variance", "stddev", "cdf")),
    ("Gumbel-icdf", lambda D, m, s: D.Gumbel(m, s), [randn(3), randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("HalfNormal", lambda D, s: D.HalfNormal(s), [randn(3, **POS)], randn(2, 3, **POS), ALL + ("cdf",)),
    ("HalfNormal-icdf", lambda D, s: D.HalfNormal(s), [randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("HalfCauchy", lambda D, s: D.HalfCauchy(s), [randn(3, **POS)], randn(2, 3, **POS),
     ("log_prob", "entropy", "mean", "mode", "variance", "cdf")),
    ("HalfCauchy-icdf", lambda D, s: D.HalfCauchy(s), [randn(3, **POS)], randn(3, **UNIT), ("icdf",)),
    ("Pareto", lambda D, s, a: D.Pareto(s, a), [randn(3, **POS), np.array([0.8, 1.5, 3.0])],
     3 + randn(2, 3, **POS), ALL + ("cdf",)),
    ("Weibull", lambda D, s, c: D.Weibull(s, c), [randn(3, **POS), randn(3, **POS) + 0.6], randn(2, 3, **POS),
     ALL + ("cdf",)),
    ("Kumaraswamy", lambda D, a, b: D.Kumaraswamy(a, b), [randn(3, **POS), randn(3, **POS)], randn(2, 3, **UNIT),
     ("log_prob", "entropy", "mean", "variance")),
    ("LogisticNormal", lambda D, m, s: D.LogisticNormal(m, s), [randn(3), randn(3, **POS)], _simplex(2, 4),
     ("log_prob",)),
    ("NegativeBinomial", lambda D, n, p: D.NegativeBinomial(n, probs=p), [randn(3, **POS) * 3, randn(3, **UNIT)],
     np.array([0.0, 3.0, 8.0]), ("log_prob", "mean", "mode", "variance")),
    ("NegativeBinomial-logits", lambda D, n, lg: D.NegativeBinomial(n, logits=lg), [randn(3, **POS), randn(3)],
     np.array([1.0, 0.0, 5.0]), ("log_prob", "mean", "variance")),
    ("FisherSnedecor", lambda D, a, b: D.FisherSnedecor(a, b), [np.array([1.5, 3.0, 8.0]), np.array([1.5, 3.0, 9.0])],
     randn(2, 3, **POS), ("log_prob", "mean", "mode", "variance")),
    ("ContinuousBernoulli", lambda D, p: D.ContinuousBernoulli(probs=p), [np.array([0.1, 0.4995, 0.5003, 0.8])],
     randn(2, 4, **UNIT), ALL[:2] + ("mean", "variance", "stddev", "cdf")),
    ("ContinuousBernoulli-logits", lambda D, lg: D.ContinuousBernoulli(logits=lg), [randn(3)], randn(2, 3, **UNIT),
     ("log_prob", "entropy", "mean", "variance", "cdf")),
    ("ContinuousBernoulli-icdf", lambda D, p: D.ContinuousBernoulli(probs=p), [np.array([0.1, 0.4995, 0.8])],
     randn(3, **UNIT), ("icdf",)),
    ("InverseGamma", lambda D, a, r: D.InverseGamma(a, r), [np.array([0.7, 1.5, 2.5, 4.0]), randn(4, **POS)],
     randn(2, 4, **POS), ALL),
    ("GeneralizedPareto", lambda D, m, s, c: D.GeneralizedPareto(m, s, c),
     [randn(5), randn(5, **POS), np.array([-0.3, 0.0, 1e-9, 0.3, 0.7])], None,
     ("entropy", "mean", "mode", "variance")),
    ("GeneralizedPareto-icdf", lambda D, m, s, c: D.GeneralizedPareto(m, s, c),
     [randn(5), randn(5, **POS), np.array([-0.3, 0.0, 1e-9, 0.3, 0.7])], randn(5, **UNIT), ("icdf",)),
    ("Wishart", lambda D, df, c: D.Wishart(df, covariance_matrix=c), [np.array([3.5, 6.0]), _spd(3)],
     np.stack([_spd(3), _spd(3)]), ("log_prob", "entropy", "mean", "mode", "variance")),
    ("Wishart-tril", lambda D, df, L: D.Wishart(df, scale_tril=L.tril()), [np.array(4.0), _tril(2, (3,))],
     _spd(2, (3,)), ("log_prob", "entropy", "mean", "variance")),
    ("Wishart-prec", lambda D, df, P: D.Wishart(df, precision_matrix=P), [np.array(4.0), _spd(2)],
     _spd(2, (3,)), ("log_prob", "entropy")),
    ("VonMises", lambda D, m, k: D.VonMises(m, k), [randn(4), np.array([0.3, 2.0, 3.75, 10.0])], randn(2, 4),
     ("log_prob", "mean", "mode", "variance")),
]


def _method(name):
    if name in ("log_prob", "cdf", "icdf"):
        return lambda d, x: getattr(d, name)(x)
    if name == "entropy":
        return lambda d: d.entropy()
    return lambda d: getattr(d, name)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(case):
    _, factory, params, value, methods = case
    for name in methods:
        if name == "call":
            check(lambda t, *ps: factory(t.distributions, *ps), *params, atol=1e-6, rtol=1e-6)
            continue
        fn = _method(name)
        args = params + ([value] if value is not None and name in ("log_prob", "cdf", "icdf") else [])
        # integer-valued values (counts, categories) carry no gradient in PyTorch either
        discrete = name != "icdf" and value is not None and np.all(value == np.round(value))
        if discrete and len(args) > len(params):
            check(lambda t, *ps, x=args[-1]: fn(factory(t.distributions, *ps), t.tensor(x)), *params,
                  atol=1e-6, rtol=1e-6)
        else:
            check(lambda t, *ps: fn(factory(t.distributions, *ps[:len(params)]), *ps[len(params):]), *args,
                  atol=1e-6, rtol=1e-6)


def test_float32_parameters_keep_float32():
    check(lambda t, m, s, x: t.distributions.Normal(m, s).log_prob(x), randn(3, dtype=np.float32),
          randn(3, dtype=np.float32, **POS), randn(3, dtype=np.float32), atol=1e-5, rtol=1e-5)
    check(lambda t, a, b: t.distributions.Beta(a, b).entropy(), randn(3, dtype=np.float32, **POS),
          randn(3, dtype=np.float32, **POS), atol=1e-5, rtol=1e-5)


def test_python_number_parameters():
    check(lambda t, x: t.distributions.Normal(0.5, 2.0).log_prob(x), randn(3))
    check(lambda t, x: t.distributions.Gamma(2.0, 3.0).log_prob(x), randn(3, **POS))
    check(lambda t: (t.distributions.Beta(2.0, 3.0).mean, t.distributions.Exponential(2.0).entropy(),
                     t.distributions.Bernoulli(0.3).entropy(), t.distributions.Uniform(0.0, 2.0).entropy()))


@pytest.mark.parametrize("fn", [
    lambda t, m, s, x: t.distributions.Normal(m, s).log_prob(x),
    lambda t, m, s, x: t.distributions.StudentT(s + 1.0, m, s).log_prob(x),
    lambda t, m, s, x: t.distributions.Gamma(s + 0.5, s).log_prob(x.abs() + 0.1),
    lambda t, m, s, x: t.distributions.Beta(s, s + 1.0).entropy(),
    lambda t, m, s, x: t.distributions.VonMises(m, s * 3.0).log_prob(x),
], ids=["normal", "studentt", "gamma", "beta", "vonmises"])
def test_gradcheck(fn):
    gradcheck(fn, randn(3), randn(3, **POS), randn(3), gradgrad=False)


def test_generalized_pareto_log_prob_and_cdf():
    # float32: PyTorch 2.14's GeneralizedPareto.log_prob/cdf fail on float64 parameters (a float32 zero inside)
    f32 = dict(dtype=np.float32)
    check(lambda t, m, s, c, x: (t.distributions.GeneralizedPareto(m, s, c).log_prob(m + x * s),
                                 t.distributions.GeneralizedPareto(m, s, c).cdf(m + x * s)),
          randn(5, **f32), randn(5, **POS, **f32), np.array([-0.3, 0.0, 1e-9, 0.3, 0.7], np.float32),
          randn(5, **UNIT, **f32), atol=1e-5, rtol=1e-5)


def test_gamma_and_chi2_cdf():
    # PyTorch has no derivative of the incomplete gamma function w.r.t. the concentration: it stays constant
    check(lambda t, r, x: t.distributions.Gamma(t.tensor([0.5, 2.0, 7.0], dtype=r.dtype), r).cdf(x),
          randn(3, **POS), randn(2, 3, **POS) * 3)
    check(lambda t, x: t.distributions.Chi2(t.tensor([1.0, 3.0, 10.0], dtype=x.dtype)).cdf(x), randn(3, **POS) * 4)
    check(lambda t, r, x: t.distributions.InverseGamma(t.tensor([0.5, 2.0, 7.0], dtype=r.dtype), r).cdf(x),
          randn(3, **POS), randn(2, 3, **POS))


def test_perplexity_and_enumerate_support():
    check(lambda t, p: t.distributions.Categorical(probs=p).perplexity(), _simplex(2, 3))
    check(lambda t, p: t.distributions.Bernoulli(probs=p).enumerate_support(), randn(2, 3, **UNIT), grad=False)
    check(lambda t, p: t.distributions.Bernoulli(probs=p).enumerate_support(expand=False), randn(2, 3, **UNIT),
          grad=False)
    check(lambda t, p: t.distributions.Categorical(probs=p).enumerate_support(), _simplex(2, 3), grad=False)
    check(lambda t, p: t.distributions.OneHotCategorical(probs=p).enumerate_support(), _simplex(2, 3), grad=False)
    check(lambda t, p: t.distributions.Binomial(4, probs=p).enumerate_support(), randn(2, **UNIT), grad=False)


def test_kumaraswamy_mode_is_the_density_peak():
    """PyTorch 2.14's Kumaraswamy.mode is nan for concentration0 > 1 (it takes log1p(-b)); ours is the
    argmax of PyTorch's own density, found on a fine grid."""
    import torch

    import flambeau
    a, b = np.array([2.0, 3.0, 1.5]), np.array([3.0, 1.5, 5.0])
    grid = torch.linspace(1e-4, 1 - 1e-4, 100001, dtype=torch.float64)
    density = torch.distributions.Kumaraswamy(torch.tensor(a), torch.tensor(b)).log_prob(grid[:, None])
    peak = grid[density.argmax(0)].numpy()
    mode = flambeau.distributions.Kumaraswamy(flambeau.tensor(a), flambeau.tensor(b)).mode
    np.testing.assert_allclose(mode.detach().numpy(), peak, atol=2e-5)


def test_lkj_cholesky_log_prob():
    """On factors drawn by PyTorch, log_prob and its gradient w.r.t. the concentration equal PyTorch's."""
    import torch
    torch.manual_seed(0)
    for dim in (2, 4):
        conc = torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64)
        value = torch.distributions.LKJCholesky(dim, conc).sample((2,)).numpy()
        check(lambda t, c, v, dim=dim: t.distributions.LKJCholesky(dim, c).log_prob(v), np.array([0.5, 1.0, 3.0]),
              value, atol=1e-6, rtol=1e-6)
