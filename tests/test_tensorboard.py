"""flambeau.utils.tensorboard against torch.utils.tensorboard and TensorBoard's own readers.

Every logging call runs through both SummaryWriters on the same data; the event files must hold the
same Event protos, wall times aside. TensorBoard's EventAccumulator then reads flambeau's files back.
"""
import io
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from google.protobuf import text_format
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.compat.proto import types_pb2
from tensorboard.plugins.hparams import api_pb2, metadata as hparams_metadata
from tensorboard.util.tensor_util import make_ndarray
from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter

import flambeau
from flambeau.utils.tensorboard import SummaryWriter

WRITERS = {flambeau: SummaryWriter, torch: TorchSummaryWriter}


def _data(*shape, seed=0):
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


def _runs(log_dir):
    """{run directory relative to log_dir: its events as text protos, wall times zeroed}."""
    runs = {}
    for directory, _, files in os.walk(log_dir):
        for name in sorted(f for f in files if f.startswith("events.out.tfevents")):
            events = []
            for event in LegacyEventFileLoader(os.path.join(directory, name)).Load():
                event.wall_time = 0
                events.append(text_format.MessageToString(event))
            runs.setdefault(os.path.relpath(directory, log_dir), []).extend(events)
    return runs


def _log_with_both(tmp_path, log, **writer_args):
    """Run log(writer, lib) with flambeau's and torch's writers; return both trees of runs."""
    trees = []
    for lib, writer_class in WRITERS.items():
        log_dir = tmp_path / lib.__name__
        with writer_class(str(log_dir), **writer_args) as writer:
            log(writer, lib)
        trees.append(_runs(log_dir))
    return trees


# Each case logs with `w`, building its tensors with `T` (flambeau or torch) from NumPy data.
CASES = {
    "scalar_float": lambda w, T: w.add_scalar("loss", 0.25, 3),
    "scalar_int_numpy_tensor": lambda w, T: (w.add_scalar("a", 7, 0), w.add_scalar("a", np.float32(1.5), 1),
                                             w.add_scalar("a", T.tensor([2.5]), 2),
                                             w.add_scalar("a", T.tensor(3, dtype=T.int64), np.int64(4))),
    "scalar_new_style": lambda w, T: (w.add_scalar("s", T.tensor(0.1), 1, new_style=True),
                                      w.add_scalar("d", T.tensor(0.1, dtype=T.float64), 1, new_style=True,
                                                   double_precision=True)),
    "scalar_walltime": lambda w, T: w.add_scalar("t", 1.0, 5, walltime=1234.5),
    "scalars": lambda w, T: [w.add_scalars("run/loss", {"train": T.tensor(step / 3), "val": step}, step)
                             for step in range(3)],
    "histogram_tensorflow_bins": lambda w, T: w.add_histogram("h", T.tensor(_data(1000) * 4 - 2), 1),
    "histogram_integers": lambda w, T: w.add_histogram("h", T.arange(-5, 20), 0),
    "histogram_bin_count": lambda w, T: w.add_histogram("h", T.tensor(_data(50)), 0, bins=7),
    "histogram_numpy_rules": lambda w, T: [w.add_histogram(rule, _data(300) ** 2, 0, bins=rule)
                                           for rule in ("auto", "fd", "sturges", "doane", "sqrt")],
    "histogram_edges": lambda w, T: w.add_histogram("h", T.tensor(_data(40)), 0, bins=[0.0, 0.3, 0.5, 1.0]),
    "histogram_max_bins": lambda w, T: w.add_histogram("h", T.tensor(_data(400, 2)), 0, bins=64, max_bins=5),
    "histogram_one_value": lambda w, T: w.add_histogram("h", T.full((4,), 2.0, dtype=T.float64), 0),
    "histogram_raw": lambda w, T: w.add_histogram_raw("r", 0.0, 4.0, 6, 10.0, 22.0, [1.0, 2.0, 4.0], [1, 2, 3], 9),
    "image_chw_float": lambda w, T: w.add_image("img", T.tensor(_data(3, 5, 7)), 2),
    "image_hwc_uint8": lambda w, T: w.add_image("img", T.tensor(_data(5, 4, 4) * 255).to(T.uint8), 0,
                                                dataformats="HWC"),
    "image_hw_and_grey": lambda w, T: (w.add_image("hw", T.tensor(_data(6, 3)), 0, dataformats="HW"),
                                       w.add_image("grey", T.tensor(_data(1, 6, 3)), 0),
                                       w.add_image("lower", T.tensor(_data(6, 3, 1)), 0, dataformats="hwc")),
    "image_clipped": lambda w, T: w.add_image("img", T.tensor(_data(3, 4, 4) * 3 - 1), 0),
    "images_nchw_grid": lambda w, T: w.add_images("batch", T.tensor(_data(10, 3, 4, 5)), 1),
    "images_nhwc_grey": lambda w, T: (w.add_images("nhwc", T.tensor(_data(3, 4, 5, 3)), 0, dataformats="NHWC"),
                                      w.add_images("n1hw", T.tensor(_data(2, 1, 4, 5)), 0)),
    "image_with_boxes": lambda w, T: w.add_image_with_boxes(
        "boxes", T.tensor(_data(3, 32, 48)), T.tensor([[2.0, 3.0, 20.0, 25.0], [10.0, 4.0, 40.0, 30.0]]), 0,
        labels=["cat", "dog"]),
    "text": lambda w, T: (w.add_text("note", "**hello** ünïcode", 4), w.add_text("note", "", 5)),
    "hparams": lambda w, T: w.add_hparams(
        {"lr": 0.01, "layers": 3, "opt": "adam", "bn": True, "dropout": None, "wd": T.tensor([0.5])},
        {"hparam/accuracy": 0.75, "hparam/loss": T.tensor(0.5)},
        hparam_domain_discrete={"opt": ["adam", "sgd"], "layers": [2, 3]}, run_name="trial0", global_step=7),
    "pr_curve": lambda w, T: w.add_pr_curve("pr", T.tensor(_data(200, seed=1) > 0.5), T.tensor(_data(200)), 3),
    "pr_curve_weights_and_cap": lambda w, T: (
        w.add_pr_curve("w", T.tensor(_data(60, seed=1) > 0.3), T.tensor(_data(60)), 0, num_thresholds=9,
                       weights=_data(60, seed=2)),
        w.add_pr_curve("cap", _data(60, seed=1) > 0.3, _data(60), 0, num_thresholds=500)),
    "pr_curve_raw": lambda w, T: w.add_pr_curve_raw("raw", *[_data(5, seed=k) for k in range(6)], 1,
                                                    num_thresholds=5),
    "audio": lambda w, T: (w.add_audio("sound", T.tensor(np.sin(np.arange(400) / 7)), 0, sample_rate=8000),
                           w.add_audio("loud", _data(1, 100) * 4 - 2, 1)),
    "tensor": lambda w, T: [w.add_tensor(dtype, T.tensor(_data(2, 3) * 10 - 5).to(getattr(T, dtype)), 0)
                            for dtype in ("float32", "float64", "int8", "int16", "int32", "int64", "bool",
                                          "complex64", "complex128")],
    "mesh": lambda w, T: (w.add_mesh("cloud", T.tensor(_data(1, 5, 3)), colors=T.tensor(_data(1, 5, 3) * 255).int(),
                                     faces=T.tensor([[[0, 1, 2], [2, 3, 4]]]), global_step=1,
                                     config_dict={"camera": {"fov": 75}}),
                          w.add_mesh("points", T.tensor(_data(2, 4, 3)))),
    "custom_scalars": lambda w, T: (w.add_custom_scalars_multilinechart(["a", "b"], "cat", "both"),
                                    w.add_custom_scalars_marginchart(["m", "lo", "hi"]),
                                    w.add_custom_scalars({"x": {"y": ["Multiline", ["z"]]}})),
}


@pytest.mark.parametrize("case", list(CASES))
def test_same_events_as_torch(tmp_path, case):
    ours, theirs = _log_with_both(tmp_path, CASES[case])
    assert ours == theirs
    assert sum(len(events) for events in ours.values()) > 1  # more than the file-version event


def test_purge_step_and_filename_suffix_as_torch(tmp_path):
    ours, theirs = _log_with_both(tmp_path, lambda w, T: w.add_scalar("x", 1.0, 12), purge_step=10,
                                  filename_suffix=".v1")
    assert ours == theirs
    assert "session_log" in ours["."][2]
    assert all(name.endswith(".v1") for name in os.listdir(tmp_path / "flambeau"))


def test_pr_curve_takes_tensor_weights(tmp_path):
    labels, predictions, weights = _data(30, seed=1) > 0.5, _data(30), _data(30, seed=2)
    trees = []
    for name, w in (("tensor", flambeau.tensor(weights)), ("numpy", weights)):
        with SummaryWriter(tmp_path / name) as writer:
            writer.add_pr_curve("pr", flambeau.tensor(labels), predictions, 0, num_thresholds=11, weights=w)
        trees.append(_runs(tmp_path / name))
    assert trees[0] == trees[1]


def test_embedding_files_as_torch(tmp_path):
    def log(w, T):
        w.add_embedding(T.tensor(_data(6, 3)), metadata=list("abcdef"), label_img=T.tensor(_data(6, 3, 4, 4)))
        w.add_embedding(_data(4, 2), metadata=[[1, "x"], [2, "y"], [3, "z"], [4, "w"]], global_step=3,
                        tag="a/b", metadata_header=["n", "name"])
    _log_with_both(tmp_path, log)
    trees = []
    for lib in WRITERS:
        root = tmp_path / lib.__name__
        trees.append({os.path.relpath(os.path.join(d, f), root): open(os.path.join(d, f), "rb").read()
                      for d, _, files in os.walk(root) for f in files if not f.startswith("events.")})
    assert trees[0] == trees[1]
    assert "00003/a%2fb/metadata.tsv" in trees[0] and "00000/default/sprite.png" in trees[0]


def test_figure_as_torch_or_needs_matplotlib(tmp_path):
    try:
        import matplotlib
    except ImportError:
        with pytest.raises(ImportError, match="pip install matplotlib"):
            SummaryWriter(str(tmp_path)).add_figure("fig", object())
        return
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    def log(w, T):
        figure = plt.figure(figsize=(2, 1))
        plt.plot([0, 1, 3])
        w.add_figure("fig", figure, 1)
    ours, theirs = _log_with_both(tmp_path, log)
    assert ours == theirs


def _accumulator(log_dir):
    accumulator = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0, "histograms": 0,
                                                                "tensors": 0})
    return accumulator.Reload()


def test_scalars_read_back(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(5):
            writer.add_scalar("loss", flambeau.tensor(1.0 / (step + 1)), step, walltime=100.0 + step)
        writer.add_scalars("acc", {"train": 0.5, "val": np.float64(0.25)}, 9, walltime=50.0)
        big = flambeau.tensor(1e5, dtype=flambeau.bfloat16)  # beyond float16, where PyTorch's value goes
        writer.add_scalar("bf16", big, 0)
    events = _accumulator(tmp_path).Scalars("loss")
    assert [e.step for e in events] == list(range(5))
    assert [e.wall_time for e in events] == [100.0 + step for step in range(5)]
    np.testing.assert_allclose([e.value for e in events], [1.0 / (step + 1) for step in range(5)], rtol=1e-7)
    assert _accumulator(tmp_path).Scalars("bf16")[0].value == big.item() == 99840.0
    for sub_run, value in (("acc_train", 0.5), ("acc_val", 0.25)):
        (event,) = _accumulator(tmp_path / sub_run).Scalars("acc")
        assert (event.step, event.wall_time, event.value) == (9, 50.0, value)


def test_histogram_read_back(tmp_path):
    values = np.array([-1.0, 0.0, 0.0, 2.5, 3.0])
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("h", flambeau.tensor(values), 4, bins=[-2.0, 0.5, 1.0, 2.0, 4.0])
    (event,) = _accumulator(tmp_path).Histograms("h")
    histogram = event.histogram_value
    assert event.step == 4
    assert (histogram.min, histogram.max, histogram.num) == (-1.0, 3.0, 5)
    assert (histogram.sum, histogram.sum_squares) == (4.5, 1.0 + 6.25 + 9.0)
    # Right edges only: an empty bucket ending at -2 carries the left edge; (1, 2] is empty but inside.
    assert list(histogram.bucket_limit) == [-2.0, 0.5, 1.0, 2.0, 4.0]
    assert list(histogram.bucket) == [0, 3, 0, 0, 2]


def test_images_read_back(tmp_path):
    pixels = np.random.default_rng(3).integers(0, 256, (2, 5, 7, 3), dtype=np.uint8)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("uint8", pixels[0], 1, dataformats="HWC")
        writer.add_image("float", flambeau.tensor(pixels[1].transpose(2, 0, 1) / 255.0), 2)
        writer.add_images("grid", flambeau.tensor(pixels.transpose(0, 3, 1, 2)), 3)
    accumulator = _accumulator(tmp_path)

    def decoded(tag):
        (event,) = accumulator.Images(tag)
        assert (event.height, event.width) == Image.open(io.BytesIO(event.encoded_image_string)).size[::-1]
        return np.asarray(Image.open(io.BytesIO(event.encoded_image_string)))
    np.testing.assert_array_equal(decoded("uint8"), pixels[0])
    np.testing.assert_array_equal(decoded("float"), pixels[1])
    np.testing.assert_array_equal(decoded("grid"), np.concatenate([pixels[0], pixels[1]], axis=1))


@pytest.mark.parametrize("batch, rows, cols", [(3, 1, 4), (5, 2, 4)])
def test_video_read_back(tmp_path, batch, rows, cols):
    # Eight colours at most, so the GIF palette holds every pixel exactly.
    clips = np.random.default_rng(batch).integers(0, 2, (batch, 4, 3, 2, 3), dtype=np.uint8) * 255
    with SummaryWriter(tmp_path) as writer:
        writer.add_video("clip", flambeau.tensor(clips), 1, fps=4)
    (event,) = _accumulator(tmp_path).Images("clip")
    gif = Image.open(io.BytesIO(event.encoded_image_string))
    assert (gif.n_frames, gif.info["duration"], event.height, event.width) == (4, 250, 2 * rows, 3 * cols)
    padded = np.concatenate([clips, np.zeros((rows * cols - batch, 4, 3, 2, 3), np.uint8)])
    for t in range(4):
        gif.seek(t)
        grid = np.concatenate([np.concatenate([padded[r * cols + c, t].transpose(1, 2, 0) for c in range(cols)], 1)
                               for r in range(rows)], 0)
        np.testing.assert_array_equal(np.asarray(gif.convert("RGB")), grid)


def test_text_read_back(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "line *one*\n\nünïcode", 6)
    (event,) = _accumulator(tmp_path).Tensors("notes/text_summary")
    assert event.step == 6
    assert event.tensor_proto.string_val == ["line *one*\n\nünïcode".encode()]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "uint8", "float32", "int64", "bool", "complex64"])
def test_tensor_read_back(tmp_path, dtype):
    values = flambeau.tensor(_data(3, 2) * 100 - 50).to(getattr(flambeau, dtype))
    with SummaryWriter(tmp_path) as writer:
        writer.add_tensor("t", values, 2)
    (event,) = _accumulator(tmp_path).Tensors("t")
    # float16, bfloat16 and uint8 read back right here, unlike PyTorch's (float32 bits in half_val, uint32_val).
    if dtype == "bfloat16":  # TensorBoard's reader has no NumPy bfloat16: decode the bit patterns by hand
        proto = event.tensor_proto
        read = np.array(proto.half_val, np.uint16).view(values.numpy().dtype).reshape(3, 2)
        assert proto.dtype == types_pb2.DT_BFLOAT16
    else:
        read = make_ndarray(event.tensor_proto)
    assert read.shape == (3, 2) and read.dtype.name == dtype
    np.testing.assert_array_equal(read, values.numpy())


def test_hparams_read_back(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams({"lr": 0.1, "opt": "sgd", "wd": flambeau.tensor(0.5)}, {"score": 0.8},
                           hparam_domain_discrete={"opt": ["sgd", "adam"]}, run_name="trial")
    accumulator = _accumulator(tmp_path / "trial")
    content = accumulator.PluginTagToContent(hparams_metadata.PLUGIN_NAME)
    experiment = hparams_metadata.parse_experiment_plugin_data(content[hparams_metadata.EXPERIMENT_TAG])
    assert [(info.name, info.type) for info in experiment.hparam_infos] == [("lr", api_pb2.DATA_TYPE_FLOAT64),
                                                                             ("opt", api_pb2.DATA_TYPE_STRING),
                                                                             ("wd", api_pb2.DATA_TYPE_FLOAT64)]
    assert [v.string_value for v in experiment.hparam_infos[1].domain_discrete.values] == ["sgd", "adam"]
    assert [info.name.tag for info in experiment.metric_infos] == ["score"]
    start = hparams_metadata.parse_session_start_info_plugin_data(content[hparams_metadata.SESSION_START_INFO_TAG])
    assert (start.hparams["lr"].number_value, start.hparams["opt"].string_value) == (0.1, "sgd")
    assert start.hparams["wd"].number_value == 0.5  # a 0-d tensor, which PyTorch cannot log
    end = hparams_metadata.parse_session_end_info_plugin_data(content[hparams_metadata.SESSION_END_INFO_TAG])
    assert end.status == api_pb2.STATUS_SUCCESS
    np.testing.assert_allclose(accumulator.Scalars("score")[0].value, 0.8, rtol=1e-7)


def test_flush_close_reopen_and_logdir(tmp_path, monkeypatch):
    writer = SummaryWriter(tmp_path / "run")
    assert writer.get_logdir() == tmp_path / "run"
    writer.add_scalar("x", 1.0, 0)
    writer.flush()
    assert [e.value for e in _accumulator(tmp_path / "run").Scalars("x")] == [1.0]
    writer.close()
    writer.close()
    writer.add_scalar("x", 2.0, 1)  # logging after close opens a second event file
    writer.close()
    assert len(os.listdir(tmp_path / "run")) == 2
    assert [e.value for e in _accumulator(tmp_path / "run").Scalars("x")] == [1.0, 2.0]
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as default:
        assert default.get_logdir().startswith("runs" + os.sep) and default.get_logdir().endswith("_lr0.1")
    assert len(os.listdir(tmp_path / default.get_logdir())) == 1


# Bad input: the same exception type from both libraries.
ERRORS = {
    "scalar_two_values": lambda w, T: w.add_scalar("x", T.tensor([1.0, 2.0])),
    "scalar_list": lambda w, T: w.add_scalar("x", [1.0]),
    "image_wrong_rank": lambda w, T: w.add_image("x", T.tensor(_data(4, 4))),
    "image_repeated_axis": lambda w, T: w.add_image("x", T.tensor(_data(3, 4, 4)), dataformats="HHW"),
    "images_four_channels": lambda w, T: w.add_images("x", T.tensor(_data(2, 4, 3, 3))),
    "histogram_empty": lambda w, T: w.add_histogram("x", T.tensor([])),
    "histogram_raw_lengths": lambda w, T: w.add_histogram_raw("x", 0, 1, 2, 1, 1, [1.0, 2.0], [2]),
    "hparams_not_dict": lambda w, T: w.add_hparams([("lr", 0.1)], {}),
    "hparams_bad_value": lambda w, T: w.add_hparams({"lr": [0.1]}, {}),
    "hparams_bad_domain": lambda w, T: w.add_hparams({"opt": "sgd"}, {}, hparam_domain_discrete={"opt": [1]}),
    "margin_chart_tags": lambda w, T: w.add_custom_scalars_marginchart(["a", "b"]),
    "video_not_5d": lambda w, T: w.add_video("x", T.tensor(_data(2, 3, 4, 4))),
    "embedding_not_2d": lambda w, T: w.add_embedding(T.tensor(_data(2, 3, 4))),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_raises_as_torch(tmp_path, case):
    raised = []
    for lib, writer_class in WRITERS.items():
        with writer_class(str(tmp_path / lib.__name__)) as writer:
            with pytest.raises(Exception) as info:
                ERRORS[case](writer, lib)
        raised.append(info.type)
    assert raised[0] is raised[1]


def test_add_graph_names_the_missing_jit(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(NotImplementedError, match="flambeau.jit"):
            writer.add_graph(flambeau.nn.Linear(2, 2), flambeau.zeros(1, 2))


def test_tensorboard_is_optional():
    script = """
import sys
import flambeau, flambeau.utils
assert "tensorboard" not in sys.modules, "import flambeau pulled in tensorboard"
sys.modules["tensorboard"] = None  # as if it were not installed
try:
    import flambeau.utils.tensorboard
except ImportError as e:
    print(e)
"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "pip install tensorboard" in result.stdout
