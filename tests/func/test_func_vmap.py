"""vmap against PyTorch's torch.func.vmap on the same functions and against a loop over the samples; per-sample
gradients of a module through functional_call; gradients flowing through vmap."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_raises, randint, randn

F = "nn.functional"

# cases: (fn(lib, *tensors), in_dims, arrays)
CASES = {
    "broadcast_unbatched": (lambda t, x, y: x * y + x.exp(), (0, None), randn(4, 3), randn(2, 1, 3)),
    "pow_where": (lambda t, x, y: t.where(x > 0, x.abs() ** y, -y), (0, 0), randn(4, 3), randn(4, 3)),
    "matmul_batched_left": (lambda t, x, w: x @ w, (0, None), randn(4, 2, 3), randn(3, 5)),
    "matmul_batched_right": (lambda t, w, x: w @ x, (None, 1), randn(2, 3), randn(3, 4, 5)),
    "matmul_both": (lambda t, a, b: t.matmul(a, b), (0, 0), randn(4, 2, 3), randn(4, 3)),
    "dot": (lambda t, a, b: t.dot(a, b), (0, None), randn(4, 3), randn(3)),
    "linear_relu": (lambda t, x, w, b: t.nn.functional.linear(x, w, b).relu(), (0, None, None),
                    randn(4, 3), randn(2, 3), randn(2)),
    "reductions": (lambda t, x: (x.sum(), x.mean(0), x.amax(-1), x.var(1), x.prod(1)), (1,), randn(2, 4, 3)),
    "argmax_max": (lambda t, x: (x.argmax(0), x.max(1).values), (0,), randn(4, 3, 2)),
    "softmax_log_softmax": (lambda t, x: (t.softmax(x, -1), t.log_softmax(x, 0)), (0,), randn(4, 2, 3)),
    "views": (lambda t, x: (x.reshape(-1), x.t(), x.permute(1, 0)[1:, ::2], x.unsqueeze(0).expand(2, 3, 4),
                            x[1], x[:, 2], x.flatten().view(4, 3)), (2,), randn(3, 4, 5)),
    "cat_stack": (lambda t, x, y: (t.cat([x, y], 1), t.stack([y, x], -1)), (0, None), randn(4, 2, 3), randn(2, 3)),
    "gather": (lambda t, x, i: t.gather(x, 1, i), (0, 0), randn(4, 2, 3), randint(0, 3, 4, 2, 2)),
    "take_along_dim": (lambda t, x: t.take_along_dim(x, t.tensor([[0], [2]]), 1), (0,), randn(4, 2, 3)),
    "advanced_index": (lambda t, x, i: x[i], (0, 0), randn(4, 5), randint(0, 5, 4, 3)),
    "index_unbatched_indices": (lambda t, x: (x[[0, 2, 2]], x[:, [1, 0]], x[[1, 0], [2, 2]], x[[0, 1], :, [1, 1]]),
                                (1,), randn(3, 4, 3, 2)),
    "index_grad": (lambda t, w, x: t.func.grad(lambda v: (v[[0, 2, 0]] * x[:3]).sum() + v[1:, [0]].sum())(w),
                   (None, 0), randn(4, 2), randn(5, 4, 2)),
    "setitem": (lambda t, x, y: x.clone().index_put_((t.tensor([0, 2]),), y[:2], accumulate=True), (0, 0),
                randn(3, 4, 2), randn(3, 4, 2)),
    "cumsum_flip": (lambda t, x: t.flip(x.cumsum(0), [1]), (0,), randn(4, 3, 2)),
    "cross_entropy": (lambda t, x, y: t.nn.functional.cross_entropy(x, y), (0, 0), randn(4, 5, 3), randint(0, 3, 4, 5)),
    "cross_entropy_one": (lambda t, x, y: t.nn.functional.cross_entropy(x, y), (0, 0), randn(4, 3), randint(0, 3, 4)),
    "nll_sum": (lambda t, x, y: t.nn.functional.nll_loss(t.log_softmax(x, 1), y, reduction="sum"), (0, 0),
                randn(4, 5, 3), randint(0, 3, 4, 5)),
    "mse": (lambda t, x, y: t.nn.functional.mse_loss(x, y), (0, None), randn(4, 3), randn(3)),
    "conv2d": (lambda t, x, w: t.nn.functional.conv2d(x, w), (0, None), randn(3, 1, 2, 4, 4),
                        randn(2, 2, 3, 3)),
    "sort_fallback": (lambda t, x: t.sort(x, 0).values, (0,), randn(4, 5)),
    "conv_weight_grad_fallback": (lambda t, w, x: t.func.grad(lambda v: t.nn.functional.conv2d(x, v).sum())(w),
                                  (None, 0), randn(2, 2, 3, 3), randn(3, 1, 2, 4, 4)),
    "layer_norm": (lambda t, x, w: t.nn.functional.layer_norm(x, (3,), w), (0, None), randn(4, 2, 3), randn(3)),
}


def _vmapped(name):
    fn, in_dims, *arrays = CASES[name]
    return (lambda t, *xs: t.func.vmap(lambda *a: fn(t, *a), in_dims=in_dims)(*xs)), arrays


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_matches_torch(name):
    case, arrays = _vmapped(name)
    check(case, *arrays, grad=False, atol=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_equals_loop(name):
    fn, in_dims, *arrays = CASES[name]
    xs = [flambeau.tensor(a) for a in arrays]
    batched = flambeau.func.vmap(lambda *a: fn(flambeau, *a), in_dims=in_dims)(*xs)
    size = next(x.shape[d] for x, d in zip(xs, in_dims) if d is not None)
    for b in range(size):
        sample = fn(flambeau, *[x if d is None else x.select(d, b) for x, d in zip(xs, in_dims)])
        outs = batched if isinstance(batched, tuple) else (batched,)
        for o, s in zip(outs, sample if isinstance(sample, tuple) else (sample,)):
            np.testing.assert_allclose(o[b].numpy(), s.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["linear_relu", "softmax_log_softmax", "cross_entropy", "conv2d", "views"])
def test_gradient_through_vmap_matches_torch(name):
    case, arrays = _vmapped(name)
    check(case, *arrays, atol=1e-10)


def test_in_dims_out_dims_nested_structures_match_torch():
    def case(t, x, y, z):
        f = lambda p, s: (p["a"] * s[0] + s[1], p["a"].sum())  # noqa: E731
        return t.func.vmap(f, in_dims=({"a": 1}, (0, None)), out_dims=(1, 0))({"a": x}, (y, z))
    check(case, randn(3, 4), randn(4, 3), randn(3), grad=False)
    check(lambda t, x: t.func.vmap(lambda a: (a * 2, 7), out_dims=(0, None))(x), randn(2, 3), grad=False)
    check(lambda t, x: t.func.vmap(lambda a: t.ones(2), in_dims=-1)(x), randn(2, 3), grad=False)


def test_nested_vmap_and_chunk_size_match_torch():
    check(lambda t, x, y: t.func.vmap(t.func.vmap(lambda a, b: (a * b).sum() + a.softmax(0)))(x, y),
          randn(2, 3, 4), randn(2, 3, 4), grad=False)
    check(lambda t, x, w: t.func.vmap(t.func.vmap(lambda a, b: a @ b, in_dims=(None, 0)), in_dims=(0, None))(x, w),
          randn(2, 3), randn(4, 3, 5), grad=False)
    check(lambda t, x: t.func.vmap(lambda a: a.cumsum(0) * 2, chunk_size=2)(x), randn(5, 3), grad=False)
    check(lambda t, x: t.func.vmap(t.func.vmap(lambda a: t.sort(a).values))(x), randn(2, 3, 4), grad=False)


def test_vmap_of_jvp_and_jacrev_match_torch():
    f = lambda t: (lambda a: (a.sin() * a).sum(0))  # noqa: E731
    check(lambda t, x, v: t.func.vmap(lambda a, b: t.func.jvp(f(t), (a,), (b,)))(x, v), randn(3, 2, 4),
          randn(3, 2, 4), grad=False)
    check(lambda t, x: t.func.vmap(t.func.jacrev(f(t)))(x), randn(3, 2, 4), grad=False)
    check(lambda t, x: t.func.vmap(t.func.hessian(lambda a: (a.sin() * a).sum()))(x), randn(3, 4), grad=False)


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(6, 5), lib.nn.ReLU(), lib.nn.Linear(5, 3))


@pytest.mark.parametrize("unsqueeze", [True, False])
def test_per_sample_gradients_match_torch_and_autograd_loop(unsqueeze, monkeypatch):
    def no_loop(*args):
        raise AssertionError("the MLP's per-sample gradients must batch by rules, not by the per-sample loop")
    monkeypatch.setattr(flambeau.func._vmap.BatchLevel, "_per_sample", no_loop)
    x, y = randn(8, 6, dtype=np.float32), randint(0, 3, 8)
    t_model, f_model = _mlp(torch), _mlp(flambeau)
    f_model.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    results = []
    for lib, model in ((torch, t_model), (flambeau, f_model)):
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, xb, yb):
            if unsqueeze:
                xb, yb = xb.unsqueeze(0), yb.unsqueeze(0)
            return lib.nn.functional.cross_entropy(lib.func.functional_call(model, p, (xb,)), yb)

        results.append(lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(params, lib.tensor(x), lib.tensor(y)))
    for k in results[0]:
        np.testing.assert_allclose(results[1][k].numpy(), results[0][k].numpy(), atol=1e-5, rtol=1e-5)
    for b in range(8):  # each sample's gradient is an ordinary backward of that sample alone
        f_model.zero_grad()
        flambeau.nn.functional.cross_entropy(f_model(flambeau.tensor(x[b:b + 1])), flambeau.tensor(y[b:b + 1])).backward()
        for k, p in f_model.named_parameters():
            np.testing.assert_allclose(results[1][k][b].numpy(), p.grad.numpy(), atol=1e-6)
            assert not results[1][k].requires_grad


def test_grad_of_vmap_matches_torch():
    check(lambda t, x, w: t.func.grad(lambda v: t.func.vmap(lambda a: (a @ v).tanh().sum())(x).sum())(w),
          randn(4, 3, 2), randn(2, 5), grad=False)


@pytest.mark.parametrize("case", [
    lambda t, x: t.func.vmap(lambda a, b: a + b)(x, x[:2]),               # batch sizes differ
    lambda t, x: t.func.vmap(lambda a: a, in_dims=2)(x),                  # in_dim out of range
    lambda t, x: t.func.vmap(lambda a: a, in_dims=(0, 0))(x),             # in_dims structure
    lambda t, x: t.func.vmap(lambda a: a)(3.0),                           # batching a non-tensor
    lambda t, x: t.func.vmap(lambda a: a, in_dims=None)(x),               # in_dims must be int or tuple
    lambda t, x: t.func.vmap(lambda a: 1.0)(x),                           # a non-tensor output
    lambda t, x: t.func.vmap(lambda a: a, out_dims=(0, 0))(x),            # out_dims structure
    lambda t, x: t.func.vmap(lambda a: a, randomness="sometimes")(x),
])
def test_vmap_errors_match_torch(case):
    check_raises(case, randn(3, 2))


def test_torch_vmap_is_func_vmap():
    assert flambeau.vmap is flambeau.func.vmap


def _writes_in_place(t, x, y):
    z = x * 1.0
    z[1:3] = z[1:3] * y[0]
    z.mul_(2)
    return z.sin()


def test_in_place_writes_match_torch():
    """In-place ops and item assignment write the whole batch (and the tangents), as in PyTorch."""
    check(lambda t, x, y: t.func.vmap(lambda a, b: _writes_in_place(t, a, b))(x, y), randn(4, 5), randn(4, 5),
          grad=False)
    check(lambda t, x, y: t.func.jvp(lambda a: t.func.vmap(lambda b: _writes_in_place(t, b, b))(a), (x,), (y,)),
          randn(4, 5), randn(4, 5), grad=False)
    check_raises(lambda t, x: t.func.vmap(lambda a: t.zeros(2).add_(a))(x), randn(3, 2))


@pytest.mark.parametrize("draw", [lambda t, a: a + t.rand(2), lambda t, a: t.nn.functional.dropout(a, 0.5),
                                  lambda t, a: t.randn_like(a)])
def test_random_ops_in_randomness_error_mode_raise_like_torch(draw):
    check_raises(lambda t, x: t.func.vmap(lambda a: draw(t, a))(x), randn(3, 2))


def _rows_equal(out) -> bool:
    rows = out.numpy()
    return all(np.array_equal(rows[0], r) for r in rows[1:])


# random ops inside vmap: values differ from PyTorch's (another generator), so these check the semantics
# on both libraries: 'same' gives every sample the same draws, 'different' independent ones
DRAWS = {
    "rand": lambda t, a: a + t.rand(16),
    "randn_like": lambda t, a: a + t.randn_like(a),
    "randint": lambda t, a: a + t.randint(0, 1000, (16,)),
    "normal": lambda t, a: a + t.normal(0.0, 1.0, (16,)),
    "dropout": lambda t, a: t.nn.functional.dropout(a, 0.5),
    "bernoulli_": lambda t, a: (a * 1).bernoulli_(0.5),
    "in-place normal_": lambda t, a: (a * 1).normal_(),
    "dropout of an unbatched tensor": lambda t, a: a * t.nn.functional.dropout(t.ones(16), 0.5),
}


@pytest.mark.parametrize("lib", [torch, flambeau], ids=["torch", "flambeau"])
@pytest.mark.parametrize("name", DRAWS)
def test_randomness_same_and_different(lib, name):
    lib.manual_seed(0)
    x = lib.ones(5, 16)
    same = lib.func.vmap(lambda a: DRAWS[name](lib, a), randomness="same")(x)
    different = lib.func.vmap(lambda a: DRAWS[name](lib, a), randomness="different")(x)
    assert same.shape == different.shape == (5, 16)
    assert _rows_equal(same)
    assert not _rows_equal(different)


@pytest.mark.parametrize("lib", [torch, flambeau], ids=["torch", "flambeau"])
def test_randomness_different_draws_from_per_sample_inputs(lib):
    """bernoulli with a different probability per sample: each sample's own probability."""
    lib.manual_seed(0)
    p = lib.tensor([[0.0] * 64, [1.0] * 64, [0.5] * 64])
    out = lib.func.vmap(lib.bernoulli, randomness="different")(p)
    assert float(out[0].sum()) == 0 and float(out[1].sum()) == 64 and 0 < float(out[2].sum()) < 64


@pytest.mark.parametrize("draw", [
    lambda t, a: t.bernoulli(a),                            # same randomness with values read per sample
    lambda t, a: t.normal(a, 1.0),
    lambda t, a: t.poisson(a),
    lambda t, a: t.multinomial(a, 2),
])
def test_randomness_same_refuses_batched_values_like_torch(draw):
    check_raises(lambda t, x: t.func.vmap(lambda a: draw(t, a), randomness="same")(x), randn(4, 3, low=0.1, high=0.9))


def test_randomness_different_in_place_on_an_unbatched_tensor_raises_like_torch():
    check_raises(lambda t, x: t.func.vmap(lambda a: a + t.zeros(3).normal_(), randomness="different")(x),
                 randn(4, 3))


def test_per_sample_gradients_through_dropout():
    """vmap(grad) with randomness='different': each sample's gradient uses that sample's own mask."""
    flambeau.manual_seed(0)
    w = flambeau.full((16,), 0.5)
    x = flambeau.randn(6, 16)

    def loss(w, a):
        return (flambeau.nn.functional.dropout(a * w, 0.25) ** 2).sum()

    grads = flambeau.func.vmap(flambeau.func.grad(loss), in_dims=(None, 0), randomness="different")(w, x)
    assert not _rows_equal(grads != 0)
    for a, g in zip(x, grads):
        kept = (g != 0).numpy()
        expected = 2 * (a * w).numpy() / 0.75 ** 2 * a.numpy() * kept
        np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lib", [torch, flambeau], ids=["torch", "flambeau"])
def test_a_primitive_drawing_in_its_forward(lib):
    """Gamma's reparameterised sampler draws inside one primitive: one draw per sample with 'different',
    refused with 'same' (batched concentration) and with 'error', as in PyTorch."""
    lib.manual_seed(0)
    x = lib.ones(3, 2)
    sample = lambda a: lib.distributions.Gamma(a, a).rsample()  # noqa: E731
    assert not _rows_equal(lib.func.vmap(sample, randomness="different")(x))
    for mode in ("same", "error"):
        with pytest.raises(RuntimeError):
            lib.func.vmap(sample, randomness=mode)(x)
    out = lib.func.vmap(lambda a: a * 2, randomness="different")(x)  # no random op: computed as usual
    np.testing.assert_allclose(out.numpy(), (x * 2).numpy())


LINALG = {  # (A, S, B): a square batch, its symmetric positive-definite companion, right-hand sides
    "cholesky": lambda t, a, s, b: t.linalg.cholesky(s),
    "eigh": lambda t, a, s, b: t.linalg.eigh(s).eigenvalues,
    "eigvalsh upper": lambda t, a, s, b: t.linalg.eigvalsh(s, UPLO="U"),
    "qr": lambda t, a, s, b: t.linalg.qr(a).R,
    "svd": lambda t, a, s, b: t.linalg.svd(a).S,
    "eigvals": lambda t, a, s, b: t.linalg.eigvals(s).real.sort().values,
    "inv_ex": lambda t, a, s, b: t.linalg.inv_ex(a).inverse,
    "slogdet": lambda t, a, s, b: t.linalg.slogdet(a).logabsdet,
    "solve": lambda t, a, s, b: t.linalg.solve(a, b),
    "solve, a vector": lambda t, a, s, b: t.linalg.solve(a, b[:, 0]),
    "solve, unbatched matrix": lambda t, a, s, b: t.linalg.solve(t.eye(4) * 2 + 1, b),
    "lu_solve": lambda t, a, s, b: t.linalg.lu_solve(*t.linalg.lu_factor(a), b),
    "ldl_factor": lambda t, a, s, b: t.linalg.ldl_factor(s).LD,
    "geqrf and orgqr": lambda t, a, s, b: t.orgqr(*t.geqrf(a)),
    "cond": lambda t, a, s, b: t.linalg.cond(a),
    "matrix_power -2": lambda t, a, s, b: t.linalg.matrix_power(a, -2),
}


@pytest.mark.parametrize("name", LINALG)
def test_linalg_functions_batch_like_torch(name):
    """torch.linalg computes on arrays beside the dispatch: inside vmap it runs once on the whole batch."""
    a = randn(3, 4, 4, dtype=np.float32)
    check(lambda t, a, b: t.func.vmap(lambda a, s, b: LINALG[name](t, a, s, b))(a, a @ a.mT + t.eye(4), b), a,
          randn(3, 4, 2, dtype=np.float32), grad=False, atol=1e-4, rtol=1e-4)


def test_linalg_inside_vmap_differentiates_from_outside_only():
    """grad of vmap(linalg) works (the batch call is recorded below the level); grad inside vmap would need
    the logical graph the batch call does not record, and is refused rather than silently zero."""
    check(lambda t, a: t.func.grad(lambda x: t.func.vmap(t.linalg.inv)(x).sum())(a), randn(3, 4, 4), grad=False,
          atol=1e-6)
    with pytest.raises(NotImplementedError, match="require grad"):
        flambeau.func.vmap(flambeau.func.grad(lambda a: flambeau.linalg.inv(a).sum()))(flambeau.randn(2, 3, 3))


def test_backward_through_per_sample_gradients_matches_torch():
    """A gradient penalty: the per-sample gradients of parameters that require grad keep their graph."""
    t_model, f_model = _mlp(torch), _mlp(flambeau)
    f_model.load_state_dict({k: flambeau.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    x, y = randn(4, 6, dtype=np.float32), randint(0, 3, 4)
    grads = []
    for lib, model in ((torch, t_model), (flambeau, f_model)):
        def loss(p, xb, yb):
            return lib.nn.functional.cross_entropy(lib.func.functional_call(model, p, (xb.unsqueeze(0),)),
                                                   yb.unsqueeze(0))
        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(dict(model.named_parameters()),
                                                                             lib.tensor(x), lib.tensor(y))
        (per_sample["0.weight"] ** 2).sum().backward()
        grads.append(tuple(p.grad for _, p in sorted(model.named_parameters())))
    for t_g, f_g in zip(*grads):
        np.testing.assert_allclose(f_g.numpy(), t_g.numpy(), atol=1e-6)


@pytest.mark.parametrize("read", [lambda a: a.sum().item(), lambda a: a.tolist(), lambda a: float(a.sum())])
def test_reading_a_batched_value_on_the_host_raises_like_torch(read):
    check_raises(lambda t, x: t.func.vmap(read)(x), randn(3, 2))
    # an unbatched tensor inside vmap reads as usual
    assert flambeau.func.vmap(lambda a: a * flambeau.tensor(2.0).item())(flambeau.ones(2)).tolist() == [2.0, 2.0]
