"""flambeau.compile: replays equal eager (forward, gradients, training trajectories); what cannot be replayed
runs eagerly with one warning naming why; new shapes and changed state capture again."""
import copy
import re
import warnings

import numpy as np
import pytest
import torch

import flambeau
import flambeau.nn as nn
from flambeau._compile import OptimizedModule, compile


def mlp(seed=0, final=None):
    flambeau.manual_seed(seed)
    layers = [nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 4)]
    return nn.Sequential(*layers, *([final] if final is not None else []))


def data(rng, batch=5, classes=4):
    x = flambeau.tensor(rng.standard_normal((batch, 6)).astype(np.float32))
    return x, flambeau.tensor(rng.integers(0, classes, batch))


def replays(compiled) -> int:
    """How many captures the compiled function keeps (a failed signature counts none)."""
    cache = compiled._compiled._cache if isinstance(compiled, OptimizedModule) else compiled._cache
    return sum(type(e).__name__ == "_Entry" for v in cache.values() if v != "eager" for e in v)


def same(a, b) -> bool:
    return np.array_equal(a.detach().numpy(), b.detach().numpy())


def close(a, b) -> bool:
    """Equal to float32 rounding: the compiled weight gradient is one matmul on transposed views (g^T h), whose
    BLAS may sum the batch in another order than eager's transposed (h^T g)^T (flambeau/_compile/_passes.py)."""
    return np.allclose(np.asarray(a.detach().numpy() if hasattr(a, "detach") else a),
                       np.asarray(b.detach().numpy() if hasattr(b, "detach") else b), rtol=1e-5, atol=1e-6)


def test_forward_equals_eager_values_and_gradients():
    model = mlp(final=nn.Sigmoid())
    ref = copy.deepcopy(model)
    compiled = compile(model)
    rng = np.random.default_rng(1)
    weights = flambeau.arange(4.0)
    for _ in range(3):
        xa = rng.standard_normal((5, 6)).astype(np.float32)
        x, xr = flambeau.tensor(xa, requires_grad=True), flambeau.tensor(xa, requires_grad=True)
        out, expected = compiled(x), ref(xr)
        assert same(out, expected)
        (out * weights).sum().backward()
        (expected * weights).sum().backward()
        assert same(x.grad, xr.grad)
        for p, q in zip(model.parameters(), ref.parameters()):
            assert close(p.grad, q.grad)  # accumulated over the calls, as eager
    assert type(out.grad_fn).__name__ == "CompiledCallBackward"  # the last calls replayed
    with flambeau.no_grad():
        assert same(compiled(x), ref(x)) and same(compiled(x), ref(x))
    assert replays(compiled) == 2  # one with grad, one without


def test_state_dict_keys_follow_torch():
    # torch.compile's OptimizedModule registers the module as `_orig_mod` (calling torch.compile here would
    # import dynamo: 10 s); its state_dict keys carry that prefix
    tm = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 4))
    compiled = compile(mlp())
    assert list(compiled.state_dict()) == ["_orig_mod." + k for k in tm.state_dict()]
    assert isinstance(compiled._orig_mod, nn.Sequential)


def _train_step(model, opt, loss_fn):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


@pytest.mark.parametrize("make_opt, scheduler", [
    (lambda ps: flambeau.optim.SGD(ps, lr=0.1, momentum=0.9), None),
    (lambda ps: flambeau.optim.Adam(ps, lr=0.01), None),
    (lambda ps: flambeau.optim.Adam(ps, lr=0.01), lambda o: flambeau.optim.lr_scheduler.StepLR(o, 2, gamma=0.3)),
], ids=["sgd_momentum", "adam", "adam_steplr"])
def test_train_step_trajectory_equals_eager(make_opt, scheduler):
    model = mlp()
    ref = copy.deepcopy(model)
    opt, ref_opt = make_opt(model.parameters()), make_opt(ref.parameters())
    scheds = [scheduler(o) for o in (opt, ref_opt)] if scheduler else []
    loss_fn = nn.CrossEntropyLoss()
    compiled = compile(_train_step(model, opt, loss_fn))
    eager = _train_step(ref, ref_opt, loss_fn)
    rng = np.random.default_rng(2)
    for _ in range(6):
        x, y = data(rng)
        assert close(compiled(x, y).item(), eager(x, y).item())
        for s in scheds:
            s.step()
    # the same primitives on the same arrays; the optimizer reads lr (the scheduler's) and its step live
    for (k, p), q in zip(model.state_dict().items(), ref.state_dict().values()):
        assert close(p, q), k
    for p, q in zip(model.parameters(), ref.parameters()):
        assert close(p.grad, q.grad)
    assert 1 <= replays(compiled) <= 2  # the first call has no .grad yet, the others do


def test_train_step_matches_pytorch():
    """PyTorch as the oracle: its eager step with SGD with momentum written out (torch.optim's first step imports
    dynamo, 10 s), buf = 0.9 buf + g (buf = g at first), p -= 0.1 buf."""
    model = mlp()
    tm = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 4))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    compiled = compile(_train_step(model, flambeau.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                                   nn.CrossEntropyLoss()))
    bufs = {}
    rng = np.random.default_rng(3)
    for _ in range(5):
        x, y = data(rng)
        compiled(x, y)
        tm.zero_grad()
        torch.nn.functional.cross_entropy(tm(torch.tensor(x.numpy())), torch.tensor(y.numpy())).backward()
        with torch.no_grad():
            for p in tm.parameters():
                bufs[p] = p.grad.clone() if p not in bufs else bufs[p].mul_(0.9).add_(p.grad)
                p.sub_(0.1 * bufs[p])
    for p, q in zip(model.state_dict().values(), tm.state_dict().values()):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-5, atol=1e-6)


def test_dropout_falls_back_to_eager_with_one_warning():
    model = nn.Sequential(nn.Linear(6, 8), nn.Dropout(0.5))
    ref = copy.deepcopy(model)
    compiled = compile(model)
    x, _ = data(np.random.default_rng(4))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for seed in range(3):
            flambeau.manual_seed(seed)
            out = compiled(x)
            flambeau.manual_seed(seed)
            assert same(out, ref(x))
    messages = [str(w.message) for w in caught if "flambeau.compile" in str(w.message)]
    assert len(messages) == 1 and "random draw" in messages[0]
    model.eval()  # the training mode is guarded: eval mode captures and replays
    ref.eval()
    assert same(compiled(x), ref(x)) and same(compiled(x), ref(x))
    assert replays(compiled) == 1


def _branchy(x):
    y = x * 2
    if y.sum().item() > 0:  # Python control flow on a tensor's value
        return y + 1
    return y - 1


def _view_write(x):
    y = x * 1
    y[0].add_(1)
    return y


def _input_write(x):
    x.mul_(2)
    return x + 1


_LINEAR = nn.Linear(3, 3)


def _gradient_hook(x):
    h = _LINEAR(x)
    h.register_hook(lambda g: g * 2)
    return h


@pytest.mark.parametrize("fn, reason", [
    (_branchy, r"read into Python \(\.item\(\)\)"),
    (lambda x: x[x > 0] * 2, "depends on its input's values"),
    (lambda x: flambeau.nonzero(x).float().sum(), "depends on its input's values"),
    (_view_write, "in-place write into a view"),
    (_input_write, "in-place write into an input"),
    (_gradient_hook, "hook on a gradient"),
], ids=["item", "boolean_mask", "nonzero", "view_write", "input_write", "gradient_hook"])
def test_capture_failure_runs_eagerly_with_one_warning(fn, reason):
    compiled = compile(fn)
    inputs = [np.array([1.0, -3.0, 2.0], np.float32), np.array([-1.0, -2.0, 0.5], np.float32)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for a in inputs * 2:
            assert same(compiled(flambeau.tensor(a)), fn(flambeau.tensor(a)))
    messages = [str(w.message) for w in caught if "flambeau.compile" in str(w.message)]
    assert len(messages) == 1 and re.search(reason, messages[0]), messages
    with pytest.raises(RuntimeError, match="fullgraph"):
        compile(fn, fullgraph=True)(flambeau.tensor(inputs[0]))


def test_new_shape_captures_again():
    model = mlp()
    compiled = compile(model)
    rng = np.random.default_rng(5)
    with flambeau.no_grad():
        for batch in (4, 7, 4, 7):
            x = flambeau.tensor(rng.standard_normal((batch, 6)).astype(np.float32))
            assert same(compiled(x), model(x))
    assert replays(compiled) == 2


SCALE = 2.0
WEIGHTS = flambeau.tensor([1.0, 2.0, 3.0])


def test_tensor_named_by_a_global_is_read_at_each_call():
    def fn(x):
        return x * WEIGHTS
    compiled = compile(fn)
    x = flambeau.ones(3)
    assert same(compiled(x), fn(x)) and same(compiled(x), fn(x))
    WEIGHTS.mul_(2)  # written outside the compiled call: the replay reads it as it is now
    try:
        assert same(compiled(x), fn(x))
    finally:
        WEIGHTS.div_(2)
    assert replays(compiled) == 1


def test_python_number_read_from_globals_is_guarded():
    global SCALE

    def fn(x):
        return x * SCALE
    compiled = compile(fn)
    x = flambeau.arange(3.0)
    assert same(compiled(x), x * 2.0) and same(compiled(x), x * 2.0)
    SCALE = 3.0
    try:
        assert same(compiled(x), x * 3.0)
    finally:
        SCALE = 2.0
    assert replays(compiled) == 2


def test_disable_and_decorator_forms():
    model = mlp()
    assert compile(model, disable=True) is model

    def fn(x):
        return x.exp() + 1
    assert compile(fn, disable=True) is fn

    @compile
    def plain(x):
        return x.exp() + 1

    @compile(fullgraph=True, mode="reduce-overhead")
    def with_args(x):
        return x.exp() + 1
    x = flambeau.arange(3.0)
    for f in (plain, with_args):
        assert same(f(x), fn(x)) and same(f(x), fn(x))
    with pytest.raises(RuntimeError, match="Unrecognized mode"):
        compile(fn, mode="fastest")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        compile(fn, mode="default", options={})


def _mse_data(rng):
    return (flambeau.tensor(rng.standard_normal((5, 6)).astype(np.float32)),
            flambeau.tensor(rng.standard_normal((5, 4)).astype(np.float32)))


def test_manual_update_and_kept_gradients_are_written_back():
    """Parameters written in place under no_grad, .grad set to None, and zero_grad(set_to_none=False) followed by
    accumulation: each replay leaves parameters and gradients as eager does."""
    def manual(model):
        def step(x, y):
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            with flambeau.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
                    p.grad = None
            return loss
        return step

    def kept(model, opt):
        def step(x, y):
            opt.zero_grad(set_to_none=False)
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step
    rng = np.random.default_rng(6)
    for build in (lambda m: manual(m), lambda m: kept(m, flambeau.optim.SGD(m.parameters(), lr=0.1))):
        model = mlp()
        ref = copy.deepcopy(model)
        compiled, eager = compile(build(model)), build(ref)
        for _ in range(4):
            x, y = _mse_data(rng)
            assert close(compiled(x, y), eager(x, y))
        for p, q in zip(model.parameters(), ref.parameters()):
            assert close(p, q) and (p.grad is None) == (q.grad is None)
            assert p.grad is None or close(p.grad, q.grad)
        assert replays(compiled) >= 1


def test_compiled_module_in_an_eager_training_loop():
    model = mlp()
    ref = copy.deepcopy(model)
    compiled = compile(model)
    opts = [flambeau.optim.Adam(m.parameters(), lr=0.05) for m in (model, ref)]
    rng = np.random.default_rng(7)
    for _ in range(4):
        x, y = _mse_data(rng)
        for m, opt in zip((compiled, ref), opts):
            opt.zero_grad()
            nn.functional.mse_loss(m(x), y).backward()
            opt.step()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert close(p, q)


def test_module_hooks_run_eagerly():
    model = mlp()
    seen = []
    model[0].register_forward_hook(lambda module, args, out: seen.append(out.shape))
    compiled = compile(model)
    x, _ = data(np.random.default_rng(12))
    with pytest.warns(UserWarning, match="hooks"):
        compiled(x)
    compiled(x)
    assert len(seen) == 2 and replays(compiled) == 0


def test_batch_norm_in_training_is_captured():
    """Training-mode batch norm replays: its statistics come out of the dispatch (ops/norm.py's Statistic), so
    the running statistics' update is recorded and written back; every value is eager's."""
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8))
    ref = copy.deepcopy(model)
    compiled = compile(model)
    rng = np.random.default_rng(8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            x, _ = _mse_data(rng)
            assert same(compiled(x), ref(x))
    assert replays(compiled) == 1
    for k, v in model.state_dict().items():  # the running statistics moved as eager's did
        assert same(v, ref.state_dict()[k]), k


def test_cnn_with_batch_norm_training_step_equals_eager():
    flambeau.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 5),
                          nn.BatchNorm1d(5))
    ref = copy.deepcopy(model)
    opt, ref_opt = (flambeau.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in (model, ref))
    compiled = compile(_train_step(model, opt, nn.CrossEntropyLoss()))
    eager = _train_step(ref, ref_opt, nn.CrossEntropyLoss())
    rng = np.random.default_rng(9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            x = flambeau.tensor(rng.standard_normal((6, 3, 8, 8)).astype(np.float32))
            y = flambeau.tensor(rng.integers(0, 5, 6))
            assert close(compiled(x, y), eager(x, y))
    assert 1 <= replays(compiled) <= 2
    for k, v in model.state_dict().items():  # weights, running statistics and num_batches_tracked
        assert close(v, ref.state_dict()[k]), k


class _Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(6, 4)
        self.scale = 2.0

    def forward(self, x):
        return self.linear(x) * self.scale


def test_module_attributes_and_parameters_are_guarded():
    model = _Scaled()
    compiled = compile(model)
    x, _ = data(np.random.default_rng(9))
    with flambeau.no_grad():
        assert same(compiled(x), model(x)) and same(compiled(x), model(x))
        model.scale = 0.5
        assert same(compiled(x), model(x))
        model.linear.weight = nn.Parameter(flambeau.ones(4, 6))  # another parameter object, same shape
        assert same(compiled(x), model(x))
    assert replays(compiled) == 3


def test_reassigned_global_optimizer_and_replaced_parameter_capture_again():
    global _MODEL, _OPT
    _MODEL = mlp()
    ref = copy.deepcopy(_MODEL)
    _OPT = flambeau.optim.SGD(_MODEL.parameters(), lr=0.1)
    ref_opt = flambeau.optim.SGD(ref.parameters(), lr=0.1)

    def step(x, y):
        _OPT.zero_grad()
        loss = nn.functional.cross_entropy(_MODEL(x), y)
        loss.backward()
        _OPT.step()
        return loss
    compiled, eager = compile(step), _train_step(ref, ref_opt, nn.CrossEntropyLoss())
    rng = np.random.default_rng(10)
    for i in range(7):
        if i in (2, 4):  # new optimizers (another lr); then also a new bias object in both models
            if i == 4:
                _MODEL[2].bias = nn.Parameter(flambeau.zeros(4))
                ref[2].bias = nn.Parameter(flambeau.zeros(4))
            _OPT = flambeau.optim.SGD(_MODEL.parameters(), lr={2: 0.3, 4: 0.2}[i])
            ref_opt = flambeau.optim.SGD(ref.parameters(), lr={2: 0.3, 4: 0.2}[i])
            eager = _train_step(ref, ref_opt, nn.CrossEntropyLoss())
        x, y = data(rng)
        assert close(compiled(x, y), eager(x, y))
    for p, q in zip(_MODEL.parameters(), ref.parameters()):
        assert close(p, q)


def test_transforms_and_observers_see_eager_ops():
    """vmap transforms the ops a call dispatches, the profiler records them: a replay would bypass both."""
    from flambeau.func import vmap

    def fn(x):
        return x.sum() * 2
    compiled = compile(fn)
    x = flambeau.arange(6.0).reshape(2, 3)
    assert same(compiled(x[0]), fn(x[0])) and same(compiled(x[0]), fn(x[0]))  # captured, replayed
    assert same(vmap(compiled)(x), vmap(fn)(x))
    with flambeau.profiler.profile() as prof:
        compiled(x[0])
    assert any("Sum" in e.name or "sum" in e.name for e in prof.events())


def test_layer_norm_and_attention_training_step_equals_eager():
    """Primitives whose forward fills a list their backward reads (layer norm's statistics, attention's
    probabilities) and fast-path backwards (GELU's) replay as eager runs them."""
    flambeau.manual_seed(0)
    model = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, activation="gelu")
    ref = copy.deepcopy(model)
    opts = [flambeau.optim.AdamW(m.parameters(), lr=0.01) for m in (model, ref)]

    def make(m, opt):
        def step(x):
            opt.zero_grad()
            loss = m(x).square().mean()
            loss.backward()
            opt.step()
            return loss
        return step
    compiled, eager = compile(make(model, opts[0])), make(ref, opts[1])
    rng = np.random.default_rng(11)
    for _ in range(4):
        x = flambeau.tensor(rng.standard_normal((2, 3, 8)).astype(np.float32))
        assert close(compiled(x), eager(x))
    for p, q in zip(model.parameters(), ref.parameters()):
        assert close(p, q)
    assert replays(compiled) >= 1


def test_two_optimizer_steps_in_one_call():
    """A GAN step: the discriminator steps, then the generator's loss reads the updated discriminator (its
    parameters are read again after its optimizer's step) and adds to its gradients."""
    flambeau.manual_seed(0)
    gen = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 6))
    disc = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 1))
    copies = copy.deepcopy((gen, disc))
    softplus = nn.functional.softplus

    def make(gen, disc):
        opt_g = flambeau.optim.Adam(gen.parameters(), lr=0.01)
        opt_d = flambeau.optim.SGD(disc.parameters(), lr=0.05, momentum=0.5)

        def step(z, real):
            opt_d.zero_grad()
            fake = gen(z)
            loss_d = softplus(-disc(real)).mean() + softplus(disc(fake.detach())).mean()
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            loss_g = softplus(-disc(fake)).mean()
            loss_g.backward()
            opt_g.step()
            return loss_d, loss_g
        return step
    compiled, eager = compile(make(gen, disc)), make(*copies)
    rng = np.random.default_rng(13)
    for _ in range(5):
        z = flambeau.tensor(rng.standard_normal((5, 4)).astype(np.float32))
        real = flambeau.tensor(rng.standard_normal((5, 6)).astype(np.float32))
        for a, b in zip(compiled(z, real), eager(z, real)):
            assert close(a, b)
    for m, ref in zip((gen, disc), copies):
        for p, q in zip(m.parameters(), ref.parameters()):
            assert close(p, q) and close(p.grad, q.grad)
    assert replays(compiled) >= 1
