"""Sampling: shapes and dtypes as in PyTorch, reproducibility under manual_seed, goodness of fit of the draws
(Kolmogorov-Smirnov against the analytic CDF, chi-square for discrete laws) and reparameterised gradients.

Thresholds: with a fixed seed each test is deterministic; the thresholds are the 99.9% quantiles of the
statistics under the null hypothesis (KS: 1.95 / sqrt(n); chi-square: the Wilson-Hilferty approximation of
the quantile for the number of degrees of freedom), so a correct sampler fails one seed in a thousand,
while a wrong scale, shift or shape by a few percent fails them all at n = 4000.
"""
import math

import numpy as np
import pytest
import torch

import flambeau
from oracle import to_numpy

N = 4000
KS_999 = 1.95 / math.sqrt(N)
Z_999 = 3.09


def _ks_statistic(samples, cdf):
    """sup |F_n - F| for sorted samples and the cdf evaluated there."""
    n = len(samples)
    order = np.argsort(samples)
    f = np.asarray(cdf)[order]
    i = np.arange(1, n + 1)
    return max(np.max(i / n - f), np.max(f - (i - 1) / n))


def _numeric_cdf(log_prob, lo, hi):
    """CDF by the trapezoid rule over a fine grid of torch's density on [lo, hi]."""
    grid = np.linspace(lo, hi, 200001)
    pdf = np.exp(log_prob(torch.tensor(grid)).numpy())
    cum = np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(grid))])
    return lambda x: np.interp(x, grid, cum)


def _student3_cdf(t):
    return 0.5 + (t / (math.sqrt(3) * (1 + t * t / 3)) + np.arctan(t / math.sqrt(3))) / math.pi


# (id, factory(D), cdf(torch distribution, x) or None for torch's own cdf)
CONTINUOUS = [
    ("Normal", lambda D: D.Normal(0.3, 1.5), None),
    ("LogNormal", lambda D: D.LogNormal(0.2, 0.5), None),
    ("Uniform", lambda D: D.Uniform(-1.0, 2.0), None),
    ("Exponential", lambda D: D.Exponential(1.5), None),
    ("Laplace", lambda D: D.Laplace(0.5, 2.0), None),
    ("Cauchy", lambda D: D.Cauchy(0.5, 1.5), None),
    ("Gumbel", lambda D: D.Gumbel(0.5, 2.0), None),
    ("Gamma-small", lambda D: D.Gamma(0.5, 2.0), lambda d, x: torch.special.gammainc(d.concentration, d.rate * x)),
    ("Gamma", lambda D: D.Gamma(4.0, 1.5), lambda d, x: torch.special.gammainc(d.concentration, d.rate * x)),
    ("Chi2", lambda D: D.Chi2(3.0), lambda d, x: torch.special.gammainc(d.concentration, d.rate * x)),
    ("Beta", lambda D: D.Beta(2.5, 1.5), lambda d, x: torch.tensor(_numeric_cdf(d.log_prob, 0, 1)(x.numpy()))),
    ("Beta-b", lambda D: D.Beta(1.2, 3.0), lambda d, x: torch.tensor(_numeric_cdf(d.log_prob, 0, 1)(x.numpy()))),
    ("StudentT", lambda D: D.StudentT(3.0, 0.5, 2.0), lambda d, x: torch.tensor(_student3_cdf((x.numpy() - 0.5) / 2))),
    ("VonMises", lambda D: D.VonMises(1.0, 2.0),
     lambda d, x: torch.tensor(_numeric_cdf(d.log_prob, -math.pi, math.pi)(x.numpy()))),
    ("HalfNormal", lambda D: D.HalfNormal(1.5), None),
    ("HalfCauchy", lambda D: D.HalfCauchy(1.5), None),
    ("Pareto", lambda D: D.Pareto(1.5, 2.5), None),
    ("Weibull", lambda D: D.Weibull(1.5, 0.8), None),
    ("Kumaraswamy", lambda D: D.Kumaraswamy(2.0, 3.0), None),
    ("ContinuousBernoulli", lambda D: D.ContinuousBernoulli(0.8), None),
    ("FisherSnedecor", lambda D: D.FisherSnedecor(5.0, 8.0),
     lambda d, x: torch.tensor(_numeric_cdf(d.log_prob, 1e-9, 40.0)(x.numpy()))),
    ("InverseGamma", lambda D: D.InverseGamma(2.5, 1.5), None),
    ("GeneralizedPareto", lambda D: D.GeneralizedPareto(0.5, 2.0, 0.3), None),
    ("GeneralizedPareto-bounded", lambda D: D.GeneralizedPareto(0.5, 2.0, -0.4), None),
    ("MixtureSameFamily", lambda D: D.MixtureSameFamily(D.Categorical(probs=torch_or_flambeau(D).tensor([0.3, 0.7])),
                                                        D.Normal(torch_or_flambeau(D).tensor([-1.0, 2.0]),
                                                                 torch_or_flambeau(D).tensor([0.5, 1.0]))), None),
    ("TransformedDistribution", lambda D: D.TransformedDistribution(
        D.Normal(0.0, 1.0), [D.AffineTransform(1.0, -2.0), D.ExpTransform()]), None),
]


def torch_or_flambeau(D):
    return torch if D is torch.distributions else flambeau


@pytest.mark.parametrize("case", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_goodness_of_fit(case):
    _, factory, cdf = case
    flambeau.manual_seed(0)
    d = factory(flambeau.distributions)
    draws = d.rsample((N,)) if d.has_rsample else d.sample((N,))
    x = torch.tensor(to_numpy(draws)).double()
    ref = factory(torch.distributions)
    f = (ref.cdf(x) if cdf is None else cdf(ref, x)).numpy()
    assert _ks_statistic(x.numpy(), f) < KS_999


def _chi2_quantile(dof, z=Z_999):
    """Wilson-Hilferty approximation of the chi-square quantile with `dof` degrees of freedom."""
    return dof * (1 - 2 / (9 * dof) + z * math.sqrt(2 / (9 * dof))) ** 3


def _chi_square(counts, probs):
    """Pearson's statistic after pooling the categories whose expected count is below 5 into one bin."""
    n = counts.sum()
    expected = probs * n
    keep = expected >= 5
    obs = np.append(counts[keep], counts[~keep].sum() + (n - counts.sum()))
    exp = np.append(expected[keep], n - expected[keep].sum())
    obs, exp = (obs, exp) if exp[-1] >= 5 else (obs[:-1], exp[:-1])
    return ((obs - exp) ** 2 / exp).sum(), len(obs) - 1


DISCRETE = [
    ("Bernoulli", lambda D: D.Bernoulli(0.3), 2),
    ("Binomial", lambda D: D.Binomial(10, probs=torch_or_flambeau(D).tensor(0.35)), 11),
    ("Poisson", lambda D: D.Poisson(3.5), 30),
    ("Geometric", lambda D: D.Geometric(0.3), 60),
    ("Categorical", lambda D: D.Categorical(probs=torch_or_flambeau(D).tensor([0.1, 0.2, 0.3, 0.4])), 4),
    ("NegativeBinomial", lambda D: D.NegativeBinomial(3.0, probs=torch_or_flambeau(D).tensor(0.4)), 60),
]


@pytest.mark.parametrize("case", DISCRETE, ids=[c[0] for c in DISCRETE])
def test_discrete_goodness_of_fit(case):
    _, factory, support = case
    flambeau.manual_seed(0)
    draws = to_numpy(factory(flambeau.distributions).sample((N,))).astype(np.int64)
    counts = np.bincount(draws, minlength=support)[:support].astype(np.float64)
    probs = factory(torch.distributions).log_prob(torch.arange(support, dtype=torch.float64)).exp().numpy()
    stat, dof = _chi_square(counts, probs)
    assert stat < _chi2_quantile(dof)


def test_multinomial_and_one_hot_counts():
    flambeau.manual_seed(0)
    probs = [0.1, 0.2, 0.3, 0.4]
    counts = to_numpy(flambeau.distributions.Multinomial(N, probs=flambeau.tensor(probs)).sample())
    stat, dof = _chi_square(counts, np.array(probs))
    assert counts.sum() == N and stat < _chi2_quantile(dof)
    one_hot = to_numpy(flambeau.distributions.OneHotCategorical(probs=flambeau.tensor(probs)).sample((N,)))
    assert set(one_hot.sum(-1)) == {1.0}
    stat, dof = _chi_square(one_hot.sum(0), np.array(probs))
    assert stat < _chi2_quantile(dof)


def _projection_ks(draws, mean, cov, seed=1):
    """u . x of a multivariate normal draw is N(u . mean, u^T cov u)."""
    u = np.random.default_rng(seed).standard_normal(len(mean))
    proj = torch.tensor(draws @ u)
    ref = torch.distributions.Normal(float(u @ mean), float(np.sqrt(u @ cov @ u)))
    return _ks_statistic(proj.numpy(), ref.cdf(proj).numpy())


def test_multivariate_normal_draws():
    mean = np.array([0.5, -1.0, 2.0])
    a = np.array([[1.0, 0.0, 0.0], [0.5, 1.2, 0.0], [-0.3, 0.4, 0.7]])
    cov = a @ a.T
    flambeau.manual_seed(0)
    d = flambeau.distributions.MultivariateNormal(flambeau.tensor(mean), flambeau.tensor(cov))
    draws = to_numpy(d.rsample((N,)))
    for seed in (1, 2):
        assert _projection_ks(draws, mean, cov, seed) < KS_999


def test_lowrank_multivariate_normal_draws():
    mean = np.array([0.5, -1.0, 2.0])
    w = np.array([[1.0], [0.5], [-0.7]])
    diag = np.array([0.5, 1.0, 0.3])
    flambeau.manual_seed(0)
    d = flambeau.distributions.LowRankMultivariateNormal(flambeau.tensor(mean), flambeau.tensor(w),
                                                         flambeau.tensor(diag))
    draws = to_numpy(d.rsample((N,)))
    assert _projection_ks(draws, mean, w @ w.T + np.diag(diag)) < KS_999


def test_dirichlet_marginals_are_beta():
    conc = np.array([0.6, 2.0, 3.5])
    flambeau.manual_seed(0)
    draws = to_numpy(flambeau.distributions.Dirichlet(flambeau.tensor(conc)).rsample((N,)))
    np.testing.assert_allclose(draws.sum(-1), 1.0, rtol=1e-6)
    for i in (1, 2):  # Beta(a_i, a0 - a_i); component 0 has a density singular at 0
        ref = torch.distributions.Beta(conc[i], conc.sum() - conc[i])
        cdf = _numeric_cdf(ref.log_prob, 0, 1)
        assert _ks_statistic(draws[:, i], cdf(draws[:, i])) < KS_999


def test_relaxed_draws():
    flambeau.manual_seed(0)
    temp, p = 0.7, 0.3
    draws = to_numpy(flambeau.distributions.RelaxedBernoulli(flambeau.tensor(temp), probs=flambeau.tensor(p))
                     .rsample((N,)))
    logit = np.log(draws) - np.log1p(-draws)  # the logit of a draw follows LogitRelaxedBernoulli
    base = torch.distributions.relaxed_bernoulli.LogitRelaxedBernoulli(torch.tensor(temp), probs=torch.tensor(p))
    cdf = _numeric_cdf(base.log_prob, -60.0, 60.0)
    assert _ks_statistic(logit, cdf(logit)) < KS_999
    draws = to_numpy(flambeau.distributions.RelaxedOneHotCategorical(
        flambeau.tensor(0.5), probs=flambeau.tensor([0.2, 0.3, 0.5])).rsample((N,)))
    np.testing.assert_allclose(draws.sum(-1), 1.0, rtol=1e-5)
    # at low temperature the argmax of a draw is a categorical draw (the Gumbel-max trick)
    stat, dof = _chi_square(np.bincount(draws.argmax(-1), minlength=3).astype(float), np.array([0.2, 0.3, 0.5]))
    assert stat < _chi2_quantile(dof)


SHAPES = [
    ("Normal", lambda L: L.distributions.Normal(L.zeros(2, 1), L.ones(3))),
    ("Bernoulli", lambda L: L.distributions.Bernoulli(L.full((3,), 0.3))),
    ("Binomial", lambda L: L.distributions.Binomial(L.tensor([3.0, 5.0]), probs=L.tensor(0.3))),
    ("Categorical", lambda L: L.distributions.Categorical(logits=L.zeros(2, 4))),
    ("OneHotCategorical", lambda L: L.distributions.OneHotCategorical(logits=L.zeros(2, 4))),
    ("Multinomial", lambda L: L.distributions.Multinomial(5, logits=L.zeros(2, 4))),
    ("Beta", lambda L: L.distributions.Beta(L.ones(3), L.ones(2, 1))),
    ("Gamma", lambda L: L.distributions.Gamma(L.ones(3), 2.0)),
    ("Dirichlet", lambda L: L.distributions.Dirichlet(L.ones(2, 3))),
    ("Poisson", lambda L: L.distributions.Poisson(L.ones(3))),
    ("Geometric", lambda L: L.distributions.Geometric(L.full((3,), 0.5))),
    ("StudentT", lambda L: L.distributions.StudentT(L.full((3,), 4.0))),
    ("MultivariateNormal", lambda L: L.distributions.MultivariateNormal(L.zeros(2, 3), L.eye(3))),
    ("LowRankMultivariateNormal", lambda L: L.distributions.LowRankMultivariateNormal(L.zeros(3), L.ones(3, 1),
                                                                                      L.ones(2, 3))),
    ("Independent", lambda L: L.distributions.Independent(L.distributions.Normal(L.zeros(2, 3), 1.0), 1)),
    ("MixtureSameFamily", lambda L: L.distributions.MixtureSameFamily(L.distributions.Categorical(logits=L.zeros(2, 3)),
                                                                      L.distributions.Normal(L.zeros(2, 3), 1.0))),
    ("RelaxedOneHotCategorical", lambda L: L.distributions.RelaxedOneHotCategorical(L.tensor(0.5),
                                                                                    logits=L.zeros(2, 3))),
    ("VonMises", lambda L: L.distributions.VonMises(L.zeros(3), L.ones(3))),
    ("LKJCholesky", lambda L: L.distributions.LKJCholesky(3, L.tensor([0.5, 2.0]))),
    ("InverseGamma", lambda L: L.distributions.InverseGamma(L.ones(3), 2.0)),
    # float64: log_prob of a (possibly ill-conditioned) draw goes through a log-determinant
    ("Wishart", lambda L: L.distributions.Wishart(L.tensor([3.0, 4.5], dtype=L.float64), L.eye(3, dtype=L.float64))),
]


@pytest.mark.parametrize("case", SHAPES, ids=[c[0] for c in SHAPES])
def test_shapes_dtypes_expand_and_seed(case):
    _, factory = case
    t, f = factory(torch), factory(flambeau)
    assert (tuple(f.batch_shape), tuple(f.event_shape)) == (tuple(t.batch_shape), tuple(t.event_shape))
    assert (f.has_rsample, f.has_enumerate_support) == (t.has_rsample, t.has_enumerate_support)
    for shape in ((), (4,), (2, 1)):
        ts, fs = t.sample(shape), f.sample(shape)
        assert tuple(fs.shape) == tuple(ts.shape) and repr(fs.dtype) == str(ts.dtype)
        if t.has_rsample:
            assert tuple(f.rsample(shape).shape) == tuple(t.rsample(shape).shape)
    new_batch = (5,) + tuple(t.batch_shape)
    te, fe = t.expand(new_batch), f.expand(new_batch)
    assert type(fe) is type(f) and tuple(fe.batch_shape) == tuple(te.batch_shape)
    value = te.sample()
    np.testing.assert_allclose(to_numpy(fe.log_prob(flambeau.tensor(value.numpy()))), te.log_prob(value).numpy(),
                               rtol=1e-5, atol=1e-5)
    flambeau.manual_seed(3)
    first = to_numpy(f.sample((3,)))
    flambeau.manual_seed(3)
    np.testing.assert_array_equal(to_numpy(f.sample((3,))), first)


def test_normal_rsample_gradient_is_the_noise():
    loc = flambeau.tensor([0.5, -1.0], requires_grad=True)
    scale = flambeau.tensor([2.0, 0.5], requires_grad=True)
    x = flambeau.distributions.Normal(loc, scale).rsample((3,))
    x.sum().backward()
    np.testing.assert_allclose(to_numpy(loc.grad), [3.0, 3.0])
    eps = (to_numpy(x) - to_numpy(loc)) / to_numpy(scale)
    np.testing.assert_allclose(to_numpy(scale.grad), eps.sum(0), rtol=1e-5)


def test_gamma_rsample_gradient_matches_torch():
    """d draw / d concentration: torch's own _standard_gamma_grad at our draws, and the implicit
    function theorem with torch's regularised incomplete gamma function by central differences."""
    alpha = flambeau.tensor([0.05, 0.3, 1.0, 2.5, 8.0, 40.0] * 20, dtype=flambeau.float64, requires_grad=True)
    flambeau.manual_seed(0)
    x = flambeau.distributions.Gamma(alpha, 1.0).rsample()
    x.sum().backward()
    a, xs = torch.tensor(to_numpy(alpha)), torch.tensor(to_numpy(x))
    ours = to_numpy(alpha.grad)
    np.testing.assert_allclose(ours, torch._standard_gamma_grad(a, xs).numpy(), rtol=2e-3, atol=1e-12)
    h = 1e-6
    left = xs < a + 1  # P for the left part, Q = 1 - P for the right tail, each without cancellation
    dP = (torch.special.gammainc(a + h, xs) - torch.special.gammainc(a - h, xs)) / (2 * h)
    dQ = (torch.special.gammaincc(a + h, xs) - torch.special.gammaincc(a - h, xs)) / (2 * h)
    pdf = torch.distributions.Gamma(a, 1.0).log_prob(xs).exp()
    implicit = torch.where(left, -dP, dQ) / pdf
    np.testing.assert_allclose(ours, implicit.numpy(), rtol=1e-4)


@pytest.mark.parametrize("name", ["Gamma", "Beta", "Dirichlet", "Chi2", "StudentT"])
def test_reparameterised_gradient_is_unbiased(name):
    """The Monte-Carlo average of d draw / d parameter equals d mean / d parameter."""
    D = flambeau.distributions
    p = flambeau.tensor([2.5, 1.5], dtype=flambeau.float64, requires_grad=True)
    make = {"Gamma": lambda: D.Gamma(p[0], p[1]), "Beta": lambda: D.Beta(p[0], p[1]),
            "Dirichlet": lambda: D.Dirichlet(p), "Chi2": lambda: D.Chi2(p[0]),
            "StudentT": lambda: D.StudentT(p[0] + 2, p[1], p[1])}[name]
    flambeau.manual_seed(0)
    n = 20000
    draws = make().rsample((n,))
    target = draws[..., 0] if draws.dim() == 2 else draws
    mc = flambeau.autograd.grad(target.mean(), p)[0]
    mean = make().mean
    exact = flambeau.autograd.grad(mean[..., 0] if mean.dim() else mean, p, allow_unused=True)[0]
    np.testing.assert_allclose(to_numpy(mc), to_numpy(exact), atol=0.04)


@pytest.mark.parametrize("d, eta", [(3, 1.5), (4, 0.8)])
def test_lkj_cholesky_draws(d, eta):
    """Draws are correlation Cholesky factors; every off-diagonal correlation r of LKJ(eta) in dimension d has
    (r + 1) / 2 ~ Beta(eta - 1 + d / 2, eta - 1 + d / 2) (Lewandowski, Kurowicka & Joe, 2009). PyTorch 2.14's
    sampler fails this from the third row on (KS statistics near 0.05 at n = 4000)."""
    flambeau.manual_seed(0)
    draws = flambeau.distributions.LKJCholesky(d, eta).sample((N,))
    assert bool(flambeau.distributions.constraints.corr_cholesky.check(draws).all())
    corr = to_numpy(draws @ draws.mT)
    b = eta - 1 + d / 2
    cdf = _numeric_cdf(torch.distributions.Beta(b, b).log_prob, 0, 1)
    for i, j in ((1, 0), (2, 1), (d - 1, 0)):
        x = (corr[:, i, j] + 1) / 2
        assert _ks_statistic(x, cdf(x)) < KS_999


def test_wishart_draws():
    """For X ~ Wishart(df, Sigma), a^T X a / a^T Sigma a ~ chi2(df) for any fixed a."""
    df = 4.5
    a = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, -0.4], [0.0, -0.4, 1.5]])
    flambeau.manual_seed(0)
    draws = to_numpy(flambeau.distributions.Wishart(df, flambeau.tensor(a)).rsample((N,)))
    for u in (np.array([1.0, 0.0, 0.0]), np.array([0.5, -1.0, 2.0])):
        x = torch.tensor(np.einsum("i,nij,j->n", u, draws, u) / (u @ a @ u))
        assert _ks_statistic(x.numpy(), torch.special.gammainc(torch.tensor(df / 2), x / 2).numpy()) < KS_999
