"""KL divergences between different families, the pairs PyTorch registers.

Most are -H(p) - E_p[log q(x)] with p's moments; a pair is infinite where p puts mass outside q's support.
"""
from __future__ import annotations

import math

import flambeau as torch

from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import _EULER_GAMMA, _infinite_like, register_kl
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .poisson import Poisson
from .uniform import Uniform

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _normal_cross_entropy(q, mean, second_moment):
    """-E[log N(x; q.loc, q.scale)] from E[x] and E[x^2]."""
    return (q.scale.log() + _HALF_LOG_2PI
            + (second_moment - 2 * q.loc * mean + q.loc.pow(2)) / (2 * q.scale.pow(2)))


def _gumbel_cross_entropy(q, mean, laplace_at_inverse_scale):
    """-E[log Gumbel(x; q.loc, q.scale)] from E[x] and E[exp(-x / q.scale)]."""
    return q.scale.log() + (mean - q.loc) / q.scale + torch.exp(q.loc / q.scale) * laplace_at_inverse_scale


def _gamma_cross_entropy(q, mean, mean_log):
    """-E[log Gamma(x; q.concentration, q.rate)] from E[x] and E[log x]."""
    return (q.concentration.lgamma() - q.concentration * q.rate.log() - (q.concentration - 1) * mean_log
            + q.rate * mean)


def _continuous_bernoulli_cross_entropy(q, mean):
    return -(mean * q.logits + torch.log1p(-q.probs) + q._cont_bern_log_norm())


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return p.probs * (torch.log(p.probs) - torch.log(q.rate)) + (1 - p.probs) * torch.log1p(-p.probs) + q.rate


@register_kl(Beta, Pareto)
@register_kl(ContinuousBernoulli, Pareto)
@register_kl(Exponential, Beta)
@register_kl(Exponential, ContinuousBernoulli)
@register_kl(Exponential, Pareto)
@register_kl(Exponential, Uniform)
@register_kl(Gamma, Beta)
@register_kl(Gamma, ContinuousBernoulli)
@register_kl(Gamma, Pareto)
@register_kl(Gamma, Uniform)
@register_kl(Gumbel, Beta)
@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Pareto)
@register_kl(Gumbel, Uniform)
@register_kl(Laplace, Beta)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Gamma)
@register_kl(Laplace, Pareto)
@register_kl(Laplace, Uniform)
@register_kl(Normal, Beta)
@register_kl(Normal, ContinuousBernoulli)
@register_kl(Normal, Exponential)
@register_kl(Normal, Gamma)
@register_kl(Normal, Pareto)
@register_kl(Normal, Uniform)
@register_kl(Pareto, Beta)
@register_kl(Pareto, ContinuousBernoulli)
@register_kl(Pareto, Uniform)
@register_kl(Poisson, Bernoulli)
@register_kl(Poisson, Binomial)
def _kl_outside_support(p, q):
    """p's support is not inside q's: infinite, with p's batch shape."""
    return _infinite_like(p.mean)


# --------------------------------------------------------------------------------------------- p = Beta

def _beta_mean_log(p):
    return p.concentration1.digamma() - (p.concentration1 + p.concentration0).digamma()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _continuous_bernoulli_cross_entropy(q, p.mean)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    return -p.entropy() + _gamma_cross_entropy(q, p.mean, _beta_mean_log(p))


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean.pow(2))


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return torch.where((q.low > 0) | (q.high < 1), math.inf, result)


# -------------------------------------------------------------------------------- p = ContinuousBernoulli

@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - torch.log(q.rate) + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean.pow(2))


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + torch.log(q.high - q.low)
    # NOTE: as in PyTorch, a uniform whose interval merely touches [0, 1] (low >= 0 or high <= 1) counts as
    # not covering it
    return torch.where((q.low >= 0) | (q.high <= 1), math.inf, result)


# ---------------------------------------------------------------------------------------- p = Exponential

@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    mean_log = -_EULER_GAMMA - p.rate.log()
    return -p.entropy() + _gamma_cross_entropy(q, p.mean, mean_log)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    scale_rate_prod = q.scale * p.rate
    return -p.entropy() + _gumbel_cross_entropy(q, p.mean, scale_rate_prod / (scale_rate_prod + 1))


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, 2 * p.mean.pow(2))


# ---------------------------------------------------------------------------------------------- p = Gamma

@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    # E[exp(-x / s)] is the gamma moment generating function at -1/s
    laplace = (p.rate * q.scale / (p.rate * q.scale + 1)).pow(p.concentration)
    return -p.entropy() + _gumbel_cross_entropy(q, p.mean, laplace)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean.pow(2))


# -------------------------------------------------------------------------------- p = Gumbel, Laplace, Normal

@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean.pow(2))


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(q, p.mean, p.variance + p.mean.pow(2))


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    laplace = torch.exp(-p.loc / q.scale + p.scale.pow(2) / (2 * q.scale.pow(2)))
    return -p.entropy() + _gumbel_cross_entropy(q, p.loc, laplace)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    # E|x - m| for x ~ N(mu, sigma): the mean of a folded normal
    d = p.loc - q.loc
    mean_abs = d * torch.erf(d / (p.scale * math.sqrt(2))) + p.scale * math.sqrt(2 / math.pi) * torch.exp(
        -d.pow(2) / (2 * p.scale.pow(2)))
    return -p.entropy() + torch.log(2 * q.scale) + mean_abs / q.scale


# --------------------------------------------------------------------------------------------- p = Pareto

def _with_moments(p, min_alpha: float):
    """p with alpha raised above min_alpha where p lacks the moment a formula needs: the result is masked to
    inf there, and a finite stand-in keeps nan out of the gradients of the other entries."""
    alpha = torch.where(p.alpha <= min_alpha, min_alpha + 1.0, p.alpha)
    return Pareto(p.scale, alpha, validate_args=False)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    safe = _with_moments(p, 1)
    result = -safe.entropy() - q.rate.log() + q.rate * safe.mean
    return torch.where(p.alpha <= 1, math.inf, result)  # p has no mean


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    safe = _with_moments(p, 1)
    mean_log = safe.scale.log() + safe.alpha.reciprocal()
    result = -safe.entropy() + _gamma_cross_entropy(q, safe.mean, mean_log)
    return torch.where(p.alpha <= 1, math.inf, result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    safe = _with_moments(p, 2)
    result = -safe.entropy() + _normal_cross_entropy(q, safe.mean, safe.variance + safe.mean.pow(2))
    return torch.where(p.alpha <= 2, math.inf, result)  # p has no variance


# -------------------------------------------------------------------------------------------- p = Uniform

def _uniform_mean_log(a, b):
    """E[log x] = (b log b - a log a) / (b - a) - 1 for x ~ U(a, b), 0 <= a < b."""
    return (torch.xlogy(b, b) - torch.xlogy(a, a)) / (b - a) - 1


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    mean_log = _uniform_mean_log(p.low, p.high)
    mean_log1m = _uniform_mean_log(1 - p.high, 1 - p.low)
    lbeta = q.concentration1.lgamma() + q.concentration0.lgamma() - (q.concentration1 + q.concentration0).lgamma()
    result = (-p.entropy() + lbeta - (q.concentration1 - 1) * mean_log - (q.concentration0 - 1) * mean_log1m)
    return torch.where((p.high > 1) | (p.low < 0), math.inf, result)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() + _continuous_bernoulli_cross_entropy(q, p.mean)
    return torch.where((p.high > 1) | (p.low < 0), math.inf, result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    result = -p.entropy() - q.rate.log() + q.rate * p.mean
    return torch.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    result = -p.entropy() + _gamma_cross_entropy(q, p.mean, _uniform_mean_log(p.low, p.high))
    return torch.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    laplace = q.scale * (torch.exp(-p.low / q.scale) - torch.exp(-p.high / q.scale)) / (p.high - p.low)
    return -p.entropy() + _gumbel_cross_entropy(q, p.mean, laplace)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    second_moment = (p.low.pow(2) + p.low * p.high + p.high.pow(2)) / 3
    return -p.entropy() + _normal_cross_entropy(q, p.mean, second_moment)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    # -E[log Pareto(x)] = -log alpha - alpha log scale + (alpha + 1) E[log x]
    mean_log = _uniform_mean_log(p.low, p.high)
    result = -p.entropy() - q.alpha.log() - q.alpha * q.scale.log() + (q.alpha + 1) * mean_log
    return torch.where(p.low < q.scale, math.inf, result)
