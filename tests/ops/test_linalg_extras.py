"""torch.linalg's remaining functions against PyTorch: matrix_exp, the *_ex functions and their info tensors,
cond for every ord, tensorinv/tensorsolve, vander, negative matrix powers - values, dtypes, gradients
(gradcheck in float64) and exception types."""
import math

import numpy as np
import pytest

import flambeau
import flambeau.linalg  # noqa: F401
from oracle import check, check_raises, gradcheck, randint, randn

f32 = np.float32


def wc(*shape):
    """A well-conditioned (batch of) square matrix."""
    return randn(*shape) + 3 * np.eye(shape[-1])


def spd(t, a):
    return a @ a.mT + t.eye(a.shape[-1], dtype=a.dtype)


# (id, fn, inputs, gradcheck?)
CASES = [
    ("matrix_exp", lambda t, a: t.linalg.matrix_exp(a), (randn(3, 3),), True),
    ("matrix_exp_batched_large_norm", lambda t, a: t.linalg.matrix_exp(a), (4 * randn(2, 3, 3),), True),
    ("matrix_exp_small_norm", lambda t, a: t.matrix_exp(a), (1e-3 * randn(3, 3),), True),
    ("matrix_exp_method", lambda t, a: a.matrix_exp(), (randn(1, 2, 2),), True),
    ("matrix_exp_empty", lambda t, a: t.linalg.matrix_exp(a), (randn(2, 0, 0),), False),
    ("cholesky_ex", lambda t, a: t.linalg.cholesky_ex(spd(t, a)), (randn(2, 3, 3),), True),
    ("cholesky_ex_upper", lambda t, a: t.linalg.cholesky_ex(spd(t, a), upper=True), (randn(3, 3),), True),
    ("inv_ex", lambda t, a: t.linalg.inv_ex(a), (wc(2, 3, 3),), True),
    ("solve_ex", lambda t, a, b: t.linalg.solve_ex(a, b), (wc(2, 3, 3), randn(2, 3, 2)), True),
    ("solve_ex_right", lambda t, a, b: t.linalg.solve_ex(a, b, left=False), (wc(3, 3), randn(2, 3)), True),
    ("matrix_power_neg_batched", lambda t, a: t.linalg.matrix_power(a, -3), (wc(2, 3, 3),), True),
    ("matrix_power_neg_1", lambda t, a: t.matrix_power(a, -1), (wc(3, 3),), True),
    ("vander", lambda t, x: t.linalg.vander(x), (randn(4),), True),
    ("vander_batched_N", lambda t, x: t.linalg.vander(x, N=5), (randn(2, 3),), True),
    ("vander_zeros", lambda t, x: t.linalg.vander(x * 0, N=3), (randn(3),), True),
    ("vander_int", lambda t, x: t.linalg.vander(x), (randint(-3, 4, 3, dtype=np.int32),), False),
    ("tensorinv", lambda t, a: t.linalg.tensorinv(a, ind=1), (wc(4, 4).reshape(4, 2, 2),), True),
    ("tensorinv_default", lambda t, a: t.linalg.tensorinv(a), (wc(6, 6).reshape(2, 3, 6),), True),
    ("tensorsolve", lambda t, a, b: t.linalg.tensorsolve(a, b), (wc(6, 6).reshape(2, 3, 6), randn(2, 3)), True),
    ("tensorsolve_dims", lambda t, a, b: t.linalg.tensorsolve(a, b, dims=(0,)),
     (np.moveaxis(wc(6, 6).reshape(6, 2, 3), 2, 0).copy(), randn(6)), True),
    ("matrix_sqrth", lambda t, a: t.linalg.matrix_sqrth(spd(t, a)), (randn(2, 3, 3),), True),
    ("polar_square", lambda t, a: t.linalg.polar(a), (randn(3, 3),), True),
    ("polar_tall_batched", lambda t, a: t.linalg.polar(a), (randn(2, 4, 2),), True),
    # randomized, but exact where q covers A's rank: S (and its gradient) are A's singular values
    ("svd_lowrank_tall", lambda t, a: t.svd_lowrank(a, q=3)[1], (randn(2, 5, 3),), True),
    ("svd_lowrank_wide", lambda t, a: t.svd_lowrank(a, q=3, niter=1)[1], (randn(3, 5),), True),
    ("svd_lowrank_M", lambda t, a: t.svd_lowrank(a, q=3, M=a.mean(-2, keepdim=True))[1], (randn(5, 3),), True),
    ("svd_lowrank_low_rank_reconstruction", lambda t, a, b: (lambda u, s, v: (u * s.unsqueeze(-2)) @ v.mT)(
        *t.svd_lowrank((a @ b).detach(), q=3)), (randn(5, 2), randn(2, 4)), False),
    ("pca_lowrank", lambda t, a: t.pca_lowrank(a)[1], (randn(6, 3),), True),
    ("householder_product", lambda t, a, tau: t.linalg.householder_product(a, tau), (randn(5, 3), randn(3)), True),
    ("householder_product_batched_short_tau", lambda t, a, tau: t.linalg.householder_product(a, tau),
     (randn(2, 4, 3), randn(2, 2)), True),
    ("orgqr", lambda t, a, tau: t.orgqr(a, tau), (randn(3, 3), randn(3)), True),
    ("ormqr", lambda t, a, tau, c: t.ormqr(a, tau, c), (randn(4, 3), randn(3), randn(4, 2)), True),
    ("ormqr_transpose", lambda t, a, tau, c: a.ormqr(tau, c, transpose=True), (randn(2, 4, 3), randn(2, 3),
                                                                               randn(2, 4, 2)), True),
    ("ormqr_right", lambda t, a, tau, c: t.ormqr(a, tau, c, left=False), (randn(4, 2), randn(2), randn(3, 4)), True),
    ("ormqr_right_transpose", lambda t, a, tau, c: t.ormqr(a, tau, c, left=False, transpose=True),
     (randn(4, 3), randn(3), randn(2, 4)), True),
    ("geqrf", lambda t, a: t.geqrf(a.detach()), (randn(2, 5, 3),), False),
    ("geqrf_wide_then_orgqr", lambda t, a: a.detach().geqrf()[0].tril(), (randn(3, 5),), False),
]
for _driver in ["gels", "gelsy", "gelsd", "gelss"]:
    CASES.append((f"lstsq_{_driver}", lambda t, a, b, d=_driver: t.linalg.lstsq(a, b, driver=d),
                  (randn(2, 5, 3), randn(1, 5, 2)), True))
    CASES.append((f"lstsq_vector_{_driver}", lambda t, a, b, d=_driver: t.linalg.lstsq(a, b, driver=d),
                  (randn(5, 3), randn(5)), True))
for _driver in ["gelsy", "gelsd", "gelss"]:  # gels assumes full rank
    CASES.append((f"lstsq_rank_deficient_{_driver}", lambda t, a, b, d=_driver: t.linalg.lstsq(a[:, :2] @ b[:2], b,
                                                                                                driver=d)[::2],
                  (randn(4, 3), randn(4, 3)), False))
for _p in [None, 2, -2, "nuc"]:
    CASES.append((f"cond_{_p}", lambda t, a, p=_p: t.linalg.cond(a, p), (wc(2, 3, 3),), True))
CASES.append(("cond_rectangular", lambda t, a: t.linalg.cond(a), (randn(2, 4, 3),), True))


@pytest.mark.parametrize("fn, inputs, grad", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_linalg_extras(fn, inputs, grad):
    check(fn, *inputs)
    check(fn, *inputs, noncontig=True)
    check(fn, *[x.astype(f32) if x.dtype == np.float64 else x for x in inputs], atol=1e-4, rtol=1e-3,
          grad_atol=1e-3)
    if grad:
        gradcheck(fn, *inputs, gradgrad=False)


@pytest.mark.parametrize("p", ["fro", 1, -1, math.inf, -math.inf])
def test_cond_through_the_inverse(p):
    # PyTorch's own backward fails here (it writes into linalg_inv_ex's output in place): values are
    # compared with PyTorch and gradients with finite differences
    fn = lambda t, a: t.linalg.cond(a, p)  # noqa: E731
    check(fn, wc(2, 3, 3), grad=False)
    check(fn, wc(3, 3).astype(f32), grad=False, atol=1e-4, rtol=1e-4)
    gradcheck(fn, wc(2, 3, 3))


def test_matrix_exp_gradgrad():
    gradcheck(lambda t, a: t.linalg.matrix_exp(a), randn(2, 2))


def test_matrix_exp_complex_and_low_precision():
    a = randn(2, 3, 3) + 1j * randn(2, 3, 3)
    check(lambda t, x: t.linalg.matrix_exp(x), a, atol=1e-12, rtol=1e-10)
    check(lambda t, x: t.linalg.matrix_exp(x), a.astype(np.complex64), atol=1e-5, rtol=1e-4)
    # PyTorch computes half inputs in half precision (far off: see docs/differences.md); flambeau in
    # double, rounded once, which is PyTorch's double result rounded to half
    def half_exp(t, x):
        return t.linalg.matrix_exp(x.half()) if t is flambeau else t.linalg.matrix_exp(x).half()
    check(half_exp, 0.3 * randn(3, 3), atol=1e-3, rtol=1e-3, grad=False)


NOT_PD = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]], np.diag([1.0, -1.0]), [[-1.0, 0.0], [0.0, 1.0]]])
SINGULAR = np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]], np.zeros((2, 2))])


def test_ex_functions_report_failures_in_info():
    check(lambda t, a: t.linalg.cholesky_ex(a).info, NOT_PD, grad=False)
    check(lambda t, a: t.linalg.cholesky_ex(a).L, NOT_PD, grad=False)  # as far as LAPACK's potf2 got
    check(lambda t, a: t.linalg.cholesky_ex(a, upper=True).L, NOT_PD, grad=False)
    check(lambda t, a: t.linalg.inv_ex(a), SINGULAR, grad=False)
    check(lambda t, a, b: t.linalg.solve_ex(a, b), SINGULAR, randn(3, 2, 2), grad=False)
    check(lambda t, a, b: t.linalg.solve_ex(a, b).info, SINGULAR[1], randn(4, 2, 1), grad=False)
    check(lambda t, a: t.linalg.cond(a, 1), SINGULAR, grad=False)


ERRORS = [
    (lambda t, a: t.linalg.cholesky_ex(a, check_errors=True), (NOT_PD,)),
    (lambda t, a: t.linalg.cholesky(a), (NOT_PD,)),
    (lambda t, a: t.linalg.inv_ex(a, check_errors=True), (SINGULAR,)),
    (lambda t, a: t.linalg.solve_ex(a, a, check_errors=True), (SINGULAR,)),
    (lambda t, a: t.linalg.cholesky_ex(a), (randn(3, 2),)),
    (lambda t, a: t.linalg.solve_ex(a, a[0], left=False), (wc(3, 3),)),
    (lambda t, a: t.linalg.inv_ex(a.long()), (randn(3, 3),)),
    (lambda t, a: t.linalg.matrix_exp(a), (randn(3),)),
    (lambda t, a: t.linalg.matrix_exp(a), (randn(3, 2),)),
    (lambda t, a: t.linalg.matrix_exp(a.half()), (randn(3, 2),)),
    (lambda t, a: t.linalg.matrix_exp(a.long()), (randn(3, 3),)),
    (lambda t, a: t.linalg.vander(a), (randn(1),)),
    (lambda t, a: t.linalg.vander(a, N=1), (randn(3),)),
    (lambda t, a: t.linalg.vander(a > 0), (randn(3),)),
    (lambda t, a: t.linalg.vander(a), (randn(),)),
    (lambda t, a: t.linalg.tensorinv(a, ind=0), (randn(4, 2, 2),)),
    (lambda t, a: t.linalg.tensorinv(a, ind=1), (randn(4, 2, 3),)),
    (lambda t, a, b: t.linalg.tensorsolve(a, b), (randn(2, 3, 6), randn(3, 3))),
    (lambda t, a: t.linalg.cond(a, "x"), (randn(3, 3),)),
    (lambda t, a: t.linalg.cond(a, 1), (randn(3, 2),)),
    (lambda t, a: t.linalg.cond(a, "nuc"), (randn(3, 2),)),
    (lambda t, a: t.linalg.cond(a.long()), (randn(3, 3),)),
    (lambda t, a: t.linalg.matrix_power(a.long(), -1), (randn(3, 3),)),
    (lambda t, a, tau: t.linalg.householder_product(a, tau), (randn(3, 4), randn(2))),
    (lambda t, a, tau: t.linalg.householder_product(a, tau), (randn(4, 3), randn(4))),
    (lambda t, a, tau: t.linalg.householder_product(a, tau), (randn(4, 3), randn(2, 2))),
    (lambda t, a, tau: t.linalg.householder_product(a, tau.float()), (randn(4, 3), randn(2))),
    (lambda t, a, tau: t.linalg.householder_product(a, tau), (randn(3), randn(2))),
    (lambda t, a, tau: t.linalg.householder_product(a, tau), (randn(2, 4, 3), randn(3, 2))),
    (lambda t, a, tau, c: t.ormqr(a, tau, c), (randn(4, 3), randn(3), randn(3, 2))),
    (lambda t, a, tau, c: t.ormqr(a, tau, c, left=False), (randn(4, 3), randn(3), randn(4, 3))),
    (lambda t, a, tau, c: t.ormqr(a, tau, c), (randn(4, 3), randn(3), randn(4))),
    (lambda t, a: t.geqrf(a), (randn(3),)),
    (lambda t, a: t.linalg.polar(a), (randn(2, 3),)),
    (lambda t, a: t.pca_lowrank(a, q=4), (randn(5, 3),)),
    (lambda t, a: t.pca_lowrank(a, niter=-1), (randn(5, 3),)),
    (lambda t, a: t.linalg.matrix_sqrth(a), (randn(2, 3),)),
    (lambda t, a, b: t.linalg.lstsq(a, b), (randn(5, 3), randn(2, 5, 2))),
    (lambda t, a, b: t.linalg.lstsq(a, b), (randn(5, 3), randn(4, 2))),
    (lambda t, a, b: t.linalg.lstsq(a, b, driver="x"), (randn(5, 3), randn(5, 2))),
]


@pytest.mark.parametrize("fn, inputs", ERRORS)
def test_linalg_extras_errors(fn, inputs):
    check_raises(fn, *inputs)


def test_failures_raise_linalg_error_naming_the_batch_element():
    with pytest.raises(flambeau.linalg.LinAlgError, match=r"\(Batch element 1\).*leading minor of order 2"):
        flambeau.linalg.cholesky(flambeau.tensor(NOT_PD))
    with pytest.raises(flambeau.linalg.LinAlgError, match=r"\(Batch element 1\): The diagonal element 2 is zero"):
        flambeau.linalg.inv(flambeau.tensor(SINGULAR))
    with pytest.raises(flambeau.linalg.LinAlgError, match=r"^torch.linalg.solve: The solver failed"):
        flambeau.linalg.solve(flambeau.tensor(SINGULAR[1]), flambeau.ones(2, dtype=flambeau.float64))


def _into(t, fn, a, dtypes):
    """Call fn with out= tensors of the given dtypes (None: a's) and return those tensors."""
    outs = tuple(t.empty(0, dtype=a.dtype if d is None else getattr(t, d)) for d in dtypes)
    result = fn(t, a, outs)
    assert all(r is o for r, o in zip(result, outs))
    # complex outputs here are eigenvalues and eigenvectors: compared up to the eigenvectors' phases
    return tuple(o.abs() if o.is_complex() and o.ndim > 1 else o for o in outs)


OUT_CASES = [
    (lambda t, a, o: t.linalg.lu_factor(a, out=o), (None, "int32")),
    (lambda t, a, o: t.linalg.lu_factor_ex(a, out=o), (None, "int32", "int32")),
    (lambda t, a, o: t.linalg.lu(a, out=o), (None, None, None)),
    (lambda t, a, o: t.linalg.inv_ex(a, out=o), (None, "int32")),
    (lambda t, a, o: t.linalg.cholesky_ex(a @ a.mT, out=o), (None, "int32")),
    (lambda t, a, o: t.linalg.eig(a, out=o), ("complex128", "complex128")),
    (lambda t, a, o: t.linalg.slogdet(a, out=o), (None, None)),
    (lambda t, a, o: t.linalg.ldl_factor(a + a.mT, out=o), (None, "int32")),
    (lambda t, a, o: t.geqrf(a, out=o), (None, None)),
]


@pytest.mark.parametrize("fn, dtypes", OUT_CASES)
def test_out_tuples(fn, dtypes):
    check(lambda t, a: _into(t, fn, a, dtypes), wc(3, 3), grad=False)


# every new function on empty inputs (0 x 0 matrices, empty batches) and on float16, which torch.linalg refuses
SQUARE_FNS = {
    "lu_factor_ex": lambda t, a: t.linalg.lu_factor_ex(a),
    "lu": lambda t, a: t.linalg.lu(a),
    "lu_unpack": lambda t, a: t.lu_unpack(*t.linalg.lu_factor(a)),
    "lu_solve": lambda t, a: t.linalg.lu_solve(*t.linalg.lu_factor(a), a),
    "solve_triangular": lambda t, a: t.linalg.solve_triangular(a, a, upper=True),
    "eig": lambda t, a: t.linalg.eig(a),
    "eigvals": lambda t, a: t.linalg.eigvals(a),
    "ldl_factor_ex": lambda t, a: t.linalg.ldl_factor_ex(a),
    "ldl_solve": lambda t, a: t.linalg.ldl_solve(*t.linalg.ldl_factor(a), a),
    "cholesky_ex": lambda t, a: t.linalg.cholesky_ex(a),
    "inv_ex": lambda t, a: t.linalg.inv_ex(a),
    "solve_ex": lambda t, a: t.linalg.solve_ex(a, a),
    "matrix_exp": lambda t, a: t.linalg.matrix_exp(a),
    "cond": lambda t, a: t.linalg.cond(a),
    "cond_1": lambda t, a: t.linalg.cond(a, 1),
    "householder_product": lambda t, a: t.linalg.householder_product(a, a.sum(-2)),
    "geqrf": lambda t, a: t.geqrf(a),
    "cholesky_inverse": lambda t, a: t.cholesky_inverse(a),
}


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
@pytest.mark.parametrize("fn", SQUARE_FNS.values(), ids=SQUARE_FNS.keys())
def test_empty_inputs(fn, shape):
    check(fn, randn(*shape), grad=False)


@pytest.mark.parametrize("fn", [f for k, f in SQUARE_FNS.items() if k not in ("matrix_exp", "cholesky_inverse")],
                         ids=[k for k in SQUARE_FNS if k not in ("matrix_exp", "cholesky_inverse")])
@pytest.mark.parametrize("dtype", ["half", "bfloat16"])
def test_low_precision_refused(fn, dtype):
    check_raises(lambda t, a: fn(t, a.to(getattr(t, dtype))), wc(3, 3))


@pytest.mark.parametrize("fn", SQUARE_FNS.values(), ids=SQUARE_FNS.keys())
def test_integer_bool_and_0d_inputs_refused(fn):
    check_raises(lambda t, a: fn(t, a.long()), wc(3, 3))
    check_raises(lambda t, a: fn(t, a > 0), wc(3, 3))
    check_raises(fn, randn())
