"""autograd.Function against PyTorch: ctx API, multiple outputs, in-place, double backward, errors."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, check_raises, randn

A, B = randn(3), randn(3)


def both(fn):
    assert_same(fn(torch), fn(flambeau))


def functions(t):
    """The same custom Functions defined on each library."""

    class ScaledMul(t.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.save_for_backward(a, b)
            ctx.k = k
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g * b * ctx.k if ctx.needs_input_grad[0] else None
            gb = g * a * ctx.k if ctx.needs_input_grad[1] else None
            return ga, gb, None

    class Cube(t.autograd.Function):  # setup_context style, differentiable backward
        @staticmethod
        def forward(a):
            return a * a * a

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            a, = ctx.saved_tensors
            return g * 3 * a * a

    class Split(t.autograd.Function):  # two outputs, one non-differentiable
        @staticmethod
        def forward(ctx, a):
            twice, mask = a * 2, a > 0
            ctx.mark_non_differentiable(mask)
            return twice, a.exp(), mask

        @staticmethod
        def backward(ctx, g_twice, g_exp, g_mask):
            return g_twice * 2 + g_exp

    class NoMaterialize(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(False)
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return (g1 * 2 if g1 is not None else 0 * g2) + (g2 * 3 if g2 is not None else 0)

    class InplaceDouble(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2)
            ctx.mark_dirty(a)
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Identity(t.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 5

    return ScaledMul, Cube, Split, NoMaterialize, InplaceDouble, Identity


FNS = {lib: functions(lib) for lib in (torch, flambeau)}


def test_save_for_backward_and_non_tensor_args():
    def fn(t):
        ScaledMul = FNS[t][0]
        x, y = t.tensor(A, requires_grad=True), t.tensor(B, requires_grad=True)
        out = ScaledMul.apply(x, y, 2.5)
        out.sum().backward()
        return out, x.grad, y.grad, type(out.grad_fn).__name__, len(out.grad_fn.next_functions)
    both(fn)


def test_needs_input_grad():
    def fn(t):
        seen = []

        class Probe(t.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k):
                seen.append(ctx.needs_input_grad)
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g, g, None
        x, y = t.tensor(A, requires_grad=True), t.tensor(B)
        Probe.apply(x, y, 1)
        with t.no_grad():
            r = Probe.apply(x, y, 1)
        return seen, r.requires_grad
    both(fn)


def test_setup_context_and_double_backward():
    def fn(t):
        Cube = FNS[t][1]
        x = t.tensor(A, requires_grad=True)
        g, = t.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        gg, = t.autograd.grad(g.sum(), x)
        return g, gg
    both(fn)


def test_gradcheck_on_functions():
    ScaledMul, Cube = FNS[flambeau][:2]
    x = flambeau.tensor(A, requires_grad=True)
    y = flambeau.tensor(B, requires_grad=True)
    assert flambeau.autograd.gradcheck(lambda a, b: ScaledMul.apply(a, b, 1.5), (x, y))
    assert flambeau.autograd.gradgradcheck(Cube.apply, (x,))


def test_multiple_outputs_and_non_differentiable():
    def fn(t):
        Split = FNS[t][2]
        x = t.tensor(A, requires_grad=True)
        twice, e, mask = Split.apply(x)
        (twice.sum() + e.sum()).backward()
        grad_one = x.grad.clone()
        x.grad = None
        Split.apply(x)[0].sum().backward()  # the other outputs' grads are materialized as zeros
        return twice, e, mask, mask.requires_grad, twice.output_nr, \
            e.output_nr, grad_one, x.grad
    both(fn)


def test_set_materialize_grads_false():
    def fn(t):
        NoMaterialize = FNS[t][3]
        x = t.tensor(A, requires_grad=True)
        NoMaterialize.apply(x)[1].sum().backward()
        return x.grad
    both(fn)


def test_mark_dirty():
    def fn(t):
        InplaceDouble = FNS[t][4]
        x = t.tensor(A, requires_grad=True)
        z = x * 1
        out = InplaceDouble.apply(z)
        (out * out).sum().backward()
        return out is z, z._version, type(z.grad_fn).__name__, x.grad
    both(fn)


def test_mark_dirty_on_leaf_raises():
    def fn(t, a):
        return FNS[t][4].apply(a.requires_grad_())
    check_raises(fn, randn(3))


def test_input_returned_as_is_is_an_alias():
    def fn(t):
        Identity = FNS[t][5]
        x = t.tensor(A, requires_grad=True)
        out = Identity.apply(x)
        out.sum().backward()
        return out is x, out.is_leaf, x.grad
    both(fn)


def test_saved_tensor_modified_raises():
    def fn(t, a):
        z = a.requires_grad_() * 1
        out = FNS[t][0].apply(z, z, 1.0)
        z.add_(1)
        out.sum().backward()
    check_raises(fn, randn(3))


def test_backward_twice_frees_saved_tensors():
    def fn(t, a):
        out = FNS[t][0].apply(a.requires_grad_(), a, 1.0).sum()
        out.backward()
        out.backward()
    check_raises(fn, randn(3))


def bad_function(t, result):
    class Bad(t.autograd.Function):
        @staticmethod
        def forward(ctx, a, k):
            return a * k

        @staticmethod
        def backward(ctx, g):
            return result(t, g)
    return Bad


@pytest.mark.parametrize("result", [
    lambda t, g: g,                  # too few gradients
    lambda t, g: (g, g),             # a gradient for the non-tensor argument
    lambda t, g: (t.ones(4), None),  # wrong shape
])
def test_bad_backward_results(result):
    def fn(t, a):
        bad_function(t, result).apply(a.requires_grad_(), 2.0).sum().backward()
    check_raises(fn, randn(3))


def test_extra_trailing_none_gradients_are_allowed():
    def fn(t):
        x = t.tensor(A, requires_grad=True)
        bad_function(t, lambda lib, g: (g * 2, None, None)).apply(x, 2.0).sum().backward()
        return x.grad
    both(fn)


def test_once_differentiable():
    from flambeau.autograd.function import once_differentiable as fl_once
    from torch.autograd.function import once_differentiable as th_once

    def fn(t, a):
        once = th_once if t is torch else fl_once

        class Sq(t.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @once
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 2 * x * g
        x = a.requires_grad_()
        g, = t.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
        g.sum().backward()
    check_raises(fn, randn(3))


def test_function_under_anomaly_records_trace():
    ScaledMul = FNS[flambeau][0]
    x = flambeau.tensor(A, requires_grad=True)
    with flambeau.autograd.set_detect_anomaly(True):
        out = ScaledMul.apply(x, x, 1.0)
    assert out.grad_fn.trace and "test_function_under_anomaly_records_trace" in "".join(out.grad_fn.trace)
