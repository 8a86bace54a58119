"""jit.script's control flow -> ONNX: prim.If as If, prim.Loop as Loop, their blocks as subgraphs.

The IR's control flow has ONNX's semantics (flambeau/jit/ir.py), so the translation is one node each; a block's
nodes are translated like the graph's, into a subgraph that reads the outer graph's values by name.
"""
from __future__ import annotations


def _block(t, block, moved: list, inputs: list, condition_first: bool = False):
    """`block` as a GraphProto with the value infos `inputs`. Its outputs are Identities of the block's (ONNX
    computes a subgraph's outputs in it); a Loop body's first, its condition, is cast to bool."""
    outer = t.b
    t.b = sub = outer.subgraph()
    try:
        t.nodes(block.nodes, [m.nodes for m in moved])
        t.flush()
        outs = []
        for k, v in enumerate(block.outputs):
            name, dtype = t.name_of(v.name), v.type.dtype
            if condition_first and k == 0:
                name, dtype = sub.cast(name, dtype, "bool"), "bool"
            outs.append(sub.value_info(sub.op("Identity", [name]), dtype, None))
    finally:
        t.b = outer
    return sub.graph("block", inputs, outs)


def translate_if(t, node, moved: list) -> list[str]:
    """moved: the node in the traces at moved sizes (flambeau/onnx/_translate.py)."""
    b = t.b
    cond = b.cast(t.name_of(node.inputs[0].name), node.inputs[0].type.dtype, "bool")
    then, other = (_block(t, block, [m.blocks[k] for m in moved], []) for k, block in enumerate(node.blocks))
    outs = b.op("If", [cond], outputs=len(node.outputs), then_branch=then, else_branch=other)
    return outs if isinstance(outs, list) else [outs]


def translate_loop(t, node, moved: list) -> list[str]:
    """ONNX's body also takes the condition as an input, which the IR's body does not read."""
    b = t.b
    (body,) = node.blocks
    count, cond, *initial = node.inputs
    names = [b.fresh(v.name) for v in body.inputs]
    for k, (v, name) in enumerate(zip(body.inputs, names)):
        t.names[v.name] = name
        t.types[v.name] = (t.sized(v.type.shape, [m.blocks[0].inputs[k].type.shape for m in moved], "loop body"),
                           v.type.dtype)
    inputs = [b.value_info(names[0], "int64", []), b.value_info(b.fresh("cond_in"), "bool", [])]
    inputs += [b.value_info(name, v.type.dtype, None) for v, name in zip(body.inputs[1:], names[1:])]
    graph = _block(t, body, [m.blocks[0] for m in moved], inputs, condition_first=True)
    trip_count = b.op("Reshape", [b.cast(t.name_of(count.name), count.type.dtype, "int64"), b.ints([])])
    outs = b.op("Loop", [trip_count, b.cast(t.name_of(cond.name), cond.type.dtype, "bool"),
                         *[t.name_of(v.name) for v in initial]], outputs=len(node.outputs), body=graph)
    return outs if isinstance(outs, list) else [outs]


CONTROL = {"prim.If": translate_if, "prim.Loop": translate_loop}
