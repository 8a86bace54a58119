"""Graph nodes: what backward needs to remember about each recorded operation."""
from __future__ import annotations

import itertools
import weakref

from .._tensor import Tensor
from .grad_mode import STATE

_next_seq = itertools.count().__next__

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
          "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
          "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
          "or if you need to access saved tensors after calling backward.")


class Node:
    """A backward function in the graph.

    next:   one edge per differentiable input, (node, output_nr) or None
    metas:  (shape, numpy dtype) of each input, so the engine can sum-reduce broadcast
            gradients and cast them back to the input's dtype
    """

    __slots__ = ("next", "metas", "seq", "pre_hooks", "hooks", "trace", "released", "__weakref__")
    n_outputs = 1

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self):
        return tuple(e if e is not None else (None, 0) for e in self.next)

    def apply(self, grads: list):
        """grads: one gradient (Tensor or None) per output; returns one per input."""
        raise NotImplementedError

    def release(self) -> None:
        self.released = True

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> new grad_inputs or None, after this node ran."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return _RemovableHandle(self.hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> new grad_outputs or None, before this node runs."""
        return self._add_pre_hook(_PreHook(_NODE_HOOK, fn))

    def _add_tensor_hook(self, output_nr: int, fn):
        """A Tensor.register_hook on one of this node's outputs."""
        return self._add_pre_hook(_TensorHook(_TENSOR_HOOK, fn, output_nr))

    def _add_retain_grad_hook(self, output_nr: int, fn):
        """Tensor.retain_grad: sees the gradient after all the tensor's own hooks, like PyTorch."""
        return self._add_pre_hook(_TensorHook(_RETAIN_HOOK, fn, output_nr))

    def _add_pre_hook(self, hook):
        # PyTorch runs tensor hooks, then retain_grad, then node pre-hooks, whatever the registration order
        if self.pre_hooks is None:
            self.pre_hooks = []
        hooks = self.pre_hooks
        at = len(hooks)
        while at and hooks[at - 1].rank > hook.rank:
            at -= 1
        hooks.insert(at, hook)
        return _RemovableHandle(hooks, hook)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


_TENSOR_HOOK, _RETAIN_HOOK, _NODE_HOOK = 0, 1, 2


class _PreHook:
    """fn(grad_outputs tuple) -> new grad_outputs or None."""

    __slots__ = ("rank", "fn")

    def __init__(self, rank: int, fn):
        self.rank, self.fn = rank, fn

    def __call__(self, grads):
        out = self.fn(tuple(grads))
        return None if out is None else list(out)


class _TensorHook(_PreHook):
    """fn(grad of one output) -> new grad or None."""

    __slots__ = ("output_nr",)

    def __init__(self, rank: int, fn, output_nr: int):
        super().__init__(rank, fn)
        self.output_nr = output_nr

    def __call__(self, grads):
        nr = self.output_nr
        g = grads[nr]
        if g is None:
            return None
        new = self.fn(g)
        if new is None:
            return None
        grads = list(grads)
        grads[nr] = new
        return grads


def init_node(node: Node, edges: tuple, metas: tuple) -> None:
    node.next = edges
    node.metas = metas
    node.seq = _next_seq()
    node.pre_hooks = node.hooks = node.trace = None
    node.released = False


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds the incoming gradient into leaf.grad."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        init_node(self, (), ((variable._data.shape, variable._data.dtype),))
        self.variable = variable

    def apply(self, grads):
        g = grads[0]
        var = self.variable
        hooks = var._hooks
        for hook in hooks.leaf if hooks is not None else ():
            new = hook(g)
            if new is not None:
                g = new
        if not STATE.enabled and not g.is_sparse:  # plain backward: store a private copy, never a shared buffer
            g = Tensor._wrap(g._data.copy()) if var._grad is None else g
        if var._grad is None:
            var._grad = g
        elif STATE.enabled or g.is_sparse or var._grad.is_sparse:  # sparse gradients add up as sparse tensors
            var._grad = var._grad + g
        else:
            var._grad = Tensor._wrap(var._grad._data + g._data)
        for hook in hooks.post_accumulate if hooks is not None else ():
            hook(var)
        return ()

    def release(self):
        pass  # leaves keep no saved state


def accumulator_of(leaf) -> AccumulateGrad:
    """One AccumulateGrad per leaf while a graph uses it, so its gradient is summed before hooks run."""
    ref = leaf._accum
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accum = weakref.ref(node)
    return node


class _RemovableHandle:
    __slots__ = ("_list", "_fn")

    def __init__(self, lst, fn):
        self._list, self._fn = lst, fn

    def remove(self) -> None:
        try:
            self._list.remove(self._fn)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def freed_error() -> RuntimeError:
    return RuntimeError(_FREED)
