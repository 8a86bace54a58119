"""LU family and triangular solves against PyTorch: linalg.lu_factor(_ex), lu, lu_solve, solve_triangular,
torch.lu_unpack / lu / lu_solve / triangular_solve / cholesky_solve / cholesky_inverse - values, pivots,
info tensors, gradients (gradcheck in float64) and exception types."""
import numpy as np
import pytest

import flambeau.linalg  # noqa: F401  (torch.linalg)
from oracle import check, check_raises, gradcheck, randn

f32 = np.float32
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated")  # torch.lu, torch.lu_solve, torch.triangular_solve


def wc(*shape):
    """A well-conditioned (batch of) square matrix."""
    return randn(*shape) + 3 * np.eye(shape[-1])


def lu_solve_case(t, a, b, left=True, adjoint=False):
    LU, piv = t.linalg.lu_factor(a)
    return t.linalg.lu_solve(LU, piv, b, left=left, adjoint=adjoint)


def spd_factor(t, a, upper=False):
    return t.linalg.cholesky(a @ a.mT + t.eye(a.shape[-1], dtype=a.dtype), upper=upper)


# (id, fn, inputs, gradcheck?)
CASES = [
    ("solve_triangular_upper", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (wc(3, 3), randn(3, 2)),
     True),
    ("solve_triangular_lower", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=False), (wc(3, 3), randn(3, 2)),
     True),
    ("solve_triangular_right", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True, left=False),
     (wc(2, 3, 3), randn(2, 4, 3)), True),
    ("solve_triangular_unit", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
     (randn(3, 3), randn(3, 2)), True),
    ("solve_triangular_unit_right", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True, left=False,
                                                                              unitriangular=True),
     (randn(3, 3), randn(2, 3)), True),
    ("solve_triangular_broadcast", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True),
     (wc(2, 1, 3, 3), randn(4, 3, 1)), True),
    ("solve_triangular_mixed_dtypes", lambda t, a, b: (t.linalg.solve_triangular(a, b.float(), upper=True),
                                                       t.linalg.solve_triangular(a.float(), b, upper=False)),
     (wc(3, 3), randn(3, 2)), False),
    ("solve_triangular_empty", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (wc(0, 3, 3), randn(3, 2)),
     False),
    ("triangular_solve", lambda t, b, a: t.triangular_solve(b, a), (randn(2, 3, 2), wc(3, 3)), True),
    ("triangular_solve_lower_t", lambda t, b, a: b.triangular_solve(a, upper=False, transpose=True),
     (randn(3, 2), wc(3, 3)), True),
    ("triangular_solve_unit", lambda t, b, a: t.triangular_solve(b, a, unitriangular=True), (randn(3, 2), randn(3, 3)),
     True),
    ("cholesky_solve", lambda t, b, a: t.cholesky_solve(b, spd_factor(t, a)), (randn(3, 2), randn(3, 3)), True),
    ("cholesky_solve_upper", lambda t, b, a: b.cholesky_solve(spd_factor(t, a, True), upper=True),
     (randn(2, 3, 2), randn(2, 3, 3)), True),
    ("cholesky_inverse", lambda t, a: t.cholesky_inverse(spd_factor(t, a)), (randn(3, 3),), True),
    ("cholesky_inverse_upper", lambda t, a: spd_factor(t, a, True).cholesky_inverse(upper=True), (randn(2, 3, 3),),
     True),
    ("lu_factor", lambda t, a: t.linalg.lu_factor(a), (randn(4, 4),), True),
    ("lu_factor_batched", lambda t, a: t.linalg.lu_factor(a), (randn(2, 3, 3),), True),
    ("lu_factor_tall", lambda t, a: t.linalg.lu_factor(a), (randn(5, 3),), True),
    ("lu_factor_wide", lambda t, a: t.linalg.lu_factor(a), (randn(2, 3, 5),), True),
    ("lu_factor_ex", lambda t, a: t.linalg.lu_factor_ex(a), (randn(2, 3, 3),), True),
    ("lu", lambda t, a: t.linalg.lu(a), (randn(3, 3),), True),
    ("lu_tall", lambda t, a: t.linalg.lu(a), (randn(2, 4, 2),), True),
    ("lu_wide", lambda t, a: t.linalg.lu(a), (randn(3, 5),), True),
    ("lu_L_only", lambda t, a: t.linalg.lu(a).L, (randn(4, 3),), True),
    ("lu_U_only", lambda t, a: t.linalg.lu(a).U, (randn(3, 4),), True),
    ("lu_empty_batch", lambda t, a: t.linalg.lu(a), (randn(0, 3, 3),), False),
    ("lu_unpack", lambda t, a: t.lu_unpack(*t.linalg.lu_factor(a)), (randn(2, 3, 3),), True),
    ("lu_unpack_tall", lambda t, a: t.lu_unpack(*t.linalg.lu_factor(a)), (randn(4, 2),), True),
    ("lu_unpack_no_data", lambda t, a: t.lu_unpack(*t.linalg.lu_factor(a.detach()), unpack_data=False), (randn(3, 2),),
     False),
    ("lu_unpack_no_pivots", lambda t, a: t.lu_unpack(*t.linalg.lu_factor(a), unpack_pivots=False), (randn(2, 3),),
     True),
    ("lu_solve", lu_solve_case, (wc(3, 3), randn(3, 2)), True),
    ("lu_solve_batched", lu_solve_case, (randn(2, 3, 3), randn(2, 3, 1)), True),
    ("lu_solve_adjoint", lambda t, a, b: lu_solve_case(t, a, b, adjoint=True), (randn(3, 3), randn(3, 2)), True),
    ("lu_solve_right", lambda t, a, b: lu_solve_case(t, a, b, left=False), (randn(3, 3), randn(2, 3)), True),
    ("lu_solve_right_adjoint", lambda t, a, b: lu_solve_case(t, a, b, left=False, adjoint=True),
     (randn(2, 3, 3), randn(2, 2, 3)), True),
    ("lu_solve_broadcast", lu_solve_case, (randn(3, 3), randn(2, 3, 2)), True),
    ("torch_lu", lambda t, a: t.lu(a), (randn(2, 3, 3),), True),
    ("torch_lu_infos", lambda t, a: a.lu(get_infos=True), (randn(3, 3),), True),
    ("torch_lu_solve", lambda t, b, a: t.lu_solve(b, *t.linalg.lu_factor(a)), (randn(3, 2), randn(3, 3)), True),
    ("tensor_lu_solve", lambda t, b, a: b.lu_solve(*t.lu(a)), (randn(2, 3, 2), randn(2, 3, 3)), True),
]


@pytest.mark.parametrize("fn, inputs, grad", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_lu_family(fn, inputs, grad):
    check(fn, *inputs)
    check(fn, *inputs, noncontig=True)
    check(fn, *[x.astype(f32) for x in inputs], atol=1e-4, rtol=1e-3, grad_atol=1e-3)
    if grad:
        gradcheck(fn, *inputs, gradgrad=False)


GRADGRAD = [
    ("solve_triangular", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (wc(2, 2), randn(2, 2))),
    ("lu_factor", lambda t, a: t.linalg.lu_factor(a).LU, (randn(3, 3),)),
    ("lu_wide", lambda t, a: t.linalg.lu(a)[1:], (randn(2, 3),)),
    ("lu_solve", lu_solve_case, (wc(2, 2), randn(2, 1))),
]


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in GRADGRAD], ids=[c[0] for c in GRADGRAD])
def test_lu_gradgrad(fn, inputs):
    gradcheck(fn, *inputs)


SINGULAR = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]])


def test_lu_factor_ex_info_of_singular_matrices():
    check(lambda t, a: t.linalg.lu_factor_ex(a), SINGULAR, grad=False)
    check(lambda t, a: t.lu(a, get_infos=True), SINGULAR, grad=False)
    check(lambda t, a: t.lu(a), SINGULAR, grad=False)


def test_solve_triangular_zero_diagonal_gives_inf_nan_like_torch():
    check(lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), np.zeros((2, 2)), np.ones((2, 2)), grad=False)


ERRORS = [
    (lambda t, a: t.linalg.lu_factor(a), (SINGULAR,)),
    (lambda t, a: t.linalg.lu_factor(a), (SINGULAR[0],)),
    (lambda t, a: t.linalg.lu_factor_ex(a, check_errors=True), (SINGULAR,)),
    (lambda t, a: t.linalg.lu_factor(a, pivot=False), (randn(3, 3),)),
    (lambda t, a: t.linalg.lu(a, pivot=False), (randn(3, 3),)),
    (lambda t, a: t.linalg.lu_factor(a), (randn(3),)),
    (lambda t, a: t.linalg.lu_solve(*t.linalg.lu_factor(a), a[0]), (randn(3, 3),)),
    (lambda t, a: t.linalg.lu_solve(*t.linalg.lu_factor(a), a[:2]), (randn(3, 3),)),
    (lambda t, a: t.linalg.lu_solve(*t.linalg.lu_factor(a), a[:, :2], left=False), (randn(3, 3),)),
    (lambda t, a: t.lu_unpack(a, a[0]), (randn(3, 3),)),
    (lambda t, a: t.lu_unpack(a, (a[0] * 0 + 5).int()), (randn(3, 3),)),
    (lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (randn(3, 3), randn(3))),
    (lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (randn(3, 3), randn(2, 2))),
    (lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True, left=False), (randn(3, 3), randn(3, 2))),
    (lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (randn(3, 2), randn(3, 2))),
    (lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (randn(2, 3, 3), randn(3, 3, 2))),
    (lambda t, b, a: t.triangular_solve(b, a), (randn(3), randn(3, 3))),
    (lambda t, b, a: t.cholesky_solve(b, a), (randn(3), randn(3, 3))),
    (lambda t, b, a: t.cholesky_solve(b, a.float()), (randn(3, 2), randn(3, 3))),
    (lambda t, a: t.cholesky_inverse(a), (randn(3),)),
]


@pytest.mark.parametrize("fn, inputs", ERRORS)
def test_lu_errors(fn, inputs):
    check_raises(fn, *inputs)


@pytest.mark.parametrize("solver", [
    lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True),
    lambda t, a, b: t.linalg.solve(a, b),
    lambda t, a, b: t.linalg.lu_solve(*t.linalg.lu_factor(a), b),
])
def test_right_hand_side_may_change_in_place_after_a_solve(solver):
    # B's gradient does not read B, so (as in PyTorch) writing into B afterwards is allowed
    def fn(t, a, b):
        rhs = b * 1
        x = solver(t, a, rhs)
        rhs.mul_(2)
        return x
    check(fn, wc(3, 3), randn(3, 2))
