"""Passes over the built ONNX nodes: name the graph's outputs, drop what no output needs."""
from __future__ import annotations


def _read(onnx, node) -> list[str]:
    """The names a node reads, those its subgraphs (a Scan body) read from the outer graph included."""
    names = list(node.input)
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            for inner in attr.g.node:
                names += _read(onnx, inner)
    return names


def _rename(onnx, nodes, old: str, new: str) -> None:
    for node in nodes:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
        for i, name in enumerate(node.output):
            if name == old:
                node.output[i] = new
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                _rename(onnx, attr.g.node, old, new)


def name_outputs(b, results: list[str], output_names: list[str]) -> None:
    """Give each graph output its name: the node computing it is renamed, or an Identity added (an output that
    is an input, an initializer, or another output too)."""
    produced = {name for node in b.nodes for name in node.output}
    renamed: dict[str, str] = {}
    for result, name in zip(results, output_names):
        if result in produced and result not in renamed:
            _rename(b.onnx, b.nodes, result, name)
            renamed[result] = name
        else:
            b.nodes.append(b.onnx.helper.make_node("Identity", [renamed.get(result, result)], [name]))


def drop_dead(b, outputs: list[str]) -> None:
    """Remove the nodes and initializers no graph output depends on, and MaxPool's unread indices."""
    live = set(outputs)
    kept = []
    for node in reversed(b.nodes):
        if any(name in live for name in node.output):
            kept.append(node)
            live.update(_read(b.onnx, node))
    kept.reverse()
    for node in kept:
        if node.op_type == "MaxPool" and len(node.output) == 2 and node.output[1] not in live:
            del node.output[1]
    b.nodes[:] = kept
    b.initializers[:] = [t for t in b.initializers if t.name in live]
