"""tile's argument forms: the function takes one tuple or list of sizes, the method also separate ints."""
import pytest

from oracle import check, check_raises, randn

FORMS = [
    lambda t, x: x.tile(2, 1),
    lambda t, x: x.tile(2),
    lambda t, x: x.tile([2, 1]),
    lambda t, x: x.tile((3, 1, 2)),
    lambda t, x: x.tile(dims=(2, 1)),
    lambda t, x: t.tile(x, (2, 1)),
    lambda t, x: t.tile(x, dims=[1, 2]),
]


@pytest.mark.parametrize("fn", FORMS)
def test_tile_forms(fn):
    check(fn, randn(2, 3))


@pytest.mark.parametrize("fn", [lambda t, x: t.tile(x, 2), lambda t, x: t.tile(x, 2, 1)])
def test_tile_function_refuses_separate_ints(fn):
    check_raises(fn, randn(2, 3))
