"""The traced graph -> an ONNX graph: value names, constant folding, one translation per primitive node.

Each family file (_ops_*.py) holds a table {primitive's "module.Class": translation}. A translation gets the
builder and a Call (the node's ONNX input names, their shapes and dtypes, its decoded arguments) and returns
the ONNX name of the node's output. Shapes and arguments carry Syms where a size follows a dynamic axis.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..jit._attrs import decode
from ..jit._interpreter import resolve
from ..jit.ir import Graph
from . import _ops_activation, _ops_elementwise, _ops_nn, _ops_reduction, _ops_rnn, _ops_shape
from ._builder import GraphBuilder
from ._call import Call, Ref, Traced
from ._fuse import STEPS, Pending
from ._sizes import Sym, SymbolicSizeUsed, TraceMismatch, merge
from .errors import OnnxExporterError, UnsupportedOperatorError

TABLE: dict = {**_ops_elementwise.TABLE, **_ops_activation.TABLE, **_ops_shape.TABLE, **_ops_nn.TABLE,
               **_ops_reduction.TABLE, **_ops_rnn.TABLE}


_CONV = "flambeau.ops.conv.Conv"
_MATMUL = "flambeau.ops.matmul.MatMul"
_TRANSPOSES = ("flambeau.ops.shape.Transpose", "flambeau.ops.shape.Permute")


def _decoded(attrs: list) -> list:
    return [decode(a, lambda name, as_tensor: Ref(name, as_tensor)) for a in attrs]


def _has_sym(x: Any) -> bool:
    if isinstance(x, Sym):
        return True
    if isinstance(x, (tuple, list)):
        return any(_has_sym(a) for a in x)
    if isinstance(x, dict):
        return any(_has_sym(a) for a in x.values())
    if isinstance(x, slice):
        return any(_has_sym(a) for a in (x.start, x.stop, x.step))
    return False


def _refs(x: Any, out: list) -> list:
    if isinstance(x, Ref):
        out.append(x)
    elif isinstance(x, (tuple, list)):
        for a in x:
            _refs(a, out)
    elif isinstance(x, dict):
        for a in x.values():
            _refs(a, out)
    return out


def _with_refs(x: Any, fill) -> Any:
    if isinstance(x, Ref):
        return fill(x)
    if isinstance(x, (tuple, list)):
        return type(x)(_with_refs(a, fill) for a in x)
    if isinstance(x, dict):
        return {k: _with_refs(a, fill) for k, a in x.items()}
    return x


class Translator:
    def __init__(self, b: GraphBuilder, main: Traced, moved: list[Traced], sizes: list[tuple[int, int, int]],
                 params: dict[str, np.ndarray], input_names: list[str], fold: bool):
        """moved: traces with one dynamic axis g moved from size a to b, sizes[i] = (g, a, b) (flambeau/onnx/
        _sizes.py)."""
        self.b = b
        self.main, self.moved, self.sizes = main, moved, sizes
        self.params = params
        self.fold = fold
        self.memo: dict = {}
        g = main.graph
        _check_aligned(g, [m.graph for m in moved])
        self.names: dict[str, str] = {v.name: n for v, n in zip(g.inputs, input_names)}
        self.param_of = {v.name: key for key, v in g.params.items()}
        self.initialized: set[str] = set()
        self.pending: dict[str, Pending] = {}   # layers waiting to take in the affine steps after them
        self.transposed: dict[str, str] = {}    # folded value -> the 2-d parameter it is the transpose of
        self.uses: dict[str, int] = {}
        self._count_uses(g)
        self.types = {}   # IR value -> (shape with Syms, dtype)
        for v in [*g.inputs, *g.params.values(), *g.constants]:
            self.types[v.name] = (self._merged_shape(v), v.type.dtype)
        self.known: dict[str, np.ndarray] = {}   # values whose arrays the export knows: folding's inputs
        if fold:
            self.known.update({v.name: params[k] for k, v in g.params.items()})
        for v in g.constants:
            if not _has_sym(self.types[v.name][0]):
                if not all(np.array_equal(main.constants[v.name], m.constants[v.name], equal_nan=True) for m in moved):
                    raise TraceMismatch(f"a constant of shape {list(v.type.shape)} captured by the trace has other "
                                        f"values at other sizes of the dynamic axes (a value computed from a size, "
                                        f"such as adaptive pooling's weights): it cannot be exported with them")
                self.known[v.name] = main.constants[v.name]

    def _count_uses(self, g: Graph) -> None:
        """How many nodes read each value (a graph's or block's outputs count twice: never folded away)."""
        for n in g.nodes:
            for name in [v.name for v in n.inputs] + [r.ir for r in _refs(_decoded(n.attrs), [])]:
                self.uses[name] = self.uses.get(name, 0) + 1
            for block in n.blocks:
                self._count_uses(block)
        for v in g.outputs:
            self.uses[v.name] = self.uses.get(v.name, 0) + 2

    def sized(self, traced, moved: list, where: str):
        """Dims or arguments with their sizes that follow the dynamic axes as Syms."""
        return merge(traced, moved, self.sizes, where)

    def _merged_shape(self, v) -> tuple:
        return self.sized(v.type.shape, [_value(m.graph, v.name).type.shape for m in self.moved], f"value %{v.name}")

    def name_of(self, ir: str) -> str:
        """The ONNX name of a graph value; parameters and known arrays become initializers on first use."""
        name = self.names.get(ir)
        if name is not None:
            return name
        if ir in self.pending:
            name = self.pending.pop(ir).emit(self.b, self._param)
        elif ir in self.param_of:
            name = self._param(self.param_of[ir])
        elif ir in self.known:
            name = ir if ir not in self.b.names else self.b.fresh(ir)
            self.b.add_initializer(name, self.known[ir])
        else:
            name = self._dynamic_constant(ir)
        self.names[ir] = name
        return name

    def _param(self, key: str) -> str:
        if key not in self.initialized:
            self.initialized.add(key)
            self.b.add_initializer(key, self.params[key])
        return key

    def _dynamic_constant(self, ir: str) -> str:
        """A constant whose shape follows a dynamic axis (an RNN's zero state): ConstantOfShape of its one value."""
        array = self.main.constants[ir]
        first = array.reshape(-1)[:1] if array.size else np.zeros(1, array.dtype)
        if not all((a == first).all() for a in [array, *(m.constants[ir] for m in self.moved)]):
            raise OnnxExporterError(f"a constant of shape {list(array.shape)} captured by the trace changes shape "
                                    f"with the dynamic axes and is not filled with one value the same at every size: "
                                    f"it cannot be exported with dynamic axes")
        root = self.b.root  # (in the outermost graph: the name is kept for every later use)
        value = root.onnx.numpy_helper.from_array(first)
        return root.op("ConstantOfShape", [root.shape(self.types[ir][0])], value=value)

    def run(self) -> None:
        self.nodes(self.main.graph.nodes, [m.graph.nodes for m in self.moved])

    def flush(self) -> None:
        """Emit the pending layers (before a block, which must not be where they are defined)."""
        for ir in list(self.pending):
            self.names[ir] = self.pending.pop(ir).emit(self.b, self._param)

    def nodes(self, nodes: list, moved: list[list]) -> None:
        """Translate `nodes` into the current builder; moved[k] is the same node list in moved trace k."""
        from ._control import CONTROL
        if any(len(m) != len(nodes) or any(a.op != b.op or [v.name for v in a.inputs] != [v.name for v in b.inputs]
                                           for a, b in zip(m, nodes)) for m in moved):
            raise TraceMismatch("the traced graph changes with the dynamic axes' sizes (the code branches on a "
                                "size, or loops over one); it cannot be exported with those axes dynamic")
        for i, node in enumerate(nodes):
            where = f"node {i} ({node.op})"
            if node.op in CONTROL:
                self.flush()
                for k, (v, name) in enumerate(zip(node.outputs, CONTROL[node.op](self, node, [m[i] for m in moved]))):
                    self.names[v.name] = name
                    self.types[v.name] = (self.sized(v.type.shape, [m[i].outputs[k].type.shape for m in moved], where),
                                          v.type.dtype)
                continue
            args = self.sized(_decoded(node.attrs), [_decoded(m[i].attrs) for m in moved], where)
            out = node.outputs[0]
            out_shape = self.sized(out.type.shape, [m[i].outputs[0].type.shape for m in moved], where)
            self.types[out.name] = (out_shape, out.type.dtype)
            refs = _refs(args, [])
            if (self.fold and all(v.name in self.known for v in node.inputs) and all(r.ir in self.known for r in refs)
                    and not _has_sym(args) and not _has_sym(out_shape)):
                self.known[out.name] = self._evaluate(node, args)
                if node.op in _TRANSPOSES and node.inputs[0].name in self.param_of and tuple(args[0]) == (1, 0):
                    self.transposed[out.name] = self.param_of[node.inputs[0].name]
                continue
            if self.fold and self._fused(node, args):
                continue
            self.names[out.name] = self._translate(node, args)

    def _fused(self, node, args) -> bool:
        """Start a pending Conv or Gemm, or fold an affine step into one (flambeau/onnx/_fuse.py)."""
        out, ins = node.outputs[0], node.inputs
        if node.op in STEPS and len(ins) == 2:
            for on_left, (v, other) in enumerate(((ins[0], ins[1]), (ins[1], ins[0]))):
                p = self.pending.get(v.name)
                if (p is not None and self.uses[v.name] == 1 and other.name in self.known and out.type.dtype == p.dtype
                        and p.absorb(node.op, self.known[other.name], bool(on_left), self.param_of.get(other.name))):
                    self.pending[out.name] = self.pending.pop(v.name)
                    return True
            return False
        if _has_sym(args) or len(ins) != 2 or ins[1].name not in self.known:
            return False
        w = ins[1].name
        if node.op == _CONV:
            attrs = _ops_nn.conv_attributes(args, ins[1].type.shape)
            self.pending[out.name] = Pending("Conv", self.name_of(ins[0].name), self.known[w], self.param_of.get(w),
                                             attrs, len(out.type.shape), out.type.dtype)
            return True
        if (node.op == _MATMUL and len(ins[0].type.shape) == 2 and len(ins[1].type.shape) == 2
                and out.type.dtype in ("float32", "float64", "float16")):
            key = self.transposed.get(w)
            weight = self.params[key] if key is not None else np.ascontiguousarray(self.known[w].T)
            self.pending[out.name] = Pending("Gemm", self.name_of(ins[0].name), weight, key, {}, 2, out.type.dtype)
            return True
        return False

    def _evaluate(self, node, args) -> np.ndarray:
        from .._tensor import Tensor
        prim = resolve(node.op)
        args = _with_refs(args, lambda r: Tensor._wrap(self.known[r.ir]) if r.as_tensor else self.known[r.ir])
        ins = [self.known[v.name] for v in node.inputs]
        result = prim.forward(tuple(ins), *args) if prim.variadic else prim.forward(*ins, *args)
        return np.asarray(result)

    def _resolved(self, r: Ref) -> Ref:
        return replace(r, onnx=self.name_of(r.ir), dtype=self.types[r.ir][1])

    def _translate(self, node, args) -> str:
        translate = TABLE.get(node.op)
        short = node.op.rpartition(".")[2]
        if translate is None:
            raise UnsupportedOperatorError(f"flambeau::{short} ({node.op})", self.b.opset)
        call = Call(node.op, [self.name_of(v.name) for v in node.inputs],
                    [self.types[v.name][0] for v in node.inputs], [v.type.dtype for v in node.inputs],
                    _with_refs(args, self._resolved),
                    self.types[node.outputs[0].name][0], node.outputs[0].type.dtype, self.memo)
        try:
            return translate(self.b, call)
        except SymbolicSizeUsed as e:
            raise OnnxExporterError(f"{node.op}: its size {e.sym.traced} follows a dynamic axis, and its ONNX "
                                    f"translation needs it static; export without that dynamic axis") from None


def _value(graph: Graph, name: str):
    for v in [*graph.inputs, *graph.params.values(), *graph.constants]:
        if v.name == name:
            return v
    raise TraceMismatch(f"value %{name} is missing from the trace with other dynamic axes' sizes")


def _check_aligned(g: Graph, others: list[Graph]) -> None:
    """The traces with moved sizes must be the same program (their nodes are compared as they are translated)."""
    for o in others:
        if len(o.inputs) != len(g.inputs) or [v.name for v in o.constants] != [v.name for v in g.constants]:
            raise TraceMismatch("the traced graph changes with the dynamic axes' sizes (it captures other "
                                "constants); it cannot be exported with those axes dynamic")
