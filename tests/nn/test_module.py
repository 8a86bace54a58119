"""nn.Module against PyTorch: registration, traversal, state_dict, load_state_dict, hooks, conversion, errors."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import flambeau
from flambeau.nn.modules.module import ModuleInputError
from oracle import randn, to_numpy

LIBS = (torch, flambeau)


def same_error(fn):
    """fn(lib) raises the same exception type with the same message in both libraries."""
    results = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib)
        results.append(info.value)
    t_exc, f_exc = results
    assert type(f_exc).__name__ == type(t_exc).__name__, (t_exc, f_exc)
    assert str(f_exc) == str(t_exc)


def net(lib):
    """A module with parameters, persistent and non-persistent buffers, nested and shared children."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(lib.ones(3, 2))
            self.register_buffer("running", lib.zeros(3))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
            self.unset = None

        def forward(self, x):
            return x @ self.w.t() + self.running

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = Block()
            self.body = nn.Sequential(nn.Identity(), Block())
            self.shared = self.first
            self.bias = nn.Parameter(lib.full((3,), 0.5))
            self.register_parameter("empty", None)
            self.register_buffer("count", lib.tensor(7))

        def forward(self, x):
            return self.body(self.first(x).sum(-1, keepdim=True).expand(-1, 2)) + self.bias

    return Net()


def names(items):
    return [n for n, _ in items]


def test_traversal_matches_torch():
    t, f = net(torch), net(flambeau)
    assert names(f.named_parameters()) == names(t.named_parameters())
    assert names(f.named_parameters(prefix="m", recurse=False)) == names(t.named_parameters(prefix="m", recurse=False))
    assert names(f.named_parameters(remove_duplicate=False)) == names(t.named_parameters(remove_duplicate=False))
    assert names(f.named_buffers()) == names(t.named_buffers())
    assert names(f.named_children()) == names(t.named_children())
    assert names(f.named_modules()) == names(t.named_modules())
    assert names(f.named_modules(remove_duplicate=False)) == names(t.named_modules(remove_duplicate=False))
    assert names(f.named_modules(prefix="root")) == names(t.named_modules(prefix="root"))
    assert len(list(f.parameters())) == len(list(t.parameters()))
    assert len(list(f.modules())) == len(list(t.modules()))
    assert all(isinstance(p, flambeau.nn.Parameter) and isinstance(p, flambeau.Tensor) for p in f.parameters())
    assert f.get_submodule("body.1") is f.body[1]
    assert f.get_parameter("body.1.w") is f.body[1].w
    assert f.get_buffer("first.running") is f.first.running
    for target in ("body.5", "first.w.x", "nothing"):
        same_error(lambda lib: net(lib).get_submodule(target))
    same_error(lambda lib: net(lib).get_parameter("first.running"))
    same_error(lambda lib: net(lib).get_buffer("first.w"))
    same_error(lambda lib: net(lib).get_parameter("first.nothing"))
    assert sorted(set(dir(f)) & {"first", "body", "bias", "count", "forward", "training"}) == \
        sorted(set(dir(t)) & {"first", "body", "bias", "count", "forward", "training"})


def test_state_dict_keys_values_order_and_metadata():
    t, f = net(torch), net(flambeau)
    ts, fs = t.state_dict(), f.state_dict()
    assert list(fs) == list(ts)
    assert type(fs).__name__ == "OrderedDict"
    assert fs._metadata == ts._metadata
    for k in ts:
        np.testing.assert_array_equal(to_numpy(fs[k]), to_numpy(ts[k]))
        assert not fs[k].requires_grad
    assert list(f.state_dict(prefix="model.")) == list(t.state_dict(prefix="model."))
    kept = f.state_dict(keep_vars=True)
    assert kept["bias"] is f.bias and kept["first.running"] is f.first.running
    assert fs["bias"].data_ptr() == f.bias.data_ptr()  # detached, not copied


def test_load_state_dict_strict_and_results():
    t, f = net(torch), net(flambeau)
    for mod in (t, f):
        with (torch if mod is t else flambeau).no_grad():
            for p in mod.parameters():
                p.mul_(0)
    state = {k: to_numpy(v) + 1.5 for k, v in net(torch).state_dict().items()}
    tr = t.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    fr = f.load_state_dict({k: flambeau.tensor(v) for k, v in state.items()})
    assert repr(fr) == repr(tr) == "<All keys matched successfully>"
    for (k, a), (_, b) in zip(t.state_dict().items(), f.state_dict().items()):
        np.testing.assert_array_equal(to_numpy(b), to_numpy(a), err_msg=k)
    assert isinstance(f.bias, flambeau.nn.Parameter) and f.bias.requires_grad

    partial = {k: v for k, v in state.items() if k != "bias"}
    partial["extra.weight"] = np.zeros(2)
    tr = t.load_state_dict({k: torch.tensor(v) for k, v in partial.items()}, strict=False)
    fr = f.load_state_dict({k: flambeau.tensor(v) for k, v in partial.items()}, strict=False)
    assert fr == tr and repr(fr) == repr(tr)
    assert fr.missing_keys == ["bias"] and fr.unexpected_keys == ["extra.weight"]


def test_load_state_dict_errors_list_every_problem():
    def bad(lib):
        state = net(lib).state_dict()
        state["first.w"] = lib.zeros(2, 3)
        state["body.1.running"] = lib.zeros(4)
        state["stray"] = lib.zeros(1)
        del state["bias"]
        net(lib).load_state_dict(state)
    same_error(bad)
    same_error(lambda lib: net(lib).load_state_dict([1, 2]))
    same_error(lambda lib: net(lib).load_state_dict({**net(lib).state_dict(), "bias": 3.0}))


def test_load_state_dict_assign_and_scalar_from_vector():
    f = net(flambeau)
    new = {k: v.clone() + 1 for k, v in f.state_dict().items()}
    new["count"] = flambeau.tensor([9])  # a one-element vector loads into a 0-d buffer, as in torch
    f.load_state_dict(new, assign=True)
    assert f.bias.data_ptr() == new["bias"].data_ptr() and isinstance(f.bias, flambeau.nn.Parameter)
    assert f.bias.requires_grad
    assert f.count.item() == 9


def test_copy_state_between_libraries_gives_same_forward():
    t, f = net(torch), net(flambeau)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn(p.shape))
    f.load_state_dict({k: flambeau.tensor(to_numpy(v)) for k, v in t.state_dict().items()})
    x = randn(4, 2).astype(np.float32)
    np.testing.assert_allclose(to_numpy(f(flambeau.tensor(x))), to_numpy(t(torch.tensor(x))), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["param_name_dot", "param_name_empty", "param_exists", "param_not_param",
                                  "param_name_type", "buffer_name_dot", "buffer_name_empty", "buffer_exists",
                                  "buffer_not_tensor", "buffer_name_type", "module_not_module", "module_name_dot",
                                  "module_exists", "module_name_empty", "assign_tensor_to_param",
                                  "assign_int_to_module", "assign_str_to_buffer", "before_init", "missing_attr",
                                  "non_leaf_param", "init_kwargs", "init_args", "train_not_bool", "no_forward"])
def test_registration_errors_match_torch(case):
    def run(lib):
        nn = lib.nn
        m = nn.Module()
        m.child = nn.Identity()
        m.p = nn.Parameter(lib.zeros(1))
        m.register_buffer("b", lib.zeros(1))
        m.plain = 3
        if case == "param_name_dot":
            m.register_parameter("a.b", None)
        elif case == "param_name_empty":
            m.register_parameter("", None)
        elif case == "param_exists":
            m.register_parameter("plain", None)
        elif case == "param_not_param":
            m.register_parameter("q", lib.zeros(1))
        elif case == "param_name_type":
            m.register_parameter(3, None)
        elif case == "buffer_name_dot":
            m.register_buffer("a.b", None)
        elif case == "buffer_name_empty":
            m.register_buffer("", None)
        elif case == "buffer_exists":
            m.register_buffer("p", lib.zeros(1))
        elif case == "buffer_not_tensor":
            m.register_buffer("c", [1])
        elif case == "buffer_name_type":
            m.register_buffer(1.5, None)
        elif case == "module_not_module":
            m.add_module("x", 3)
        elif case == "module_name_dot":
            m.add_module("x.y", nn.Identity())
        elif case == "module_exists":
            m.add_module("p", nn.Identity())
        elif case == "module_name_empty":
            m.add_module("", nn.Identity())
        elif case == "assign_tensor_to_param":
            m.p = lib.zeros(1)
        elif case == "assign_int_to_module":
            m.child = 3
        elif case == "assign_str_to_buffer":
            m.b = "x"
        elif case == "before_init":
            class Early(nn.Module):
                def __init__(self):
                    self.w = nn.Parameter(lib.zeros(1))
            Early()
        elif case == "missing_attr":
            m.nothing_here
        elif case == "non_leaf_param":
            m.register_parameter("r", lib.zeros(2, requires_grad=True) * 2)
        elif case == "init_kwargs":
            nn.Module(foo=1)
        elif case == "init_args":
            nn.Module(1)
        elif case == "train_not_bool":
            m.train("yes")
        elif case == "no_forward":
            m(lib.zeros(1))
    same_error(run)


def test_attribute_protocol():
    for lib in LIBS:
        nn = lib.nn
        m = nn.Module()
        m.w = nn.Parameter(lib.zeros(2))
        m.register_buffer("b", lib.ones(2), persistent=False)
        m.b = lib.full((2,), 3.0)  # stays a non-persistent buffer
        assert "b" in m._buffers and "b" not in m.state_dict()
        m.w = None
        assert m.w is None and "w" in m._parameters
        m.w = nn.Parameter(lib.zeros(3))
        del m.w
        assert "w" not in m._parameters and not hasattr(m, "w")
        m.c = nn.Buffer(lib.zeros(1), persistent=False)
        assert "c" in m._buffers and "c" not in m.state_dict()
        m.sub = nn.Identity()
        m.sub = None
        assert m.sub is None and list(m.children()) == []
        m.x = nn.Identity()
        m.x = nn.Parameter(lib.zeros(1))  # re-assigning moves the name across kinds
        assert "x" not in m._modules and "x" in m._parameters


def test_parameter_behaves_like_tensor():
    data = flambeau.randn(2, 3)
    p = flambeau.nn.Parameter(data)
    assert isinstance(p, flambeau.Tensor) and p.requires_grad and p.is_leaf
    assert p.data_ptr() == data.data_ptr()
    with flambeau.no_grad():
        data.add_(1)
    assert p._version == data._version  # shared version counter
    assert flambeau.nn.Parameter(flambeau.zeros(1), requires_grad=False).requires_grad is False
    assert flambeau.nn.Parameter().shape == (0,)
    t = torch.nn.Parameter(torch.tensor([[1.0, 2.0]]))
    f = flambeau.nn.Parameter(flambeau.tensor([[1.0, 2.0]]))
    assert repr(f) == repr(t)
    (f * 2).sum().backward()
    assert f.grad.tolist() == [[2.0, 2.0]]
    c = copy.deepcopy(f)
    assert type(c) is flambeau.nn.Parameter and c.data_ptr() != f.data_ptr() and c.requires_grad
    r = pickle.loads(pickle.dumps(f))
    assert type(r) is flambeau.nn.Parameter and r.tolist() == f.tolist() and r.requires_grad
    same_error(lambda lib: lib.nn.Parameter(lib.zeros(2, dtype=lib.int64)))
    u = flambeau.nn.UninitializedParameter()
    assert repr(u) == repr(torch.nn.UninitializedParameter()) == "<UninitializedParameter>"
    u.materialize((2, 3))
    assert type(u) is flambeau.nn.Parameter and u.shape == (2, 3) and u.requires_grad


def test_modes_gradients_and_apply():
    f = net(flambeau)
    assert f.training and f.body[1].training
    assert f.eval() is f and not f.body[1].training and not f.first.training
    f.train()
    assert f.body[0].training
    f.requires_grad_(False)
    assert not any(p.requires_grad for p in f.parameters())
    f.requires_grad_()
    f(flambeau.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in f.parameters())
    f.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in f.parameters())
    f.zero_grad()
    assert all(p.grad is None for p in f.parameters())
    seen = []
    f.apply(lambda m: seen.append(type(m).__name__))
    t_seen = []
    net(torch).apply(lambda m: t_seen.append(type(m).__name__))
    assert seen == t_seen
    assert f.share_memory() is f


def test_dtype_conversion_keeps_parameter_identity():
    f = net(flambeau)
    w = f.first.w
    f(flambeau.randn(4, 2)).sum().backward()
    assert f.double() is f
    assert f.first.w is w and w.dtype == flambeau.float64 and w.grad.dtype == flambeau.float64
    assert f.count.dtype == flambeau.int64  # integer buffers are left alone
    assert f.first.running.dtype == flambeau.float64
    f.float()
    assert w.dtype == flambeau.float32
    f.to(flambeau.float64)
    assert w.dtype == flambeau.float64 and f.count.dtype == flambeau.int64
    f.to("cpu", flambeau.float32)
    f.to(flambeau.zeros(1, dtype=flambeau.float64))
    assert w.dtype == flambeau.float64
    f.half()
    assert w.dtype == flambeau.float16
    f.bfloat16()
    assert w.dtype == flambeau.bfloat16
    f.cpu()
    f.type(flambeau.float32)
    assert w.dtype == flambeau.float32
    same_error(lambda lib: lib.nn.Linear(2, 2).to(lib.int32))


def test_forward_hooks_order_arguments_and_removal():
    calls = {lib: [] for lib in LIBS}
    outs = {}
    for lib in LIBS:
        log = calls[lib]
        m = lib.nn.Linear(2, 3)

        def pre(mod, args, log=log):
            log.append(("pre", len(args)))
            return (args[0] * 2,)

        def pre_kw(mod, args, kwargs, log=log):
            log.append(("pre_kw", sorted(kwargs)))
            return args, kwargs

        def post(mod, args, out, log=log):
            log.append(("post", tuple(out.shape)))
            return out + 1

        def post_kw(mod, args, kwargs, out, log=log):
            log.append(("post_kw", sorted(kwargs)))

        h1 = m.register_forward_pre_hook(pre)
        m.register_forward_pre_hook(pre_kw, with_kwargs=True, prepend=True)
        h3 = m.register_forward_hook(post)
        m.register_forward_hook(post_kw, with_kwargs=True, prepend=True)
        with lib.no_grad():
            m.weight[...] = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
            m.bias[...] = 0
        outs[lib] = m(lib.ones(1, 2))
        h1.remove()
        h3.remove()
        h3.remove()
        outs[lib, "after"] = m(lib.ones(1, 2))
    assert calls[flambeau] == calls[torch]
    np.testing.assert_allclose(to_numpy(outs[flambeau]), to_numpy(outs[torch]))
    np.testing.assert_allclose(to_numpy(outs[flambeau, "after"]), to_numpy(outs[torch, "after"]))


def test_full_backward_hooks_see_torch_gradients():
    x0, w0 = randn(4, 3), randn(2, 3)
    grads = {}
    for lib in LIBS:
        log = grads[lib] = []

        class Scale(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = lib.nn.Parameter(lib.tensor(w0))

            def forward(self, x, y, flag):
                return (x @ self.w.t()) * y, x.sum()

        m = Scale()
        m.register_full_backward_pre_hook(lambda mod, go, log=log: log.append(("pre", [to_numpy(g) for g in go])))

        def hook(mod, gi, go, log=log):
            log.append(("hook", [None if g is None else to_numpy(g) for g in gi], [to_numpy(g) for g in go]))
            return (gi[0] * 10,) + gi[1:]

        m.register_full_backward_hook(hook)
        x = lib.tensor(x0, requires_grad=True)
        y = lib.tensor(2.0)
        a, b = m(x, y, "flag")
        (a.sum() * 3 + b * 5).backward()
        log.append(("x.grad", to_numpy(x.grad)))
        log.append(("w.grad", to_numpy(m.w.grad)))
    for t_entry, f_entry in zip(grads[torch], grads[flambeau], strict=True):
        assert t_entry[0] == f_entry[0]
        for a, b in zip(flatten(t_entry[1:]), flatten(f_entry[1:]), strict=True):
            if a is None:
                assert b is None
            else:
                np.testing.assert_allclose(b, a, rtol=1e-10)


def flatten(entries) -> list:
    return [a for e in entries for a in (e if isinstance(e, list) else [e])]


def test_backward_hook_without_input_grad():
    for lib in LIBS:
        seen = []
        m = lib.nn.Linear(3, 2)
        m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, tuple(go[0].shape))))
        with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed with "
                                             "respect to module outputs since no inputs require gradients"):
            m(lib.ones(4, 3)).sum().backward()
        assert seen == [((None,), (4, 2))]


def test_module_input_error_names_the_path():
    layer = flambeau.nn.Linear(8, 4)

    class Odd(flambeau.nn.Module):
        def forward(self, x):
            if x.shape[-1] != 8:
                raise ModuleInputError(self, f"expected input with last dimension 8, got shape {tuple(x.shape)}")
            return x

    model = flambeau.nn.Sequential(flambeau.nn.Identity(),
                                   flambeau.nn.Sequential(flambeau.nn.Identity(), Odd()), layer)
    with pytest.raises(ModuleInputError) as info:
        model(flambeau.zeros(2, 5))
    assert str(info.value) == "1.1 (Odd()) expected input with last dimension 8, got shape (2, 5)"
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(ModuleInputError) as info:
        model[1](flambeau.zeros(2, 5))
    assert str(info.value) == "1 (Odd()) expected input with last dimension 8, got shape (2, 5)"
    with pytest.raises(ModuleInputError) as info:
        model[1][1](flambeau.zeros(2, 5))
    assert str(info.value) == "Odd() expected input with last dimension 8, got shape (2, 5)"
    model[1][1].register_forward_hook(lambda *a: None)  # the hooked path rewrites the message too
    with pytest.raises(ModuleInputError) as info:
        model(flambeau.zeros(2, 5))
    assert str(info.value).startswith("1.1 (Odd()) expected")


class Pair(flambeau.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = flambeau.nn.Linear(2, 2)
        self.b = self.a
        self.register_buffer("steps", flambeau.tensor(3))


def test_deepcopy_and_pickle_of_a_module():
    f = net(flambeau)
    c = copy.deepcopy(f)
    assert c.shared is c.first and c.first.w is not f.first.w
    assert list(c.state_dict()) == list(f.state_dict())
    p = Pair()
    r = pickle.loads(pickle.dumps(p))
    assert r.b is r.a and isinstance(r.a.weight, flambeau.nn.Parameter) and r.steps.item() == 3
    np.testing.assert_array_equal(to_numpy(r.a.weight), to_numpy(p.a.weight))


def test_state_dict_hooks_and_extra_state():
    for lib in LIBS:
        class WithExtra(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.value = 1

            def get_extra_state(self):
                return {"value": self.value}

            def set_extra_state(self, state):
                self.value = state["value"]

        outer = lib.nn.Sequential(WithExtra())
        sd = outer.state_dict()
        assert list(sd) == ["0._extra_state"]
        sd["0._extra_state"] = {"value": 5}
        outer.load_state_dict(sd)
        assert outer[0].value == 5
        seen = []
        outer.register_load_state_dict_post_hook(lambda m, keys: seen.append(list(keys.missing_keys)))
        outer.load_state_dict({}, strict=False)
        assert seen == [["0._extra_state"]]


def test_backward_hooks_unused_output_and_input_without_gradient():
    logs = {}
    for lib in LIBS:
        log = logs[lib] = []

        class Two(lib.nn.Module):
            def forward(self, x, z, y):
                return x * 2, x * 3 + z

        m = Two()
        m.register_full_backward_pre_hook(lambda mod, go, log=log: log.append([None if g is None else to_numpy(g)
                                                                                 for g in go]))
        m.register_full_backward_hook(lambda mod, gi, go, log=log: log.append([None if g is None else to_numpy(g)
                                                                               for g in gi + go]))
        a, _ = m(lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True), lib.tensor(2.0))
        a.sum().backward()
    assert len(logs[torch]) == len(logs[flambeau]) == 2
    for t_list, f_list in zip(logs[torch], logs[flambeau]):
        assert [a is None for a in t_list] == [b is None for b in f_list]
        for a, b in zip(t_list, f_list):
            if a is not None:
                np.testing.assert_array_equal(b, a)
