"""The matmul family, einsum and matrix helpers against PyTorch: values, dtypes, gradients, errors."""
import numpy as np
import pytest

import flambeau.linalg  # noqa: F401  (torch.linalg.cross)
from oracle import check, check_raises, gradcheck, randint, randn

r = randn
f32 = np.float32

# (id, fn, inputs, gradgrad): every case runs forward + gradients in float64 and float32,
# non-contiguous where inputs are matrices, and gradcheck (+ gradgradcheck) in float64
CASES = [
    ("matmul_1d_1d", lambda t, a, b: t.matmul(a, b), (r(3), r(3)), True),
    ("matmul_2d_2d", lambda t, a, b: a @ b, (r(2, 3), r(3, 4)), True),
    ("matmul_1d_2d", lambda t, a, b: a @ b, (r(3), r(3, 4)), True),
    ("matmul_2d_1d", lambda t, a, b: a @ b, (r(2, 3), r(3)), True),
    ("matmul_batched", lambda t, a, b: a @ b, (r(2, 2, 3), r(2, 3, 2)), True),
    ("matmul_broadcast", lambda t, a, b: a @ b, (r(2, 1, 2, 3), r(3, 3, 2)), True),
    ("matmul_nd_2d", lambda t, a, b: a @ b, (r(2, 2, 3), r(3, 2)), True),
    ("matmul_2d_nd", lambda t, a, b: a @ b, (r(2, 3), r(2, 3, 2)), True),
    ("matmul_1d_nd", lambda t, a, b: a @ b, (r(3), r(2, 3, 2)), True),
    ("matmul_nd_1d", lambda t, a, b: a @ b, (r(2, 2, 3), r(3)), True),
    ("matmul_empty", lambda t, a, b: a @ b, (r(2, 0), r(0, 3)), False),
    ("rmatmul", lambda t, a, b: a.__rmatmul__(b), (r(3, 2), r(2, 3)), True),
    ("mm", lambda t, a, b: t.mm(a, b), (r(2, 3), r(3, 2)), True),
    ("bmm", lambda t, a, b: t.bmm(a, b), (r(2, 2, 3), r(2, 3, 2)), True),
    ("mv", lambda t, a, b: t.mv(a, b), (r(2, 3), r(3)), True),
    ("dot", lambda t, a, b: t.dot(a, b), (r(4), r(4)), True),
    ("vdot", lambda t, a, b: t.vdot(a, b), (r(4), r(4)), True),
    ("inner", lambda t, a, b: t.inner(a, b), (r(2, 3), r(4, 3)), True),
    ("inner_0d", lambda t, a, b: t.inner(a, b), (r(), r(2, 3)), True),
    ("outer", lambda t, a, b: t.outer(a, b), (r(3), r(2)), True),
    ("ger", lambda t, a, b: a.ger(b), (r(3), r(2)), True),
    ("addmm", lambda t, c, a, b: t.addmm(c, a, b), (r(2, 2), r(2, 3), r(3, 2)), True),
    ("addmm_scaled_bcast", lambda t, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=2.0), (r(2), r(2, 3), r(3, 2)), True),
    ("addmm_beta0", lambda t, c, a, b: t.addmm(c, a, b, beta=0), (r(2, 2), r(2, 3), r(3, 2)), True),
    ("addmv", lambda t, c, a, b: t.addmv(c, a, b, beta=2, alpha=-1), (r(2), r(2, 3), r(3)), True),
    ("addbmm", lambda t, c, a, b: t.addbmm(c, a, b, alpha=0.5), (r(2, 2), r(3, 2, 3), r(3, 3, 2)), True),
    ("baddbmm", lambda t, c, a, b: t.baddbmm(c, a, b, beta=0.3), (r(1, 2), r(3, 2, 3), r(3, 3, 2)), True),
    ("addr", lambda t, c, a, b: t.addr(c, a, b, alpha=3), (r(3, 2), r(3), r(2)), True),
    ("addmm_", lambda t, c, a, b: (c * 1).addmm_(a, b), (r(2, 2), r(2, 3), r(3, 2)), True),
    ("einsum_mm", lambda t, a, b: t.einsum("ij,jk->ik", a, b), (r(2, 3), r(3, 2)), True),
    ("einsum_list", lambda t, a, b: t.einsum("ij,jk", [a, b]), (r(2, 3), r(3, 2)), True),
    ("einsum_implicit", lambda t, a, b: t.einsum("ba,ac", a, b), (r(2, 3), r(3, 2)), True),
    ("einsum_trace", lambda t, a: t.einsum("ii", a), (r(3, 3),), True),
    ("einsum_diag", lambda t, a: t.einsum("ii->i", a), (r(3, 3),), True),
    ("einsum_sum_lone", lambda t, a, b: t.einsum("ij,j->", a, b), (r(2, 3), r(3)), True),
    ("einsum_ellipsis", lambda t, a, b: t.einsum("...ij,...jk->...ik", a, b), (r(2, 2, 3), r(1, 3, 2)), True),
    ("einsum_ellipsis_sum", lambda t, a, b: t.einsum("...i,...i->", a, b), (r(4, 3), r(1, 3)), True),
    ("einsum_ellipsis_mid", lambda t, a: t.einsum("i...j->j...i", a), (r(2, 3, 1, 4),), True),
    ("einsum_three", lambda t, a, b, c: t.einsum("ab,bc,cd->ad", a, b, c), (r(2, 3), r(3, 2), r(2, 2)), True),
    ("einsum_sublist", lambda t, a, b: t.einsum(a, [0, 1], b, [1, 2], [0, 2]), (r(2, 3), r(3, 2)), True),
    ("einsum_sublist_implicit", lambda t, a, b: t.einsum(a, [..., 1], b, [1, 3]), (r(2, 2, 3), r(3, 2)), True),
    ("einsum_outer_spaces", lambda t, a, b: t.einsum("i, j -> ij", a, b), (r(3), r(2)), True),
    ("tensordot_int", lambda t, a, b: t.tensordot(a, b, 1), (r(2, 3), r(3, 2)), True),
    ("tensordot_lists", lambda t, a, b: t.tensordot(a, b, ([0, 2], [1, 0])), (r(2, 3, 2), r(2, 2, 3)), True),
    ("tensordot_default", lambda t, a, b: t.tensordot(a, b), (r(2, 2, 3), r(2, 3, 2)), True),
    ("kron", lambda t, a, b: t.kron(a, b), (r(2, 3), r(2, 2)), True),
    # torch.kron fails on a non-contiguous operand of higher rank
    ("kron_ndim", lambda t, a, b: t.kron(a, b.contiguous()), (r(2), r(2, 3)), True),
    ("cross", lambda t, a, b: t.cross(a, b, dim=1), (r(2, 3), r(2, 3)), True),
    ("cross_bcast", lambda t, a, b: t.linalg.cross(a, b), (r(2, 3), r(1, 3)), True),
    ("cross_default_dim", lambda t, a, b: t.cross(a, b), (r(3, 2), r(3, 2)), True),
    ("trace", lambda t, a: t.trace(a), (r(3, 4),), True),
    ("tril", lambda t, a: t.tril(a), (r(3, 4),), True),
    ("tril_k_batched", lambda t, a: a.tril(-1), (r(2, 3, 3),), True),
    ("triu", lambda t, a: t.triu(a, 1), (r(3, 4),), True),
    ("tril_", lambda t, a: (a * 1).tril_(1), (r(3, 3),), True),
    ("triu_", lambda t, a: (a * 1).triu_(-1), (r(2, 3, 3),), True),
    ("diagonal", lambda t, a: t.diagonal(a), (r(3, 4),), True),
    ("diagonal_offset_dims", lambda t, a: a.diagonal(-1, 2, 0), (r(3, 2, 4),), True),
    ("diagonal_big_offset", lambda t, a: a.diagonal(5), (r(3, 4),), False),
    ("diag_embed", lambda t, a: t.diag_embed(a), (r(2, 3),), True),
    ("diag_embed_args", lambda t, a: t.diag_embed(a, 1, 0, 2), (r(2, 3),), True),
    ("diag_1d", lambda t, a: t.diag(a, -1), (r(3),), True),
    ("diag_2d", lambda t, a: t.diag(a, 1), (r(3, 3),), True),
    ("diagflat", lambda t, a: t.diagflat(a), (r(2, 2),), True),
    ("block_diag", lambda t, a, b, c: t.block_diag(a, b, c), (r(2, 3), r(1), r(2, 1)), True),
    ("block_diag_promote", lambda t, a, b: t.block_diag(a, b.int()), (r(2, 3), r(2)), True),
    ("cdist", lambda t, a, b: t.cdist(a, b), (r(3, 2), r(4, 2)), True),
    ("cdist_p1_batched", lambda t, a, b: t.cdist(a, b, p=1), (r(2, 3, 2), r(1, 4, 2)), False),
    ("cdist_inf", lambda t, a, b: t.cdist(a, b, p=float("inf")), (r(3, 2), r(4, 2)), False),
    ("cdist_p3", lambda t, a, b: t.cdist(a, b, p=3), (r(3, 2), r(4, 2)), False),
    ("block_diag_empty", lambda t, a: t.block_diag(), (r(1),), False),
]


@pytest.mark.parametrize("fn, inputs, gg", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_forward_backward(fn, inputs, gg):
    check(fn, *inputs, noncontig=True)
    check(fn, *[x.astype(f32) for x in inputs], atol=1e-5, rtol=1e-4)
    if all(x.size for x in inputs):
        gradcheck(fn, *inputs, gradgrad=gg)


INT_CASES = [
    lambda t, a, b: a @ b, lambda t, a, b: t.mm(a, b), lambda t, a, b: t.einsum("ij,jk->ik", a, b),
    lambda t, a, b: t.addmm(a[:, :1], a, b, beta=2), lambda t, a, b: t.tril(a), lambda t, a, b: t.trace(b),
    lambda t, a, b: t.kron(a, b), lambda t, a, b: t.diag(a.diagonal()), lambda t, a, b: t.cross(a, b.mT),
]


@pytest.mark.parametrize("fn", INT_CASES)
def test_int(fn):
    check(fn, randint(-4, 5, 3, 3), randint(-4, 5, 3, 3))
    check(fn, randint(-4, 5, 3, 3, dtype=np.int32), randint(-4, 5, 3, 3, dtype=np.int32))


def test_diagonal_is_view():
    def fn(t, a):
        a = a * 1
        a.diagonal().mul_(2)
        return a
    check(fn, r(3, 3))
    check(fn, r(3, 3), noncontig=True)


ERRORS = [
    (lambda t, a, b: a @ b, (r(2, 3), r(4, 5))),
    (lambda t, a, b: a @ b, (r(2, 2, 3), r(2, 4, 5))),
    (lambda t, a, b: a @ b, (r(2, 2, 3), r(3, 3, 5))),
    (lambda t, a, b: a @ b, (r(2, 3), r(3, 2).astype(f32))),
    (lambda t, a, b: a @ b, (r(2, 3), randint(0, 3, 3, 2))),
    (lambda t, a, b: a @ b, (r(3), r(4))),
    (lambda t, a, b: a @ b, (r(3, 4), r(5))),
    (lambda t, a, b: a @ b, (r(3), r(4, 5))),
    (lambda t, a, b: a @ b, (r(), r(4, 5))),
    (lambda t, a, b: (a > 0) @ (b > 0), (r(3), r(3))),
    (lambda t, a, b: (a > 0) @ (b > 0), (r(2, 3), r(3, 2))),
    (lambda t, a, b: t.mm(a, b), (r(3), r(3, 3))),
    (lambda t, a, b: t.mm(a, b), (r(3, 3), r(3))),
    (lambda t, a, b: t.bmm(a, b), (r(3, 3), r(3, 3))),
    (lambda t, a, b: t.bmm(a, b), (r(2, 3, 3), r(3, 3, 3))),
    (lambda t, a, b: t.mv(a, b), (r(3, 3), r(4))),
    (lambda t, a, b: t.mv(a, b), (r(3), r(3))),
    (lambda t, a, b: t.dot(a, b), (r(3, 3), r(3))),
    (lambda t, a, b: t.dot(a, b), (r(3), r(4))),
    (lambda t, a, b: t.dot(a, b), (r(3), r(3).astype(f32))),
    (lambda t, a, b: t.outer(a, b), (r(3, 1), r(3))),
    (lambda t, a, b: t.addmm(a, a, b), (r(3), r(3, 3))),
    (lambda t, a, b: t.addmm(a, b, b), (r(4, 4), r(3, 3))),
    (lambda t, a, b: t.einsum("ij,jk->ik", a, b), (r(3, 2), r(3, 2))),
    (lambda t, a, b: t.einsum("ij,jk->ik", a, b), (r(3, 2, 1), r(2, 2))),
    (lambda t, a, b: t.einsum("ij,jk->ik", a), (r(3, 2), r(2, 2))),
    (lambda t, a, b: t.einsum("ij->ik", a), (r(3, 2), r(2, 2))),
    (lambda t, a, b: t.tensordot(a, b, ([0], [0])), (r(3, 2), r(2, 2))),
    (lambda t, a, b: t.cross(a, b, dim=1), (r(3, 2), r(3, 2))),
    (lambda t, a, b: t.trace(a), (r(2, 2, 2), r(1))),
    (lambda t, a, b: t.tril(a), (r(3), r(1))),
    (lambda t, a, b: t.diagonal(a, 0, 1, 1), (r(3, 3), r(1))),
    (lambda t, a, b: t.diagonal(a, 0, 0, 2), (r(3, 3), r(1))),
    (lambda t, a, b: t.diag(a), (r(2, 2, 2), r(1))),
    (lambda t, a, b: t.block_diag(a), (r(2, 2, 2), r(1))),
    (lambda t, a, b: t.cdist(a, b), (r(3), r(3, 3))),
    (lambda t, a, b: t.cdist(a, b), (r(3, 2), r(3, 3))),
    (lambda t, a, b: t.cdist(a, b, p=-1), (r(3, 3), r(3, 3))),
]


@pytest.mark.parametrize("fn, inputs", ERRORS)
def test_errors(fn, inputs):
    check_raises(fn, *inputs)


def test_matmul_error_messages():
    import flambeau
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        flambeau.ones(2, 3) @ flambeau.ones(4, 5)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        flambeau.ones(2, 3) @ flambeau.ones(3, 2, dtype=flambeau.float64)
