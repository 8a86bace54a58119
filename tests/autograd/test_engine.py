"""The backward engine against PyTorch: backward/grad arguments, accumulation, hooks, errors, memory."""
import gc
import weakref

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check, check_raises, randn

LIBS = [torch, flambeau]


def both(fn):
    """Run fn(lib) with torch and flambeau and compare what they return."""
    assert_same(fn(torch), fn(flambeau))


def leaf(lib, a):
    return lib.tensor(a, requires_grad=True)


A, B = randn(3), randn(3)


@pytest.mark.parametrize("fn", [
    lambda t, x, y: x * y + x,                      # x feeds two consumers
    lambda t, x, y: (x * 2) * (x * 3) + y,          # diamond
    lambda t, x, y: ((x + y) * (x - y)).exp().sum(),
    lambda t, x, y: (x.reshape(3, 1) * y).sum(0),   # broadcast sum back
])
def test_gradients_match(fn):
    check(fn, randn(3), randn(3))


def test_accumulation_over_calls_and_retain_graph():
    def fn(t):
        x = leaf(t, A)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        (x * 3).sum().backward()
        return x.grad
    both(fn)


def test_backward_gradient_and_create_graph():
    def fn(t):
        x = leaf(t, A)
        y = x * x * x
        y.backward(t.tensor(B), create_graph=True)
        g = x.grad
        x.grad = None
        g.sum().backward()
        return g, x.grad, g.requires_grad
    both(fn)


def test_backward_inputs():
    def fn(t):
        x, w = leaf(t, A), leaf(t, B)
        h = x * w
        y = (h * h).sum()
        y.backward(inputs=[h, w], retain_graph=True)
        return h.grad, w.grad, x.grad is None
    both(fn)


def test_autograd_backward_several_roots():
    def fn(t):
        x = leaf(t, A)
        t.autograd.backward([x * 2, (x * x).sum()], [t.tensor(B), None])
        return x.grad
    both(fn)


def test_grad_options():
    def fn(t):
        x, w, u = leaf(t, A), leaf(t, B), leaf(t, A)
        y = (x * w).sum()
        gx, gw, gu = t.autograd.grad(y, [x, w, u], allow_unused=True, retain_graph=True)
        m = t.autograd.grad(y, [x, u], materialize_grads=True)
        g2, = t.autograd.grad((x * x * x).sum(), x, create_graph=True)
        return gx, gw, gu is None, m, g2, g2.requires_grad, x.grad is None
    both(fn)


def test_grad_of_non_leaf_keeps_upstream_graph():
    def fn(t):
        x = leaf(t, A)
        h = x * 2
        g, = t.autograd.grad((h * h).sum(), h)
        (h * 3).sum().backward()   # h's own history was neither run nor freed by grad()
        return g, x.grad
    both(fn)


def test_grad_outputs_cast_to_output_dtype():
    def fn(t):
        x = leaf(t, A.astype(np.float32))
        return t.autograd.grad(x * 2, x, t.ones(3, dtype=t.float64))
    both(fn)


def test_grad_fn_names_and_next_functions():
    for lib in LIBS:
        x = leaf(lib, A)
        y = (x * 2 + x).exp().sum()
        names = []
        node = y.grad_fn
        while node is not None and type(node).__name__ != "AccumulateGrad":
            names.append(node.name())
            node = node.next_functions[0][0]
        assert names == ["SumBackward0", "ExpBackward0", "AddBackward0", "MulBackward0"], (lib.__name__, names)
        assert type(node).__name__ == "AccumulateGrad" and node.variable is x
        mul = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
        assert mul.next_functions[1] == (None, 0)


def test_tensor_hooks_modify_grads_and_order():
    def fn(t):
        x = leaf(t, A)
        order = []
        x.register_hook(lambda g: order.append("leaf") or g * 2)
        y = x * 3
        y.grad_fn.register_prehook(lambda gs: order.append("node_pre"))
        y.register_hook(lambda g: order.append("tensor1") or g + 1)
        handle = y.register_hook(lambda g: order.append("removed"))
        handle.remove()
        y.register_hook(lambda g: order.append("tensor2") or g * 10)
        y.grad_fn.register_hook(lambda gi, go: order.append("node_post"))
        x.register_post_accumulate_grad_hook(lambda p: order.append("post_acc"))
        y.sum().backward()
        return x.grad, order
    both(fn)


def test_retain_grad():
    def fn(t):
        x = leaf(t, A)
        y = x * 2
        y.retain_grad()
        (y * y).sum().backward()
        return y.grad, y.retains_grad, x.grad
    both(fn)


def test_node_hook_replaces_grad_inputs():
    def fn(t):
        x = leaf(t, A)
        y = x * 3
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 1, gi[1]))
        y.sum().backward()
        return x.grad
    both(fn)


def test_deep_chain_no_recursion():
    def fn(t):
        x = leaf(t, A)
        y = x
        for _ in range(10000):
            y = y * 1.0001
        y.sum().backward()
        return x.grad
    both(fn)


def test_saved_tensors_freed_after_backward():
    x = flambeau.tensor(A, requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    mul = y.grad_fn.next_functions[0][0]
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert ref() is not None  # the graph keeps h for backward
    y.backward()
    gc.collect()
    assert ref() is None and mul.saved is None


def test_retain_graph_keeps_saved_tensors():
    x = flambeau.tensor(A, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert y.grad_fn.next_functions[0][0].saved is not None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * A)


@pytest.mark.parametrize("fn", [
    lambda t, x: [(y := (x * x).sum()).backward(), y.backward()],            # second backward
    lambda t, x: (x * 2).backward(),                                          # non-scalar, no gradient
    lambda t, x: t.autograd.grad((x * 2).sum(), x.detach()),                  # does not require grad
    lambda t, x: t.autograd.grad((x * 2).sum(), [x, x.detach().requires_grad_()]),  # unused input
    lambda t, x: t.autograd.grad(x.detach().sum(), x),                        # output without grad_fn
    lambda t, x: t.autograd.grad(x * 2, x, t.ones(4, dtype=x.dtype)),         # grad_output shape
    lambda t, x: t.autograd.backward((x * 2).sum(), inputs=[]),
    lambda t, x: t.autograd.grad(x.sum(), x, materialize_grads=True, allow_unused=False),
    lambda t, x: (x * 2).backward(t.ones(4)),                                 # gradient of the wrong shape
    lambda t, x: x.float() @ t.ones(3, dtype=t.float64),                      # dtype mismatch
    lambda t, x: t.ones(3, dtype=t.int64).requires_grad_(),                   # integer tensors have no grad
])
def test_errors(fn):
    def run(t, a):
        return fn(t, a.detach().requires_grad_())
    check_raises(run, randn(3))


def _wrong_backward(t):
    class Wrong(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3
    return Wrong.apply


@pytest.mark.parametrize("call", [
    lambda t, x: t.autograd.gradcheck(_wrong_backward(t), (x,)),                    # Jacobian mismatch
    lambda t, x: t.autograd.gradcheck(lambda a: a * 2, (x.detach(),)),              # nothing requires grad
    lambda t, x: t.autograd.gradcheck(lambda a: a.detach() * 3, (x,)),              # undetected dependence
    lambda t, x: t.autograd.gradgradcheck(lambda a: _wrong_backward(t)(a) * a, (x,)),
])
def test_gradcheck_failures(call):
    check_raises(lambda t, a: call(t, a.requires_grad_()), randn(3))


def test_gradcheck_results():
    def fn(t):
        x = t.tensor(randn(2, 3)).t().requires_grad_()  # a non-contiguous input
        ok = t.autograd.gradcheck(lambda a: (a * a).exp(), (x,))
        bad = t.autograd.gradcheck(_wrong_backward(t), (x,), raise_exception=False)
        gg = t.autograd.gradgradcheck(lambda a: (a * a).exp(), (x,), gen_non_contig_grad_outputs=True)
        return ok, bad, gg
    both(fn)


def test_gradient_dtypes_are_cast_like_torch():
    """backward with an integer or bool gradient (torch casts it) gives the same leaf gradient."""
    import torch
    import flambeau
    for dtype in ("int64", "bool", "float64"):
        grads = []
        for lib in (torch, flambeau):
            x = lib.ones(3, requires_grad=True)
            (x * 2).backward(lib.ones(3, dtype=getattr(lib, dtype)))
            grads.append((x.grad.tolist(), str(x.grad.dtype)))
        assert grads[0] == (grads[1][0], grads[1][1]), dtype
