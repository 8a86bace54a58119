"""First checks of the core: binary ops with promotion and broadcasting, sums, views and in-place."""
import numpy as np
import pytest

from oracle import check, check_raises, gradcheck, randn


@pytest.mark.parametrize("fn", [
    lambda t, x, y: x + y, lambda t, x, y: x - y, lambda t, x, y: x * y, lambda t, x, y: x / y,
    lambda t, x, y: t.add(x, y, alpha=2.5), lambda t, x, y: (x * y).exp().sum(), lambda t, x, y: x ** 2 + y,
])
def test_binary_broadcast(fn):
    check(fn, randn(3, 1), randn(4))
    check(fn, randn(2, 3), randn(2, 3), noncontig=True)
    gradcheck(fn, randn(3, 1), randn(4))


def test_inplace_on_view_of_nonleaf():
    def fn(t, x, y):
        z = x * 1
        z.t().mul_(y.reshape(4, 1))
        return z.exp()
    check(fn, randn(3, 4), randn(4))
