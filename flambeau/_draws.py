"""torch.poisson and torch.binomial: counts drawn from flambeau's generator (PCG64), in the input's dtype."""
from __future__ import annotations

import numpy as np

from ._dtype import FLOAT
from ._tensor import Tensor
from .ops.random import Generator, _host, _result, _rng, _title, vmap_draws

__all__ = ["poisson", "binomial"]


@vmap_draws
def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """One Poisson draw per element, with that element as the rate."""
    rates = _host(input)
    if np.any(rates < 0) or np.any(np.isnan(rates)):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _result(_rng(generator).poisson(rates).astype(input._data.dtype), input.device, False)


@vmap_draws
def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """One Binomial(count, prob) draw per element (count and prob broadcast), in count's float dtype."""
    if count.dtype.category != FLOAT:
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {_title(count.dtype)}")
    n, p = np.broadcast_arrays(_host(count), _host(prob))
    draws = _rng(generator).binomial(n.astype(np.int64), np.clip(p, 0, 1))
    return _result(draws.astype(count._data.dtype), count.device, False)
