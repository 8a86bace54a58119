"""The reproductions of issue 8, each against PyTorch: where() with Python scalars, NumPy's axis/keepdims
names, cumprod's gradient through zeros, einsum's gradient for broadcast operands, and in-place writes
after an op whose derivative does not read the tensor written."""
import numpy as np
import pytest

from oracle import check, check_like_torch, gradcheck, randint, randn

# ------------------------------------------------------------------------------- where with scalars

MASK = np.array([True, False, True])


@pytest.mark.parametrize("a,b", [(1, 0), (1.0, 0), (True, False), (True, 0), (1, 0.5), (2.5, -1.5), (-3, True)])
def test_where_two_scalars(a, b):
    check(lambda t, m: t.where(m, a, b), MASK)


@pytest.mark.parametrize("fn", [
    lambda t, m, x: t.where(m, x, 0.5), lambda t, m, x: t.where(m, 2, x), lambda t, m, x: t.where(m, x, 0),
    lambda t, m, x: x.where(m, 1.5), lambda t, m, x: t.where(m, x.float(), 3),
    lambda t, m, x: t.where(m, x.to(t.int32), 0.5), lambda t, m, x: t.where(m, x.half(), 7),
    lambda t, m, x: t.where(m, t.tensor(2.0, dtype=t.float64), x.float()),
], ids=["tensor_float", "int_tensor", "tensor_int", "method", "float32_int", "int32_float", "half_int", "0d_vs_1d"])
def test_where_tensor_and_scalar(fn):
    check(fn, MASK, randn(3))


def test_where_condition_kinds():
    check(lambda t, m: t.where(m.to(t.uint8), 1, 0), MASK)  # deprecated in PyTorch, still accepted
    for bad in (lambda t, m: t.where(m.float(), 1, 0), lambda t, m: t.where(True, m, m)):
        assert check_like_torch(bad, MASK) is not None


def test_where_gradcheck():
    gradcheck(lambda t, m, x: t.where(m, x, 0.5) * t.where(m, 2.0, x), MASK, randn(3))


# ------------------------------------------------------------------------------- NumPy's argument names

X = randn(3, 4)
AXIS_CASES = [
    ("sum", {"axis": 1}), ("sum", {"axis": 1, "keepdims": True}), ("sum", {"axis": (0, 1)}),
    ("sum", {"dim": 0, "keepdims": True}), ("mean", {"axis": 0, "keepdims": True}), ("prod", {"axis": 1}),
    ("max", {"axis": 1}), ("min", {"axis": 0, "keepdims": True}), ("amax", {"axis": 1}), ("amin", {"axis": -1}),
    ("std", {"axis": 1}), ("var", {"axis": 0, "keepdims": True}), ("any", {"axis": 1}), ("all", {"axis": 0}),
    ("argmax", {"axis": 1}), ("argmin", {"axis": 0, "keepdims": True}), ("logsumexp", {"axis": 1}),
    ("nansum", {"axis": 1}), ("nanmean", {"axis": 0}), ("median", {"axis": 1}), ("nanmedian", {"axis": 1}),
    ("mode", {"axis": 1}), ("aminmax", {"axis": 1}), ("count_nonzero", {"axis": 1}), ("cumsum", {"axis": 1}),
    ("cumprod", {"axis": 0}), ("cummax", {"axis": 1}), ("logcumsumexp", {"axis": 1}), ("softmax", {"axis": 1}),
    ("log_softmax", {"axis": 0}), ("sort", {"axis": 0}), ("argsort", {"axis": 1}), ("unsqueeze", {"axis": 1}),
    ("unbind", {"axis": 1}), ("diff", {"axis": 1}),
    # refused like PyTorch: both names, keepdims where there is no keepdim, Python-level functions
    ("sum", {"dim": 1, "axis": 1}), ("cumsum", {"axis": 1, "keepdims": True}), ("norm", {"axis": 1}),
]


@pytest.mark.parametrize("name,kwargs", AXIS_CASES, ids=[f"{n}-{'-'.join(k)}" for n, k in AXIS_CASES])
def test_numpy_argument_names(name, kwargs):
    check_like_torch(lambda t, x: getattr(t, name)(x, **kwargs), X)
    check_like_torch(lambda t, x: getattr(x, name)(**kwargs), X)


def test_numpy_argument_names_elsewhere():
    check(lambda t, x: (t.cat([x, x], axis=1), t.stack([x, x], axis=0), x.squeeze(axis=0), t.sum(a=x, axis=0),
                        t.mean(input=x, axis=1), t.std_mean(x, axis=1, keepdims=True), x.topk(2, axis=1)), X[:1])
    for refused in (lambda t, x: x.split(2, axis=1), lambda t, x: x.unique(axis=0), lambda t, x: x.norm(axis=1),
                    lambda t, x: x.unflatten(axis=1, sizes=(2, 2))):
        assert check_like_torch(refused, X) is TypeError


# ------------------------------------------------------------------------------- cumprod through zeros

ZEROS = [
    np.array([[1.5, 0., 2., -1.], [0., 3., 0., 2.], [2., 1., 3., -0.5]]),  # one zero, two zeros, none
    np.array([[0., 0., 0.], [0., 2., 0.]]),  # all zeros, zeros around a value
    np.array([[[0.5, 0.], [2., -1.]], [[0., 0.], [3., 1.5]], [[1., 2.], [0., -2.]]]),
]


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("case", range(len(ZEROS)))
def test_cumprod_gradient_through_zeros(case, dim):
    x = ZEROS[case]
    check(lambda t, x: t.cumprod(x, dim), x)
    check(lambda t, x: x.cumprod(dim) * 1.5, x, noncontig=True)
    gradcheck(lambda t, x: t.cumprod(x, dim), x)


@pytest.mark.parametrize("x", [np.array(0.), np.array(2.5), np.array([0.]), np.zeros((0, 3))])
def test_cumprod_small(x):
    check(lambda t, x: t.cumprod(x, 0), x)
    if x.size:
        gradcheck(lambda t, x: t.cumprod(x, 0), x)


def test_cumprod_gradient_through_zeros_create_graph():
    """The double backward against torch's (finite differences alone would miss a wrong order)."""
    def fn(t, x):
        x = x.clone().requires_grad_()
        (g,) = t.autograd.grad((t.cumprod(x, 1) ** 2).sum(), x, create_graph=True)
        (gg,) = t.autograd.grad((g * t.arange(1, 5, dtype=x.dtype)).sum(), x)
        return g, gg
    check(fn, ZEROS[0], grad=False)


# ------------------------------------------------------------------------------- einsum with broadcasting

EINSUM = [
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]), ("...ij,...jk->...ik", [(1, 3, 4), (5, 4, 2)]),
    ("...i,...i->i", [(1, 3), (2, 3)]), ("...i,...i->i", [(3,), (2, 3)]), ("...i,...i", [(4, 1, 3), (2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]), ("ij,ij->i", [(2, 1), (2, 3)]), ("ij,ij->i", [(2, 3), (1, 1)]),
    ("b...,b...->b", [(2, 1, 3), (2, 4, 1)]), ("...->", [(2, 3)]), ("i...->", [(2, 3)]),
    ("...ii->...i", [(1, 3, 3)]), ("i...,j...->ij", [(2, 1), (3, 4)]), ("bi...,bi->b...", [(2, 3, 1), (1, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[f"{e}-{s}" for e, s in EINSUM])
def test_einsum_broadcast_gradients(eq, shapes):
    arrays = [randn(*s) for s in shapes]
    check(lambda t, *xs: t.einsum(eq, *xs), *arrays)
    gradcheck(lambda t, *xs: t.einsum(eq, *xs), *arrays)


# ------------------------------------------------------------------------------- in-place after an op

def _issue_example(t, x):
    x = x.clone().requires_grad_()
    y = x * 1.0
    y[1:3, 0] = y[1:3, 0] * 5
    y.T[0].mul_(2)
    (y ** 2).sum().backward()
    return x.grad


def _after(op, write=lambda y: y.mul_(2)):
    """op(t, y) on a non-leaf y, then y written in place, then backward: torch succeeds where op's
    derivative does not read y, and raises where it does."""
    def fn(t, x, w):
        x = x.clone().requires_grad_()
        w = w.clone().requires_grad_()
        y = x * 1
        z = op(t, y, w)
        write(y)
        (z.sum() + (y * y).sum()).backward()
        return x.grad, w.grad
    return fn


INPLACE_AFTER = [
    ("mul_scalar", lambda t, y, w: y * 3), ("rmul_scalar", lambda t, y, w: 0.5 * y),
    ("div_scalar", lambda t, y, w: y / 4), ("mul_tensor_other", lambda t, y, w: w * y.detach() + y * w.detach()),
    ("mul_tensor", lambda t, y, w: y * w), ("div_by_tensor", lambda t, y, w: w / y),
    ("div_tensor", lambda t, y, w: y / w), ("add_sub_neg", lambda t, y, w: (y + w) - (2 - y) + -y),
    ("pow_scalar", lambda t, y, w: y ** 2), ("rpow", lambda t, y, w: 2 ** y), ("pow_tensor", lambda t, y, w: w.abs() ** y),
    ("where", lambda t, y, w: t.where(w > 0, y, 0.0)), ("where_both", lambda t, y, w: t.where(w > 0, y, w)),
    ("masked_fill", lambda t, y, w: y.masked_fill(w > 0, 1.0)), ("clamp", lambda t, y, w: y.clamp(-0.5, 0.5)),
    ("exp", lambda t, y, w: y.exp()), ("sigmoid", lambda t, y, w: y.sigmoid()), ("abs", lambda t, y, w: y.abs()),
    ("matmul_const", lambda t, y, w: y @ w.detach().T), ("matmul", lambda t, y, w: y @ w.T),
    ("index", lambda t, y, w: y[[0, 2]]),
    ("sum_mean", lambda t, y, w: y.sum(0) + y.mean(1).sum()), ("view", lambda t, y, w: y.view(-1)[:3] * 2),
    ("remainder", lambda t, y, w: t.remainder(y, 1.5)), ("fmod_tensor", lambda t, y, w: t.fmod(w, y)),
    ("copysign", lambda t, y, w: t.copysign(w, y)), ("hypot", lambda t, y, w: t.hypot(w, y.detach())),
    ("einsum_const", lambda t, y, w: t.einsum("ij,kj->ik", y, w.detach())),
    ("einsum", lambda t, y, w: t.einsum("ij,kj->ik", y, w)),
]


@pytest.mark.parametrize("op", [c[1] for c in INPLACE_AFTER], ids=[c[0] for c in INPLACE_AFTER])
def test_inplace_write_after_op(op):
    check_like_torch(_after(op), randn(4, 3), randn(4, 3), grad=False)


def test_issue_example():
    check(_issue_example, randn(4, 3), grad=False)


def test_inplace_write_through_a_view_after_scalar_ops():
    def fn(t, x):
        x = x.clone().requires_grad_()
        y = (x / 2 + 1) * 3
        y[0].mul_(y[1].detach().clone())
        y.T[1].div_(4)
        z = t.where(y > 0, y, -1.0)
        z.exp_()
        z.sum().backward()
        return x.grad
    check(fn, randn(3, 4), grad=False)


def test_integer_operands_keep_no_state():
    check(lambda t, x, i: x * i + x / (i + 5), randn(3), randint(1, 4, 3))
