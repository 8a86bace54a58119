"""Version counters and in-place operations against PyTorch: errors on stale saved tensors and on
leaves, and PyTorch's gradients for in-place updates of non-leaf tensors and of their views."""
import pytest

from oracle import check, check_raises, gradcheck, randn


def inplace_on_view(view, op):
    def fn(t, x, y):
        z = x * 1
        op(view(z), y)
        return z * z
    return fn


VIEWS = [
    lambda z: z,
    lambda z: z[0],
    lambda z: z.t(),
    lambda z: z.transpose(0, 1)[1],
    lambda z: z.view(12),
    lambda z: z.reshape(2, 6),
    lambda z: z.narrow(1, 1, 2),
    lambda z: z.select(1, 3),
    lambda z: z.unsqueeze(0),
]
OPS = [
    lambda v, y: v.mul_(2.5),
    lambda v, y: v.add_(y.sum()),
    lambda v, y: v.exp_(),
    lambda v, y: v.mul_(y[0]),  # Mul saves self: the value before the write
]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("op", OPS)
def test_inplace_gradients(view, op):
    fn = inplace_on_view(view, op)
    check(fn, randn(3, 4), randn(2))
    gradcheck(fn, randn(3, 4), randn(2), gradgrad=False)


def test_inplace_chain_keeps_versions():
    def fn(t, x):
        z = x * 1
        z.add_(1)
        z.mul_(2)
        w = z.exp()
        z[0].mul_(3)
        return w, z, z._version
    check(fn, randn(3, 2))


@pytest.mark.parametrize("fn", [
    lambda t, x: [y := x.requires_grad_() * 1, out := y * y, y.add_(1), out.sum().backward()],  # saved input
    lambda t, x: [out := (x.requires_grad_() * 1).exp(), out.add_(1), out.sum().backward()],    # saved output
    lambda t, x: [y := x.requires_grad_() * 1, out := y[0] * y, y.mul_(2), out.sum().backward()],
    lambda t, x: x.requires_grad_().add_(1),                                                   # leaf
    lambda t, x: x.requires_grad_()[0].mul_(2),                                                # view of a leaf
])
def test_errors(fn):
    check_raises(fn, randn(3, 2))


def test_no_grad_inplace_on_leaf_is_allowed():
    def fn(t, x):
        with t.no_grad():
            x.mul_(2)
        return x * x, x._version
    check(fn, randn(3))
