"""LKJCholesky(dim, concentration): Cholesky factors of correlation matrices whose density is proportional to
det(C)^(concentration - 1) (Lewandowski, Kurowicka & Joe, 2009), sampled by the onion method."""
from __future__ import annotations

import math

import flambeau as torch

from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import _standard_normal, broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args: bool | None = None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        event_shape = torch.Size((dim, dim))
        # onion method: row i (i >= 1) of the factor is sqrt(y_i) times a uniform direction in its first i
        # entries, y_i ~ Beta(i / 2, eta + (d - 1 - i) / 2); row 0 is (1, 0, ...) and its draw is unused
        rows = torch.arange(self.dim, dtype=self.concentration.dtype, device=self.concentration.device)
        beta_conc1 = torch.where(rows > 0, rows / 2, 0.5)
        beta_conc0 = self.concentration.unsqueeze(-1) + (self.dim - 1 - rows) / 2
        self._beta = Beta(beta_conc1, beta_conc0)
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = torch.Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        super(LKJCholesky, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=torch.Size()):
        with torch.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u_normal = _standard_normal(self._extended_shape(sample_shape), like=y).tril(-1)
            norm = u_normal.norm(dim=-1, keepdim=True)
            # the first row has no strictly-lower entries: its direction is 0 (not 0 / 0)
            u_hypersphere = torch.where(norm > 0, u_normal / torch.where(norm > 0, norm, 1.0), 0.0)
            w = torch.sqrt(y) * u_hypersphere
            tiny = torch.finfo(w.dtype).tiny
            diag_elems = torch.clamp(1 - torch.sum(w ** 2, dim=-1), min=tiny).sqrt()
            return w + torch.diag_embed(diag_elems)

    def log_prob(self, value):
        """log det(C)^(eta - 1) in terms of L's diagonal, plus the Jacobian of C = L L^T, minus the
        normaliser."""
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = torch.arange(2, self.dim + 1, dtype=self.concentration.dtype, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized_log_pdf = torch.sum(order * diag_elems.log(), dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = torch.lgamma(alpha) * dm1
        numerator = torch.mvlgamma(alpha - 0.5, dm1)
        normalize_term = 0.5 * dm1 * math.log(math.pi) + numerator - denominator
        return unnormalized_log_pdf - normalize_term
