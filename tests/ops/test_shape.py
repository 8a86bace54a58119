"""Shape and view ops against PyTorch: values, dtypes, gradients, view semantics, errors."""
import numpy as np
import pytest

from oracle import check, check_raises, gradcheck, randint, randn

# (id, fn(lib, x), input shape); every op here accepts any dtype
CASES = [
    ("reshape", lambda t, x: x.reshape(3, -1), (2, 3)),
    ("reshape_0d", lambda t, x: t.reshape(x, (1, 1)), ()),
    ("reshape_empty", lambda t, x: x.reshape(-1, 2), (0, 2)),
    ("view", lambda t, x: x.contiguous().view(-1), (2, 3)),
    ("flatten", lambda t, x: t.flatten(x), (2, 3, 2)),
    ("flatten_mid", lambda t, x: x.flatten(1, -1), (2, 3, 2)),
    ("flatten_same", lambda t, x: x.flatten(-2, 1), (2, 3, 2)),
    ("flatten_0d", lambda t, x: x.flatten(), ()),
    ("unflatten", lambda t, x: t.unflatten(x, -1, (3, -1)), (2, 6)),
    ("unflatten_method", lambda t, x: x.unflatten(0, (1, 2)), (2, 3)),
    ("ravel", lambda t, x: t.ravel(x), (2, 3)),
    ("squeeze_all", lambda t, x: t.squeeze(x), (1, 3, 1)),
    ("squeeze_dim", lambda t, x: x.squeeze(-1), (2, 3, 1)),
    ("squeeze_noop", lambda t, x: x.squeeze(1), (2, 3)),
    ("squeeze_tuple", lambda t, x: x.squeeze((0, 2)), (1, 3, 1)),
    ("squeeze_0d", lambda t, x: x.squeeze(0), ()),
    ("unsqueeze", lambda t, x: t.unsqueeze(x, -1), (2, 3)),
    ("unsqueeze_front", lambda t, x: x.unsqueeze(0), (2, 3)),
    ("unsqueeze_0d", lambda t, x: x.unsqueeze(0), ()),
    ("permute", lambda t, x: x.permute(2, 0, 1), (2, 3, 2)),
    ("transpose", lambda t, x: t.transpose(x, 0, -1), (2, 3, 2)),
    ("swapaxes", lambda t, x: t.swapaxes(x, 0, 1), (2, 3)),
    ("swapdims", lambda t, x: x.swapdims(-1, 0), (2, 3)),
    ("t", lambda t, x: t.t(x), (2, 3)),
    ("t_1d", lambda t, x: x.t(), (3,)),
    ("T", lambda t, x: x.T, (2, 3)),
    ("mT", lambda t, x: x.mT, (2, 2, 3)),
    ("movedim", lambda t, x: t.movedim(x, 0, -1), (2, 3, 2)),
    ("movedim_tuple", lambda t, x: x.movedim((0, 1), (2, 0)), (2, 3, 2)),
    ("movedim_order", lambda t, x: t.movedim(x, (-1, 0), (1, 3)), (2, 3, 1, 2)),
    ("moveaxis", lambda t, x: t.moveaxis(x, -1, 0), (2, 3)),
    ("expand", lambda t, x: x.expand(2, 3, -1), (3, 1)),
    ("expand_as", lambda t, x: x.expand_as(t.zeros(2, 3)), (1, 3)),
    ("broadcast_to", lambda t, x: t.broadcast_to(x, (2, 2, 3)), (3,)),
    ("broadcast_to_0d", lambda t, x: x.broadcast_to((2,)), ()),
    ("broadcast_tensors", lambda t, x: t.broadcast_tensors(x, t.zeros(2, 1)), (3,)),
    ("narrow", lambda t, x: t.narrow(x, 1, 1, 2), (2, 3)),
    ("narrow_neg", lambda t, x: x.narrow(-1, -2, 2), (2, 3)),
    ("narrow_empty", lambda t, x: x.narrow(0, 2, 0), (2, 3)),
    ("select", lambda t, x: t.select(x, 1, -1), (2, 3)),
    ("select_1d", lambda t, x: x.select(0, 1), (3,)),
    ("flip", lambda t, x: t.flip(x, (0, -1)), (2, 3)),
    ("flip_method", lambda t, x: x.flip(1), (2, 3)),
    ("flip_dims_keyword", lambda t, x: x.flip(dims=[1]), (2, 3)),
    ("flip_function_dims_keyword", lambda t, x: t.flip(x, dims=(0, 1)), (2, 3)),
    ("flip_0d", lambda t, x: x.flip(()), ()),
    ("flip_0d_dim", lambda t, x: t.flip(x, (-1,)), ()),
    ("fliplr", lambda t, x: t.fliplr(x), (2, 3)),
    ("flipud", lambda t, x: x.flipud(), (2, 3)),
    ("rot90", lambda t, x: t.rot90(x), (2, 3)),
    ("rot90_k2", lambda t, x: x.rot90(2, (1, 0)), (2, 3)),
    ("rot90_k3", lambda t, x: t.rot90(x, -1, (-1, 0)), (2, 3, 2)),
    ("rot90_k0", lambda t, x: t.rot90(x, 4), (2, 3)),
    ("atleast_1d", lambda t, x: t.atleast_1d(x), ()),
    ("atleast_2d", lambda t, x: t.atleast_2d(x), (3,)),
    ("atleast_3d_0d", lambda t, x: t.atleast_3d(x), ()),
    ("atleast_3d_1d", lambda t, x: t.atleast_3d(x), (3,)),
    ("atleast_3d_2d", lambda t, x: t.atleast_3d(x), (2, 3)),
    ("atleast_many", lambda t, x: t.atleast_2d(x, x[0]), (3,)),
    ("atleast_list", lambda t, x: t.atleast_3d([x]), (2, 3, 1)),
    ("meshgrid_ij", lambda t, x: t.meshgrid(x, x[:2], indexing="ij"), (3,)),
    ("meshgrid_xy", lambda t, x: t.meshgrid([x, x[:2], x[0]], indexing="xy"), (3,)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,shape", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_float(name, fn, shape, dtype):
    check(fn, randn(*shape, dtype=dtype))


@pytest.mark.parametrize("name,fn,shape", CASES, ids=IDS)
def test_int_bool_noncontig(name, fn, shape):
    check(fn, randint(-5, 5, *shape))
    check(fn, randint(0, 2, *shape, dtype=np.bool_))
    check(fn, randn(*shape), noncontig=True)


@pytest.mark.parametrize("name,fn,shape", CASES, ids=IDS)
def test_gradcheck(name, fn, shape):
    gradcheck(fn, randn(*shape))


def _first(out):
    return out[0] if isinstance(out, tuple) else out


# expanded results alias one element many times, so PyTorch refuses writes into them
WRITABLE = [c for c in CASES if not any(k in c[0] for k in ("expand", "broadcast", "meshgrid"))]


@pytest.mark.parametrize("name,fn,shape", WRITABLE, ids=[c[0] for c in WRITABLE])
def test_writes_through_views(name, fn, shape):
    """Writing into the result changes the input exactly when PyTorch returns a view (values and gradients)."""
    def write(t, x):
        base = x * 1
        _first(fn(t, base)).mul_(3)
        return base
    check(write, randn(*shape))


@pytest.mark.parametrize("fn", [
    lambda t, x: x.expand(2, 2, 3), lambda t, x: t.broadcast_to(x, (4, 2, 3)), lambda t, x: x.reshape(6),
    lambda t, x: x.t().reshape(6), lambda t, x: t.broadcast_tensors(x, x[:1])[1],
    lambda t, x: t.meshgrid(x[0], x[1], indexing="ij")[0], lambda t, x: x.flip(0),
])
def test_shares_memory(fn):
    """Whether the result is a view of the input (its _base), compared with PyTorch."""
    check(lambda t, x: fn(t, x)._base is x, randn(2, 3), grad=False)


@pytest.mark.parametrize("op", [
    lambda x: x.squeeze_(), lambda x: x.unsqueeze_(-1), lambda x: x.t_(), lambda x: x.transpose_(0, 1),
    lambda x: x.swapaxes_(1, 0), lambda x: x.swapdims_(0, -1), lambda x: x.squeeze_((0, 1)),
])
def test_inplace_shape_change(op):
    def fn(t, x):
        y = x * 2
        z = op(y)
        assert z is y
        return y * y, y._version, y.stride()
    check(fn, randn(2, 1))
    check(fn, randn(1, 1), noncontig=True)


def test_inplace_shape_change_on_view():
    def fn(t, x):
        base = x * 1
        v = base[0]
        v.unsqueeze_(0)
        v.mul_(5)
        return base, v.shape
    check(fn, randn(2, 3))


def test_inplace_on_leaf_raises():
    check_raises(lambda t, x: x.requires_grad_().t_(), randn(2, 3))


def test_broadcast_shapes():
    check(lambda t: t.broadcast_shapes((2, 1), (3,), 1, ()))
    check(lambda t: t.broadcast_shapes())


def test_meshgrid_default_warns():
    import flambeau
    with pytest.warns(UserWarning):
        flambeau.meshgrid(flambeau.zeros(2))


def test_unbind_iter():
    check(lambda t, x: list(x), randn(3, 2))


ERRORS = [
    lambda t, x: x.reshape(4, 2), lambda t, x: x.reshape(-1, -1), lambda t, x: x.view(-1, 4),
    lambda t, x: x.t().view(-1), lambda t, x: x.flatten(1, 0), lambda t, x: x.flatten(0, 5),
    lambda t, x: x.unflatten(1, (2, 2)), lambda t, x: x.unflatten(1, ()), lambda t, x: x.squeeze(2),
    lambda t, x: x.squeeze((0, 0)), lambda t, x: x.unsqueeze(3), lambda t, x: x.unsqueeze(-4),
    lambda t, x: x.permute(0, 0), lambda t, x: x.permute(0), lambda t, x: x.transpose(0, 2),
    lambda t, x: x.unsqueeze(0).t(), lambda t, x: x.movedim((0, 1), (0,)), lambda t, x: x.movedim((0, 0), (0, 1)),
    lambda t, x: x.movedim(0, 2), lambda t, x: x.expand(3, 3), lambda t, x: x.expand(3),
    lambda t, x: x.expand(-1, 2, 3), lambda t, x: t.broadcast_to(x, (3, 2)),
    lambda t, x: t.broadcast_tensors(x, t.zeros(2)), lambda t, x: t.broadcast_shapes((2, 3), (4,)),
    lambda t, x: x.narrow(0, 1, 2), lambda t, x: x.narrow(0, -3, 1), lambda t, x: x.narrow(2, 0, 1),
    lambda t, x: x.sum().narrow(0, 0, 1), lambda t, x: x.select(0, 2), lambda t, x: x.select(1, -4),
    lambda t, x: x.sum().select(0, 0), lambda t, x: x.select(2, 0), lambda t, x: x.flip(0, 0),
    lambda t, x: x.flip(2), lambda t, x: x[0].fliplr(), lambda t, x: x.sum().flipud(), lambda t, x: x[0].rot90(),
    lambda t, x: x.rot90(1, (0, 0)), lambda t, x: x.rot90(1, (0, 1, 2)), lambda t, x: x.rot90(1, (0, 2)),
    lambda t, x: t.meshgrid(x, indexing="ij"), lambda t, x: t.meshgrid(x[0], x[0].float(), indexing="ij"),
    lambda t, x: t.meshgrid(x[0], x[1], indexing="ab"), lambda t, x: t.meshgrid([], indexing="ij"),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    check_raises(fn, randn(2, 3))
