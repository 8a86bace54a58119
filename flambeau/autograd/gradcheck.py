"""gradcheck / gradgradcheck: analytical gradients against central finite differences."""
from __future__ import annotations

import numpy as np

from .backward_api import grad as _grad


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _differentiable_outputs(func, inputs):
    return tuple(o for o in _as_tuple(func(*inputs)) if o.requires_grad)


def _numerical_jacobian(func, inputs, out_index, eps):
    """d out[out_index] / d input, one column per input element, by central differences."""
    jacobians = []
    # no no_grad here: gradgradcheck's function differentiates inside
    for x in inputs:
        if not (hasattr(x, "requires_grad") and x.requires_grad):
            jacobians.append(None)
            continue
        data = x._data
        flat = data.reshape(-1) if data.flags.c_contiguous else None
        if flat is None:
            raise GradcheckError("gradcheck needs contiguous inputs")
        out_size = _as_tuple(func(*inputs))[out_index]._data.size
        jac = np.zeros((flat.size, out_size), dtype=np.float64)
        for i in range(flat.size):
            orig = flat[i].item()
            flat[i] = orig + eps
            plus = _as_tuple(func(*inputs))[out_index]._data.astype(np.float64).reshape(-1).copy()
            flat[i] = orig - eps
            minus = _as_tuple(func(*inputs))[out_index]._data.astype(np.float64).reshape(-1).copy()
            flat[i] = orig
            jac[i] = (plus - minus) / (2 * eps)
        jacobians.append(jac)
    return jacobians


def _analytical_jacobian(outputs, out_index, inputs, diff_inputs):
    from .._tensor import Tensor
    out = outputs[out_index]
    jacs = [np.zeros((x._data.size, out._data.size)) for x in diff_inputs]
    for j in range(out._data.size):
        g = np.zeros(out._data.size, dtype=out._data.dtype)
        g[j] = 1
        grads = _grad(out, diff_inputs, Tensor._wrap(g.reshape(out._data.shape)), retain_graph=True, allow_unused=True)
        for k, gk in enumerate(grads):
            if gk is not None:
                jacs[k][:, j] = gk._data.astype(np.float64).reshape(-1)
    return jacs


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              fast_mode: bool = False, **_ignored) -> bool:
    inputs = _as_tuple(inputs)
    diff_inputs = [x for x in inputs if hasattr(x, "requires_grad") and x.requires_grad]
    for x in diff_inputs:
        if x._data.dtype != np.float64:
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision floating point.")
    outputs = _differentiable_outputs(func, inputs)
    n_outputs = len(_as_tuple(func(*inputs)))
    all_outputs = _as_tuple(func(*inputs))
    for oi in range(n_outputs):
        if not all_outputs[oi].requires_grad:
            continue
        out_pos = [k for k, o in enumerate(all_outputs) if o.requires_grad].index(oi)
        numerical = [j for j in _numerical_jacobian(func, inputs, oi, eps) if j is not None]
        analytical = _analytical_jacobian(outputs, out_pos, inputs, diff_inputs)
        for k, (num, ana) in enumerate(zip(numerical, analytical)):
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(f"Jacobian mismatch for output {oi} with respect to input {k},\n"
                                         f"numerical:{num}\nanalytical:{ana}\n")
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, **_ignored) -> bool:
    """Check second derivatives: gradcheck the function inputs -> d(outputs . v)/d(inputs)."""
    from .._tensor import Tensor
    inputs = _as_tuple(inputs)
    outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._wrap(rng.standard_normal(o._data.shape).astype(o._data.dtype)).requires_grad_()
                             for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if hasattr(x, "requires_grad") and x.requires_grad]

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _differentiable_outputs(func, ins)
        grads = _grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
