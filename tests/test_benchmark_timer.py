"""flambeau.utils.benchmark: Timer's measurements, and Measurement's summary and repr against PyTorch's."""
import pytest
import torch
import torch.utils.benchmark as tb

import flambeau
import flambeau.utils.benchmark as fb
from oracle import check_raises


def test_a_10ms_sleep_measures_10ms():
    m = fb.Timer("time.sleep(0.01)", setup="import time").blocked_autorange(min_run_time=0.1)
    assert min(m.times) >= 0.0099  # sleep never wakes early
    assert m.median < 0.03  # and a loaded machine wakes it late, but not by 20 ms for the median
    assert sum(m.raw_times) >= 0.1


def test_timeit_runs_the_statement_as_pytorch_does():
    counts = []
    for lib in (tb, fb):
        calls = []
        m = lib.Timer("calls.append(1)", globals={"calls": calls}).timeit(300)
        counts.append(len(calls))
        assert m.number_per_run == 300 and len(m.times) == 1 and m.times[0] == m.raw_times[0] / 300
    assert counts[0] == counts[1]


def test_blocked_autorange_blocks():
    calls, blocks = [], []
    m = fb.Timer("calls.append(1)", globals={"calls": calls}).blocked_autorange(
        callback=lambda number, spent: blocks.append((number, spent)), min_run_time=0.05)
    assert blocks == [(m.number_per_run, t) for t in m.raw_times]
    assert m.number_per_run * len(m.raw_times) <= len(calls)
    assert sum(m.raw_times) >= 0.05
    assert m.mean == pytest.approx(sum(m.times) / len(m.times))


def test_adaptive_autorange_stops_when_confident_or_out_of_time():
    m = fb.Timer("x + 1", globals={"x": flambeau.ones(4)}).adaptive_autorange(threshold=0.1, max_run_time=0.3)
    assert len(m.times) >= 4 or sum(m.raw_times) > 0.3
    assert m.meets_confidence(0.1) or sum(m.raw_times) > 0.3


def test_torch_in_the_namespace_is_flambeau():
    seen = []
    fb.Timer("seen.append(torch.ones(2))", globals={"seen": seen}).timeit(1)
    assert type(seen[0]) is flambeau.Tensor
    own = []
    fb.Timer("own.append(torch)", globals={"own": own, "torch": "mine"}).timeit(1)
    assert own[0] == "mine"


def test_num_threads_applies_while_measuring():
    before = flambeau.get_num_threads()
    wanted = 2 if before != 2 else 1
    seen = []
    fb.Timer("seen.append(torch.get_num_threads())", globals={"seen": seen}, num_threads=wanted).timeit(1)
    assert set(seen) == {wanted} and flambeau.get_num_threads() == before


def test_refusals():
    check_raises(lambda t: (tb if t is torch else fb).Timer(stmt=lambda: None))


def _spec(lib, **kwargs):
    return lib.TaskSpec(**{"stmt": "x + y", "setup": "pass", **kwargs})


@pytest.mark.parametrize("raw_times, number", [([1.2e-3], 10), ([0.5, 0.52, 0.51], 100), ([3e-6] * 6, 1),
                                               ([1.0, 1.1, 1.05, 1.5, 2.0, 0.9, 1.2, 1.3], 1000),
                                               ([10.0, 10.5, 11.0, 12.3, 10.2], 1)])
@pytest.mark.parametrize("spec", [{}, dict(label="add", sub_label="[4]", description="flambeau", num_threads=2),
                                  dict(stmt="a = 1\nb = a + 1", setup="import math\nx = 2", sub_label="two"),
                                  dict(setup="import time", description="d")])
def test_measurement_matches_pytorch(raw_times, number, spec):
    theirs = tb.Measurement(number, raw_times, _spec(tb, **spec))
    ours = fb.Measurement(number, raw_times, _spec(fb, **spec))
    assert repr(ours).splitlines()[1:] == repr(theirs).splitlines()[1:]  # all but the object's address
    for name in ("median", "mean", "iqr"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-12)
    for name in ("significant_figures", "has_warnings", "title", "times", "as_row_name", "env", "num_threads"):
        assert getattr(ours, name) == getattr(theirs, name)
    assert ours.meets_confidence(0.05) == theirs.meets_confidence(0.05)


def test_merge_and_select_unit():
    a, b = (fb.Measurement(10, [1.0, 2.0], _spec(fb)), fb.Measurement(5, [1.0], _spec(fb)))
    (merged,) = fb.Measurement.merge([a, b])
    assert merged.number_per_run == 1 and merged.times == [0.1, 0.2, 0.2]
    for t in (3e-9, 4.5e-7, 2e-5, 0.3, 12.0):
        assert fb.select_unit(t) == tb.select_unit(t)


def _results(lib):
    """Measurements with fixed times across labels, sub_labels, descriptions, threads and envs (replicates too)."""
    def m(times, number=1, **spec):
        return lib.Measurement(number, times, _spec(lib, **spec))
    return [m([1.2e-6, 1.3e-6, 1.25e-6, 1.22e-6], label="add", sub_label="1", description="a"),
            m([5.0e-6, 5.1e-6, 9e-6, 5.05e-6], label="add", sub_label="1", description="b"),
            m([12e-6, 12.5e-6], label="add", sub_label="100", description="a"),
            m([24e-6, 33e-6, 25e-6, 24.5e-6, 60e-6], label="add", sub_label="100", description="b", num_threads=2),
            m([3e-3], label="mul", sub_label="x", description="a", env="env1"),
            m([4e-3, 4.1e-3], label="mul", sub_label="y", description="a", env="env2"),
            m([0.5e-3], label="mul", sub_label="y", description="c", env="env2"),
            m([1.3e-6], 10, label="add", sub_label="1", description="a")]


COMPARE_OPTIONS = {
    "plain": [], "trimmed": [("trim_significant_figures",)], "coloured by column": [("colorize",)],
    "coloured by row": [("colorize", True)], "warnings highlighted": [("highlight_warnings",)],
    "all": [("trim_significant_figures",), ("colorize",), ("highlight_warnings",)],
}


@pytest.mark.parametrize("options", COMPARE_OPTIONS, ids=list(COMPARE_OPTIONS))
def test_compare_prints_pytorchs_tables(options):
    tables = []
    for lib in (tb, fb):
        compare = lib.Compare(_results(lib))
        for method, *args in COMPARE_OPTIONS[options]:
            getattr(compare, method)(*args)
        tables.append(str(compare))
    assert tables[1] == tables[0]


def test_compare_from_timers_and_refusals(capsys):
    x = flambeau.ones(8)
    results = [fb.Timer(stmt, globals={"x": x}, label="ops", sub_label="8", description=stmt).timeit(20)
               for stmt in ("x + 1", "x * 2")]
    fb.Compare(results).print()
    printed = capsys.readouterr().out
    assert printed.startswith("[") and " ops " in printed.splitlines()[0]
    assert "x + 1" in printed and "x * 2" in printed and printed.count("|") == 4
    check_raises(lambda t: (tb if t is torch else fb).Compare([1.0]))
    assert fb.trim_sigfig(3.14159, 2) == pytest.approx(3.1) and fb.trim_sigfig(25.000000000000004, 1) == 20
