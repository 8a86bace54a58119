"""Normalisation against PyTorch: the functional forms (outputs, gradients, running statistics, errors),
gradcheck of the fused primitive, and the layers (train and eval, buffers, state_dict, repr)."""
import collections

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn, to_numpy

F32 = np.float32


# ------------------------------------------------------------------------------- functional

def _stats_case(lib, x, rm, rv, w, b, training, momentum):
    """batch_norm's output together with the running statistics it leaves behind."""
    rm, rv = rm.detach().clone(), rv.detach().clone()
    out = lib.nn.functional.batch_norm(x, rm, rv, w, b, training, momentum, 1e-3)
    return out, rm, rv


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 4, 5), (2, 3, 2, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(shape, training):
    c = shape[1]
    check(lambda t, x, rm, rv, w, b: _stats_case(t, x, rm, rv, w, b, training, 0.3),
          randn(*shape), randn(c), randn(c, low=0.5, high=2.0), randn(c), randn(c))


def test_batch_norm_float32_no_affine_no_stats():
    check(lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True), randn(8, 4, 5, dtype=F32),
          atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 4), (3, 4)), ((3, 5), [5])])
def test_layer_norm(shape, normalized):
    trailing = tuple(normalized)
    check(lambda t, x, w, b: t.nn.functional.layer_norm(x, normalized, w, b, 1e-5),
          randn(*shape), randn(*trailing), randn(*trailing))
    check(lambda t, x: t.nn.functional.layer_norm(x, normalized), randn(*shape, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_group_norm(groups):
    check(lambda t, x, w, b: t.nn.functional.group_norm(x, groups, w, b), randn(3, 6, 5), randn(6), randn(6))
    check(lambda t, x: t.nn.functional.group_norm(x, groups), randn(2, 6, 2, 3))


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 4)])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm(shape, use_input_stats):
    def fn(t, x, rm, rv, w, b):
        rm, rv = rm.detach().clone(), rv.detach().clone()
        return t.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats, 0.2, 1e-5), rm, rv
    c = shape[1]
    check(fn, randn(*shape), randn(c), randn(c, low=0.5, high=2.0), randn(c), randn(c))
    if use_input_stats:
        check(lambda t, x: t.nn.functional.instance_norm(x), randn(*shape))


@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm(eps):
    check(lambda t, x, w: t.nn.functional.rms_norm(x, (3, 4), w, eps), randn(2, 3, 4), randn(3, 4))
    check(lambda t, x: t.nn.functional.rms_norm(x, [4], eps=eps), randn(5, 4, dtype=F32), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("shape", [(2, 6, 5), (2, 5, 3, 4), (1, 4, 2, 2, 3)])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_local_response_norm(shape, size):
    check(lambda t, x: t.nn.functional.local_response_norm(x, size, 0.1, 0.6, 2.0), randn(*shape))


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1), (3.0, 0), (float("inf"), 1)])
def test_normalize(p, dim):
    x = randn(3, 4)
    x[1] = 0  # a zero vector: its norm is clamped to eps
    check(lambda t, a: t.nn.functional.normalize(a, p, dim), x)


def test_normalize_out():
    check(lambda t, a, o: t.nn.functional.normalize(a, out=o), randn(3, 4), randn(3, 4), grad=False)


# ------------------------------------------------------------------------------- the fused primitive

@pytest.mark.parametrize("fn,shapes", [
    (lambda t, x, w, b: t.nn.functional.batch_norm(x, None, None, w, b, True), [(4, 3, 2), (3,), (3,)]),
    (lambda t, x, w, b: t.nn.functional.layer_norm(x, (3, 2), w, b), [(2, 3, 2), (3, 2), (3, 2)]),
    (lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    (lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b), [(2, 3, 4), (3,), (3,)]),
])
def test_gradcheck(fn, shapes):
    gradcheck(fn, *[randn(*s) for s in shapes])


def test_double_backward_matches_torch():
    def fn(t, x, w):
        y = t.nn.functional.layer_norm(x, (4,), w) ** 2
        (g,) = t.autograd.grad(y.sum(), x, create_graph=True)
        return g
    check(fn, randn(3, 4), randn(4))


@pytest.mark.parametrize("fn", [
    lambda t, x, w, b: t.nn.functional.layer_norm(x, (4, 3), w.reshape(4, 3), b.reshape(4, 3)),
    lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w[:4], b[:4]),
])
def test_fused_affine_backward(fn):
    """layer_norm and group_norm with weight and bias: plain, float32 and double backward."""
    def double(t, x, w, b):
        (g,) = t.autograd.grad((fn(t, x, w, b) ** 2).sum(), x, create_graph=True)
        return g
    check(fn, randn(2, 4, 3), randn(12), randn(12))
    check(fn, randn(2, 4, 3, dtype=np.float32), randn(12, dtype=np.float32), randn(12, dtype=np.float32), atol=1e-5)
    check(double, randn(2, 4, 3), randn(12), randn(12))
    check(lambda t, x, w, b: fn(t, x, w, b.detach()), randn(2, 4, 3), randn(12), randn(12))


# ------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("fn,shape", [
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True), (1, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, training=False), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, t.zeros(3), None, training=True), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, t.zeros(4), t.ones(4), training=True), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, t.ones(2), training=True), (4, 3)),
    (lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True, eps=0.0), (4, 3)),
    (lambda t, x: t.nn.functional.instance_norm(x), (2, 3, 1)),
    (lambda t, x: t.nn.functional.instance_norm(x, use_input_stats=False), (2, 3, 4)),
    (lambda t, x: t.nn.functional.instance_norm(x.float(), t.zeros(3), None), (2, 3, 4)),
    (lambda t, x: t.nn.functional.layer_norm(x, (4,)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.layer_norm(x, (5,), t.ones(4)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.rms_norm(x, (4,)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.group_norm(x, 2), (4, 3, 5)),
    (lambda t, x: t.nn.functional.group_norm(x, 3, t.ones(2)), (4, 3, 5)),
    (lambda t, x: t.nn.functional.group_norm(x, 1), (4,)),
    (lambda t, x: t.nn.functional.local_response_norm(x, 2), (4, 3)),
])
def test_errors(fn, shape):
    check_raises(fn, randn(*shape))


def test_error_messages():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"torch.Size\(\[1, 3\]\)"):
        flambeau.nn.functional.batch_norm(flambeau.randn(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], "
                                           r"but got input of size\[4, 3, 5\]"):
        flambeau.nn.functional.layer_norm(flambeau.randn(4, 3, 5), (4,))


# ------------------------------------------------------------------------------- layers

def _buffers_match(t_module, f_module):
    t_buffers = dict(t_module.named_buffers())
    f_buffers = dict(f_module.named_buffers())
    assert t_buffers.keys() == f_buffers.keys()
    for name, tb in t_buffers.items():
        assert str(tb.dtype) == repr(f_buffers[name].dtype), name
        np.testing.assert_allclose(to_numpy(f_buffers[name]), to_numpy(tb), rtol=1e-5, atol=1e-6, err_msg=name)


def _train_steps(t_module, f_module, shape, steps=3):
    """A few training forward passes (with backward) on both; the running statistics must agree."""
    t_module.train()
    f_module.train()
    for _ in range(steps):
        x = randn(*shape, dtype=F32)
        (t_module(torch.tensor(x, requires_grad=True)) ** 2).sum().backward()
        (f_module(flambeau.tensor(x, requires_grad=True)) ** 2).sum().backward()
    _buffers_match(t_module, f_module)


BATCH_NORMS = [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 2, 3)),
               ("BatchNorm3d", (2, 3, 2, 2, 3))]
NORM_KWARGS = [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}, {"bias": False},
               {"momentum": 0.5, "eps": 1e-3}]


@pytest.mark.parametrize("name,shape", BATCH_NORMS)
@pytest.mark.parametrize("kwargs", NORM_KWARGS)
def test_batch_norm_layers(name, shape, kwargs):
    t_module = getattr(torch.nn, name)(3, **kwargs)
    f_module = getattr(flambeau.nn, name)(3, **kwargs)
    assert repr(f_module) == repr(t_module)
    _buffers_match(t_module, f_module)
    _train_steps(t_module, f_module, shape)
    for train in (True, False):
        check_module(t_module, f_module, randn(*shape, dtype=F32), train=train)
    _buffers_match(t_module, f_module)


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (3, 3, 5)), ("InstanceNorm1d", (3, 6)),
                                        ("InstanceNorm2d", (2, 3, 3, 4)), ("InstanceNorm2d", (3, 3, 4)),
                                        ("InstanceNorm3d", (2, 3, 2, 2, 3))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "track_running_stats": True, "momentum": 0.3}])
def test_instance_norm_layers(name, shape, kwargs):
    t_module = getattr(torch.nn, name)(3, **kwargs)
    f_module = getattr(flambeau.nn, name)(3, **kwargs)
    assert repr(f_module) == repr(t_module)
    _train_steps(t_module, f_module, shape)
    for train in (True, False):
        check_module(t_module, f_module, randn(*shape, dtype=F32), train=train)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((5,), {}, (3, 5)), (([3, 4],), {}, (2, 3, 4)), ((4,), {"elementwise_affine": False}, (2, 3, 4)),
    ((4,), {"bias": False, "eps": 1e-3}, (5, 4)),
])
def test_layer_norm_layer(args, kwargs, shape):
    t_module, f_module = torch.nn.LayerNorm(*args, **kwargs), flambeau.nn.LayerNorm(*args, **kwargs)
    assert repr(f_module) == repr(t_module)
    with torch.no_grad():
        for p in t_module.parameters():
            p.normal_()  # non-trivial affine parameters
    check_module(t_module, f_module, randn(*shape, dtype=F32))


@pytest.mark.parametrize("args,kwargs,shape", [
    ((2, 4), {}, (3, 4, 5)), ((1, 6), {"affine": False}, (2, 6, 2, 2)), ((3, 3), {"bias": False}, (2, 3, 4)),
])
def test_group_norm_layer(args, kwargs, shape):
    t_module, f_module = torch.nn.GroupNorm(*args, **kwargs), flambeau.nn.GroupNorm(*args, **kwargs)
    assert repr(f_module) == repr(t_module)
    with torch.no_grad():
        for p in t_module.parameters():
            p.normal_()
    for train in (True, False):
        check_module(t_module, f_module, randn(*shape, dtype=F32), train=train)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((4,), {}, (3, 4)), (([2, 3],), {"eps": 1e-4}, (2, 2, 3)), ((3,), {"elementwise_affine": False}, (5, 3)),
])
def test_rms_norm_layer(args, kwargs, shape):
    t_module, f_module = torch.nn.RMSNorm(*args, **kwargs), flambeau.nn.RMSNorm(*args, **kwargs)
    assert repr(f_module) == repr(t_module)
    with torch.no_grad():
        for p in t_module.parameters():
            p.normal_()
    check_module(t_module, f_module, randn(*shape, dtype=F32))


@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 5, 3, 3)])
def test_local_response_norm_layer(shape):
    t_module, f_module = torch.nn.LocalResponseNorm(3), flambeau.nn.LocalResponseNorm(3)
    assert repr(f_module) == repr(t_module)
    assert repr(flambeau.nn.LocalResponseNorm(2, 0.1, 0.5, 2)) == repr(torch.nn.LocalResponseNorm(2, 0.1, 0.5, 2))
    check_module(t_module, f_module, randn(*shape, dtype=F32))


def test_default_init_and_buffers():
    for args in [("BatchNorm2d", 4), ("InstanceNorm1d", 4), ("LayerNorm", 4), ("GroupNorm", 2, 4), ("RMSNorm", 4)]:
        t_module, f_module = getattr(torch.nn, args[0])(*args[1:]), getattr(flambeau.nn, args[0])(*args[1:])
        assert list(f_module.state_dict()) == list(t_module.state_dict())
        for (name, tv), fv in zip(t_module.state_dict().items(), f_module.state_dict().values()):
            assert str(tv.dtype) == repr(fv.dtype), name
            np.testing.assert_array_equal(to_numpy(fv), to_numpy(tv), err_msg=name)


def test_momentum_none_is_cumulative_average():
    t_module, f_module = torch.nn.BatchNorm1d(3, momentum=None), flambeau.nn.BatchNorm1d(3, momentum=None)
    _train_steps(t_module, f_module, (5, 3), steps=4)
    assert int(f_module.num_batches_tracked) == 4


def test_reset_running_stats():
    f_module = flambeau.nn.BatchNorm1d(3)
    f_module(flambeau.randn(4, 3))
    f_module.reset_running_stats()
    _buffers_match(torch.nn.BatchNorm1d(3), f_module)


def test_load_state_dict_without_num_batches_tracked():
    """Checkpoints from before num_batches_tracked existed (version < 2) still load, strictly."""
    t_module, f_module = torch.nn.BatchNorm1d(3), flambeau.nn.BatchNorm1d(3)
    state = {k: v for k, v in f_module.state_dict().items() if k != "num_batches_tracked"}
    result = f_module.load_state_dict(state)
    t_result = t_module.load_state_dict({k: v for k, v in t_module.state_dict().items()
                                         if k != "num_batches_tracked"})
    assert (result.missing_keys, result.unexpected_keys) == (t_result.missing_keys, t_result.unexpected_keys) == ([], [])
    # with version metadata saying 2, the key is required, as in PyTorch
    for module in (t_module, f_module):
        state = collections.OrderedDict((k, v) for k, v in module.state_dict().items() if k != "num_batches_tracked")
        state._metadata = {"": {"version": 2}}
        with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "num_batches_tracked"'):
            module.load_state_dict(state)


@pytest.mark.parametrize("make,shape", [
    (lambda t: t.nn.BatchNorm2d(3), (2, 3, 4)),
    (lambda t: t.nn.BatchNorm1d(3), (2, 3, 4, 5)),
    (lambda t: t.nn.BatchNorm3d(3), (2, 3, 4, 5)),
    (lambda t: t.nn.BatchNorm1d(3), (1, 3)),
    (lambda t: t.nn.BatchNorm1d(4), (2, 3)),
    (lambda t: t.nn.InstanceNorm2d(3), (2, 3)),
    (lambda t: t.nn.InstanceNorm1d(3, affine=True), (2, 4, 5)),
    (lambda t: t.nn.LayerNorm(4), (2, 3)),
    (lambda t: t.nn.GroupNorm(2, 4), (2, 6, 3)),
    (lambda t: t.nn.RMSNorm([2, 3]), (3, 2)),
    (lambda t: t.nn.LocalResponseNorm(2), (3, 2)),
])
def test_layer_errors(make, shape):
    check_raises(lambda t, x: make(t)(x), randn(*shape, dtype=F32))


def test_layer_errors_name_the_layer():
    model = flambeau.nn.Sequential(flambeau.nn.BatchNorm2d(16))
    with pytest.raises(ValueError, match=r"^0 \(BatchNorm2d\(16, .*\)\) expected 4D input \(got 3D input\)$"):
        model(flambeau.randn(2, 16, 5))
    with pytest.raises(RuntimeError, match=r"LayerNorm\(\(4,\), .*\) expected input with trailing shape \(4,\), "
                                           r"got shape \(2, 3\)"):
        flambeau.nn.LayerNorm(4)(flambeau.randn(2, 3))
    with pytest.raises(ValueError, match="divisible"):
        flambeau.nn.GroupNorm(4, 6)
