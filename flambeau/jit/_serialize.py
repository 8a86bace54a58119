"""A Graph <-> JSON data. Reading checks every field's type, then runs the verifier: a file that does not
describe a well-formed graph is refused before anything runs."""
from __future__ import annotations

from typing import Any

from ._attrs import decode, numpy_dtype
from ._symbolic import check
from .ir import Graph, Guard, Node, Type, Value, verify


def graph_to_json(graph: Graph) -> dict:
    value = _value_to_json
    return {"inputs": [value(v) for v in graph.inputs],
            "params": [[key, value(v)] for key, v in graph.params.items()],
            "constants": [value(v) for v in graph.constants],
            **_body_to_json(graph), "input_spec": graph.input_spec, "output_spec": graph.output_spec}


def _body_to_json(graph: Graph) -> dict:
    """Nodes, outputs and guards: what a graph and a control-flow block have in common."""
    return {"nodes": [_node_to_json(n) for n in graph.nodes], "outputs": [v.name for v in graph.outputs],
            "guards": [{"value": g.value.name, "what": g.what, "expected": g.expected, "where": g.where}
                       for g in graph.guards]}


def _node_to_json(n: Node) -> dict:
    data = {"op": n.op, "inputs": [v.name for v in n.inputs], "outputs": [_value_to_json(v) for v in n.outputs],
            "attrs": n.attrs}
    if n.blocks:  # control flow (prim.If, prim.Loop); a primitive's node has no "blocks" key
        data["blocks"] = [{"inputs": [_value_to_json(v) for v in b.inputs], **_body_to_json(b)} for b in n.blocks]
    return data


def _value_to_json(v: Value) -> dict:
    return {"name": v.name, "shape": list(v.type.shape), "dtype": v.type.dtype, "device": v.type.device}


class _Reader:
    def __init__(self) -> None:
        self.values: dict[str, Value] = {}

    def value(self, data: Any) -> Value:
        _expect(isinstance(data, dict) and set(data) == {"name", "shape", "dtype", "device"}, "a value", data)
        _expect(isinstance(data["name"], str) and isinstance(data["shape"], list) and
                all(type(s) in (int, str) for s in data["shape"]) and isinstance(data["dtype"], str) and
                isinstance(data["device"], str), "a value", data)
        numpy_dtype(data["dtype"])  # an unknown dtype is refused here
        v = Value(data["name"], Type(tuple(data["shape"]), data["dtype"], data["device"]))
        self.values.setdefault(v.name, v)
        return v

    def ref(self, name: Any) -> Value:
        _expect(isinstance(name, str), "a value name", name)
        if name not in self.values:
            raise ValueError(f"value %{name} is used before it is defined")
        return self.values[name]


    def body(self, graph: Graph, data: dict) -> None:
        """Read the nodes, outputs and guards of a graph or a block into `graph`."""
        for n in data["nodes"]:
            _expect(isinstance(n, dict) and set(n) - {"blocks"} == {"op", "inputs", "outputs", "attrs"} and
                    isinstance(n["op"], str) and isinstance(n["inputs"], list) and isinstance(n["outputs"], list)
                    and isinstance(n["attrs"], list) and isinstance(n.get("blocks", []), list), "a node", n)
            for a in n["attrs"]:
                decode(a, lambda name, _: self.ref(name))  # a malformed argument is refused now, not when it runs
            node = Node(n["op"], [self.ref(v) for v in n["inputs"]], [], n["attrs"])
            for b in n.get("blocks", []):
                _expect(isinstance(b, dict) and set(b) == {"inputs", "nodes", "outputs", "guards"} and
                        all(isinstance(b[k], list) for k in b), "a block", b)
                block = Graph(inputs=[self.value(v) for v in b["inputs"]])
                self.body(block, b)
                node.blocks.append(block)
            node.outputs = [self.value(v) for v in n["outputs"]]
            graph.nodes.append(node)
        graph.outputs = [self.ref(v) for v in data["outputs"]]
        for g in data["guards"]:
            _expect(isinstance(g, dict) and set(g) == {"value", "what", "expected", "where"} and
                    g["what"] in ("item", "tolist", "bool", "numpy", "shape") and isinstance(g["where"], str),
                    "a guard", g)
            if g["what"] == "shape":  # sizes: ints and expressions (flambeau/jit/_symbolic.py)
                _expect(isinstance(g["expected"], list), "a list of sizes", g["expected"])
                for size in g["expected"]:
                    check(size)
            graph.guards.append(Guard(self.ref(g["value"]), g["what"], g["expected"], g["where"]))


def graph_from_json(data: Any) -> Graph:
    keys = {"inputs", "params", "constants", "nodes", "outputs", "guards", "input_spec", "output_spec"}
    _expect(isinstance(data, dict) and set(data) == keys, "a graph", data)
    for key in keys - {"input_spec", "output_spec"}:
        _expect(isinstance(data[key], list), f"a list of {key}", data[key])
    r = _Reader()
    graph = Graph(inputs=[r.value(v) for v in data["inputs"]])
    for item in data["params"]:
        _expect(isinstance(item, list) and len(item) == 2 and isinstance(item[0], str), "a parameter", item)
        graph.params[item[0]] = r.value(item[1])
    graph.constants = [r.value(v) for v in data["constants"]]
    r.body(graph, data)
    graph.input_spec, graph.output_spec = data["input_spec"], data["output_spec"]
    _check_spec(graph.input_spec, len(graph.inputs))
    _check_spec(graph.output_spec, len(graph.outputs))
    verify(graph)
    return graph


def _check_spec(spec: Any, count: int) -> None:
    """The spec's tensor leaves are exactly 0..count-1, each once."""
    seen: list[int] = []

    def walk(s: Any) -> None:
        _expect(isinstance(s, dict) and len(s) == 1, "an input or output spec", s)
        (tag, body), = s.items()
        if tag == "tensor":
            _expect(type(body) is int, "a tensor index", body)
            seen.append(body)
        elif tag in ("tuple", "list"):
            _expect(isinstance(body, list), "a list of specs", body)
            for child in body:
                walk(child)
        elif tag == "dict":
            _expect(isinstance(body, dict), "a dict of specs", body)
            for child in body.values():
                walk(child)
        else:
            _expect(tag == "leaf", "an input or output spec", s)

    walk(spec)
    _expect(sorted(seen) == list(range(count)), f"a spec holding tensors 0..{count - 1}", spec)


def _expect(ok: bool, what: str, data: Any) -> None:
    if not ok:
        text = repr(data)
        raise ValueError(f"expected {what}, found {text if len(text) < 80 else text[:77] + '...'}")
