"""SummaryWriter: log scalars, histograms, images, text and hyperparameters for TensorBoard."""
from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

from google.protobuf import text_format
from tensorboard.compat import tf
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary
from ._convert import make_np
from ._embedding import embedding_info, write_embedding
from ._histogram import tensorflow_bins
from ._image import figure_to_image

__all__ = ["FileWriter", "SummaryWriter"]


class FileWriter:
    """Writes Event protobufs to one event file in `log_dir`, in a background thread (tensorboard's own)."""

    def __init__(self, log_dir: str | os.PathLike, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_event(self, event: Event, step: int | None = None, walltime: float | None = None) -> None:
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)  # a NumPy or tensor step would not fit the int64 field
        self.event_writer.add_event(event)

    def add_summary(self, summary: Summary, global_step: int | None = None, walltime: float | None = None) -> None:
        self.add_event(Event(summary=summary), global_step, walltime)

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self.event_writer.close()

    def reopen(self) -> None:
        self.event_writer.reopen()


class SummaryWriter:
    """Writes event files for TensorBoard under `log_dir` (default runs/<date>_<host><comment>)."""

    def __init__(self, log_dir: str | os.PathLike | None = None, comment: str = "", purge_step: int | None = None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = "") -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: FileWriter | None = None
        self.all_writers: dict[str, FileWriter] | None = None
        self._projector_config = ProjectorConfig()  # every add_embedding so far
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        """The run's writer, opened again after close(); it first records purge_step once, if set."""
        if self.file_writer is None or self.all_writers is None:
            self.file_writer = self._new_writer(self.log_dir)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                # A SessionLog START at step s tells TensorBoard to drop the events from s on
                # that an earlier, crashed run left behind.
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                start = SessionLog(status=SessionLog.START)
                self.file_writer.add_event(Event(step=self.purge_step, session_log=start))
                self.purge_step = None
        return self.file_writer

    def _new_writer(self, log_dir: str | os.PathLike) -> FileWriter:
        return FileWriter(log_dir, self.max_queue, self.flush_secs, self.filename_suffix)

    def _write(self, summary_proto: Summary, global_step: int | None, walltime: float | None) -> None:
        self._get_file_writer().add_summary(summary_proto, global_step, walltime)

    def get_logdir(self) -> str | os.PathLike:
        """The directory the event files are written to."""
        return self.log_dir

    def add_hparams(self, hparam_dict: dict[str, Any], metric_dict: dict[str, Any],
                    hparam_domain_discrete: dict[str, list[Any]] | None = None, run_name: str | None = None,
                    global_step: int | None = None) -> None:
        """Log one trial's hyperparameters and metrics, in a sub-run `run_name` (default: the time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        summaries = summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        log_dir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=log_dir) as trial:
            for proto in summaries:
                trial._write(proto, global_step, None)
            for tag, value in metric_dict.items():
                trial.add_scalar(tag, value, global_step)

    def add_scalar(self, tag: str, scalar_value: Any, global_step: int | None = None, walltime: float | None = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Log one number (a Python number, a one-element tensor or array)."""
        self._write(summary.scalar(tag, scalar_value, new_style, double_precision), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict[str, Any], global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Log several numbers on one chart: each goes to its own sub-run '<log_dir>/<main_tag>_<tag>'."""
        walltime = time.time() if walltime is None else walltime
        run_dir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            sub_run = run_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            if sub_run not in self.all_writers:
                self.all_writers[sub_run] = self._new_writer(sub_run)
            self.all_writers[sub_run].add_summary(summary.scalar(main_tag, value), global_step, walltime)

    def add_tensor(self, tag: str, tensor: Any, global_step: int | None = None,
                   walltime: float | None = None) -> None:
        """Log a whole tensor, values and dtype kept, for the tensor plugin."""
        self._write(summary.tensor_proto(tag, tensor), global_step, walltime)

    def add_histogram(self, tag: str, values: Any, global_step: int | None = None, bins: Any = "tensorflow",
                      walltime: float | None = None, max_bins: int | None = None) -> None:
        """Log the histogram of `values`; bins: 'tensorflow' (TensorBoard's buckets), edges, a count or a
        NumPy rule ('auto', 'fd', 'sturges', ...)."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = tensorflow_bins()
        self._write(summary.histogram(tag, values, bins, max_bins=max_bins), global_step, walltime)

    def add_histogram_raw(self, tag: str, min: float, max: float, num: int, sum: float, sum_squares: float,
                          bucket_limits: Any, bucket_counts: Any, global_step: int | None = None,
                          walltime: float | None = None) -> None:
        """Log a histogram computed elsewhere: right bucket edges and their counts."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        proto = summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts)
        self._write(proto, global_step, walltime)

    def add_image(self, tag: str, img_tensor: Any, global_step: int | None = None, walltime: float | None = None,
                  dataformats: str = "CHW") -> None:
        """Log an image laid out as CHW, HWC or HW: floats in [0, 1] or uint8 in [0, 255]."""
        self._write(summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_images(self, tag: str, img_tensor: Any, global_step: int | None = None, walltime: float | None = None,
                   dataformats: str = "NCHW") -> None:
        """Log a batch of images (NCHW, NHWC, ...) tiled into one grid, eight to a row."""
        self._write(summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_image_with_boxes(self, tag: str, img_tensor: Any, box_tensor: Any, global_step: int | None = None,
                             walltime: float | None = None, rescale: float = 1, dataformats: str = "CHW",
                             labels: list[str] | str | None = None) -> None:
        """Log an image with (xmin, ymin, xmax, ymax) boxes drawn on it; labels are dropped unless one per box."""
        if isinstance(labels, str):
            labels = [labels]
        if labels is not None and len(labels) != box_tensor.shape[0]:
            labels = None
        proto = summary.image_boxes(tag, img_tensor, box_tensor, rescale=rescale, dataformats=dataformats,
                                    labels=labels)
        self._write(proto, global_step, walltime)

    def add_figure(self, tag: str, figure: Any, global_step: int | None = None, close: bool = True,
                   walltime: float | None = None) -> None:
        """Log a rendered matplotlib figure, or a list of figures as a grid (needs matplotlib)."""
        dataformats = "NCHW" if isinstance(figure, list) else "CHW"
        self.add_image(tag, figure_to_image(figure, close), global_step, walltime, dataformats=dataformats)

    def add_video(self, tag: str, vid_tensor: Any, global_step: int | None = None, fps: float = 4,
                  walltime: float | None = None) -> None:
        """Log clips (B x T x C x H x W, uint8 or floats in [0, 1]) as one animated GIF."""
        self._write(summary.video(tag, vid_tensor, fps), global_step, walltime)

    def add_audio(self, tag: str, snd_tensor: Any, global_step: int | None = None, sample_rate: int = 44100,
                  walltime: float | None = None) -> None:
        """Log a mono clip of samples in [-1, 1]."""
        self._write(summary.audio(tag, snd_tensor, sample_rate=sample_rate), global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log a string; TensorBoard renders it as markdown."""
        self._write(summary.text(tag, text_string), global_step, walltime)

    def add_graph(self, model: Any, input_to_model: Any = None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """Not available yet: drawing a model's graph needs it captured by flambeau.jit."""
        raise NotImplementedError("SummaryWriter.add_graph traces the model with the JIT, and flambeau.jit "
                                  "does not exist yet; the graph capture comes with it.")

    def add_embedding(self, mat: Any, metadata: list[Any] | None = None, label_img: Any = None,
                      global_step: int | None = None, tag: str = "default",
                      metadata_header: list[str] | None = None) -> None:
        """Log N points (an N x D matrix) for the projector, with optional labels and NCHW thumbnails."""
        mat = make_np(mat)
        global_step = 0 if global_step is None else global_step
        subdir = f"{str(global_step).zfill(5)}/{_escape(tag)}"
        run_dir = self._get_file_writer().get_logdir()
        save_path = os.path.join(run_dir, subdir)
        if not tf.io.gfile.exists(save_path):
            tf.io.gfile.makedirs(save_path)
        elif tf.io.gfile.isdir(save_path):
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        else:
            raise NotADirectoryError(f"Path: `{save_path}` exists, but is a file. Cannot proceed.")
        images = None if label_img is None else make_np(label_img)
        write_embedding(save_path, mat, metadata, images, metadata_header)
        # The config file is rewritten whole each time: remote file systems cannot append.
        info = embedding_info(tag, global_step, subdir, metadata is not None, images)
        self._projector_config.embeddings.append(info)
        config = text_format.MessageToString(self._projector_config).encode()
        with tf.io.gfile.GFile(os.path.join(run_dir, "projector_config.pbtxt"), "wb") as f:
            f.write(config)

    def add_pr_curve(self, tag: str, labels: Any, predictions: Any, global_step: int | None = None,
                     num_thresholds: int = 127, weights: Any = None, walltime: float | None = None) -> None:
        """Log the precision-recall curve of `predictions` in [0, 1] against the true `labels`."""
        self._write(summary.pr_curve(tag, labels, predictions, num_thresholds, weights), global_step, walltime)

    def add_pr_curve_raw(self, tag: str, true_positive_counts: Any, false_positive_counts: Any,
                         true_negative_counts: Any, false_negative_counts: Any, precision: Any, recall: Any,
                         global_step: int | None = None, num_thresholds: int = 127, weights: Any = None,
                         walltime: float | None = None) -> None:
        """Log a precision-recall curve from precomputed counts (`weights` is unused, as in PyTorch)."""
        proto = summary.pr_curve_raw(tag, true_positive_counts, false_positive_counts, true_negative_counts,
                                     false_negative_counts, precision, recall, num_thresholds)
        self._write(proto, global_step, walltime)

    def add_mesh(self, tag: str, vertices: Any, colors: Any = None, faces: Any = None,
                 config_dict: dict[str, Any] | None = None, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log a point cloud or a triangle mesh: B x N x 3 vertices, optional colors and faces."""
        self._write(summary.mesh(tag, vertices, colors, faces, config_dict), global_step, walltime)

    def add_custom_scalars_multilinechart(self, tags: list[str], category: str = "default",
                                          title: str = "untitled") -> None:
        """Lay out a chart drawing the scalars `tags` together."""
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(self, tags: list[str], category: str = "default",
                                       title: str = "untitled") -> None:
        """Lay out a chart of a value and its lower and upper bounds: `tags` names those three scalars."""
        if len(tags) != 3:
            raise AssertionError(f"Expected 3 tags, got {len(tags)}.")
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    def add_custom_scalars(self, layout: dict[str, dict[str, list[Any]]]) -> None:
        """Lay out the custom scalars dashboard: {category: {title: ['Multiline' or 'Margin', tags]}}."""
        self._write(summary.custom_scalars(layout), None, None)

    def flush(self) -> None:
        """Write pending events of every writer (the run's and add_scalars' sub-runs) to disk."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self) -> None:
        """Flush and close the event files; logging afterwards opens new ones. Closing twice is harmless."""
        for writer in (self.all_writers or {}).values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.close()


def _escape(tag: str) -> str:
    """Percent-escape '%', '/' and '\\' so a tag makes a single directory name."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")
