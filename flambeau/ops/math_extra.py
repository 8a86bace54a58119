"""Elementwise and scan functions beyond the basic families: sinc, signbit, gcd, lcm, frexp, ldexp,
nextafter, isin, isreal, logcumsumexp, renorm, dist, diff, trapezoid, cumulative_trapezoid, i0."""
from __future__ import annotations

TENSOR_METHODS = {}
__all__ = []
