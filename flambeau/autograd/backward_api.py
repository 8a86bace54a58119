"""autograd.backward and autograd.grad: checked entry points into the engine."""
from __future__ import annotations

from .engine import run_backward
from .graph import accumulator_of

_NOTHING = frozenset()  # autograd.grad accumulates into no leaf


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _root_edges_and_grads(outputs, grad_outputs, create_graph):
    from .._tensor import Tensor
    from ..ops.creation import ones_like
    edges, grads = [], []
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs" if not grad_outputs else
                           f"Mismatch in number of gradients: got {len(grad_outputs)} but expected {len(outputs)}")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(out).__name__}")
        if not out._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind == "c":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs but got "
                                   f"{out.dtype}")
            g = ones_like(out)
        elif not isinstance(g, Tensor):
            raise TypeError(f"grad_outputs must be Tensors or None, got {type(g).__name__}")
        else:
            if g._data.shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                                   f"has a shape of {out.shape}.")
            if g.device != out.device:
                raise RuntimeError(f"invalid gradient at index {i} - expected device {out.device} but got {g.device}")
            if g._data.dtype != out._data.dtype:  # PyTorch casts a root gradient to its output's dtype
                from ..ops.elementwise import cast
                g = cast(g, out._data.dtype)
            if not create_graph:
                g = g.detach()
        edges.append((out.grad_fn, out._output_nr) if out.grad_fn is not None else (accumulator_of(out), 0))
        grads.append(g)
    return edges, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
    outputs = _as_tuple(tensors)
    grad_outputs = _as_tuple(grad_tensors) or (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    edges, grads = _root_edges_and_grads(outputs, grad_outputs, create_graph)
    if inputs is None:
        run_backward(edges, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    # leaves accumulate through their AccumulateGrad; non-leaf inputs get their gradient captured
    leaves = {accumulator_of(t) for t in inputs if t.grad_fn is None}
    non_leaves = [t for t in inputs if t.grad_fn is not None]
    capture = {(t.grad_fn, t._output_nr): i for i, t in enumerate(non_leaves)}
    captured = run_backward(edges, grads, retain_graph, create_graph, capture=capture, accumulate_into=leaves)
    for t in non_leaves:
        g = captured[capture[(t.grad_fn, t._output_nr)]]
        if g is not None:
            g = g if create_graph else g.detach()
            t._grad = g if t._grad is None else t._grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    edges, grads = _root_edges_and_grads(outputs, grad_outputs, create_graph)
    capture = {}
    for t in inputs_t:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        key = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator_of(t), 0)
        capture.setdefault(key, len(capture))
    captured = run_backward(edges, grads, retain_graph, create_graph, capture=capture, accumulate_into=_NOTHING)
    result = []
    for i, t in enumerate(inputs_t):
        key = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (accumulator_of(t), 0)
        g = captured[capture[key]]
        if g is None:
            if materialize_grads:
                from ..ops.creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)
