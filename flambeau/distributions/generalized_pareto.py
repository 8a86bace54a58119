"""GeneralizedPareto(loc, scale, concentration): survival function (1 + xi z)^(-1/xi), z = (x - loc) / scale,
and exp(-z) at xi = 0 (the exponential limit)."""
from __future__ import annotations

import math

import flambeau as torch

from . import constraints
from .distribution import Distribution
from .utils import _standard_uniform, broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args: bool | None = None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(GeneralizedPareto, batch_shape, _instance, ("loc", "scale", "concentration"))

    def _split_at_zero(self):
        """(xi == 0 within isclose's tolerance, xi with 1 in those places so that the xi != 0 branch stays
        finite and its gradient too)."""
        xi = self.concentration
        at_zero = torch.isclose(xi, torch.zeros_like(xi))
        return at_zero, torch.where(at_zero, torch.ones_like(xi), xi)

    def rsample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        return self.icdf(_standard_uniform(shape, like=self.loc))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        at_zero, xi = self._split_at_zero()
        power = 1 / xi + 1  # 0 at xi = -1, where the density is flat: keep 0 * log(0) out
        general = torch.where(power == 0, torch.zeros_like(z), power * torch.log1p(xi * z))
        return -self.scale.log() - torch.where(at_zero, z, general)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        at_zero, xi = self._split_at_zero()
        return torch.where(at_zero, -z, -torch.log1p(xi * z) / xi)

    def log_cdf(self, value):
        return torch.log1p(-torch.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return torch.exp(self.log_cdf(value))

    def icdf(self, value):
        at_zero, xi = self._split_at_zero()
        log_survival = torch.log1p(-value)
        general = self.loc + self.scale / xi * torch.expm1(-xi * log_survival)
        return torch.where(at_zero, self.loc - self.scale * log_survival, general)

    @property
    def mean(self):
        finite = self.concentration < 1
        xi = torch.where(finite, self.concentration, 0.5)
        return torch.where(finite, self.loc + self.scale / (1 - xi), math.nan)

    @property
    def variance(self):
        finite = self.concentration < 0.5
        xi = torch.where(finite, self.concentration, 0.25)
        return torch.where(finite, self.scale ** 2 / ((1 - xi) ** 2 * (1 - 2 * xi)), math.nan)

    @property
    def mode(self):
        return self.loc

    def entropy(self):
        return torch.broadcast_to(torch.log(self.scale) + self.concentration + 1, self._batch_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = torch.where(self.concentration < 0, self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)
