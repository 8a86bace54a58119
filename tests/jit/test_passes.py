"""The optimisation passes of flambeau.jit (flambeau/jit/passes): each on small traced or hand-built graphs, the
optimised program's outputs against the unoptimised one's."""
import copy

import numpy as np
import pytest

import flambeau as torch
import flambeau.nn as nn
from flambeau import jit
from flambeau.jit import passes
from flambeau.jit._interpreter import GuardFailed, Program
from flambeau.jit.ir import Node, verify
from flambeau.jit.passes.fused import FUSED

BN_OPS = {"flambeau.ops.elementwise_math.Rsqrt", "flambeau.ops.elementwise.Sub", "flambeau.ops.elementwise.Mul"}


def traced(fn, *inputs):
    """A copy of the graph jit.trace records for fn(*inputs), and its constants."""
    program = next(iter(jit.trace(fn, inputs)._traces.values()))[0]
    graph = copy.deepcopy(program.graph)
    return graph, {v.name: a for v, a in zip(graph.constants, program.constants)}


def frozen_graph(model, *inputs):
    """The traced graph of `model` with its parameters and buffers turned into constants (what freeze starts from)."""
    graph, constants = traced(model, *inputs)
    state = model.state_dict()
    for key, v in graph.params.items():
        graph.constants.append(v)
        constants[key] = state[key]._data.copy()
    graph.params = {}
    return graph, constants


def run(graph, constants, *inputs):
    return Program(graph, constants).run([x._data for x in inputs], [])


def ops(graph):
    return [n.op for n in graph.nodes]


def randomize_batch_norms(model, seed=0):
    rng = np.random.default_rng(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.tensor(rng.uniform(-0.5, 0.5, c).astype(np.float32)))
            m.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, c).astype(np.float32)))
            m.weight.data.copy_(torch.tensor(rng.uniform(0.5, 1.5, c).astype(np.float32)))
            m.bias.data.copy_(torch.tensor(rng.uniform(-0.5, 0.5, c).astype(np.float32)))
    return model


def conv_bn_relu(groups=1):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(4, 6, 3, padding=1, groups=groups), nn.BatchNorm2d(6), nn.ReLU())
    return randomize_batch_norms(model).eval()


# ------------------------------------------------------------------------------------------- dead code


def test_dce_removes_an_unused_node_and_constant():
    w = torch.arange(4.0)

    def fn(x):
        (x * w).exp()   # computed, never used
        return x + 1
    x = torch.randn(4)
    graph, constants = traced(fn, x)
    expected = run(graph, constants, x)
    graph, constants = passes.eliminate_dead_code(graph, constants)
    verify(graph)
    assert ops(graph) == ["flambeau.ops.elementwise.Add"]
    assert all(np.array_equal(a, b) for a, b in zip(run(graph, constants, x), expected))
    assert len(graph.constants) == len(constants) == 1   # w's constant went with its only reader


def test_dce_keeps_the_values_guards_read():
    def fn(x):
        return x * 2 if x.sum().item() > 0 else x * 3
    graph, constants = traced(fn, torch.ones(3))
    graph, constants = passes.eliminate_dead_code(graph, constants)
    assert any(op.endswith(".Sum") for op in ops(graph))   # read by nothing but the guard
    with pytest.raises(GuardFailed):
        run(graph, constants, -torch.ones(3))   # the guard still runs on the value it reads


# ------------------------------------------------------------------------------------------ constant folding


def test_constant_folding_folds_the_constant_subgraph_only():
    w = torch.linspace(-1, 1, 5)

    def fn(x):
        return x + (w * 2).exp().transpose(0, 0)
    x = torch.randn(3, 5)
    graph, constants = traced(fn, x)
    expected = run(graph, constants, x)
    assert len(graph.nodes) > 1
    graph, constants = passes.fold_constants(graph, constants)
    verify(graph)
    assert ops(graph) == ["flambeau.ops.elementwise.Add"]   # the node that reads the input stays
    assert np.array_equal(run(graph, constants, x)[0], expected[0])
    folded = graph.nodes[0].inputs[1]
    assert np.array_equal(constants[folded.name], np.exp(w._data * 2))


# ---------------------------------------------------------------------------- common subexpressions


def test_cse_merges_identical_nodes():
    def fn(x):
        return x.exp() * 2 + x.exp() * 2
    x = torch.randn(4)
    graph, constants = traced(fn, x)
    expected = run(graph, constants, x)
    graph, constants = passes.eliminate_common_subexpressions(graph, constants)
    verify(graph)
    assert sum("Exp" in op for op in ops(graph)) == 1 and sum("Mul" in op for op in ops(graph)) == 1
    assert np.array_equal(run(graph, constants, x)[0], expected[0])


def test_cse_never_merges_random_draws_or_in_place_writes():
    x = torch.randn(2, 3)
    graph, constants = traced(lambda a: a.exp(), x)
    v = graph.nodes[0].outputs[0]

    def twin(op, attrs, name):
        return Node(op, [v], [type(v)(name, v.type)], attrs)
    dropout = "flambeau.ops.dropout.Dropout"
    graph.nodes += [twin(dropout, [0.5], "d0"), twin(dropout, [0.5], "d1"),
                    twin(FUSED, [[["relu", None, True, []]], 0, True], "f0"),
                    twin(FUSED, [[["relu", None, True, []]], 0, True], "f1")]
    graph.outputs = [graph.nodes[i].outputs[0] for i in (1, 2, 3, 4)]
    verify(graph)
    graph, _ = passes.eliminate_common_subexpressions(graph, constants)
    assert len(graph.nodes) == 5
    graph.outputs = []
    graph, _ = passes.eliminate_dead_code(graph, constants)
    assert [n.outputs[0].name for n in graph.nodes] == ["v0", "d0", "d1", "f0", "f1"]   # impure: never dead


# ------------------------------------------------------------------------------------ conv + bn folding


@pytest.mark.parametrize("groups", [1, 2])
def test_conv_bn_folding_matches_and_leaves_no_batch_norm(groups):
    model = conv_bn_relu(groups)
    x = torch.randn(2, 4, 6, 6)
    graph, constants = passes.fold_constants(*frozen_graph(model, x))
    assert BN_OPS & set(ops(graph))
    expected = run(graph, constants, x)[0]
    graph, constants = passes.fold_conv_bn(graph, constants)
    graph, constants = passes.eliminate_dead_code(graph, constants)
    verify(graph)
    assert not BN_OPS & set(ops(graph))
    assert [op.rsplit(".", 1)[1] for op in ops(graph)] == ["Conv", "Add", "Relu"]
    assert not any("running" in v.name for v in graph.constants)
    np.testing.assert_allclose(run(graph, constants, x)[0], expected, rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        np.testing.assert_allclose(run(graph, constants, x)[0], model(x)._data, rtol=1e-5, atol=1e-6)


def test_conv_bn_folding_leaves_what_is_not_per_channel():
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3)
    w = torch.randn(4)   # broadcasts along the width, not the channels

    def fn(x):
        return conv(x) * w
    x = torch.randn(1, 2, 6, 6)
    graph, constants = passes.fold_constants(*traced(fn, x))   # the layer's weights are the trace's constants
    expected = run(graph, constants, x)[0]
    graph, constants = passes.fold_conv_bn(graph, constants)
    verify(graph)
    assert ops(graph) == ["flambeau.ops.conv.Conv", "flambeau.ops.elementwise.Add", "flambeau.ops.elementwise.Mul"]
    np.testing.assert_allclose(run(graph, constants, x)[0], expected, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------------- max pooling values


@pytest.mark.parametrize("pool", [nn.MaxPool2d(3, 2, 1), nn.MaxPool2d(2, 2, ceil_mode=True), nn.MaxPool2d(3, 1, 1, 2)])
def test_max_pool_values_only_equals_index_and_gather(pool):
    x = torch.randn(2, 3, 7, 7)
    x[0, 0, 1, 1] = float("nan")   # NaN wins its windows, as with the index
    graph, constants = traced(pool, x)
    assert ops(graph) == ["flambeau.ops.pool.MaxPoolIndex", "flambeau.ops.pool.PlaneGather"]
    expected = run(graph, constants, x)[0]
    graph, constants = passes.pool_values_only(graph, constants)
    verify(graph)
    assert ops(graph) == ["flambeau.jit.passes.max_pool.MaxPoolValues"]
    np.testing.assert_array_equal(run(graph, constants, x)[0], expected)


def test_max_pool_keeps_its_index_where_it_is_returned():
    x = torch.randn(1, 2, 4, 4)
    graph, constants = traced(nn.MaxPool2d(2, return_indices=True), x)
    graph, constants = passes.pool_values_only(graph, constants)
    assert "flambeau.ops.pool.MaxPoolIndex" in ops(graph)


# ------------------------------------------------------------------------------------------------ fusion


def chain(x, y):
    return torch.relu((x @ y) * y[0] + 1).sigmoid().tanh().neg() / torch.clamp(x, -0.5, 0.5).exp()


def test_fusion_makes_one_fused_node_per_chain_with_the_exact_output():
    x, y = torch.randn(3, 4), torch.randn(4, 4)
    graph, constants = traced(chain, x, y)
    expected = run(graph, constants, x, y)[0]
    graph, constants = passes.fuse_elementwise(graph, constants)
    verify(graph)
    # clamp().exp() and the main chain, which reads it as an operand
    names = [op.rsplit(".", 1)[1] for op in ops(graph)]
    assert names == ["MatMul", "BasicIndex", "FusedElementwise", "FusedElementwise"]
    assert np.array_equal(run(graph, constants, x, y)[0], expected)
    graph, constants = passes.plan_memory(graph, constants)
    assert [n.attrs[2] for n in graph.nodes if n.op == FUSED] == [False, True]   # the main chain overwrites x @ y
    assert np.array_equal(run(graph, constants, x, y)[0], expected)


def test_fusion_chain_ends_where_the_value_broadcasts_to_a_bigger_shape():
    def fn(x):
        return ((x + 1).relu() + torch.ones(2, 3)).exp()
    x = torch.randn(3)
    graph, constants = traced(fn, x)
    expected = run(graph, constants, x)[0]
    graph, constants = passes.fuse_elementwise(graph, constants)
    verify(graph)
    steps = [[step[0] for step in n.attrs[0]] for n in graph.nodes]
    assert ops(graph) == [FUSED, FUSED] and steps == [["add", "relu"], ["add", "exp"]]
    assert np.array_equal(run(graph, constants, x)[0], expected)


@pytest.mark.parametrize("shape", [(1, 8, 192, 192), (4, 8, 96, 96)])   # split along the channels, the batch
def test_fused_and_pooled_rows_on_two_threads_equal_one_thread(shape):
    threads = torch.get_num_threads()
    x = torch.randn(*shape)   # over 2 * 2**17 elements: two threads share the rows
    # no matmul in the model: BLAS itself rounds differently on one and two threads
    model = nn.Sequential(nn.Hardtanh(-0.5, 0.5), nn.MaxPool2d(3, 2, 1)).eval()
    graph, constants = traced(lambda t: model(t * 1.5 + 0.25).sigmoid() * t[:, :, ::2, ::2], x)
    try:
        torch.set_num_threads(1)
        expected = run(graph, constants, x)[0]
        graph, constants, _ = passes.run_passes(graph, constants)
        assert {FUSED, passes.max_pool.VALUES} <= set(ops(graph))
        torch.set_num_threads(2)
        np.testing.assert_array_equal(run(graph, constants, x)[0], expected)
    finally:
        torch.set_num_threads(threads)


# ------------------------------------------------------------------------------------ channels-last layout

CL = passes.channels_last


class _Block(nn.Module):
    """A 3-channel stem, then a residual block of 16-channel 3x3 layers, max pooling, a grouped layer and a
    1x1 one: what moves to channels-last and what stays."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.a = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                               nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16))
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.grouped = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.pointwise = nn.Conv2d(16, 16, 1)
        self.last = nn.Conv2d(16, 24, 3, stride=2)

    def forward(self, x):
        y = self.stem(x)
        y = self.pool(torch.relu(self.a(y) + y) * 0.5)
        return self.last(self.pointwise(self.grouped(y)).relu()), y.mean((2, 3))


def block():
    torch.manual_seed(0)
    return randomize_batch_norms(_Block()).eval()


def test_channels_last_moves_runs_of_layers_and_converts_only_at_their_ends():
    model = block()
    x = torch.randn(2, 3, 12, 12)
    graph, constants = frozen_graph(model, x)
    names = [name for name, _ in passes.FREEZE_PASSES]
    before = passes.FREEZE_PASSES[:names.index("channels-last layout")]
    graph, constants, _ = passes.run_passes(graph, constants, before)
    expected = run(graph, constants, x)
    graph, constants = passes.to_channels_last(graph, constants)
    graph, constants = passes.eliminate_dead_code(graph, constants)
    verify(graph)
    short = [op.rsplit(".", 1)[1] for op in ops(graph)]
    # the stem (3 channels) stays; the block's two 3x3 layers, its fused chains and the pooling move; the pooled
    # value goes back once for the grouped layer and the mean; the 1x1 layer then stays; the last 3x3 moves
    # and its output, a graph output, goes back
    assert short.count("ChannelsLastConv") == 3 and short.count("ChannelsLastMaxPool") == 1
    assert short.count("ToChannelsFirst") == 2 and short.count("ToChannelsLast") == 2
    assert short.count("Conv") == 3
    assert not any(n.op == "flambeau.ops.conv.Conv" and n.inputs[0].type.shape[-1] == 16 and
                   n.inputs[0].type.shape[1] != 16 for n in graph.nodes)
    got = run(graph, constants, x)
    for a, b in zip(got, expected):
        assert a.shape == b.shape and a.flags.c_contiguous
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    with torch.no_grad():
        for a, b in zip(got, model(x)):
            np.testing.assert_allclose(a, b._data, rtol=1e-4, atol=1e-5)


def test_channels_last_frozen_model_serves_other_batches_and_guards_its_shapes(tmp_path):
    model = block()
    frozen = jit.freeze(jit.trace(model, torch.randn(2, 3, 12, 12)))
    assert any(n.op == CL.CL_CONV for n in frozen.graph.nodes)
    moved = [g for g in frozen.graph.guards if g.what == "shape" and g.value.name.endswith("_cl0")]
    assert moved and all(g.expected[-1] == g.value.type.shape[-1] for g in moved)   # channels last, as the value
    jit.save(frozen, tmp_path / "m.pt")
    loaded = jit.load(tmp_path / "m.pt")
    for batch in (3, 5):
        x = torch.randn(batch, 3, 12, 12)
        with torch.no_grad():
            want = model(x)
        for f in (frozen, loaded):
            for a, b in zip(f(x), want):
                np.testing.assert_allclose(a._data, b._data, rtol=1e-4, atol=1e-5)
    with pytest.raises(Exception, match="shape|size|guard|trace"):
        loaded(torch.randn(2, 3, 10, 10))


def test_channels_last_leaves_other_dtypes_and_graphs_without_such_layers():
    torch.manual_seed(0)
    x = torch.randn(2, 16, 6, 6, dtype=torch.float16)
    conv = nn.Conv2d(16, 4, 3).half().eval()
    graph, constants = frozen_graph(conv, x)
    before = ops(graph)
    graph, constants = passes.to_channels_last(graph, constants)
    assert ops(graph) == before and "flambeau.ops.conv.Conv" in before


@pytest.mark.parametrize("kernel,stride,padding,dilation,dtype", [
    (3, 1, 1, 1, torch.float32), (3, 2, 1, 1, torch.float32), (5, 1, 2, 1, torch.float32), (3, 1, 2, 2, torch.float64),
    (3, 2, 0, 1, torch.float64), ((3, 1), (2, 1), (1, 0), 1, torch.float32)])
def test_channels_last_depthwise_runs_take_the_pointwise_layers_along(kernel, stride, padding, dilation, dtype):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(16, 24, 1), nn.ReLU6(),                     # 1x1 on a plain input: stays
                          nn.Conv2d(24, 24, kernel, stride, padding, dilation, groups=24), nn.BatchNorm2d(24),
                          nn.ReLU6(), nn.Conv2d(24, 8, 1))                      # reads a channels-last value: moves
    model = randomize_batch_norms(model).to(dtype).eval()
    x = torch.randn(3, 16, 9, 10, dtype=dtype)
    frozen = jit.freeze(jit.trace(model, x))
    short = [op.rsplit(".", 1)[1] for op in ops(frozen.graph)]
    assert short.count("ChannelsLastDepthwise") == 1 and short.count("ChannelsLastConv") == 1
    assert short.count("Conv") == 1 and short.count("ToChannelsFirst") == 1
    for batch in (3, 4):
        x = torch.randn(batch, 16, 9, 10, dtype=dtype)
        with torch.no_grad():
            np.testing.assert_allclose(frozen(x)._data, model(x)._data, rtol=1e-5, atol=1e-5)


def test_freeze_without_numerics_passes_rounds_as_the_trace():
    model = block()
    x = torch.randn(2, 3, 12, 12)
    traced_model = jit.trace(model, x)
    frozen = jit.freeze(traced_model, optimize_numerics=False)
    assert not {CL.CL_CONV, CL.TO_FIRST} & set(ops(frozen.graph))
    assert "flambeau.ops.conv.Conv" in ops(frozen.graph)
    for a, b in zip(frozen(x), traced_model(x)):
        np.testing.assert_array_equal(a._data, b._data)


# --------------------------------------------------------------------------------------- memory planning


def test_memory_plan_reuses_buffers_and_keeps_outputs():
    model = conv_bn_relu()
    seq = nn.Sequential(model, nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 6, 3, padding=1),
                        nn.Sigmoid()).eval()
    x = torch.randn(2, 4, 8, 8)
    graph, constants = frozen_graph(seq, x)
    expected = run(graph, constants, x)[0]
    graph, constants, _ = passes.run_passes(graph, constants)
    plan = passes.memory_plan(graph)
    assert plan.peak_bytes < plan.naive_bytes
    assert len(plan.in_place) == 3 and "peak" in str(plan)
    np.testing.assert_allclose(run(graph, constants, x)[0], expected, rtol=1e-5, atol=1e-6)


def test_no_in_place_write_into_a_value_read_later_or_returned():
    def fn(x):
        a = x.exp()
        b = (a + 1).relu()      # a is read again below: b may not overwrite it
        return b * a, a         # and a is an output
    x = torch.randn(5)
    graph, constants = traced(fn, x)
    expected = run(graph, constants, x)
    graph, constants = passes.fuse_elementwise(graph, constants)
    graph, constants = passes.plan_memory(graph, constants)
    assert not any(n.attrs[2] for n in graph.nodes if n.op == FUSED and n.inputs[n.attrs[1]].name == "v0")
    got = run(graph, constants, x)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_pass_manager_reports_each_pass():
    x = torch.randn(1, 4, 5, 5)
    graph, constants = frozen_graph(conv_bn_relu(), x)
    graph, constants, reports = passes.run_passes(graph, constants)
    assert [r.name for r in reports] == [name for name, _ in passes.FREEZE_PASSES]
    assert reports[0].nodes[1] < reports[0].nodes[0]          # constant folding removed the weight-only nodes
    assert all(a.nodes[1] == b.nodes[0] for a, b in zip(reports, reports[1:]))
    assert "nodes" in str(reports[1])
