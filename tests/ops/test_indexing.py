"""Indexing against PyTorch: getitem/setitem key forms, gather/scatter, index_*, masked_*, take/put,
nonzero, searchsorted; gradients, gradcheck/gradgradcheck, views and in-place writes inside graphs."""
import numpy as np
import pytest

from oracle import check, check_raises, gradcheck, randint, randn

I64 = np.int64
pytestmark = pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")

# ---------------------------------------------------------------- __getitem__

GETITEM = [
    lambda t, x: x[1],
    lambda t, x: x[-1],
    lambda t, x: x[1, 2],
    lambda t, x: x[-1, -2, 0],
    lambda t, x: x[:, 1:3],
    lambda t, x: x[::2, 1:],
    lambda t, x: x[..., ::3],
    lambda t, x: x[None, 0, ..., None],
    lambda t, x: x[()],
    lambda t, x: x[...],
    lambda t, x: x[1:1],                              # empty selection
    lambda t, x: x[5:],                               # slice past the end
    lambda t, x: x[[0, 2, 0]],                        # list, repeated
    lambda t, x: x[t.tensor([-1, 0])],
    lambda t, x: x[t.tensor([[0, 1], [1, 1]])],
    lambda t, x: x[t.tensor([1, 0], dtype=t.int32)],
    lambda t, x: x[np.array([1, 1])],
    lambda t, x: x[[]],
    lambda t, x: x[[0.0, 2.7], [1.0, 1.0]],         # floats in Python lists truncate, like PyTorch
    lambda t, x: x[:, [0, 2], 1:],
    lambda t, x: x[[0, 1], :, [1, 0]],                # separated by a slice: broadcast dims first
    lambda t, x: x[:, [1, 0], [3, 3]],
    lambda t, x: x[0, :, [1, 0]],                     # an int then an index array
    lambda t, x: x[:, 1, [0, 1]],
    lambda t, x: x[[0, 1], None, [1, 2]],
    lambda t, x: x[None, 1, :, [0, 1]],
    lambda t, x: x[x > 0],                            # full mask
    lambda t, x: x[x[:, :, 0] > 0],                   # mask over leading dims
    lambda t, x: x[:, t.tensor([True, False, True])],
    lambda t, x: x[1:, [True, False, True]],
    lambda t, x: x[x > 100],                          # empty mask selection
    lambda t, x: x[True],
    lambda t, x: x[False],
    lambda t, x: x[:, True, [0, 1]],
    lambda t, x: x[t.tensor(1)],                      # 0-d integer tensor selects like an int
    lambda t, x: x[t.tensor(True)],
    lambda t, x: x[1][[2, 0]][:, ::2],
]


@pytest.mark.parametrize("case", range(len(GETITEM)))
def test_getitem(case):
    fn = GETITEM[case]
    check(fn, randn(3, 3, 4))
    check(fn, randn(3, 3, 4).astype(np.float32))
    check(fn, randn(3, 3, 4), noncontig=True)
    check(fn, randint(-5, 5, 3, 3, 4))


@pytest.mark.parametrize("case", range(len(GETITEM)))
def test_getitem_gradcheck(case):
    gradcheck(GETITEM[case], randn(3, 3, 4))


def test_getitem_repeated_indices_accumulate():
    check(lambda t, x: x[[0, 0, 1, 0]] * 2, randn(3, 2))
    check(lambda t, x: x[[[0, 0], [1, 0]], [1, 1]], randn(3, 2))
    gradcheck(lambda t, x: x[[0, 0, 1, 0]] ** 2, randn(3, 2))


def test_getitem_0d_and_1d():
    check(lambda t, x: x[...], randn())
    check(lambda t, x: x[None], randn())
    check(lambda t, x: x[x > 0], randn())
    check(lambda t, x: x[2], randn(4))
    check(lambda t, x: x[[3, -4]], randn(4))


def test_basic_indexing_is_a_view():
    import flambeau
    x = flambeau.tensor(np.arange(12.).reshape(3, 4))
    y = x[1, 1:3]
    y[0] = 100.0
    assert x[1, 1].item() == 100.0
    assert y._base is x and y._version == x._version
    x[2] = -1.0
    assert x[2].tolist() == [-1.0] * 4 and y._version == x._version
    z = x[[0, 1]]
    z[0] = 7.0  # advanced indexing copies
    assert x[0, 0].item() == 0.0


GETITEM_ERRORS = [
    lambda t, x: x[3],
    lambda t, x: x[0, -5],
    lambda t, x: x[[0, 7]],
    lambda t, x: x[:, [-5]],
    lambda t, x: x[0, 0, 0, 0],
    lambda t, x: x[t.tensor([0.5])],
    lambda t, x: x[t.tensor(1.0)],
    lambda t, x: x[t.tensor([True, False])],
    lambda t, x: x[::-1],
    lambda t, x: x[:, ::0],
]


@pytest.mark.parametrize("case", range(len(GETITEM_ERRORS)))
def test_getitem_errors(case):
    check_raises(GETITEM_ERRORS[case], randn(3, 4, 2))


# ---------------------------------------------------------------- __setitem__

def _set(key, value=None):
    """x[key] = value (value an extra input, or a scalar) on a non-leaf copy of x; returns it."""
    def fn(t, x, *v):
        y = x * 1
        y[key(t) if callable(key) else key] = v[0] if v else value
        return y
    return fn


SETITEM = [
    (_set(1, 2.5), ()),
    (_set((slice(None), 1)), (randn(3, 2),)),
    (_set((slice(None), 1)), (randn(2),)),            # broadcast value
    (_set((slice(None), 1)), (randn(1, 3, 2),)),      # extra leading 1-dims
    (_set((Ellipsis, 0)), (randn(),)),
    (_set(lambda t: t.tensor([0, 2])), (randn(2, 4, 2),)),
    (_set(lambda t: ([0, 2], slice(None), [1, 0])), (randn(2, 4),)),
    (_set(lambda t: (slice(None), [3, 0])), (randn(3, 2, 2),)),
    (_set(lambda t: t.tensor([[True, False, True, False]] * 3)), (randn(6, 2),)),
    (_set(lambda t: t.tensor([False, True, True]), -1.0), ()),
    (_set(lambda t: (1, [0, 1], slice(None))), (randn(2, 2),)),
    (_set((slice(1, 1),)), (randn(),)),              # empty selection
    (_set(lambda t: [1, 1]), (randn(4, 2),)),         # repeated index: the last write wins
]


@pytest.mark.parametrize("case", range(len(SETITEM)))
def test_setitem(case):
    fn, values = SETITEM[case]
    if case == len(SETITEM) - 1:
        values = (np.broadcast_to(randn(1, 2), (4, 2)).copy(),)  # same value twice: deterministic
        values = (np.stack([values[0][0]] * 4),)
    check(fn, randn(3, 4, 2), *values)
    check(fn, randn(3, 4, 2).astype(np.float32), *[v.astype(np.float32) for v in values])
    check(fn, randn(3, 4, 2), *values, noncontig=True)
    if case != len(SETITEM) - 1:
        gradcheck(fn, randn(3, 4, 2), *values)


def test_setitem_casts_and_ints():
    def fn(t, x, v):
        y = x.clone()
        y[1:, [0, 2]] = v
        return y
    check(fn, randint(-5, 5, 3, 4), randint(-5, 5, 2, 2))
    check(fn, randn(3, 4), randn(2, 2), noncontig=True)
    check_raises(fn, randn(3, 4), randint(-5, 5, 2))     # index put insists on equal dtypes
    check_raises(fn, randn(3, 4), randn(2).astype(np.float32))

    def basic(t, x, v):
        y = x.clone()
        y[1:, :2] = v                                    # basic assignment casts
        return y
    check(basic, randint(-5, 5, 3, 4), randn(2, 2))
    check(basic, randn(3, 4), randint(-5, 5, 2))
    check(basic, randn(3, 4), randn(2).astype(np.float32))


def test_setitem_view_of_nonleaf_in_graph():
    def fn(t, x, v):
        y = x * 2
        row = y[1]
        row[[0, 2]] = v * 2                      # advanced write through a basic view of a non-leaf
        y[:, 3] = v.sum()
        return y * x
    check(fn, randn(3, 4), randn(2))
    gradcheck(fn, randn(3, 4), randn(2))


def test_setitem_value_brings_history():
    def fn(t, x, v):
        y = t.zeros(3, 4, dtype=x.dtype)      # no history until a value that requires grad is written
        y[1:, 2] = v.exp()
        y[0] = x[0]
        return y * x
    check(fn, randn(3, 4), randn(2))
    gradcheck(fn, randn(3, 4), randn(2))


def test_setitem_under_no_grad_and_on_ints():
    import flambeau
    x = flambeau.tensor(np.arange(6.0), requires_grad=True)
    with flambeau.no_grad():
        x[[1, 3]] = 0.0                       # allowed on a leaf when autograd is off
        x[x > 3] = -1.0
    assert x.tolist() == [0.0, 0.0, 2.0, 0.0, -1.0, -1.0] and x.is_leaf and x._version == 2
    check(_set(lambda t: t.tensor([[True, False], [False, True]]), 7), randint(-3, 3, 2, 2))


def test_setitem_then_saved_tensor_error():
    def fn(t, x):
        y = x * 1
        z = y.exp()
        y[0] = 1.0
        return (z * y).sum()
    check(fn, randn(2, 3))  # exp saved its output, not y

    def modified(t, x):
        x = x.requires_grad_()
        y = x.exp()
        y[0, 1:] = 0.0  # exp's saved output changed
        y.sum().backward()
    check_raises(modified, randn(2, 3))


def test_setitem_errors():
    def leaf(t, x):
        x.requires_grad_()
        x[0] = 1.0
    check_raises(leaf, randn(2, 3))

    def leaf_view(t, x):
        x.requires_grad_()
        x[0][1] = 1.0
    check_raises(leaf_view, randn(2, 3))
    check_raises(_set(5, 1.0), randn(2, 3))
    check_raises(_set(lambda t: [0, 4], 1.0), randn(2, 3))
    check_raises(_set((slice(None),)), randn(2, 3), randn(4))


# ---------------------------------------------------------------- gather / scatter

IDX = randint(0, 3, 2, 4)              # indexes dim 0 of a (3, 4) input
IDX_UNIQUE = np.array([[2, 0, 1, 1], [0, 1, 2, 0]])
IDX_ROWS = np.array([[0, 1, 2], [2, 1, 0]])   # no repeats within a row: scatter is deterministic

ALONG = [
    (lambda t, x, i: t.gather(x, 0, i), (randn(3, 4), IDX)),
    (lambda t, x, i: x.gather(1, i), (randn(2, 5), randint(0, 5, 2, 3))),
    (lambda t, x, i: x.gather(-1, i), (randn(3, 4), randint(0, 4, 2, 2))),    # index smaller than input
    (lambda t, x, i: x.gather(0, i), (randn(3, 4), np.zeros((0, 4), I64))),
    (lambda t, x, i: x.gather(0, i), (randn(), np.array(0))),
    (lambda t, x, i, s: x.scatter_add(0, i, s), (randn(), np.array(0), randn())),
    (lambda t, x, i, s: x.scatter(0, i, s), (randn(), np.array([0]), randn(1))),
    (lambda t, x, i: t.take_along_dim(x, i, 1), (randn(3, 4), randint(0, 4, 3, 2))),
    (lambda t, x, i: t.take_along_dim(x, i, 0), (randn(3, 1), randint(0, 3, 2, 4))),   # broadcast
    (lambda t, x, i: t.take_along_dim(x.contiguous(), i), (randn(3, 4), randint(0, 12, 5))),  # torch views x
    (lambda t, x, i: x.scatter(0, i, 1.5), (randn(3, 4), IDX)),
    (lambda t, x, i, s: x.scatter(0, i, s), (randn(3, 4), IDX_UNIQUE, randn(2, 4))),
    (lambda t, x, i, s: x.scatter(1, i, s), (randn(3, 4), np.array([[0, 1], [2, 3], [1, 0]]), randn(3, 2))),
    (lambda t, x, i, s: t.scatter_add(x, 0, i, s), (randn(3, 4), IDX, randn(2, 4))),
    (lambda t, x, i, s: x.scatter_add(-1, i, s), (randn(3, 4), randint(0, 4, 3, 6), randn(3, 6))),
]


@pytest.mark.parametrize("case", range(len(ALONG)))
def test_gather_scatter(case):
    fn, arrays = ALONG[case]
    check(fn, *arrays)
    check(fn, *[a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays])
    gradcheck(fn, *arrays)
    if arrays[0].ndim == 2:
        check(fn, *arrays, noncontig=True)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    fn = lambda t, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self)  # noqa: E731
    idx = np.array([[0, 2, 0, 0], [0, 2, 1, 0], [2, 2, 1, 0]])
    x, s = randn(3, 4), randn(3, 4)
    check(fn, x, idx, s)
    check(fn, x.astype(np.float32), idx, s.astype(np.float32))
    check(fn, x, idx, s, noncontig=True)
    check(fn, randint(-9, 9, 3, 4), idx, randint(-9, 9, 3, 4))
    gradcheck(fn, x, idx, s)
    if reduce in ("amax", "amin"):  # ties share the gradient
        x[0, 0] = s[0, 0] = s[1, 0] = 3.0 if reduce == "amax" else -3.0
        check(fn, x, idx, s)
    if reduce == "prod":  # zeros: a single zero gets the product of the others, two zeros give nothing
        x[0, 0] = s[1, 3] = s[2, 3] = 0.0
        check(fn, x, idx, s)


@pytest.mark.parametrize("fn", [
    lambda t, x, i, s: x.scatter(0, i, s, reduce="multiply"),
    lambda t, x, i, s: x.scatter(0, i, s, reduce="add"),
    lambda t, x, i, s: x.scatter(0, i, 2.0, reduce="multiply"),
    lambda t, x, i, s: x.scatter(1, i, s[:, :3]),     # src larger than index (torch has no gradient here)
])
def test_scatter_without_torch_gradient(fn):
    check(fn, randn(3, 4), IDX_ROWS, randn(2, 5), grad=False)
    gradcheck(fn, randn(3, 4), IDX_ROWS, randn(2, 5))


ALONG_ERRORS = [
    lambda t, x, i: x.gather(0, i + 5),
    lambda t, x, i: x.gather(0, i.float()),
    lambda t, x, i: x.gather(0, i[0]),
    lambda t, x, i: x.gather(0, i - 3),
    lambda t, x, i: x[:, :1].gather(1, i),
    lambda t, x, i: x.scatter(0, i + 5, 1.0),
    lambda t, x, i: x.scatter(0, i - 5, 1.0),
    lambda t, x, i: x.scatter(0, i, x.int()),
    lambda t, x, i: x.scatter_add(0, i, x.int()),
    lambda t, x, i: x.scatter_reduce(0, i, x, "foo"),
    lambda t, x, i: x.scatter(0, i, x, reduce="foo"),
    lambda t, x, i: t.take_along_dim(x, i[0], 0),
]


@pytest.mark.parametrize("case", range(len(ALONG_ERRORS)))
def test_gather_scatter_errors(case):
    check_raises(ALONG_ERRORS[case], randn(3, 4), IDX)


# ---------------------------------------------------------------- index_*, index_put, masked_*, take, put

SEL = np.array([2, 0, 2])
SEL_UNIQUE = np.array([2, 0])

INDEX_OPS = [
    (lambda t, x, i: t.index_select(x, 0, i), (randn(3, 4), SEL)),
    (lambda t, x, i: x.index_select(-1, i), (randn(3, 4), np.array([3, 1, 0]).astype(np.int32))),
    (lambda t, x, i: x.index_select(1, i), (randn(3, 4), np.zeros(0, I64))),
    (lambda t, x, i: x.index_select(0, i), (randn(), np.array(0))),
    (lambda t, x, i, s: x.index_add(0, i, s), (randn(3, 4), SEL, randn(3, 4))),
    (lambda t, x, i, s: t.index_add(x, 1, i, s, alpha=-2), (randn(3, 4), SEL, randn(3, 3))),
    (lambda t, x, i, s: x.index_copy(0, i, s), (randn(3, 4), SEL_UNIQUE, randn(2, 4))),
    (lambda t, x, i, s: x.index_copy(1, i, s), (randn(3, 4), SEL_UNIQUE, randn(3, 2))),
    (lambda t, x, i: x.index_fill(1, i, -1.5), (randn(3, 4), SEL)),
    (lambda t, x, i: x.index_fill(1, i, 2), (randn(3, 4), np.array([-1, 1]))),
    (lambda t, x, i, v: x.index_fill(0, i, v), (randn(3, 4), SEL, randn())),
    (lambda t, x, i, j, v: t.index_put(x, (i, j), v), (randn(3, 4), SEL_UNIQUE, np.array([1, 3]), randn(2))),
    (lambda t, x, i, v: x.index_put((i,), v, accumulate=True), (randn(3, 4), SEL, randn(3, 4))),
    (lambda t, x, i, j, v: x.index_put((i, j), v, True), (randn(3, 4), SEL, np.array([1, 1, 1]), randn())),
    (lambda t, x, m: x.index_put((m,), t.tensor(2.0, dtype=x.dtype)), (randn(3, 4), randn(3, 4) > 0)),
    (lambda t, x, m: x.masked_fill(m, 3.5), (randn(3, 4), randn(3, 4) > 0)),
    (lambda t, x, m: t.masked_fill(x, m, -2), (randn(3, 4), randn(4) > 0)),
    (lambda t, x, m: x.masked_fill(m, 0.0), (randn(3, 4), randn(2, 3, 4) > 0)),
    (lambda t, x, m, v: x.masked_fill(m, v), (randn(3, 4), randn(3, 4) > 0, randn())),
    (lambda t, x, m: t.masked_select(x, m), (randn(3, 4), randn(3, 4) > 0)),
    (lambda t, x, m: x.masked_select(m), (randn(4), randn(3, 4) > 0)),
    (lambda t, x, m: x.masked_select(m), (randn(3, 4), np.zeros((3, 4), bool))),
    (lambda t, x, m, s: x.masked_scatter(m, s), (randn(3, 4), randn(3, 4) > 0, randn(3, 5))),
    (lambda t, x, m, s: t.masked_scatter(x, m, s), (randn(3, 4), randn(4) > 0, randn(12))),
    (lambda t, x, i: t.take(x, i), (randn(3, 4), np.array([[0, 11], [-1, 5]]))),
    (lambda t, x, i: x.take(i), (randn(3, 4), np.zeros(0, I64))),
    (lambda t, x, i, s: x.put(i, s), (randn(3, 4), np.array([1, -1, 7]), randn(3))),
    (lambda t, x, i, s: x.put(i, s, accumulate=True), (randn(3, 4), np.array([[1, 1], [7, 1]]), randn(2, 2))),
]


@pytest.mark.parametrize("case", range(len(INDEX_OPS)))
def test_index_ops(case):
    fn, arrays = INDEX_OPS[case]
    check(fn, *arrays)
    check(fn, *[a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays])
    if arrays[0].ndim == 2:
        check(fn, *arrays, noncontig=True)
    ints = [randint(-9, 9, *a.shape) if a.dtype.kind == "f" else a for a in arrays]
    if "v" not in fn.__code__.co_varnames and "s" not in fn.__code__.co_varnames:
        check(fn, *ints)
    gradcheck(fn, *arrays)


@pytest.mark.parametrize("name", ["index_add_", "index_copy_", "index_fill_", "masked_fill_", "masked_scatter_",
                                  "scatter_", "scatter_add_", "put_", "index_put_"])
def test_inplace_forms(name):
    args = {
        "index_add_": lambda t, s, i, m: (0, i, s), "index_copy_": lambda t, s, i, m: (0, i[:2], s[:2]),
        "index_fill_": lambda t, s, i, m: (1, i, 2.0), "masked_fill_": lambda t, s, i, m: (m, 0.5),
        "masked_scatter_": lambda t, s, i, m: (m, s), "scatter_": lambda t, s, i, m: (0, i[None], s[:1, :3]),
        "scatter_add_": lambda t, s, i, m: (0, i[None].expand(2, 3), s[:2, :3]),
        "put_": lambda t, s, i, m: (i, s[0, :3]), "index_put_": lambda t, s, i, m: ((i,), s[0, 0]),
    }[name]

    def fn(t, x, s, i, m):
        y = x * 1
        out = getattr(y[1:], name)(*args(t, s, i, m))
        assert out is not None
        return y
    check(fn, randn(4, 4), randn(3, 4), np.array([2, 0, 1]), randn(3, 4) > 0)


INDEX_ERRORS = [
    lambda t, x: x.index_select(0, t.tensor([3])),
    lambda t, x: x.index_select(0, t.tensor([0.0])),
    lambda t, x: x.index_select(0, t.tensor([[0]])),
    lambda t, x: x.index_select(0, t.tensor([-1])),
    lambda t, x: x.index_add(0, t.tensor([5]), x[:1]),
    lambda t, x: x.index_add(0, t.tensor([-1]), x[:1]),
    lambda t, x: x.index_add(0, t.tensor([0]), x[:1].float()),
    lambda t, x: x.index_copy(1, t.tensor([-9]), x[:, :1]),
    lambda t, x: x.index_copy(1, t.tensor([-1]), x[:, :1]),
    lambda t, x: x.index_copy(1, t.tensor([0]), x[:, :1].float()),
    lambda t, x: x.index_fill(1, t.tensor([4]), 1.0),
    lambda t, x: x.index_fill(1, t.tensor([0]), t.ones(1)),
    lambda t, x: x.take(t.tensor([12])),
    lambda t, x: x.take(t.tensor([0], dtype=t.int32)),
    lambda t, x: x.masked_fill(t.ones(3, 4, dtype=t.int64), 1.0),
    lambda t, x: x.masked_fill(x > 0, t.ones(2)),
    lambda t, x: x.masked_scatter(x > -100, t.ones(3)),
    lambda t, x: x.masked_select(x),
    lambda t, x: x.masked_scatter(x > 0, x.float()),
    lambda t, x: x.index_put((t.tensor([0]),), t.ones(4)),
    lambda t, x: t.index_put(x, (t.tensor([4]),), t.tensor(1.0, dtype=x.dtype)),
    lambda t, x: x.put_(t.tensor([0, 1]), x[0, :3]),
]


@pytest.mark.parametrize("case", range(len(INDEX_ERRORS)))
def test_index_errors(case):
    check_raises(INDEX_ERRORS[case], randn(3, 4))


# ---------------------------------------------------------------- nonzero, argwhere, where, searchsorted

NONZERO = [
    lambda t, x: t.nonzero(x),
    lambda t, x: x.nonzero(as_tuple=True),
    lambda t, x: t.argwhere(x),
    lambda t, x: t.where(x > 0),
    lambda t, x: (x > 0).nonzero(),
]


@pytest.mark.parametrize("case", range(len(NONZERO)))
def test_nonzero(case):
    fn = NONZERO[case]
    for a in (randint(-1, 2, 3, 4), randn(2, 3, 2), randint(0, 2, 5).astype(bool), np.zeros((2, 0)), randn(),
              np.zeros(3)):
        check(fn, a, grad=False)


SORTED = np.sort(randint(-5, 5, 8)).astype(np.float64)
SEARCH = [
    (lambda t, s, v: t.searchsorted(s, v), (SORTED, randint(-6, 6, 3, 4).astype(np.float64))),
    (lambda t, s, v: t.searchsorted(s, v, right=True), (SORTED, SORTED)),
    (lambda t, s, v: t.searchsorted(s, v, side="right", out_int32=True), (SORTED, randn(5))),
    (lambda t, s, v: t.searchsorted(s, 0.5), (SORTED, SORTED)),
    (lambda t, s, v: t.searchsorted(s, v), (np.sort(randn(2, 3, 5), -1), randn(2, 3, 4))),
    (lambda t, s, v: t.searchsorted(s, v, right=True), (np.sort(randint(0, 4, 2, 6), -1), randint(0, 4, 2, 3))),
    (lambda t, s, v, o: t.searchsorted(s, v, sorter=o), (randn(6), randn(4), np.argsort(randn(6)))),
    (lambda t, s, v: t.searchsorted(s, v), (SORTED, randint(-6, 6, 4))),   # int values, float boundaries
    (lambda t, s, v: t.bucketize(v, s), (SORTED, randn(3, 2) * 3)),
    (lambda t, s, v: t.bucketize(v, s, right=True, out_int32=True), (SORTED, SORTED)),
    (lambda t, s, v: t.bucketize(2, s), (SORTED, SORTED)),
]


@pytest.mark.parametrize("case", range(len(SEARCH)))
def test_searchsorted(case):
    fn, arrays = SEARCH[case]
    check(fn, *arrays, grad=False)


def test_searchsorted_errors():
    check_raises(lambda t, s, v: t.searchsorted(s, v), randn(2, 3), randn(3, 3))
    check_raises(lambda t, s, v: t.searchsorted(s, v, side="middle"), SORTED, randn(3))
    check_raises(lambda t, s, v: t.bucketize(v, s), randn(2, 3), randn(3))
