"""torch.onnx.export: trace the model (flambeau.jit's recorder, eval mode), translate each primitive to ONNX nodes.

Parameters become initializers named by their state_dict keys; do_constant_folding evaluates, at export,
every node whose inputs are all known (parameters, captured constants): batch norm's running statistics
become one scale and shift. Dynamic axes: the model is traced again once per named axis with that axis's
size changed (twice), and the sizes the trace baked in that moved become Shape arithmetic (flambeau/onnx/_sizes.py).
"""
from __future__ import annotations

import json
import os
import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .._tensor import Tensor
from ..nn.modules.module import Module
from ._builder import GraphBuilder
from ._call import Traced
from ._cleanup import drop_dead, name_outputs
from ._sizes import Sym, symbol
from ._translate import Translator
from .errors import OnnxExporterError

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
           opset_version: int | None = None,
           dynamic_axes: Mapping[str, Mapping[int, str] | Sequence[int]] | None = None,
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
    model = _traceable(model)
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


def _traceable(model):
    """What to trace: a jit.trace result replays its graph behind the dispatch, where a new trace sees nothing,
    so its module or function is traced again; jit.script's code records its control flow in a trace."""
    from ..jit import ScriptFunction
    from ..jit._script._module import _Entry
    if not isinstance(model, ScriptFunction) or isinstance(model, _Entry):
        return model
    if model._fn is None:
        raise OnnxExporterError("flambeau.onnx.export: a module loaded by jit.load cannot be traced again; export "
                                "the module it was traced from")
    return model._fn


def _record(model, params: dict, inputs: tuple, check: bool = True) -> Traced:
    """The model's plain trace (every size as in the example), checked against eager execution (check_trace).

    NOTE: not jit.trace's symbolic sizes: those are guessed by matching values (a zero state of 2 layers at batch
    2 takes the batch's symbol), where a trace per moved axis tells a size that follows it from one that does not."""
    from .. import jit
    from ..jit._dynamic import record
    tracer = record(model, params, inputs)
    program = tracer.program
    traced = Traced(program.graph, dict(zip([v.name for v in program.graph.constants], program.constants)))
    if check and not _replays(traced, params, inputs, tracer.outputs):
        raise jit.TracingCheckError("flambeau.onnx.export: the replayed trace differs from eager execution (the "
                                    "traced code depends on something the trace does not see)")
    return traced


def _replays(traced: Traced, params: dict, inputs: tuple, expected: list) -> bool:
    """Whether the trace, run on `inputs`, gives the arrays `expected`."""
    from ..jit._interpreter import Program
    from ..jit._spec import flatten
    graph = traced.graph
    got = Program(graph, traced.constants).run([t._data for t in flatten(inputs)[0]],
                                                [params[k]._data for k in graph.params])
    return all(a.dtype == e.dtype and a.shape == e.shape and np.array_equal(a, e, equal_nan=a.dtype.kind in "fc")
               for a, e in zip(got, expected))


def _other_size(size: int, taken: set) -> int:
    """A size for a dynamic axis to be traced at: above it (and 1, which broadcasts), unlike the inputs' sizes."""
    other = max(size, 1) + 1
    while other in taken:
        other += 1
    taken.add(other)
    return other


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


def _dynamic_inputs(dynamic_axes: Mapping, in_names: list[str], tensors: list) -> tuple[list[str], dict]:
    """The inputs' dynamic axes: their dim names in order, and where each lies ((input, axis) pairs)."""
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
    for dim in dims:
        if len({tensors[i].shape[axis] for i, axis in where[dim]}) != 1:
            raise ValueError(f"dynamic axis {dim!r} has different sizes in the example inputs")
    return dims, where


def _export(onnx, model, inputs: tuple, input_names, output_names, opset: int, dynamic_axes: Mapping,
            fold: bool):
    from ..jit._spec import flatten, unflatten
    params = dict(model.state_dict(keep_vars=True)) if isinstance(model, Module) else {}
    tensors, spec = flatten(inputs)
    in_names = _names(input_names, len(tensors), "input", "input")
    dims, where = _dynamic_inputs(dynamic_axes, in_names, tensors)
    taken = {n for t in tensors for n in t.shape}
    # each dynamic axis g is traced again moved from its size a to two other sizes b: (g, a, b); the axes take
    # turns, so that no two traces in a row agree on every size (a model caching a causal mask by sequence length
    # would replay its cache where the first trace built the mask)
    traced_sizes = [tensors[where[dim][0][0]].shape[where[dim][0][1]] for dim in dims]
    moves = [(g, a, _other_size(a, taken)) for _ in range(2) for g, a in enumerate(traced_sizes)]

    def resized(g: int, a: int, b: int) -> tuple:
        """The example inputs with dynamic axis g at size b (its values repeated along it)."""
        changed = [t._data for t in tensors]
        for i, axis in where[dims[g]]:
            changed[i] = np.take(changed[i], np.arange(b) % a, axis=axis)
        return tuple(unflatten(spec, [Tensor._wrap(x) for x in changed]))

    main = _record(model, params, inputs)
    moved = [_record(model, params, resized(*move), check=False) for move in moves]

    graph = main.graph
    reads = [g for g in graph.guards if g.what != "shape"]  # a shape guard is a size the trace holds for
    if reads:
        warnings.warn(f"flambeau.onnx.export: the traced code read tensor values into Python ({reads[0].where}); "
                      f"the exported model always takes the path of the example")
    out_names = _names(output_names, len(graph.outputs), "output", "output")
    arrays = {k: t.detach().numpy() for k, t in params.items()}
    clash = set(in_names + out_names) & set(arrays)
    if clash or len(set(in_names + out_names)) < len(in_names) + len(out_names):
        raise ValueError(f"flambeau.onnx.export: input and output names must be distinct and differ from the "
                         f"state_dict's keys ({sorted(clash) or 'a repeated name'})")
    for key in dynamic_axes:
        if key not in in_names and key not in out_names:
            warnings.warn(f"Provided key {key} for dynamic axes is not a valid input/output name")

    axis_sources = {g: (in_names[where[dim][0][0]], where[dim][0][1]) for g, dim in enumerate(dims)}
    b = GraphBuilder(onnx, opset, set(in_names) | set(out_names) | set(arrays), axis_sources)
    translator = Translator(b, main, moved, moves, arrays, in_names, fold)
    translator.run()
    name_outputs(b, [translator.name_of(v.name) for v in graph.outputs], out_names)
    drop_dead(b, out_names)
    symbol_dims = {json.dumps(symbol(g)): dim for g, dim in enumerate(dims)}

    def value_info(name: str, v):
        """A graph input's or output's type: a dynamic dim by its name in dynamic_axes, or by the axis it is."""
        named = _axes(dynamic_axes, name)
        shape = [named.get(d, symbol_dims.get(s.expr, f"{name}_dim_{d}") if isinstance(s, Sym) else s)
                 for d, s in enumerate(translator.types[v.name][0])]
        return b.value_info(name, v.type.dtype, shape)
    proto_graph = onnx.helper.make_graph(b.nodes, "main_graph",
                                         [value_info(n, v) for n, v in zip(in_names, graph.inputs)],
                                         [value_info(n, v) for n, v in zip(out_names, graph.outputs)],
                                         b.initializers)
    opset_id = onnx.helper.make_opsetid("", opset)
    return onnx.helper.make_model(proto_graph, opset_imports=[opset_id], producer_name="flambeau",
                                  ir_version=onnx.helper.find_min_ir_version_for([opset_id]))
