"""A small builder over onnx.helper: fresh names, nodes, initializers, and shapes that follow dynamic axes."""
from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np

from ._sizes import Sym
from .errors import OnnxExporterError


class GraphBuilder:
    """The nodes of one ONNX graph. A subgraph's builder (a Scan body) shares the names and puts its
    constants and size computations in the outer graph, which the body sees."""

    def __init__(self, onnx, opset: int, taken: set[str], axis_sources: dict[int, tuple[str, int]],
                 parent: "GraphBuilder | None" = None):
        self.onnx = onnx
        self.opset = opset
        self.names = taken
        self.axis_sources = axis_sources   # dynamic axis index -> (graph input name, its dim)
        self.parent = parent
        self.nodes: list = []
        self.initializers: list = []
        self._constants: dict = {}
        self._syms: dict = {}

    @property
    def root(self) -> "GraphBuilder":
        return self if self.parent is None else self.parent.root

    def fresh(self, hint: str) -> str:
        n = 0
        while f"{hint}_{n}" in self.names:
            n += 1
        self.names.add(f"{hint}_{n}")
        return f"{hint}_{n}"

    def op(self, op_type: str, inputs: Sequence[str], outputs: int = 1, **attrs) -> Any:
        """Append a node; its output name (a list of them when outputs > 1)."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, **attrs))
        return names[0] if outputs == 1 else names

    def const(self, array, hint: str = "const") -> str:
        """An initializer holding `array` (equal small constants are shared)."""
        root = self.root
        array = np.asarray(array)
        key = (array.dtype.str, array.shape, array.tobytes()) if array.size <= 64 else None
        if key is not None and key in root._constants:
            return root._constants[key]
        name = root.fresh(hint)
        root.add_initializer(name, array)
        if key is not None:
            root._constants[key] = name
        return name

    def add_initializer(self, name: str, array) -> None:
        """An initializer of the outermost graph (a subgraph sees it)."""
        self.names.add(name)
        array = np.asarray(array)  # (np.ascontiguousarray would make a 0-d array 1-d)
        self.root.initializers.append(self.onnx.numpy_helper.from_array(
            array if array.flags.c_contiguous else array.copy(), name))

    def scalar(self, value, dtype: str) -> str:
        return self.const(np.array(value, dtype=_numpy(dtype)))

    def ints(self, values: Sequence[int]) -> str:
        return self.const(np.array(list(values), dtype=np.int64), "ints")

    def size(self, s: int | Sym) -> str:
        """A 1-D int64 tensor [s]: a constant, or computed from the inputs' shapes for a Sym."""
        if not isinstance(s, Sym):
            return self.ints([s])
        if s.expr is None:
            raise OnnxExporterError(f"a size of {s.traced} in the traced graph moves with the dynamic axes in a way "
                                    f"the exporter cannot express (neither a multiple of the axes' sizes nor one "
                                    f"axis's size plus a constant)")
        return self.root._expression(json.loads(s.expr))

    def _expression(self, expr) -> str:
        """An expression over the dynamic axes' symbols (flambeau/onnx/_sizes.py) as nodes, each built once."""
        key = json.dumps(expr)
        if key in self._syms:
            return self._syms[key]
        if type(expr) is int:
            return self.ints([expr])
        if type(expr) is str:
            name, dim = self.axis_sources[int(expr[1:])]
            out = self.op("Shape", [name], start=dim, end=dim + 1)
        else:
            op, a, b = expr
            out = self.op({"+": "Add", "*": "Mul"}[op], [self._expression(a), self._expression(b)])
        self._syms[key] = out
        return out

    def shape(self, sizes: Sequence[int | Sym]) -> str:
        """A 1-D int64 tensor of `sizes`; runs of static sizes are one constant."""
        if not any(isinstance(s, Sym) for s in sizes):
            return self.ints(sizes)
        parts, run = [], []
        for s in sizes:
            if isinstance(s, Sym):
                if run:
                    parts.append(self.ints(run))
                    run = []
                parts.append(self.size(s))
            else:
                run.append(s)
        if run:
            parts.append(self.ints(run))
        return self.op("Concat", parts, axis=0)

    def cast(self, name: str, dtype: str, to: str) -> str:
        """`name` (of NumPy dtype `dtype`) as dtype `to`."""
        return name if dtype == to else self.op("Cast", [name], to=tensor_type(self.onnx, to))

    def reduce(self, op_type: str, x: str, axes: Sequence[int], keepdims: bool = True) -> str:
        """A Reduce* node over `axes`: an input from opset 18 (13 for ReduceSum), an attribute before."""
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.op(op_type, [x], axes=list(axes), keepdims=int(keepdims))

    def subgraph(self) -> "GraphBuilder":
        return GraphBuilder(self.onnx, self.opset, self.names, self.axis_sources, parent=self)

    def graph(self, name: str, inputs: list, outputs: list):
        """This builder's nodes as a GraphProto (a subgraph's body: no initializers of its own)."""
        return self.onnx.helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)

    def value_info(self, name: str, dtype: str, shape: Sequence | None):
        return self.onnx.helper.make_tensor_value_info(name, tensor_type(self.onnx, dtype), shape)


def _numpy(dtype: str) -> np.dtype:
    from ..jit._attrs import numpy_dtype
    return numpy_dtype(dtype)


def tensor_type(onnx, dtype: str) -> int:
    """ONNX's element type of a NumPy dtype name."""
    return onnx.helper.np_dtype_to_tensor_dtype(_numpy(dtype))
