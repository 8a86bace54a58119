"""Joining, splitting, repeating and rolling against PyTorch: values, dtypes, gradients, views, errors."""
import numpy as np
import pytest

from oracle import check, check_raises, gradcheck, randint, randn

# (id, fn(lib, *xs), input shapes); every op here accepts any dtype
CASES = [
    ("cat", lambda t, x, y: t.cat([x, y]), [(2, 3), (1, 3)]),
    ("cat_dim", lambda t, x, y: t.cat((x, y, x), dim=-1), [(2, 3), (2, 1)]),
    ("cat_axis", lambda t, x, y: t.cat([x, y], axis=1), [(2, 3), (2, 2)]),
    ("cat_one", lambda t, x: t.cat([x]), [(2, 3)]),
    ("cat_skip_empty", lambda t, x, e: t.cat([e, x, e], 1), [(2, 3), (0,)]),
    ("cat_all_empty", lambda t, e, f: t.cat([e, f]), [(0,), (0,)]),
    ("cat_empty_rows", lambda t, x, y: t.concat([x, y]), [(0, 3), (2, 3)]),
    ("concatenate", lambda t, x, y: t.concatenate([x, y], axis=0), [(3,), (2,)]),
    ("stack", lambda t, x, y: t.stack([x, y]), [(2, 3), (2, 3)]),
    ("stack_last", lambda t, x, y: t.stack((x, y, x), -1), [(2, 3), (2, 3)]),
    ("stack_0d", lambda t, x, y: t.stack([x, y]), [(), ()]),
    ("stack_empty", lambda t, x: t.stack([x, x], 1), [(0, 2)]),
    ("hstack", lambda t, x, y: t.hstack([x, y]), [(2, 3), (2, 1)]),
    ("hstack_1d", lambda t, x, y: t.hstack((x, y)), [(3,), ()]),
    ("vstack", lambda t, x, y: t.vstack([x, y]), [(3,), (2, 3)]),
    ("row_stack", lambda t, x, y: t.row_stack([x, y]), [(3,), (3,)]),
    ("dstack", lambda t, x, y: t.dstack([x, y]), [(2, 3), (2, 3, 2)]),
    ("column_stack", lambda t, x, y: t.column_stack([x, y]), [(2,), (2, 3)]),
    ("column_stack_0d", lambda t, x, y, z: t.column_stack([x, y, z]), [(1,), (1, 3), ()]),
    ("split", lambda t, x: t.split(x, 2), [(5, 2)]),
    ("split_method", lambda t, x: x.split(2, -1), [(2, 5)]),
    ("split_sizes", lambda t, x: x.split([1, 0, 3], 1), [(2, 4)]),
    ("split_empty", lambda t, x: x.split(2), [(0, 2)]),
    ("split_zero", lambda t, x: x.split(0), [(0, 2)]),
    ("chunk", lambda t, x: t.chunk(x, 3), [(5, 2)]),
    ("chunk_method", lambda t, x: x.chunk(4, -1), [(2, 6)]),
    ("chunk_more", lambda t, x: x.chunk(4), [(2,)]),
    ("chunk_empty", lambda t, x: x.chunk(3), [(0,)]),
    ("tensor_split_n", lambda t, x: t.tensor_split(x, 3), [(7,)]),
    ("tensor_split_idx", lambda t, x: x.tensor_split([1, -1, 2, 9], 1), [(2, 5)]),
    ("tensor_split_t", lambda t, x: x.tensor_split(t.tensor([1, 3])), [(5,)]),
    ("tensor_split_t0", lambda t, x: x.tensor_split(t.tensor(2)), [(5,)]),
    ("hsplit", lambda t, x: t.hsplit(x, 2), [(2, 4)]),
    ("hsplit_1d", lambda t, x: x.hsplit([1]), [(4,)]),
    ("vsplit", lambda t, x: x.vsplit(2), [(4, 1)]),
    ("dsplit", lambda t, x: t.dsplit(x, [1]), [(1, 2, 3)]),
    ("unbind", lambda t, x: t.unbind(x), [(3, 2)]),
    ("unbind_dim", lambda t, x: x.unbind(-1), [(3, 2)]),
    ("unbind_1d", lambda t, x: x.unbind(), [(3,)]),
    ("repeat", lambda t, x: x.repeat(2, 1, 3), [(2, 3)]),
    ("repeat_ones", lambda t, x: x.repeat(1, 1), [(2, 3)]),
    ("repeat_0d", lambda t, x: x.repeat(3), [()]),
    ("repeat_zero", lambda t, x: x.repeat(0, 2), [(2, 3)]),
    ("tile", lambda t, x: t.tile(x, (2,)), [(2, 3)]),
    ("tile_more", lambda t, x: x.tile((2, 1, 2)), [(2, 3)]),
    ("repeat_interleave", lambda t, x: t.repeat_interleave(x, 2), [(2, 3)]),
    ("repeat_interleave_dim", lambda t, x: x.repeat_interleave(3, dim=-1), [(2, 3)]),
    ("repeat_interleave_one", lambda t, x: x.repeat_interleave(1, 0), [(2, 3)]),
    ("repeat_interleave_zero", lambda t, x: x.repeat_interleave(0, 1), [(2, 3)]),
    ("repeat_interleave_t", lambda t, x: x.repeat_interleave(t.tensor([1, 0, 2]), dim=1), [(2, 3)]),
    ("repeat_interleave_t1", lambda t, x: t.repeat_interleave(x, t.tensor([2])), [(2, 2)]),
    ("roll", lambda t, x: t.roll(x, 1), [(2, 3)]),
    ("roll_dim", lambda t, x: x.roll(-1, 1), [(2, 3)]),
    ("roll_dims", lambda t, x: t.roll(x, (4, 1), (0, -1)), [(2, 3)]),
    ("roll_zero", lambda t, x: x.roll(0, 0), [(2, 3)]),
    ("roll_0d", lambda t, x: x.roll(2), [()]),
    ("roll_empty", lambda t, x: x.roll(1, 0), [(0, 2)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float(name, fn, shapes, dtype):
    check(fn, *[randn(*s, dtype=dtype) for s in shapes])


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=IDS)
def test_int_bool_noncontig(name, fn, shapes):
    check(fn, *[randint(-5, 5, *s) for s in shapes])
    check(fn, *[randint(0, 2, *s, dtype=np.bool_) for s in shapes])
    check(fn, *[randn(*s) for s in shapes], noncontig=True)


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=IDS)
def test_gradcheck(name, fn, shapes):
    gradcheck(fn, *[randn(*s) for s in shapes])


@pytest.mark.parametrize("fn", [
    lambda t, x, y: t.cat([x, y]), lambda t, x, y: t.stack([x, y], 1), lambda t, x, y: t.hstack([y, x]),
    lambda t, x, y: t.cat([x, y, t.zeros(0, dtype=t.float16)]),
])
@pytest.mark.parametrize("dtypes", [(np.float32, np.float64), (np.int64, np.float32), (np.bool_, np.int32),
                                    (np.uint8, np.int8)])
def test_type_promotion(fn, dtypes):
    check(fn, randint(0, 3, 2, 3).astype(dtypes[0]), randint(0, 3, 2, 3).astype(dtypes[1]))


UNARY = [c for c in CASES if len(c[2]) == 1]


@pytest.mark.parametrize("name,fn,shapes", UNARY, ids=[c[0] for c in UNARY])
def test_writes_through_views(name, fn, shapes):
    """Every piece of a split is a view of the input; cat, stack, repeat, tile and roll copy."""
    def write(t, x):
        base = x * 1
        out = fn(t, base)
        for piece in (out if isinstance(out, tuple) else (out,)):
            piece.mul_(3)
        return base
    # PyTorch refuses in-place writes into the outputs of its multi-view ops when grad is tracked
    multi = name.startswith(("split", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit"))
    check(write, randn(*shapes[0]), grad=not multi)


def test_writes_through_overlapping_pieces_grad():
    def write(t, x):
        base = x * 1
        for piece in base.tensor_split([3, 1], 0):
            piece.mul_(3)
        return base
    check(write, randn(4))


def test_split_pieces_have_own_nodes():
    import flambeau
    a, b = flambeau.ones(2, 3, requires_grad=True).split(1)
    assert a.grad_fn is not b.grad_fn


ERRORS = [
    (lambda t, x: t.cat([]), ()), (lambda t, x: t.cat(x), ()), (lambda t, x: t.cat([x, x.sum()]), ()),
    (lambda t, x: t.cat([x.sum()]), ()), (lambda t, x: t.cat([x, x[0]]), ()), (lambda t, x: t.cat([x, x.t()]), ()),
    (lambda t, x: t.cat([x, x], 2), ()), (lambda t, x: t.cat([x, x], dim=-3), ()),
    (lambda t, x: t.stack([]), ()), (lambda t, x: t.stack([x, x[:1]]), ()), (lambda t, x: t.stack([x], 3), ()),
    (lambda t, x: t.hstack([]), ()), (lambda t, x: t.vstack([x, x[0, :2]]), ()), (lambda t, x: t.dstack([]), ()),
    (lambda t, x: x.split([1, 2]), ()), (lambda t, x: x.split(0), ()), (lambda t, x: x.split(1, 2), ()),
    (lambda t, x: x.sum().split(1), ()), (lambda t, x: x.chunk(0), ()), (lambda t, x: x.chunk(2, 3), ()),
    (lambda t, x: x.tensor_split(0), ()), (lambda t, x: x.tensor_split(2, 5), ()),
    (lambda t, x: t.hsplit(x, 2), ()), (lambda t, x: t.hsplit(x.sum(), 2), ()), (lambda t, x: t.dsplit(x, 2), ()),
    (lambda t, x: t.vsplit(x[0], 2), ()), (lambda t, x: x.unbind(2), ()), (lambda t, x: x.sum().unbind(), ()),
    (lambda t, x: x.repeat(2), ()), (lambda t, x: x.repeat(-1, 2), ()), (lambda t, x: x.repeat_interleave(-1), ()),
    (lambda t, x: x.repeat_interleave(t.tensor([1, 2]), 1), ()), (lambda t, x: x.repeat_interleave(2, 2), ()),
    (lambda t, x: x.repeat_interleave(t.tensor([1, -2]), 0), ()), (lambda t, x: x.roll((1, 2), 0), ()),
    (lambda t, x: x.roll((1, 2)), ()), (lambda t, x: x.roll(1, 2), ()),
]


@pytest.mark.parametrize("fn,_", ERRORS)
def test_errors(fn, _):
    check_raises(fn, randn(2, 3))


def test_repeat_interleave_counts():
    check(lambda t, r: t.repeat_interleave(r), randint(0, 4, 5))
    check(lambda t, r: t.repeat_interleave(r), randint(0, 4, 5, dtype=np.int32))
    check(lambda t, r: t.repeat_interleave(r), randint(0, 4, 0))


def test_iteration():
    check(lambda t, x: [row * 2 for row in x], randn(3, 2))
    check_raises(lambda t, x: list(x.sum()), randn(3))
