"""gradcheck / gradgradcheck: analytical gradients against central finite differences.

Jacobians are (input elements) x (output elements) float64 matrices, laid out like PyTorch's, so
the error messages print the same matrices. fast_mode is accepted and runs the full check.
"""
from __future__ import annotations

import warnings

import numpy as np

from .backward_api import grad as _grad
from .engine import run_backward
from .graph import accumulator_of


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x) -> tuple:
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _tensor_outputs(func, inputs) -> tuple:
    from .._tensor import Tensor
    return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor))


def _numerical_jacobians(func, inputs, diff_idx, out_idx, eps) -> list:
    """jac[k][o]: d outputs[out_idx[o]] / d inputs[diff_idx[k]] by central differences, perturbing the
    input's memory in place (strided inputs included). Complex numbers count as (real, imag) pairs:
    a complex input has a row for each part, a complex output a column for each."""
    jacobians = []
    for k in diff_idx:
        data = inputs[k]._data
        steps = (eps, eps * 1j) if data.dtype.kind == "c" else (eps,)
        per_output = None
        for i, index in enumerate(np.ndindex(data.shape)):
            orig = data[index].item()
            for part, step in enumerate(steps):
                data[index] = orig + step
                plus = _flat_values(func, inputs, out_idx)
                data[index] = orig - step
                minus = _flat_values(func, inputs, out_idx)
                data[index] = orig
                if per_output is None:
                    per_output = [np.zeros((data.size * len(steps), p.size)) for p in plus]
                for jac, p, m in zip(per_output, plus, minus):
                    jac[i * len(steps) + part] = (p - m) / (2 * eps)
        jacobians.append(per_output or [np.zeros((0, _real_size(_tensor_outputs(func, inputs)[o]))) for o in out_idx])
    return jacobians


def _real_size(t) -> int:
    """How many real numbers a tensor holds (two per complex element)."""
    return t._data.size * (2 if t._data.dtype.kind == "c" else 1)


def _as_real(array) -> np.ndarray:
    """Flat float64 values, a complex element as its (real, imag) pair."""
    a = np.asarray(array)
    if a.dtype.kind == "c":
        a = np.stack([a.real, a.imag], axis=-1)
    return np.asarray(a, dtype=np.float64).reshape(-1)


def _flat_values(func, inputs, out_idx) -> list:
    outputs = _tensor_outputs(func, inputs)
    return [_as_real(outputs[o]._data).copy() for o in out_idx]


def _analytical_jacobians(outputs, out_idx, diff_inputs) -> list:
    """jac[k][o] from one backward per real number of each output (one-hot grad_output; for a complex
    output 1 then 1j, which PyTorch's convention turns into the derivatives of its real and imaginary parts)."""
    from .._tensor import Tensor
    jacs = [[np.zeros((_real_size(x), _real_size(outputs[o]))) for o in out_idx] for x in diff_inputs]
    for pos, o in enumerate(out_idx):
        out = outputs[o]
        units = (1, 1j) if out._data.dtype.kind == "c" else (1,)
        for j in range(out._data.size):
            for part, unit in enumerate(units):
                onehot = np.zeros(out._data.size, dtype=out._data.dtype)
                onehot[j] = unit
                grads = _grad(out, diff_inputs, Tensor._wrap(onehot.reshape(out._data.shape)), retain_graph=True,
                              allow_unused=True)
                for k, gk in enumerate(grads):
                    if gk is not None:
                        if gk._data.shape != diff_inputs[k]._data.shape:
                            raise GradcheckError(f"Gradient has incorrect shape for input {k}")
                        jacs[k][pos][:, j * len(units) + part] = _as_real(gk._data)
    return jacs


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _matrix(jac: np.ndarray):
    from .._tensor import Tensor
    return Tensor._wrap(jac)


def _check_inputs(inputs: tuple) -> list:
    from .._tensor import Tensor
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")
    for i in diff_idx:
        if inputs[i]._data.dtype.kind not in "fc" or inputs[i]._data.dtype.itemsize < 8:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex.")
    return diff_idx


def _undefined_grads_are_zero(outputs, out_idx, diff_inputs) -> bool:
    """Backward with an undefined gradient for each output must give None or zero gradients."""
    captures = {}
    for x in diff_inputs:
        key = (x.grad_fn, x._output_nr) if x.grad_fn is not None else (accumulator_of(x), 0)
        captures.setdefault(key, len(captures))
    for o in out_idx:
        out = outputs[o]
        root = (out.grad_fn, out._output_nr) if out.grad_fn is not None else (accumulator_of(out), 0)
        captured = run_backward([root], [None], True, False, capture=captures, accumulate_into=frozenset())
        if any(g is not None and bool((g._data != 0).any()) for g in captured):
            return False
    return True


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Compare the gradients of `func` at `inputs` with finite differences (inputs should be float64)."""
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("flambeau's gradcheck has no forward-mode AD or vmap: use check_forward_ad=False "
                                  "and check_batched_grad=False")
    inputs = _as_tuple(inputs)
    diff_idx = _check_inputs(inputs)
    diff_inputs = [inputs[i] for i in diff_idx]
    outputs = _tensor_outputs(func, inputs)
    out_idx = [i for i, o in enumerate(outputs) if o.requires_grad]
    if not out_idx:  # nothing differentiable came out: the function must really be constant
        numerical = _numerical_jacobians(func, inputs, diff_idx, range(len(outputs)), eps)
        if any(np.abs(j).max(initial=0) > atol for per_input in numerical for j in per_input):
            return _fail("Numerical gradient for function expected to be zero", raise_exception)
        return True
    if not check_backward_ad:
        return True
    numerical = _numerical_jacobians(func, inputs, diff_idx, out_idx, eps)
    analytical = _analytical_jacobians(outputs, out_idx, diff_inputs)
    for k, x in enumerate(diff_inputs):
        for pos, o in enumerate(out_idx):
            num, ana = numerical[k][pos], analytical[k][pos]
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {o} with respect to input {diff_idx[k]},\n"
                             f"numerical:{_matrix(num)}\nanalytical:{_matrix(ana)}\n", raise_exception)
    again = _analytical_jacobians(outputs, out_idx, diff_inputs)
    for k in range(len(diff_inputs)):
        for pos in range(len(out_idx)):
            if np.abs(again[k][pos] - analytical[k][pos]).max(initial=0) > nondet_tol:
                return _fail("Backward is not reentrant, i.e., running backward with same input and grad_output "
                             "multiple times gives different values, although analytical gradient matches "
                             f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}.",
                             raise_exception)
    if check_undefined_grad and not _undefined_grads_are_zero(outputs, out_idx, diff_inputs):
        return _fail("Expected backward function to handle undefined output grads. Please look at \"Notes about "
                     "undefined output gradients\" in \"tools/autograd/derivatives.yaml\"", raise_exception)
    return True


def _random_grad_outputs(outputs, non_contiguous: bool) -> tuple:
    """One random float64-like gradient per output (a strided view when non_contiguous), requiring grad."""
    from .._tensor import Tensor
    rng = np.random.default_rng(0)
    result = []
    for o in outputs:
        values = rng.standard_normal(o._data.shape).astype(o._data.dtype)
        if values.dtype.kind == "c":
            values += 1j * rng.standard_normal(o._data.shape)
        if non_contiguous and values.size > 1:
            holder = np.zeros(values.shape + (2,), dtype=values.dtype)
            holder[..., 0] = values
            values = holder[..., 0]
        result.append(Tensor._wrap(values).requires_grad_())
    return tuple(result)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second derivatives: gradcheck the map (inputs, v) -> d(outputs . v)/d(inputs)."""
    inputs = _as_tuple(inputs)
    diff_idx = _check_inputs(inputs)
    outputs = [o for o in _tensor_outputs(func, inputs) if o.requires_grad]
    if grad_outputs is None:
        grad_outputs = _random_grad_outputs(outputs, gen_non_contig_grad_outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _tensor_outputs(func, ins) if o.requires_grad]
        grads = _grad(outs, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_forward_ad=check_fwd_over_rev)
