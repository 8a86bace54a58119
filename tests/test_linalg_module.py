"""torch.linalg against PyTorch: factorizations, inverses, norms - values, dtypes, gradients, errors.

Inputs are well conditioned (a random matrix plus a multiple of the identity). Outputs defined only
up to sign (singular vectors, eigenvectors) are compared through sign-invariant functions, as
PyTorch's own tests do.
"""
import math

import numpy as np
import pytest

import flambeau.linalg  # noqa: F401
from oracle import check, check_raises, gradcheck, randn

f32 = np.float32


def wc(*shape):
    """A well-conditioned (batch of) square matrix."""
    return randn(*shape) + 3 * np.eye(shape[-1])


def sym(t, a):
    return a + a.mT


def spd(t, a):
    return a @ a.mT + t.eye(a.shape[-1], dtype=a.dtype)


def svd_inv(t, a, full):
    u, s, vh = t.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    return u[..., :k] * u[..., :k], s, vh[..., :k, :] * vh[..., :k, :], u @ u.mT


# (id, fn, inputs, gradcheck?)
CASES = [
    ("inv", lambda t, a: t.linalg.inv(a), (wc(3, 3),), True),
    ("inv_batched", lambda t, a: t.linalg.inv(a), (wc(2, 3, 3),), True),
    ("inverse", lambda t, a: a.inverse(), (wc(2, 2),), True),
    ("det", lambda t, a: t.linalg.det(a), (wc(2, 3, 3),), True),
    ("det_top", lambda t, a: t.det(a), (randn(3, 3),), True),
    ("slogdet", lambda t, a: t.linalg.slogdet(a), (randn(2, 3, 3),), True),
    ("logdet", lambda t, a: t.logdet(spd(t, a)), (randn(3, 3),), True),
    ("logdet_negative", lambda t, a: t.logdet(-spd(t, a)), (randn(3, 3),), False),
    ("solve", lambda t, a, b: t.linalg.solve(a, b), (wc(3, 3), randn(3, 2)), True),
    ("solve_vector", lambda t, a, b: t.linalg.solve(a, b), (wc(3, 3), randn(3)), True),
    ("solve_batch_vector", lambda t, a, b: t.linalg.solve(a, b), (wc(2, 3, 3), randn(2, 3)), True),
    ("solve_broadcast", lambda t, a, b: t.linalg.solve(a, b), (wc(3, 3), randn(2, 3, 2)), True),
    ("solve_right", lambda t, a, b: t.linalg.solve(a, b, left=False), (wc(3, 3), randn(2, 3)), True),
    ("cholesky", lambda t, a: t.linalg.cholesky(spd(t, a)), (randn(3, 3),), True),
    ("cholesky_upper", lambda t, a: t.linalg.cholesky(spd(t, a), upper=True), (randn(2, 3, 3),), True),
    ("qr_tall", lambda t, a: t.linalg.qr(a), (randn(4, 3),), True),
    ("qr_square_complete", lambda t, a: t.linalg.qr(a, mode="complete"), (randn(2, 3, 3),), True),
    ("qr_wide", lambda t, a: t.linalg.qr(a), (randn(2, 3),), True),
    ("qr_wide_r_only", lambda t, a: t.linalg.qr(a)[1], (randn(2, 2, 4),), True),
    ("qr_r", lambda t, a: t.linalg.qr(a.detach(), mode="r")[1].abs(), (randn(3, 3),), False),
    ("qr_complete_wide_values", lambda t, a: t.linalg.qr(a.detach(), mode="complete"), (randn(2, 4),), False),
    ("svd_tall", lambda t, a: svd_inv(t, a, False), (randn(4, 3),), True),
    ("svd_wide", lambda t, a: svd_inv(t, a, False), (randn(2, 3, 4),), True),
    ("svd_full", lambda t, a: svd_inv(t, a, True)[:3], (randn(4, 3),), True),
    ("svd_square", lambda t, a: svd_inv(t, a, True), (randn(3, 3),), True),
    ("svdvals", lambda t, a: t.linalg.svdvals(a), (randn(2, 3, 4),), True),
    ("eigh", lambda t, a: (lambda w, v: (w, v * v))(*t.linalg.eigh(sym(t, a))), (randn(3, 3),), True),
    ("eigh_upper", lambda t, a: (lambda w, v: (w, v * v))(*t.linalg.eigh(sym(t, a), UPLO="U")), (randn(2, 3, 3),), True),
    ("eigh_lower_only", lambda t, a: t.linalg.eigh(a)[0], (randn(3, 3),), False),
    ("eigvalsh", lambda t, a: t.linalg.eigvalsh(sym(t, a)), (randn(2, 3, 3),), True),
    ("pinv_tall", lambda t, a: t.linalg.pinv(a), (randn(4, 3),), True),
    ("pinv_wide_batched", lambda t, a: t.linalg.pinv(a), (randn(2, 2, 3),), True),
    ("pinverse", lambda t, a: a.pinverse(), (randn(3, 2),), True),
    ("lstsq", lambda t, a, b: t.linalg.lstsq(a, b).solution, (randn(4, 3), randn(4, 2)), True),
    ("lstsq_gelsd", lambda t, a, b: t.linalg.lstsq(a, b, driver="gelsd"), (randn(5, 3), randn(5, 2)), False),
    ("lstsq_default_tuple", lambda t, a, b: t.linalg.lstsq(a, b), (randn(5, 3), randn(5, 2)), False),
    ("matrix_power_3", lambda t, a: t.linalg.matrix_power(a, 3), (randn(2, 3, 3),), True),
    ("matrix_power_0", lambda t, a: t.linalg.matrix_power(a, 0), (randn(3, 3),), False),
    ("matrix_power_neg", lambda t, a: a.matrix_power(-2), (wc(3, 3),), True),
    ("multi_dot", lambda t, a, b, c: t.linalg.multi_dot([a, b, c]), (randn(3), randn(3, 2), randn(2)), True),
    ("multi_dot_2d", lambda t, a, b, c: t.linalg.multi_dot([a, b, c]), (randn(2, 3), randn(3, 2), randn(2, 4)), True),
    ("chain_matmul", lambda t, a, b, c: t.chain_matmul(a, b, c), (randn(2, 3), randn(3, 2), randn(2, 4)), True),
    ("vecdot", lambda t, a, b: t.linalg.vecdot(a, b), (randn(2, 3), randn(3)), True),
    ("vecdot_dim", lambda t, a, b: t.linalg.vecdot(a, b, dim=0), (randn(2, 3), randn(2, 1)), True),
    ("vector_norm", lambda t, a: t.linalg.vector_norm(a, 3, dim=-1), (randn(2, 3),), True),
    ("norm_default", lambda t, a: t.linalg.norm(a), (randn(2, 3, 2),), True),
    ("norm_vec_ord", lambda t, a: t.linalg.norm(a, 1, dim=1), (randn(2, 3),), True),
    ("norm_mat_ord", lambda t, a: t.linalg.norm(a, -math.inf), (randn(3, 3),), True),
    ("norm_mat_dims", lambda t, a: t.linalg.norm(a, "fro", dim=(0, 2), keepdim=True), (randn(2, 3, 2),), True),
    ("matrix_rank", lambda t, a: t.linalg.matrix_rank(a), (randn(2, 3, 4),), False),
    ("matrix_rank_deficient", lambda t, a: t.linalg.matrix_rank(a @ a.mT[:1].mT @ a[:1]), (randn(3, 3),), False),
    ("matrix_rank_hermitian", lambda t, a: t.linalg.matrix_rank(sym(t, a), hermitian=True, atol=0.5),
     (randn(3, 3),), False),
    ("linalg_diagonal", lambda t, a: t.linalg.diagonal(a, offset=1), (randn(2, 3, 3),), True),
    ("cross", lambda t, a, b: t.linalg.cross(a, b, dim=0), (randn(3, 2), randn(3, 2)), True),
]
for _ord in ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]:
    CASES.append((f"matrix_norm_{_ord}", lambda t, a, o=_ord: t.linalg.matrix_norm(a, o), (randn(2, 3, 4),), True))
CASES.append(("matrix_norm_keepdim", lambda t, a: t.linalg.matrix_norm(a, 1, dim=(2, 0), keepdim=True),
              (randn(3, 2, 4),), True))


@pytest.mark.parametrize("fn, inputs, grad", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_linalg(fn, inputs, grad):
    check(fn, *inputs, atol=1e-6, rtol=1e-5)
    check(fn, *inputs, noncontig=True, atol=1e-6, rtol=1e-5)
    check(fn, *[x.astype(f32) for x in inputs], atol=1e-4, rtol=1e-3, grad_atol=1e-3)
    if grad:
        gradcheck(fn, *inputs, gradgrad=False)


# second derivatives of the formulas that are written in flambeau ops
GRADGRAD = [
    ("inv", lambda t, a: t.linalg.inv(a), (wc(2, 2),)),
    ("det", lambda t, a: t.linalg.det(a), (wc(2, 2),)),
    ("solve", lambda t, a, b: t.linalg.solve(a, b), (wc(2, 2), randn(2, 1))),
    ("cholesky", lambda t, a: t.linalg.cholesky(spd(t, a)), (randn(2, 2),)),
    ("eigh", lambda t, a: (lambda w, v: (w, v * v))(*t.linalg.eigh(sym(t, a))), (randn(2, 2),)),
    ("svd", lambda t, a: svd_inv(t, a, False)[:3], (randn(3, 2),)),
    ("pinv", lambda t, a: t.linalg.pinv(a), (randn(3, 2),)),
]


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in GRADGRAD], ids=[c[0] for c in GRADGRAD])
def test_gradgrad(fn, inputs):
    gradcheck(fn, *inputs)


ERRORS = [
    (lambda t, a: t.linalg.inv(a), (randn(3, 2),)),
    (lambda t, a: t.linalg.inv(a), (np.zeros((3, 3)),)),
    (lambda t, a: t.linalg.inv(a.long()), (randn(3, 3),)),
    (lambda t, a: t.linalg.inv(a), (randn(3),)),
    (lambda t, a: t.linalg.det(a), (randn(3, 2),)),
    (lambda t, a: t.linalg.cholesky(-a), (np.eye(3),)),
    (lambda t, a: t.linalg.solve(a, a[:2]), (wc(3, 3),)),
    (lambda t, a: t.linalg.solve(a, a.float()), (wc(3, 3),)),
    (lambda t, a: t.linalg.solve(a, a), (np.zeros((3, 3)),)),
    (lambda t, a: t.linalg.eigh(a, UPLO="X"), (randn(3, 3),)),
    (lambda t, a: t.linalg.eigh(a), (randn(3, 2),)),
    (lambda t, a: t.linalg.qr(a, mode="x"), (randn(3, 2),)),
    (lambda t, a: t.linalg.svd(a), (randn(3),)),
    (lambda t, a: t.linalg.matrix_norm(a, 3), (randn(3, 3),)),
    (lambda t, a: t.linalg.matrix_norm(a), (randn(3),)),
    (lambda t, a: t.linalg.norm(a, 2), (randn(2, 3, 3),)),
    (lambda t, a: t.linalg.matrix_power(a, 2), (randn(3, 2),)),
    (lambda t, a: t.linalg.multi_dot([a]), (randn(3, 2),)),
    (lambda t, a: t.linalg.multi_dot([a, a.reshape(2, 3, 1), a.mT]), (randn(3, 2),)),
    (lambda t, a: t.linalg.cross(a, a), (randn(3, 2),)),
    (lambda t, a: t.linalg.qr(a.requires_grad_(), mode="r")[1].sum().backward(), (randn(3, 3),)),
    (lambda t, a: t.linalg.qr(a.requires_grad_(), mode="complete")[0].sum().backward(), (randn(3, 2),)),
]


@pytest.mark.parametrize("fn, inputs", ERRORS)
def test_errors(fn, inputs):
    check_raises(fn, *inputs)


def test_linalg_error_type():
    import flambeau
    with pytest.raises(flambeau.linalg.LinAlgError, match="singular"):
        flambeau.linalg.inv(flambeau.zeros(2, 2))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 3 by 2 matrices"):
        flambeau.linalg.inv(flambeau.zeros(3, 2))
