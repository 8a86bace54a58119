"""structure_extra and stats_extra against PyTorch: values, dtypes, gradients, errors."""
import numpy as np
import pytest
from oracle import check, check_raises, gradcheck, randint, randn

# (id, fn(lib, *xs), input shapes); float cases, also checked for gradients
CASES = [
    ("cartesian_prod", lambda t, x, y: t.cartesian_prod(x, y), [(3,), (2,)]),
    ("cartesian_prod3", lambda t, x, y: t.cartesian_prod(x, y, x), [(2,), (3,)]),
    ("cartesian_prod1", lambda t, x: t.cartesian_prod(x), [(3,)]),
    ("combinations", lambda t, x: t.combinations(x), [(4,)]),
    ("combinations_r3", lambda t, x: t.combinations(x, 3), [(4,)]),
    ("combinations_repl", lambda t, x: t.combinations(x, 2, with_replacement=True), [(3,)]),
    ("combinations_big_r", lambda t, x: t.combinations(x, 5), [(3,)]),
    ("combinations_r0", lambda t, x: t.combinations(x, 0), [(3,)]),
    ("vander", lambda t, x: t.vander(x), [(4,)]),
    ("vander_n", lambda t, x: t.vander(x, 2, increasing=True), [(3,)]),
    ("vander_n0", lambda t, x: t.vander(x, N=0), [(3,)]),
    ("vander_n1", lambda t, x: t.vander(x, N=1), [(3,)]),
    ("select_scatter", lambda t, x, s: t.select_scatter(x, s, 0, 1), [(2, 3), (3,)]),
    ("select_scatter_neg", lambda t, x, s: x.select_scatter(s, -1, -1), [(2, 3), (2,)]),
    ("slice_scatter", lambda t, x, s: t.slice_scatter(x, s, 1, 0, 3, 2), [(2, 3), (2, 2)]),
    ("slice_scatter_default", lambda t, x, s: x.slice_scatter(s, start=1), [(3, 2), (2, 2)]),
    ("diagonal_scatter", lambda t, x, s: t.diagonal_scatter(x, s), [(2, 3), (2,)]),
    ("diagonal_scatter_off", lambda t, x, s: x.diagonal_scatter(s, 1, 1, 0), [(3, 2, 2), (2, 2)]),
    ("split_with_sizes", lambda t, x: t.split_with_sizes(x, [1, 2]), [(3, 2)]),
    ("split_with_sizes_dim", lambda t, x: x.split_with_sizes([2, 0, 1], -1), [(2, 3)]),
    ("narrow_copy", lambda t, x: t.narrow_copy(x, 1, 1, 2), [(2, 3)]),
    ("narrow_copy_method", lambda t, x: x.narrow_copy(0, 0, 1), [(2, 3)]),
    ("H", lambda t, x: x.H, [(2, 3)]),
    ("H_0d", lambda t, x: x.H, [()]),
    ("adjoint", lambda t, x: x.adjoint(), [(4, 2, 3)]),
    ("svd", lambda t, x: t.svd(x)[1], [(3, 2)]),
    ("svd_full", lambda t, x: x.svd(some=False)[1], [(2, 3)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float(name, fn, shapes, dtype):
    # torch's own vander backward trips its in-place version check; gradcheck covers flambeau's
    check(fn, *[randn(*s, dtype=dtype) for s in shapes], atol=1e-5, grad=not name.startswith("vander"))


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=IDS)
def test_gradcheck(name, fn, shapes):
    gradcheck(fn, *[randn(*s) for s in shapes])


INT_CASES = [c for c in CASES if not c[0].startswith("svd")]


@pytest.mark.parametrize("name,fn,shapes", INT_CASES, ids=[c[0] for c in INT_CASES])
def test_int_bool_noncontig(name, fn, shapes):
    check(fn, *[randint(-3, 4, *s) for s in shapes])
    check(fn, *[randint(-3, 4, *s, dtype=np.int8) for s in shapes])
    check(fn, *[randn(*s) for s in shapes], noncontig=True, grad=not name.startswith("vander"))


def test_vander_bool_and_zero_grad():
    check(lambda t, x: t.vander(x), randint(0, 2, 3, dtype=np.bool_))
    gradcheck(lambda t, x: t.vander(x, 4), np.array([0.0, 2.0, -1.0]))


def _svd_rebuilt(t, x):
    u, s, v = t.svd(x)
    return u @ t.diag_embed(s) @ v.mT


def _svd_abs_vectors(t, x):
    u, _, v = t.svd(x)
    return u.abs(), v.abs()


def test_svd_vectors():
    """U S V^T rebuilds A; U and V are unique up to column signs, so compare the products."""
    check(_svd_rebuilt, randn(3, 3))
    check(_svd_abs_vectors, randn(4, 2), grad=False)
    check(lambda t, x: t.svd(x, compute_uv=False), randn(2, 3, 2), grad=False)


def test_cholesky_removed():
    """PyTorch removed torch.cholesky and Tensor.cholesky; both point to torch.linalg.cholesky."""
    spd = 2 * np.eye(3)
    check_raises(lambda t, x: t.cholesky(x), spd)
    check_raises(lambda t, x: x.cholesky(upper=True), spd)


@pytest.mark.parametrize("args", [(3, 4), (3, 4, 1), (4, 3, -2), (0, 4), (3, 0), (5, 5, 10), (5, 5, -10)])
@pytest.mark.parametrize("op", ["tril_indices", "triu_indices"])
def test_triangle_indices(op, args):
    check(lambda t: getattr(t, op)(*args))
    check(lambda t: getattr(t, op)(*args, dtype=t.int32))


@pytest.mark.parametrize("shape", [(2, 3), (4,), 5, (3, 1, 2)])
def test_unravel_index(shape):
    check(lambda t, i: t.unravel_index(i, shape), randint(0, 6, 4))
    check(lambda t, i: t.unravel_index(i, shape), randint(-8, 8, 2, 3, dtype=np.int32))
    check(lambda t, i: t.unravel_index(i, shape), np.array(3))


def test_predicates():
    import torch

    import flambeau
    for dt in ["float32", "int64", "uint8", "bool", "int8", "float16"]:
        signed = torch.ones(2, dtype=getattr(torch, dt)).is_signed()
        assert flambeau.ones(2, dtype=getattr(flambeau, dt)).is_signed() == signed
    x = flambeau.ones(2, 3)
    assert x.get_device() == -1 and x.is_inference() is False
    assert flambeau.is_same_size(x, flambeau.zeros(2, 3)) and not x.is_same_size(flambeau.zeros(3, 2))
    assert flambeau.ones(1, 1).is_nonzero() and not flambeau.zeros(()).is_nonzero()
    assert flambeau.cosine_similarity is flambeau.nn.functional.cosine_similarity
    check(lambda t, a, b: (t.cosine_similarity(a, b), t.pairwise_distance(a, b), t.pdist(a),
                           t.dropout(a, 0.5, False)), randn(3, 4), randn(3, 4))


ERRORS = [
    lambda t, x: t.cartesian_prod(x, x[0]), lambda t, x: t.combinations(x), lambda t, x: t.combinations(x[0], -1),
    lambda t, x: t.vander(x), lambda t, x: t.vander(x[0], -1),
    lambda t, x: t.select_scatter(x, x[0, :2], 0, 0), lambda t, x: t.select_scatter(x, x[0], 0, 5),
    lambda t, x: t.slice_scatter(x, x, 1, 0, 3, 2), lambda t, x: t.diagonal_scatter(x, x[0]),
    lambda t, x: x.split_with_sizes([1, 2]), lambda t, x: x.narrow_copy(1, 1, 5), lambda t, x: x[0].H,
    lambda t, x: x[None].H, lambda t, x: x[0].adjoint(), lambda t, x: x.is_nonzero(),
    lambda t, x: t.tril_indices(-1, 3), lambda t, x: t.triu_indices(3, -2),
    lambda t, x: t.tril_indices(3, 3, dtype=t.float32),
    lambda t, x: t.unravel_index(x, (2, 3)), lambda t, x: t.unravel_index(t.tensor([1]), (-1, 3)),
    lambda t, x: t.unravel_index(t.tensor([1]), (0, 3)),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    check_raises(fn, randn(2, 3))


# ------------------------------------------------------------------------------- stats_extra

MODES = ["linear", "lower", "higher", "midpoint", "nearest"]
QUANTILE_CASES = [
    ("q_float", lambda t, x, m: t.quantile(x, 0.3, interpolation=m), (3, 4)),
    ("q_tensor", lambda t, x, m: x.quantile(t.tensor([0.0, 0.25, 0.5, 1.0], dtype=x.dtype), interpolation=m), (7,)),
    ("q_dim", lambda t, x, m: t.quantile(x, 0.75, dim=1, interpolation=m), (3, 5)),
    ("q_dim_keep", lambda t, x, m: t.quantile(x, t.tensor([0.2, 0.9], dtype=x.dtype), 0, True, interpolation=m),
     (4, 2, 3)),
    ("q_keep_all", lambda t, x, m: t.quantile(x, t.tensor(0.6, dtype=x.dtype), keepdim=True, interpolation=m), (2, 3)),
    ("q_0d", lambda t, x, m: t.quantile(x, 0.5, dim=0, interpolation=m), ()),
    ("q_neg_dim", lambda t, x, m: t.quantile(x, 0.4, dim=-2, interpolation=m), (3, 4, 2)),
    ("nanq", lambda t, x, m: t.nanquantile(x, 0.3, dim=1, interpolation=m), (3, 5)),
    ("nanq_tensor", lambda t, x, m: x.nanquantile(t.tensor([0.1, 0.8], dtype=x.dtype), interpolation=m), (6,)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,fn,shape", QUANTILE_CASES, ids=[c[0] for c in QUANTILE_CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_quantile(name, fn, shape, mode, dtype):
    check(lambda t, x: fn(t, x, mode), randn(*shape, dtype=dtype))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,fn,shape", QUANTILE_CASES, ids=[c[0] for c in QUANTILE_CASES])
def test_quantile_gradcheck_and_nan(name, fn, shape, mode):
    gradcheck(lambda t, x: fn(t, x, mode), randn(*shape))
    x = randn(*shape)
    if x.size > 1:
        x.reshape(-1)[:x.size // 2] = np.nan  # rows with some NaN, and (for nanquantile) all-NaN rows
    # gradients of a NaN result reach one of the NaN inputs; which one depends on how sort orders NaNs
    check(lambda t, x: fn(t, x, mode), x, grad=False)


COV_CASES = [
    ("cov", lambda t, x: t.cov(x), [(3, 5)]),
    ("cov_1d", lambda t, x: t.cov(x), [(5,)]),
    ("cov_0d", lambda t, x: t.cov(x), [()]),
    ("cov_corr0", lambda t, x: x.cov(correction=0), [(2, 4)]),
    ("cov_corr2", lambda t, x: t.cov(x, correction=2), [(2, 4)]),
    ("cov_fw", lambda t, x: t.cov(x, fweights=t.tensor([1, 0, 3, 2])), [(3, 4)]),
    ("cov_aw", lambda t, x, a: t.cov(x, aweights=a.abs()), [(3, 4), (4,)]),
    ("cov_both", lambda t, x, a: t.cov(x, correction=1, fweights=t.tensor([2, 1, 2, 1]), aweights=a.abs()),
     [(3, 4), (4,)]),
    ("corrcoef", lambda t, x: t.corrcoef(x), [(3, 5)]),
    ("corrcoef_1d", lambda t, x: x.corrcoef(), [(5,)]),
    ("corrcoef_row", lambda t, x: t.corrcoef(x), [(1, 5)]),
]


@pytest.mark.parametrize("name,fn,shapes", COV_CASES, ids=[c[0] for c in COV_CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cov(name, fn, shapes, dtype):
    check(fn, *[randn(*s, dtype=dtype) for s in shapes], atol=1e-5)


@pytest.mark.parametrize("name,fn,shapes", COV_CASES, ids=[c[0] for c in COV_CASES])
def test_cov_gradcheck_int_noncontig(name, fn, shapes):
    if name != "cov_0d":  # one observation: 0 degrees of freedom, all NaN
        gradcheck(fn, *[randn(*s) for s in shapes])
    check(fn, *[randn(*s) for s in shapes], noncontig=True)
    if len(shapes) == 1:
        check(fn, randint(-3, 4, *shapes[0]))


def test_cov_no_dof():
    with pytest.warns(UserWarning):
        check(lambda t, x: t.cov(x), randn(3, 1), grad=False)


STATS_ERRORS = [
    lambda t, x: t.quantile(x.int(), 0.5), lambda t, x: t.quantile(x, 1.5), lambda t, x: t.quantile(x, -0.1),
    lambda t, x: t.quantile(x, t.tensor([0.5], dtype=t.float32)), lambda t, x: t.quantile(x, x[None]),
    lambda t, x: t.quantile(x, t.tensor([0.5, 2.0], dtype=t.float64)),
    lambda t, x: t.quantile(x, 0.5, interpolation="foo"), lambda t, x: t.quantile(x[:0], 0.5),
    lambda t, x: t.nanquantile(x[:, :0], 0.5, dim=1), lambda t, x: t.quantile(x, 0.5, dim=2),
    lambda t, x: t.quantile(x, [0.5]), lambda t, x: t.quantile(x.half(), 0.5),
    lambda t, x: t.cov(x.bool()), lambda t, x: t.cov(x[None]), lambda t, x: t.corrcoef(x[None]),
    lambda t, x: t.cov(x, fweights=t.tensor([1.0, 2.0, 3.0])), lambda t, x: t.cov(x, fweights=t.tensor([1, 2])),
    lambda t, x: t.cov(x, fweights=t.tensor([1, -2, 3])), lambda t, x: t.cov(x, aweights=t.tensor([1, 2, 3])),
    lambda t, x: t.cov(x, aweights=t.tensor([1.0, -2.0, 3.0])), lambda t, x: t.cov(x, aweights=t.ones(1, 3)),
]


@pytest.mark.parametrize("fn", STATS_ERRORS)
def test_stats_errors(fn):
    check_raises(fn, randn(2, 3))


# ------------------------------------------------------------------------------- index_reduce

INDEX_REDUCE_CASES = [
    ("rows", lambda t, x, s, r, inc: x.index_reduce(0, t.tensor([0, 2, 0, 2]), s, r, include_self=inc),
     [(3, 2), (4, 2)]),
    # torch rejects an int32 index with include_self=False (its index_fill_ wants int64)
    ("cols", lambda t, x, s, r, inc: t.index_reduce(x, -1, t.tensor([1, 1, 0], dtype=t.int32 if inc else t.int64),
                                                    s, r, include_self=inc), [(2, 3), (2, 3)]),
    ("3d", lambda t, x, s, r, inc: x.index_reduce(1, t.tensor([3, 0]), s, r, include_self=inc),
     [(2, 4, 2), (2, 2, 2)]),
    ("inplace", lambda t, x, s, r, inc: (x * 1).index_reduce_(0, t.tensor([1, 1]), s, r, include_self=inc),
     [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("name,fn,shapes", INDEX_REDUCE_CASES, ids=[c[0] for c in INDEX_REDUCE_CASES])
def test_index_reduce(name, fn, shapes, reduce, include_self):
    case = lambda t, x, s: fn(t, x, s, reduce, include_self)
    check(case, *[randn(*sh) for sh in shapes])
    check(case, *[randn(*sh, dtype=np.float32) for sh in shapes])
    check(case, *[randint(-3, 4, *sh) for sh in shapes])
    gradcheck(case, *[randn(*sh) for sh in shapes])


INDEX_REDUCE_ERRORS = [
    lambda t, x: x.index_reduce(0, t.tensor([0, 1]), x, "sum"),
    lambda t, x: x.index_reduce(0, t.tensor([0, 1, 0]), x, "prod"),
    lambda t, x: x.index_reduce(0, t.tensor([0.0, 1.0]), x, "prod"),
    lambda t, x: x.index_reduce(0, t.tensor([[0, 1]]), x, "prod"),
    lambda t, x: x.index_reduce(0, t.tensor([0, 5]), x, "prod"),
    lambda t, x: x.index_reduce(0, t.tensor([-1, 0]), x, "prod"),
    lambda t, x: x.index_reduce(0, t.tensor([0, 1]), x.double(), "prod"),
    lambda t, x: x.index_reduce(0, t.tensor([0, 1]), x[:, :1], "prod"),
    lambda t, x: x.index_reduce(2, t.tensor([0, 1]), x, "prod"),
]


@pytest.mark.parametrize("fn", INDEX_REDUCE_ERRORS)
def test_index_reduce_errors(fn):
    check_raises(fn, randn(2, 3).astype(np.float32))
