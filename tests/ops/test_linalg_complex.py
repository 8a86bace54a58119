"""torch.linalg on complex matrices against PyTorch: values, and gradients of a real loss (PyTorch's conjugate
Wirtinger convention) compared with torch's and checked by gradcheck in complex128."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import RNG, assert_same, check, check_raises, gradcheck, randn, to_numpy


def crandn(*shape, shift: float = 0.0):
    """Complex test data; `shift` adds a multiple of the identity (well-conditioned square matrices)."""
    a = RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)
    return a + shift * np.eye(shape[-1]) if shift else a


def _outputs(out):
    return [o for o in (out if isinstance(out, tuple) else (out,)) if o.is_complex() or o.is_floating_point()]


def check_complex(fn, *arrays, atol=1e-10, rtol=1e-8):
    """Same values as PyTorch, same gradients of a real loss, and gradcheck in complex128."""
    grads = []
    for lib in (torch, flambeau):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *leaves)
        grads.append((out, leaves))
    (t_out, t_leaves), (f_out, f_leaves) = grads
    assert_same(t_out, f_out, atol, rtol)
    for lib, out, leaves in ((torch, t_out, t_leaves), (flambeau, f_out, f_leaves)):
        weights = np.random.default_rng(1)
        loss = 0
        for o in _outputs(out):
            w = lib.tensor(weights.standard_normal(tuple(o.shape)) + 1j * weights.standard_normal(tuple(o.shape)))
            loss = loss + (o * w.to(o.dtype)).real.sum() if o.is_complex() else loss + (o * w.real.to(o.dtype)).sum()
        loss.backward()
    for t, f in zip(t_leaves, f_leaves):
        np.testing.assert_allclose(to_numpy(f.grad), to_numpy(t.grad), atol=atol * 10, rtol=rtol * 10)
    assert flambeau.autograd.gradcheck(lambda *xs: fn(flambeau, *xs),
                                       [flambeau.tensor(a, requires_grad=True) for a in arrays])


def lu_solve_case(t, a, b, left=True, adjoint=False):
    return t.linalg.lu_solve(*t.linalg.lu_factor(a), b, left=left, adjoint=adjoint)


def eig_invariants(t, a):
    """Eigenvalues, and eigenvectors up to their phases (|V|): what PyTorch's result fixes."""
    w, v = t.linalg.eig(a)
    return w, v.abs()


def hermitian(t, a):
    return a + a.mH


def eigh_invariants(t, a, uplo="L"):
    w, v = t.linalg.eigh(hermitian(t, a), UPLO=uplo)
    return w, v.abs(), v @ w.to(v.dtype).diag_embed() @ v.mH


def svd_invariants(t, a):
    """Singular values, |U|, |Vh| and U Vh: what the phases of the singular vectors leave fixed."""
    u, s, vh = t.linalg.svd(a, full_matrices=False)
    return s, u.abs(), vh.abs(), u @ vh


CASES = [
    ("eigh", eigh_invariants, (crandn(2, 3, 3),)),
    ("eigh_upper", lambda t, a: eigh_invariants(t, a, "U"), (crandn(3, 3),)),
    ("eigvalsh", lambda t, a: t.linalg.eigvalsh(hermitian(t, a)), (crandn(3, 3),)),
    ("svd_square", svd_invariants, (crandn(3, 3),)),
    ("svd_tall", svd_invariants, (crandn(2, 4, 3),)),
    ("svd_wide", svd_invariants, (crandn(3, 5),)),
    ("svdvals", lambda t, a: t.linalg.svdvals(a), (crandn(3, 4),)),
    ("qr_tall", lambda t, a: t.linalg.qr(a), (crandn(4, 3),)),
    ("qr_wide", lambda t, a: t.linalg.qr(a), (crandn(2, 3, 4),)),
    ("slogdet", lambda t, a: t.linalg.slogdet(a), (crandn(2, 3, 3),)),
    ("logdet", lambda t, a: t.logdet(a @ a.mH + t.eye(3)), (crandn(3, 3),)),
    ("eig", eig_invariants, (crandn(2, 3, 3),)),
    ("eigvals", lambda t, a: t.linalg.eigvals(a), (crandn(3, 3),)),
    ("eig_projector", lambda t, a: (lambda w, v: v @ w.diag_embed() @ t.linalg.inv(v))(*t.linalg.eig(a)),
     (crandn(3, 3),)),
    ("inv", lambda t, a: t.linalg.inv(a), (crandn(2, 3, 3, shift=3),)),
    ("det", lambda t, a: t.linalg.det(a), (crandn(3, 3, shift=3),)),
    ("solve", lambda t, a, b: t.linalg.solve(a, b), (crandn(3, 3, shift=3), crandn(3, 2))),
    ("solve_triangular", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=True), (crandn(3, 3, shift=3),
                                                                                       crandn(3, 2))),
    ("solve_triangular_right_unit", lambda t, a, b: t.linalg.solve_triangular(a, b, upper=False, left=False,
                                                                              unitriangular=True),
     (crandn(3, 3), crandn(2, 3))),
    ("matrix_exp", lambda t, a: t.linalg.matrix_exp(a), (crandn(2, 3, 3),)),
    ("lu_factor", lambda t, a: t.linalg.lu_factor(a), (crandn(4, 4),)),
    ("lu_wide", lambda t, a: t.linalg.lu(a), (crandn(3, 4),)),
    ("lu_tall", lambda t, a: t.linalg.lu(a), (crandn(2, 4, 3),)),
    ("lu_solve", lu_solve_case, (crandn(3, 3), crandn(3, 2))),
    ("lu_solve_adjoint_right", lambda t, a, b: lu_solve_case(t, a, b, left=False, adjoint=True),
     (crandn(3, 3), crandn(2, 3))),
    ("householder_product", lambda t, a, tau: t.linalg.householder_product(a, tau), (crandn(4, 3), crandn(2))),
    ("ormqr_adjoint", lambda t, a, tau, c: t.ormqr(a, tau, c, transpose=True), (crandn(4, 3), crandn(3), crandn(4, 2))),
    ("ormqr_right", lambda t, a, tau, c: t.ormqr(a, tau, c, left=False), (crandn(3, 2), crandn(2), crandn(2, 3))),
    ("pinv", lambda t, a: t.linalg.pinv(a), (crandn(3, 2),)),
    ("lstsq_gelsd", lambda t, a, b: t.linalg.lstsq(a, b, driver="gelsd"), (crandn(4, 2), crandn(4, 2))),
    ("vander", lambda t, x: t.linalg.vander(x), (crandn(3),)),
    ("cond", lambda t, a: t.linalg.cond(a), (crandn(3, 3),)),
    ("tensorinv", lambda t, a: t.linalg.tensorinv(a, ind=1), (crandn(4, 2, 2),)),
    ("tensorsolve", lambda t, a, b: t.linalg.tensorsolve(a, b), (crandn(2, 3, 6), crandn(2, 3))),
    ("matrix_power_negative", lambda t, a: t.linalg.matrix_power(a, -2), (crandn(3, 3, shift=3),)),
    ("matrix_sqrth", lambda t, a: t.linalg.matrix_sqrth(a @ a.mH + t.eye(3)), (crandn(3, 3),)),
    ("polar", lambda t, a: t.linalg.polar(a)[1], (crandn(3, 3),)),
    ("cholesky_solve", lambda t, b, a: t.cholesky_solve(b, t.linalg.cholesky(a @ a.mH + 3 * t.eye(3))),
     (crandn(3, 2), crandn(3, 3))),
]


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_linalg_complex(fn, inputs):
    check_complex(fn, *inputs)


def real_parts(t, a):
    w, v = t.linalg.eig(a)
    return w.real, w.imag, v.abs()


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_eig_of_real_matrices(shape):
    a = randn(*shape)
    check(real_parts, a, atol=1e-10, rtol=1e-8)
    check(real_parts, a, noncontig=True, atol=1e-10, rtol=1e-8)
    check(real_parts, a.astype(np.float32), atol=1e-4, rtol=1e-3, grad_atol=1e-3)
    check(lambda t, x: t.linalg.eigvals(x).real, a)
    gradcheck(real_parts, a, gradgrad=False)
    gradcheck(lambda t, x: t.linalg.eigvals(x).imag, a, gradgrad=False)


def test_eig_dtypes():
    check(lambda t, a: t.linalg.eig(a)[0], randn(3, 3).astype(np.float32), grad=False)  # complex64
    check(lambda t, a: t.linalg.eigvals(a), randn(3, 3), grad=False)  # complex128


def test_eig_gradgrad():
    gradcheck(lambda t, a: t.linalg.eigvals(a).real, randn(2, 2) + np.diag([0.0, 3.0]))


ERRORS = [
    (lambda t, a: t.linalg.eigh(a.requires_grad_() + a.mH)[1].real.sum().backward(), (crandn(3, 3),)),
    (lambda t, a: t.linalg.eig(a), (randn(3, 2),)),
    (lambda t, a: t.linalg.eigvals(a.long()), (randn(3, 3),)),
    (lambda t, a: t.linalg.eig(a / 0), (np.zeros((2, 2)),)),
    # complex eigenvectors of a real matrix: a loss that sees their phases has no gradient
    (lambda t, a: t.linalg.eig(a.requires_grad_())[1].real.sum().backward(), (np.array([[0.0, -1.0], [1.0, 0.5]]),)),
]


@pytest.mark.parametrize("fn, inputs", ERRORS)
def test_eig_errors(fn, inputs):
    check_raises(fn, *inputs)


def test_eigh_gradient_is_projected_onto_symmetric_matrices_like_torch():
    # a loss of the eigenvectors of A itself (not of a symmetrised input): PyTorch's gradient is symmetric
    weights = randn(3, 3)
    check(lambda t, a: (t.linalg.eigh(a)[1] ** 2 * t.tensor(weights)).sum(), randn(3, 3) + randn(3, 3).T)


def test_complex_failures_in_info():
    a = crandn(3, 4, 4)
    a = a @ np.conj(np.swapaxes(a, -1, -2))
    a[1, 2, 2] -= 30  # not positive-definite from the minor of order 3
    a[2, 0, 0] = -1
    check(lambda t, x: t.linalg.cholesky_ex(x), a, grad=False, atol=1e-10)
    singular = crandn(2, 3, 3)
    singular[0, :, 1] = 0
    check(lambda t, x: t.linalg.inv_ex(x).info, singular, grad=False)
    check(lambda t, x: t.linalg.lu_factor_ex(x), singular, grad=False, atol=1e-10)
