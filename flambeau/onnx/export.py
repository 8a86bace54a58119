"""torch.onnx.export: trace the model (flambeau.jit.trace, eval mode), translate each primitive to ONNX nodes.

Parameters become initializers named by their state_dict keys; do_constant_folding evaluates, at export,
every node whose inputs are all known (parameters, captured constants): batch norm's running statistics
become one scale and shift. Dynamic axes: the model is traced again once per named axis with that axis's
size changed, and the sizes the trace baked in that moved become Shape arithmetic (flambeau/onnx/_sizes.py).
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .._tensor import Tensor
from ..nn.modules.module import Module
from ._builder import GraphBuilder
from ._cleanup import drop_dead, name_outputs
from ._sizes import Sym
from ._translate import Traced, Translator

SUPPORTED_OPSETS = range(17, 22)
DEFAULT_OPSET = 20   # torch.onnx's default (torch.onnx._constants.ONNX_DEFAULT_OPSET)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("flambeau.onnx.export needs the onnx package: pip install flambeau[onnx]") from None
    return onnx


def export(model: Module | Callable, args: Any = (), f: str | os.PathLike | Any = None, *,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           opset_version: int | None = None, dynamic_axes: Mapping[str, Mapping[int, str] | Sequence[int]] | None = None,
           do_constant_folding: bool = True, dynamo: bool = True, verbose: bool | None = None) -> None:
    """Export `model(*args)` as an ONNX model to `f` (a path or a binary file object).

    As torch.onnx.export with dynamo=False (the TorchScript-based exporter); dynamo=True runs the same export and
    also returns None, not an ONNXProgram. opset_version: 17 to 21 (default 20). dynamic_axes: {name: {axis:
    "dim name"}} or {name: [axes]} for inputs and outputs, as torch.onnx.
    """
    onnx = _onnx()
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if opset not in SUPPORTED_OPSETS:
        raise ValueError(f"Unsupported ONNX opset version: {opset}; flambeau.onnx exports opsets "
                         f"{SUPPORTED_OPSETS.start} to {SUPPORTED_OPSETS.stop - 1}")
    if f is None:
        raise ValueError("flambeau.onnx.export: f, a path or a binary file object, is required")
    inputs = args if isinstance(args, tuple) else (args,)
    training = isinstance(model, Module) and model.training
    if training:
        model.eval()  # torch.onnx exports in eval mode (training=TrainingMode.EVAL)
    try:
        proto = _export(onnx, model, inputs, input_names, output_names, opset, dynamic_axes or {},
                        do_constant_folding)
    finally:
        if training:
            model.train()
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    if isinstance(f, (str, os.PathLike)):
        onnx.save(proto, f)
    else:
        f.write(proto.SerializeToString())
    return None


def _trace(model, inputs: tuple, check: bool) -> Traced:
    from .. import jit
    traced = jit.trace(model, inputs, check_trace=check)
    program = next(iter(traced._traces.values()))[0]
    return Traced(program.graph, {v.name: a for v, a in zip(program.graph.constants, program.constants)})


def _names(given: Sequence[str] | None, count: int, prefix: str, what: str) -> list[str]:
    given = list(given or [])
    if len(given) > count:
        raise ValueError(f"{len(given)} {what} names given for a graph with {count} {what}s")
    return given + [f"{prefix}{i}" for i in range(len(given), count)]


def _axes(dynamic_axes: Mapping, name: str) -> dict[int, str]:
    """One entry of dynamic_axes as {axis: dim name}; a list of axes gets torch.onnx's generated names."""
    axes = dynamic_axes.get(name, {})
    if isinstance(axes, Mapping):
        return {int(a): str(n) for a, n in axes.items()}
    return {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}


def _export(onnx, model, inputs: tuple, input_names, output_names, opset: int, dynamic_axes: Mapping,
            fold: bool):
    from ..jit._spec import flatten, unflatten
    main = _trace(model, inputs, check=True)
    graph = main.graph
    if graph.guards:
        warnings.warn(f"flambeau.onnx.export: the traced code read tensor values into Python "
                      f"({graph.guards[0].where}); the exported model always takes the path of the example")
    tensors, spec = flatten(inputs)
    in_names = _names(input_names, len(graph.inputs), "input", "input")
    out_names = _names(output_names, len(graph.outputs), "output", "output")
    params = {k: t.detach().numpy() for k, t in (model.state_dict(keep_vars=True).items()
                                                 if isinstance(model, Module) else ())}
    clash = set(in_names + out_names) & set(params) or (
        len(set(in_names + out_names)) < len(in_names) + len(out_names))
    if clash:
        raise ValueError(f"flambeau.onnx.export: input and output names must be distinct and differ from the "
                         f"state_dict's keys ({sorted(clash) if isinstance(clash, set) else 'a repeated name'})")
    for key in dynamic_axes:
        if key not in in_names and key not in out_names:
            warnings.warn(f"Provided key {key} for dynamic axes is not a valid input/output name")

    # the dynamic axes of the inputs, one per dim name, with the example's size and a moved size
    dims: list[str] = []
    where: dict[str, list[tuple[int, int]]] = {}
    for i, name in enumerate(in_names):
        for axis, dim in _axes(dynamic_axes, name).items():
            if not 0 <= axis < tensors[i].dim():
                raise ValueError(f"dynamic axis {axis} of input {name!r} is out of range for its "
                                 f"{tensors[i].dim()} dims")
            if dim not in where:
                dims.append(dim)
            where.setdefault(dim, []).append((i, axis))
    sizes = []
    moved = []
    for dim in dims:
        traced_sizes = {tensors[i].shape[axis] for i, axis in where[dim]}
        if len(traced_sizes) != 1:
            raise ValueError(f"dynamic axis {dim!r} has different sizes in the example inputs: {traced_sizes}")
        a = traced_sizes.pop()
        sizes.append((a, a + 1))
        changed = list(tensors)
        for i, axis in where[dim]:
            shape = list(changed[i].shape)
            shape[axis] = a + 1
            changed[i] = Tensor._wrap(np.resize(changed[i].detach().numpy(), shape))
        moved.append(_trace(model, tuple(unflatten(spec, changed)), check=False))

    axis_sources = {g: (in_names[where[dim][0][0]], where[dim][0][1]) for g, dim in enumerate(dims)}
    b = GraphBuilder(onnx, opset, set(in_names) | set(out_names) | set(params), axis_sources)
    translator = Translator(b, main, moved, sizes, params, in_names, fold)
    translator.run()
    results = [translator.name_of(v.name) for v in graph.outputs]
    name_outputs(b, results, out_names)
    drop_dead(b, out_names)

    def dims_of(shape, name: str) -> list:
        named = _axes(dynamic_axes, name)
        return [named.get(d, dims[s.axes[0]] if s.coeff == 1 and len(s.axes) == 1 and not s.offset
                          else f"{name}_dim_{d}") if isinstance(s, Sym) else named.get(d, s)
                for d, s in enumerate(shape)]
    graph_inputs = [b.value_info(n, v.type.dtype, dims_of(translator.types[v.name][0], n))
                    for n, v in zip(in_names, graph.inputs)]
    graph_outputs = [b.value_info(n, v.type.dtype, dims_of(translator.types[v.name][0], n))
                     for n, v in zip(out_names, graph.outputs)]
    proto_graph = onnx.helper.make_graph(b.nodes, "main_graph", graph_inputs, graph_outputs, b.initializers)
    opset_id = onnx.helper.make_opsetid("", opset)
    return onnx.helper.make_model(proto_graph, opset_imports=[opset_id], producer_name="flambeau",
                                  ir_version=onnx.helper.find_min_ir_version_for([opset_id]))
