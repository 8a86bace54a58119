"""Recording a graph at the dispatch point: the tracer observes every op, read and in-place write.

A tensor is known by its array (ops rewrap arrays, so the Tensor object is not its identity), together
with its version counter: a tensor written in place behind the tracer's back (its version moved) is
refused rather than replayed with its old value.

Dynamic dims (flambeau/jit/_symbolic.py): the inputs' dims named by `symbols` are symbols; every value keeps its
dims as ints or expressions over them. Tensor.shape of a traced tensor gives SymInts for its symbolic dims; a size
argument of a reshape, view or expand that a SymInt computed is recorded as its expression; a captured constant
of one value whose shape holds such sizes (torch.zeros(batch, n)) becomes a Full node. A dim of an op's output is
the first expression among the op's size arguments, its inputs' dims and the symbols that has its size (a guess
where sizes coincide): reading the shape of a computed value therefore adds a "shape" guard, checked at run time,
so a guess never reaches a replay unchecked. Whether a trace holds for other sizes at all is for the caller to
check (flambeau/jit/_dynamic.py traces again at other sizes and compares).
"""
from __future__ import annotations

import linecache
import os
import sys

from .. import _dispatch
from .._tensor import Size, Tensor
from ..ops.shape import Expand, Reshape
from . import _symbolic
from ._attrs import UnserializableArgument, encode
from ._interpreter import read_value
from ._symbolic import SymInt, evaluate, text
from .ir import Graph, Guard, Node, Type, Value

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_PLUMBING = tuple(_PACKAGE + f for f in ("_tensor.py", "_dispatch.py", "ops" + os.sep, "jit" + os.sep))


class Tracer(_dispatch.Observer):
    def __init__(self, params: dict[str, Tensor], symbols: dict | None = None):
        self.symbols = symbols or {}  # (input index, axis) -> the symbol naming that dim
        self.sizes: dict = {}       # symbol -> its size in this trace
        self.dims: dict = {}        # value name -> its dims (ints and expressions)
        self.computed: set = set()  # the values nodes compute whose shape no guard checks yet
        self.by_size: dict = {}     # size -> the expression of the latest SymInt of that size
        self.pinned: dict = {}      # symbol -> the source line that used it as a Python number
        self.graph = Graph()
        self.constants: dict = {}   # constant value name -> array
        self.known: dict = {}       # id(array) -> (array, Value, version counter, version)
        self.names = set(params)    # the parameters are named by their keys; other values get fresh names
        self.counts: dict = {}      # prefix -> the next number to try
        self.state: list = []       # (what, tensor, its version when the trace began)
        for key, t in params.items():
            self.graph.params[key] = self._bind(t, key)
            self.state.append((f"parameter or buffer {key!r}", t, t._vc[0]))

    def _bind(self, t: Tensor, name: str, dims: tuple | None = None) -> Value:
        a = t._data
        dims = tuple(a.shape) if dims is None else dims
        v = Value(name, Type(tuple(d if d.__class__ is int else text(d) for d in dims), a.dtype.name, str(t.device)))
        self.dims[name] = dims
        self.known[id(a)] = (a, v, t._vc, t._vc[0])
        return v

    def _fresh(self, prefix: str) -> str:
        """The first of prefix0, prefix1, ... that names no value yet."""
        n = self.counts.get(prefix, 0)
        while f"{prefix}{n}" in self.names:
            n += 1
        self.counts[prefix] = n + 1
        self.names.add(f"{prefix}{n}")
        return f"{prefix}{n}"

    def add_input(self, t: Tensor) -> None:
        i = len(self.graph.inputs)
        self.state.append((f"input {i}", t, t._vc[0]))
        dims = tuple(self.symbols.get((i, axis), n) for axis, n in enumerate(t._data.shape))
        for d, n in zip(dims, t._data.shape):
            if d.__class__ is str:
                self.sizes[d] = n
        self.graph.inputs.append(self._bind(t, self._fresh("input"), dims))

    def check_state_unchanged(self) -> None:
        """A replay computes outputs only: a write into the inputs or the module's state would be lost."""
        for what, t, version in self.state:
            if t._vc[0] != version:
                raise RuntimeError(f"jit.trace: the traced code wrote into {what} in place (batch norm's running "
                                   f"statistics in training mode?); a replay would not: trace in eval mode")

    def lookup(self, t: Tensor) -> Value | None:
        """The value of a tensor the trace knows (None otherwise); refuses one written behind its back."""
        entry = self.known.get(id(t._data))
        if entry is None or entry[0] is not t._data:
            return None
        if entry[2][0] != entry[3]:
            raise RuntimeError(f"jit.trace: a tensor of shape {list(t.shape)} was written in place after it was "
                               f"computed (a view of a tensor written in place, or a write the tracer does not "
                               f"see); tracing cannot replay it")
        return entry[1]

    def value_of(self, t: Tensor) -> Value:
        """A known tensor's value; any other tensor becomes a constant captured now."""
        v = self.lookup(t)
        if v is None:
            a = t._data
            dims = tuple(self._size_expr(n) for n in a.shape)
            if a.size and dims != a.shape and (a == a.flat[0]).all():  # torch.zeros(batch, n), zeros_like
                return self._full(t, dims)
            v = self._bind(t, self._fresh("c"))
            self.graph.constants.append(v)
            self.constants[v.name] = a.copy()
        return v

    def _full(self, t: Tensor, dims: tuple) -> Value:
        a = t._data
        size = tuple(SymInt(n, d) if d.__class__ is not int else n for n, d in zip(a.shape, dims))
        attrs = [encode(x, self._array_name) for x in (size, a.flat[0], a.dtype)]
        v = self._bind(t, self._fresh("v"), dims)
        self.computed.add(v.name)
        self.graph.nodes.append(Node(f"{_symbolic.Full.__module__}.Full", [], [v], attrs))
        return v

    def on_op(self, prim, inputs: tuple, args: tuple):
        ins = [self.value_of(t) for t in inputs]
        name = f"{prim.__module__}.{prim.__qualname__}"
        try:
            attrs = [encode(a, self._array_name) for a in args]
        except UnserializableArgument as e:
            self.check_state_unchanged()  # a write into state before this op says more (training batch norm)
            raise RuntimeError(f"jit.trace: primitive {name} has an argument that cannot be saved ({e}); "
                               f"trace arguments must be numbers, strings, None, dtypes, slices and tuples of them")
        if self.by_size and issubclass(prim, (Reshape, Expand)):
            attrs = [self._sized(a) for a in attrs]  # the sizes arrive as plain ints (operator.index)
        out = _dispatch.run_observed(self, prim, inputs, args)
        dims = tuple(out._data.shape)
        if self.sizes:
            inferred = _inferred(self.dims[ins[0].name], attrs[0]) if issubclass(prim, Reshape) else None
            dims = self._dims(dims, attrs if inferred is None else [{"sym": inferred}, *attrs], ins)
        v = self._bind(out, self._fresh("v"), dims)
        self.computed.add(v.name)
        self.graph.nodes.append(Node(name, ins, [v], attrs))
        return out

    def _sized(self, attr):
        """A size argument with each int that a SymInt computed replaced by its expression."""
        if attr.__class__ is int and attr > 1 and attr in self.by_size:
            return {"sym": self.by_size[attr]}
        if attr.__class__ is dict and "tuple" in attr:
            return {"tuple": [self._sized(a) for a in attr["tuple"]]}
        return attr

    def _dims(self, shape: tuple, attrs: list, ins: list) -> tuple:
        """An output's dims: each the first expression of the op's sizes, its inputs' dims and the symbols that
        has its size; sizes 0 and 1 stay ints (they broadcast: a match would say nothing)."""
        candidates = _expressions(attrs) + [d for v in ins for d in self.dims[v.name] if d.__class__ is not int]
        candidates += list(self.sizes)
        dims = []
        for n in shape:
            dims.append(next((e for e in candidates if n > 1 and evaluate(e, self.sizes) == n), n))
        return tuple(dims)

    # ------------------------------------------------------------------ symbolic sizes
    def shape_of(self, t: Tensor) -> Size:
        """Tensor.shape while this tracer records: SymInts for the dims that depend on the symbols."""
        a = t._data
        entry = self.known.get(id(a))
        if entry is None or entry[0] is not a:
            return Size(a.shape)
        v = entry[1]
        dims = self.dims[v.name]
        if v.name in self.computed:
            self.computed.discard(v.name)
            self.graph.guards.append(Guard(v, "shape", list(dims), _source_line()))
        return Size(n if d.__class__ is int else SymInt(n, d) for n, d in zip(a.shape, dims))

    def _size_expr(self, n: int):
        """The expression of the latest SymInt of size n, else the symbol of that size, else n itself."""
        if n < 2:
            return n
        return self.by_size.get(n) or next((s for s, size in self.sizes.items() if size == n), n)

    def note(self, n: SymInt) -> None:
        """A SymInt was made: a size argument of the same value is taken to be it."""
        self.by_size[int.__int__(n)] = n.expr

    def pin(self, symbols: set) -> None:
        """`symbols` were used as Python numbers: the trace holds for their sizes only."""
        for s in symbols:
            self.pinned.setdefault(s, _source_line())

    def _array_name(self, a) -> str:
        """The value of an array argument (max pooling's argmax, an index tensor's array)."""
        entry = self.known.get(id(a))
        if entry is None or entry[0] is not a:
            raise UnserializableArgument(f"an array of shape {list(a.shape)} that is no tensor of the trace")
        return entry[1].name

    def on_read(self, t: Tensor, what: str) -> None:
        v = self.lookup(t)
        if v is not None and v.name not in self.constants:
            self.graph.guards.append(Guard(v, what, read_value(t._data, what), _source_line()))

    def on_random(self) -> None:
        raise RuntimeError(f"jit.trace: a random draw at {_source_line()} would be replayed with the same numbers "
                           f"on every call; trace in eval mode (dropout), or pass random tensors as inputs")

    def on_inplace(self, t: Tensor, result: Tensor) -> None:
        if t._base is not None:
            raise RuntimeError("jit.trace: an in-place write into a view is not supported yet")
        if result._data.shape != t._data.shape or result._data.dtype != t._data.dtype:
            raise RuntimeError("jit.trace: an in-place write that broadcasts or casts is not supported yet")
        v = self.value_of(result)
        self.known[id(t._data)] = (t._data, v, t._vc, t._vc[0])


def _inferred(dims: tuple, target) -> object:
    """The size a -1 in a reshape's target stands for, as an expression (None where none is found): the product
    of the input's dims with the target's other sizes taken out."""
    sizes = target.get("tuple") if target.__class__ is dict else None
    if sizes is None or sizes.count(-1) != 1:
        return None
    have, take = _factors(list(dims)), _factors([d["sym"] if d.__class__ is dict else d for d in sizes if d != -1])
    whole, part = 1, 1
    for f in have:
        whole *= f if f.__class__ is int else 1
    for f in take:
        if f.__class__ is int:
            part *= f
        elif f in have:
            have.remove(f)
        else:
            return None
    if part == 0 or whole % part:
        return None
    product = whole // part
    for f in have:
        if f.__class__ is not int:
            product = f if product == 1 else ["*", product, f]
    return product


def _factors(exprs: list) -> list:
    """The factors of a product of expressions: ints, symbols and the expressions that are no products."""
    out = []
    for e in exprs:
        out += _factors([e[1], e[2]]) if e.__class__ is list and e[0] == "*" else [e]
    return out


def _expressions(attr) -> list:
    """The size expressions in an encoded argument, in order."""
    if attr.__class__ is list:
        return [e for a in attr for e in _expressions(a)]
    if attr.__class__ is dict:
        (tag, body), = attr.items()
        return [body] if tag == "sym" else _expressions(body if tag != "dict" else list(body.values()))
    return []


def _source_line() -> str:
    """The innermost line outside the tensor, dispatch and ops plumbing: the code that read or drew."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PLUMBING):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    path, line = frame.f_code.co_filename, frame.f_lineno
    return f"{path}:{line}: {linecache.getline(path, line).strip()}"
