"""autograd.functional: vjp, jvp, jacobian, hessian, vhp and hvp of a function of tensors.

All are built on reverse mode (autograd.grad). jvp uses the double-vjp trick: u -> J^T u is linear
in u, so differentiating it with respect to u along v gives J v.
"""
from __future__ import annotations

from .._tensor import Tensor
from .backward_api import grad
from .grad_mode import enable_grad


def _as_tuple(x, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tensors as a tuple), checking that every element is a Tensor."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for item in items:
        if not isinstance(item, Tensor):
            kind = "either a Tensor or a tuple of Tensors"
            raise TypeError(f"The {arg_name} given to {fn_name} must be {kind} but the value at index "
                            f"{items.index(item)} has type {type(item)}.")
    return is_tuple, items


def _prepare_inputs(inputs: tuple, create_graph: bool) -> tuple:
    """Fresh leaves that require grad; with create_graph, keep the link to the caller's graph."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                 for x in inputs)


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    return tensors if create_graph else tuple(t.detach() if t is not None else None for t in tensors)


def _grads_or_zeros(outputs, inputs, grad_outputs, create_graph: bool, strict: bool, what: str) -> tuple:
    """grad of outputs w.r.t. inputs; an unused input gets zeros (or an error in strict mode)."""
    from ..ops.creation import zeros_like
    differentiable = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if differentiable:
        outs, gos = zip(*differentiable)
        grads = grad(outs, inputs, gos, retain_graph=True, create_graph=create_graph, allow_unused=True)
    else:
        grads = (None,) * len(inputs)
    result = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                   f"This is not allowed in strict mode{what}.")
            g = zeros_like(x)
        result.append(g)
    return tuple(result)


def _check_v(v, like: tuple, fn_name: str, of_inputs: bool) -> tuple:
    """The tuple of vectors v, shaped like `like`; None only where `like` is one single-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            which = "the input to the user-provided function is" if of_inputs else "the user-provided function returns"
            raise RuntimeError(f"The vector v can only be None if {which} a single Tensor with a single element.")
        from ..ops.creation import ones_like
        return (ones_like(like[0]),)
    _, vs = _as_tuple(v, "v", fn_name)
    if len(vs) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(vs)}.")
    for i, (vi, o) in enumerate(zip(vs, like)):
        if vi.shape != o.shape:
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {o.shape} but got {vi.shape}.")
    return vs


def _call(func, inputs: tuple, fn_name: str) -> tuple[bool, tuple]:
    return _as_tuple(func(*inputs), "outputs of the user-provided function", fn_name)


def _unpack(is_tuple: bool, items: tuple):
    return items if is_tuple else items[0]


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare_inputs(inputs, create_graph)
        out_tuple, outputs = _call(func, inputs, "vjp")
        vs = _check_v(v, outputs, "vjp", of_inputs=False)
        grads = _grads_or_zeros(outputs, inputs, vs, create_graph, strict, "")
    return _unpack(out_tuple, _finish(outputs, create_graph)), _unpack(in_tuple, _finish(grads, create_graph))


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp."""
    from ..ops.creation import zeros_like
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare_inputs(inputs, create_graph)
        vs = _check_v(v, inputs, "jvp", of_inputs=True)
        out_tuple, outputs = _call(func, inputs, "jvp")
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        vjps = _grads_or_zeros(outputs, inputs, dummies, True, strict, "")
        jvps = _grads_or_zeros(vjps, dummies, vs, create_graph, strict, "")
    return _unpack(out_tuple, _finish(outputs, create_graph)), _unpack(out_tuple, _finish(jvps, create_graph))


def _basis(out: Tensor, j: int) -> Tensor:
    """The j-th one-hot tensor shaped like `out`."""
    from .._device import xp_for
    e = xp_for(out.device).zeros(out._data.size, out._data.dtype)
    e[j] = 1
    return Tensor._wrap(e.reshape(out._data.shape))


def _jacobian_rows(out: Tensor, inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """d out / d input for each input, shaped out.shape + input.shape."""
    from ..ops.creation import zeros
    from ..ops.joining import stack
    rows = [_grads_or_zeros((out,), inputs, (_basis(out, j),), create_graph, strict, " when computing Jacobian")
            for j in range(out.numel())]
    result = []
    for k, x in enumerate(inputs):
        if rows:
            jac = stack([r[k] for r in rows]).reshape(out.shape + x.shape)
        else:
            jac = zeros(out.shape + x.shape, dtype=x.dtype, device=x.device)
        result.append(jac)
    return tuple(result)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of func at inputs; `vectorize` is accepted and computed row by row."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                         'Hint: If your function has no kwargs, it is not supported to pass as inputs.')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-mode\"` requires "
                                  "`vectorize=True`.")
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare_inputs(inputs, create_graph)
        out_tuple, outputs = _call(func, inputs, "jacobian")
        jacs = tuple(_finish(_jacobian_rows(o, inputs, create_graph, strict), create_graph) for o in outputs)
    if out_tuple:
        return tuple(_unpack(in_tuple, row) for row in jacs)
    return _unpack(in_tuple, jacs[0])


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its gradient."""
    in_tuple, inputs_t = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out_tuple, out = _call(func, xs, "hessian")
        if out_tuple or out[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element.")
        return _grads_or_zeros(out, xs, (None,), True, strict, " when computing Hessian")

    result = jacobian(gradient, inputs_t, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return result if in_tuple else result[0][0]


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H): a vector-Hessian product of a scalar function."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v); the Hessian is symmetric, so this is v^T H by double backward."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp")


def _second_order(func, inputs, v, create_graph: bool, strict: bool, name: str):
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _prepare_inputs(inputs, create_graph)
        vs = _check_v(v, inputs, name, of_inputs=True)
        out_tuple, outputs = _call(func, inputs, name)
        if out_tuple or outputs[0].numel() != 1:
            raise RuntimeError(f"The function given to {name} should return a single Tensor with a single element.")
        grads = _grads_or_zeros(outputs, inputs, (None,), True, strict, "")
        products = _grads_or_zeros(grads, inputs, vs, create_graph, strict, " when computing the Hessian")
    return _finish(outputs, create_graph)[0], _unpack(in_tuple, _finish(products, create_graph))
