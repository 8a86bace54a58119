"""fill_, zero_, copy_, fill_diagonal_ against PyTorch: values, and gradients through the overwritten tensor."""
import pytest

from oracle import check, check_raises, randn


def _overwritten(op):
    def fn(t, x, s):
        y = x * 2
        op(y, s)
        return y * x
    return fn


@pytest.mark.parametrize("op", [
    lambda y, s: y.fill_(3.0), lambda y, s: y.zero_(), lambda y, s: y.copy_(s), lambda y, s: y[1:].copy_(s[1:]),
    lambda y, s: y.fill_(s[0, 0]), lambda y, s: y.fill_diagonal_(5.0), lambda y, s: y.copy_(s[0]),
])
def test_overwrite_values_and_gradients(op):
    check(_overwritten(op), randn(3, 3), randn(3, 3))


@pytest.mark.parametrize("fn", [
    lambda t: t.zeros(4, 5).fill_diagonal_(1, wrap=True), lambda t: t.zeros(2, 3, dtype=t.int64).fill_(7.9),
    lambda t: t.zeros(2, 3).copy_(t.arange(3)), lambda t: t.ones(2, dtype=t.int32).zero_(),
])
def test_fill_forms(fn):
    check(fn, grad=False)


@pytest.mark.parametrize("fn", [
    lambda t: t.zeros(3).fill_(t.ones(2)), lambda t: t.zeros(3).copy_(t.ones(4)), lambda t: t.zeros(3).copy_([1, 2]),
    lambda t: t.zeros(3).fill_diagonal_(1), lambda t: t.ones(2, requires_grad=True).zero_(),
])
def test_errors(fn):
    check_raises(fn)
