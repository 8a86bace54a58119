"""Tensor.unfold and as_strided against PyTorch: values, strides, gradients (overlapping windows summed)."""
import pytest

from oracle import check, check_raises, gradcheck, randn


@pytest.mark.parametrize("fn, shape", [
    (lambda t, x: x.unfold(1, 3, 1), (4, 5)), (lambda t, x: x.unfold(0, 2, 2), (5, 3)),
    (lambda t, x: x.unfold(-1, 2, 3), (2, 3, 7)), (lambda t, x: x.unfold(0, 1, 1), ()),
    (lambda t, x: x.unfold(1, 3, 1).unfold(1, 2, 1) * 2, (2, 6)),
    (lambda t, x: x.as_strided((2, 2), (1, 2), 1), (4, 5)), (lambda t, x: x.as_strided((3,), (4,)), (3, 4)),
])
def test_windows(fn, shape):
    check(fn, randn(*shape))
    check(fn, randn(*shape).astype("float32"), noncontig=True)


@pytest.mark.parametrize("fn", [lambda t, x: x.unfold(1, 3, 1), lambda t, x: x.unfold(0, 2, 1) ** 2])
def test_unfold_gradcheck(fn):
    gradcheck(fn, randn(3, 4))


def test_unfold_is_a_view():
    import flambeau
    x = flambeau.zeros(5)
    x.unfold(0, 2, 2)[1, 0] = 7.0
    assert x.tolist() == [0.0, 0.0, 7.0, 0.0, 0.0]


@pytest.mark.parametrize("fn", [lambda t: t.ones(3).unfold(0, 4, 1), lambda t: t.ones(3).unfold(0, 2, 0),
                                lambda t: t.ones(3).as_strided((4,), (1,))])
def test_errors(fn):
    check_raises(fn)
