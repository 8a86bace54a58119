"""flambeau.profiler: per-op events and tables, record_function ranges, memory, schedules, Chrome traces."""
import json
import os

import pytest
import torch

import flambeau
from flambeau import _dispatch
from flambeau.autograd import engine
from flambeau.profiler import ProfilerActivity, profile, record_function

BACKWARD = "autograd::engine::evaluate_function: "


def _train_step(model, x):
    loss = model(x).sum()
    loss.backward()


def _model():
    flambeau.manual_seed(0)
    return flambeau.nn.Sequential(flambeau.nn.Linear(4, 3), flambeau.nn.ReLU(), flambeau.nn.Linear(3, 2))


def _names(prof) -> set:
    return {e.key for e in prof.key_averages()}


def test_table_lists_forward_and_backward_ops():
    model, x = _model(), flambeau.randn(5, 4)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        _train_step(model, x)
    names = _names(prof)
    assert {"flambeau::MatMul", "flambeau::Relu", "flambeau::Sum"} <= names
    assert {BACKWARD + "ReluBackward0", BACKWARD + "SumBackward0", BACKWARD + "MatMulBackward0"} <= names
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=4)
    lines = table.splitlines()
    assert len(lines) == 3 + 4 + 2  # rule, titles, rule, 4 rows, rule, total
    assert lines[-1].startswith("Self CPU time total: ")
    rows = [line.strip().rsplit(None, 6) for line in lines[3:7]]  # the name may hold spaces, the numbers do not
    assert all(r[0] in names or r[0].endswith("...") and any(n.startswith(r[0][:-3]) for n in names) for r in rows)
    self_times = [_microseconds(r[2]) for r in rows]  # the Self CPU column, sorted as asked
    assert self_times == sorted(self_times, reverse=True)


def _microseconds(cell: str) -> float:
    for unit, scale in (("us", 1.0), ("ms", 1e3), ("s", 1e6)):
        if cell.endswith(unit):
            return float(cell[:-len(unit)]) * scale
    raise ValueError(cell)


def test_table_columns_are_pytorchs():
    def titles(prof, lib):
        with prof:
            lib.ones(3) * 2
        tables = (prof.key_averages(), prof.key_averages(group_by_input_shape=True))
        return [[c.strip() for c in table.table().splitlines()[1].split("  ") if c.strip()] for table in tables]
    for memory in (False, True):
        # PyTorch's non-Kineto recorder builds the same table and starts in milliseconds, not seconds
        theirs = torch.autograd.profiler.profile(use_kineto=False, profile_memory=memory, record_shapes=True)
        ours = profile(profile_memory=memory, record_shapes=True)
        assert titles(ours, flambeau) == titles(theirs, torch)


def test_times_are_consistent():
    model, x = _model(), flambeau.randn(5, 4)
    with profile() as prof:
        with record_function("step"):
            _train_step(model, x)
    events = prof.events()
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total
        assert sum(c.cpu_time_total for c in e.cpu_children) <= e.cpu_time_total + 1e-6
    top = [e for e in events if e.cpu_parent is None]
    assert [e.key for e in top] == ["step"]  # everything ran inside the range
    assert events.self_cpu_time_total == pytest.approx(top[0].cpu_time_total)
    averages = prof.key_averages()
    assert sum(a.count for a in averages) == len(events)
    assert sum(a.self_cpu_time_total for a in averages) == pytest.approx(events.self_cpu_time_total)
    for a in averages:
        assert a.cpu_time == pytest.approx(a.cpu_time_total / a.count)


def test_counts_are_the_number_of_calls():
    x, y = flambeau.randn(3), flambeau.randn(3)
    with profile() as prof:
        for _ in range(7):
            x + y
        for _ in range(3):
            x.exp()
    counts = {a.key: a.count for a in prof.key_averages()}
    assert counts == {"flambeau::Add": 7, "flambeau::Exp": 3}


def test_record_function_ranges_nest():
    @record_function("decorated")
    def work(x):
        return x * 2

    x = flambeau.ones(2)
    with profile() as prof:
        with record_function("outer"):
            with record_function("inner") as inner:
                x + 1
            work(x)
    assert isinstance(inner, record_function)
    by_name = {e.name: e for e in prof.events()}
    outer = by_name["outer"]
    assert outer.cpu_parent is None
    assert by_name["inner"].cpu_parent is outer and by_name["decorated"].cpu_parent is outer
    assert by_name["flambeau::Add"].cpu_parent is by_name["inner"]
    assert by_name["flambeau::Mul"].cpu_parent is by_name["decorated"]
    assert [c.name for c in outer.cpu_children] == ["inner", "decorated"]


def test_backward_ops_nest_in_their_node_ranges():
    x = flambeau.randn(3, requires_grad=True)
    with profile() as prof:
        (x.exp() * 3).sum().backward()
    ranges = [e for e in prof.events() if e.name.startswith(BACKWARD)]
    assert sorted(e.name[len(BACKWARD):] for e in ranges) == ["ExpBackward0", "MulBackward0", "SumBackward0"]
    exp_node = next(e for e in ranges if e.name.endswith("ExpBackward0"))
    assert [c.name for c in exp_node.cpu_children] == ["flambeau::Mul"]  # grad * exp(x)


def test_shapes_and_grouping():
    with profile(record_shapes=True) as prof:
        flambeau.ones(2, 3) + flambeau.ones(3)
        flambeau.ones(4) + flambeau.ones(4)
        flambeau.ones(4) + flambeau.ones(4)
    adds = [e for e in prof.events() if e.name == "flambeau::Add"]
    assert [e.input_shapes for e in adds] == [[[2, 3], [3]], [[4], [4]], [[4], [4]]]
    grouped = prof.key_averages(group_by_input_shape=True)
    assert sorted((a.count, str(a.input_shapes)) for a in grouped) == [(1, "[[2, 3], [3]]"), (2, "[[4], [4]]")]
    assert "Input Shapes" in grouped.table() and "Input Shapes" not in prof.key_averages().table()
    with profile() as plain:
        flambeau.ones(4) + 1
    assert all(e.input_shapes == [] for e in plain.events())


def test_memory_per_op():
    x = flambeau.ones(100)
    with profile(profile_memory=True) as prof:
        with record_function("region"):
            y = x + 1  # 400 bytes of float32
            y.reshape(10, 10)  # a view: nothing allocated
            x.double()  # 800 bytes
    by_name = {e.name: e for e in prof.events()}
    assert by_name["flambeau::Add"].cpu_memory_usage == 400
    assert by_name["flambeau::View"].cpu_memory_usage == 0
    assert by_name["flambeau::Cast"].cpu_memory_usage == 800
    assert by_name["region"].cpu_memory_usage == 1200 and by_name["region"].self_cpu_memory_usage == 0
    assert "1.17 KB" in prof.key_averages().table()
    with profile() as unmeasured:
        x + 1
    assert unmeasured.events()[0].cpu_memory_usage == 0


def test_chrome_trace(tmp_path):
    model, x = _model(), flambeau.randn(5, 4)
    with profile(record_shapes=True) as prof:
        with record_function("train"):
            _train_step(model, x)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    events = trace["traceEvents"]
    assert all(e["ph"] == "X" for e in events) and len(events) == len(prof.events())
    ops = [e for e in events if e["cat"] == "cpu_op"]
    assert len(ops) == sum(1 for e in prof.events() if e.name.startswith("flambeau::"))
    train = next(e for e in events if e["name"] == "train")
    for e in events:  # the range encloses everything, so the viewers nest it
        assert train["ts"] <= e["ts"] and e["ts"] + e["dur"] <= train["ts"] + train["dur"] + 1e-3
        assert e["pid"] == os.getpid() and e["tid"] == train["tid"]
    matmul = next(e for e in ops if e["name"] == "flambeau::MatMul")
    assert matmul["args"]["Input Dims"] == [[5, 4], [4, 3]]


def test_nothing_recorded_when_off():
    assert _dispatch.profile_hook is None and engine.profile_node is None
    x = flambeau.randn(3, requires_grad=True)
    with record_function("no profiler"):  # a no-op without a profiler
        y = (x * 2).sum()
    with profile() as prof:
        pass
    y.backward()
    flambeau.ones(2) + 1
    assert len(prof.events()) == 0
    assert _dispatch.profile_hook is None and engine.profile_node is None


def test_errors_inside_and_around_the_profiler():
    with pytest.raises(RuntimeError, match="didn't finish"):
        profile().events()
    with profile() as prof:
        with pytest.raises(RuntimeError):
            flambeau.ones(2, 3) + flambeau.ones(4)  # the failing op leaves the hook in place
        flambeau.ones(1) + 1
        with pytest.raises(RuntimeError, match="already enabled"):
            profile().start()
    assert [e.name for e in prof.events()] == ["flambeau::Add"]
    assert _dispatch.profile_hook is None


@pytest.mark.parametrize("kwargs", [dict(wait=1, warmup=1, active=2, repeat=1), dict(wait=0, warmup=2, active=1),
                                    dict(wait=2, warmup=1, active=3, repeat=2, skip_first=3),
                                    dict(wait=3, warmup=1, active=1, skip_first_wait=1)])
def test_schedule_matches_pytorch(kwargs):
    ours, theirs = flambeau.profiler.schedule(**kwargs), torch.profiler.schedule(**kwargs)
    assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)]


def test_schedule_refusals():
    with pytest.raises(AssertionError):
        flambeau.profiler.schedule(wait=0, warmup=1, active=0)
    with pytest.warns(UserWarning, match="warmup"):
        flambeau.profiler.schedule(wait=0, warmup=0, active=1)


def test_schedule_records_the_active_steps():
    traces = []

    def ready(p):
        traces.append(sorted({e.name for e in p.events() if e.name.startswith("ProfilerStep")}))
    x = flambeau.ones(2)
    sched = flambeau.profiler.schedule(wait=1, warmup=1, active=2, repeat=2)
    with profile(schedule=sched, on_trace_ready=ready) as prof:
        for _ in range(10):
            x + 1
            prof.step()
    assert traces == [["ProfilerStep#2", "ProfilerStep#3"], ["ProfilerStep#6", "ProfilerStep#7"]]
    steps = {e.name: e for e in prof.events() if e.name.startswith("ProfilerStep")}
    assert [c.name for c in steps["ProfilerStep#7"].cpu_children] == ["flambeau::Add"]


def test_tensorboard_trace_handler(tmp_path):
    with profile(on_trace_ready=flambeau.profiler.tensorboard_trace_handler(str(tmp_path), "worker0")):
        flambeau.ones(2) + 1
    (written,) = os.listdir(tmp_path)
    assert written.startswith("worker0.") and written.endswith(".pt.trace.json")
    assert json.loads((tmp_path / written).read_text())["traceEvents"][0]["name"] == "flambeau::Add"


def test_autograd_profiler_aliases():
    assert flambeau.autograd.profiler.record_function is flambeau.profiler.record_function
    x = flambeau.ones(3, requires_grad=True)
    with flambeau.autograd.profiler.profile(record_shapes=True) as prof:
        with flambeau.autograd.profiler.record_function("label"):
            (x * 2).sum().backward()
    names = [e.name for e in prof.function_events]
    assert names[:3] == ["label", "flambeau::Mul", "flambeau::Sum"]
    assert prof.self_cpu_time_total == pytest.approx(prof.function_events.self_cpu_time_total)
    assert prof.total_average().count == len(names) and "label" in prof.table()
    with flambeau.autograd.profiler.profile(enabled=False) as off:
        x * 2
    with pytest.raises(RuntimeError):
        off.key_averages()


def test_only_cpu_activity_is_recorded():
    assert flambeau.profiler.supported_activities() == {ProfilerActivity.CPU}
    assert list(ProfilerActivity.__members__) == list(torch.profiler.ProfilerActivity.__members__)
    with pytest.warns(UserWarning, match="CPU activity only"):
        prof = profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])
    with prof:
        flambeau.ones(2) * 3
    assert [e.name for e in prof.events()] == ["flambeau::Mul"]


def _double(x):
    return x * 2


def test_with_stack_records_call_sites(tmp_path):
    x = flambeau.ones(3)
    layer = flambeau.nn.Linear(3, 2)
    with profile(with_stack=True) as prof:
        _double(x)
        _double(x)
        x * 2  # a second call site of the same op
        layer(x)
    muls = [e for e in prof.events() if e.name == "flambeau::Mul"]
    here = os.path.abspath(__file__)
    assert [e.stack[0].split("): ")[1] for e in muls] == ["_double", "_double", "test_with_stack_records_call_sites"]
    assert all(e.stack[0].startswith(here + "(") for e in muls)
    matmul = next(e for e in prof.events() if e.name == "flambeau::MatMul")
    assert any("nn" in entry and entry.endswith("): forward") for entry in matmul.stack)
    by_site = prof.key_averages(group_by_stack_n=1)
    assert sorted(a.count for a in by_site if a.key == "flambeau::Mul") == [1, 2]
    assert sum(a.count for a in prof.key_averages() if a.key == "flambeau::Mul") == 3
    assert "Source Location" in by_site.table() and "Source Location" not in prof.key_averages().table()
    path = tmp_path / "stacks.txt"
    prof.export_stacks(str(path))
    lines = path.read_text().splitlines()
    assert lines and all(line.rsplit(" ", 1)[1].isdigit() and " " not in line.rsplit(" ", 1)[0] for line in lines)
    assert any(line.split(" ")[0].endswith("_double") for line in lines)  # outermost first, the op's caller last
    with pytest.raises(ValueError):
        prof.export_stacks(str(path), "cpu_memory_usage")
    with profile() as plain:
        _double(x)
    assert plain.events()[0].stack == []
