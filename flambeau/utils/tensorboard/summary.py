"""Summary protobufs, one builder per kind of data (torch.utils.tensorboard.summary).

Each builder takes flambeau tensors, NumPy arrays or Python numbers and returns a `Summary` that a
FileWriter stamps with a step and a wall time.
"""
from __future__ import annotations

import io
import wave
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ..._tensor import Tensor
from ._convert import make_np
from ._histogram import make_histogram
from ._hparams import hparams
from ._image import make_image, to_uint8_hwc
from ._mesh import mesh
from ._tensor_proto import make_tensor_proto, shape_proto
from ._video import make_video, tile_video

__all__ = ["audio", "compute_curve", "custom_scalars", "histogram", "histogram_raw", "hparams", "image",
           "image_boxes", "mesh", "pr_curve", "pr_curve_raw", "scalar", "tensor_proto", "text",
           "video"]

# The pr_curves plugin cannot store more thresholds than this (PyTorch caps them the same way).
_MAX_THRESHOLDS = 127


def scalar(name: str, tensor: Any, new_style: bool = False, double_precision: bool = False) -> Summary:
    """One number: a `simple_value`, or with `new_style` a float (or double) tensor for the scalars plugin."""
    array = make_np(tensor).squeeze()
    if array.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). "
                             f"Was given size: {array.size} and {array.ndim} dimensions.")
    value = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=value)])
    if double_precision:
        proto = TensorProto(dtype="DT_DOUBLE", double_val=[value])
    else:
        proto = TensorProto(dtype="DT_FLOAT", float_val=[value])
    return _plugin_summary(name, "scalars", proto)


def tensor_proto(tag: str, tensor: Any) -> Summary:
    """A whole tensor (or array) in its own dtype, for the tensor plugin."""
    array = tensor.detach().cpu().numpy() if isinstance(tensor, Tensor) else np.asarray(tensor)
    return _plugin_summary(tag, "tensor", make_tensor_proto(tag, array))


def histogram(name: str, values: Any, bins: Any, max_bins: int | None = None) -> Summary:
    """The histogram of `values` (any shape) over `bins` edges, a bucket count or a NumPy rule name."""
    histo = make_histogram(make_np(values).astype(float), bins, max_bins)
    return Summary(value=[Summary.Value(tag=name, histo=histo)])


def histogram_raw(name: str, min: float, max: float, num: int, sum: float, sum_squares: float,
                  bucket_limits: Any, bucket_counts: Any) -> Summary:
    """A histogram whose statistics and buckets were computed by the caller."""
    histo = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                           bucket_limit=bucket_limits, bucket=bucket_counts)
    return Summary(value=[Summary.Value(tag=name, histo=histo)])


def image(tag: str, tensor: Any, rescale: float = 1, dataformats: str = "NCHW") -> Summary:
    """An image, or a batch tiled into a grid: float values in [0, 1] or uint8 in [0, 255]."""
    pixels = to_uint8_hwc(make_np(tensor), dataformats)
    return Summary(value=[Summary.Value(tag=tag, image=make_image(pixels, rescale=rescale))])


def image_boxes(tag: str, tensor_image: Any, tensor_boxes: Any, rescale: float = 1, dataformats: str = "CHW",
                labels: list[str] | None = None) -> Summary:
    """An image with (xmin, ymin, xmax, ymax) boxes drawn on it, each with an optional label."""
    pixels = to_uint8_hwc(make_np(tensor_image), dataformats)
    encoded = make_image(pixels, rescale=rescale, boxes=make_np(tensor_boxes), labels=labels)
    return Summary(value=[Summary.Value(tag=tag, image=encoded)])


def video(tag: str, tensor: Any, fps: float = 4) -> Summary:
    """A batch of clips, B x T x C x H x W, tiled into one animated GIF."""
    clip = make_video(tile_video(make_np(tensor)), fps)
    return Summary(value=[Summary.Value(tag=tag, image=clip)])


def audio(tag: str, tensor: Any, sample_rate: int = 44100) -> Summary:
    """A mono clip with samples in [-1, 1] (louder ones are clipped), stored as 16-bit WAV."""
    samples = make_np(tensor).squeeze()
    if abs(samples).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        samples = samples.clip(-1, 1)
    if samples.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    pcm = (samples * np.iinfo(np.int16).max).astype("<i2")
    with io.BytesIO() as buffer:
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(pcm.tobytes())
        encoded = buffer.getvalue()
    clip = Summary.Audio(sample_rate=sample_rate, num_channels=1, length_frames=pcm.shape[-1],
                         encoded_audio_string=encoded, content_type="audio/wav")
    return Summary(value=[Summary.Value(tag=tag, audio=clip)])


def text(tag: str, text: str) -> Summary:
    """A (markdown) string for the text plugin, under the tag '<tag>/text_summary'."""
    proto = TensorProto(dtype="DT_STRING", string_val=[text.encode("utf_8")], tensor_shape=shape_proto([1]))
    return _plugin_summary(tag + "/text_summary", "text", proto, TextPluginData(version=0).SerializeToString())


def custom_scalars(layout: dict[str, dict[str, list[Any]]]) -> Summary:
    """The custom scalars layout: {category: {chart title: ['Multiline' or 'Margin', tags]}}."""
    categories = []
    for title, charts in layout.items():
        category = layout_pb2.Category(title=title)
        for chart_title, chart_spec in charts.items():
            tags = chart_spec[1]
            if chart_spec[0] == "Margin":
                if len(tags) != 3:
                    raise AssertionError("len(tags) != 3")
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                chart = layout_pb2.Chart(title=chart_title, margin=layout_pb2.MarginChartContent(series=[series]))
            else:
                chart = layout_pb2.Chart(title=chart_title, multiline=layout_pb2.MultilineChartContent(tag=tags))
            category.chart.append(chart)
        categories.append(category)
    serialized = layout_pb2.Layout(category=categories).SerializeToString()
    proto = TensorProto(dtype="DT_STRING", string_val=[serialized], tensor_shape=shape_proto([]))
    return _plugin_summary("custom_scalars__config__", "custom_scalars", proto)


def pr_curve(tag: str, labels: Any, predictions: Any, num_thresholds: int = 127, weights: Any = None) -> Summary:
    """The precision-recall curve of `predictions` in [0, 1] against boolean `labels`."""
    num_thresholds = min(num_thresholds, _MAX_THRESHOLDS)
    weights = 1.0 if weights is None else make_np(weights)
    curve = compute_curve(make_np(labels), make_np(predictions), num_thresholds, weights)
    return _pr_summary(tag, curve, num_thresholds)


def pr_curve_raw(tag: str, tp: Any, fp: Any, tn: Any, fn: Any, precision: Any, recall: Any,
                 num_thresholds: int = 127) -> Summary:
    """A precision-recall curve from counts and ratios the caller computed, one entry per threshold."""
    curve = np.stack([make_np(column) for column in (tp, fp, tn, fn, precision, recall)])
    return _pr_summary(tag, curve, min(num_thresholds, _MAX_THRESHOLDS))


def compute_curve(labels: np.ndarray, predictions: np.ndarray, num_thresholds: int,
                  weights: Any = 1.0) -> np.ndarray:
    """Rows tp, fp, tn, fn, precision, recall at `num_thresholds` thresholds evenly spaced in [0, 1]."""
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    positive = labels.astype(np.float64)

    def weighted_count(weight: np.ndarray) -> np.ndarray:
        counts, _ = np.histogram(buckets, bins=num_thresholds, range=(0, num_thresholds - 1), weights=weight)
        return counts

    # A prediction in bucket b is called positive at every threshold up to b: reversed cumulative sums.
    tp = np.cumsum(weighted_count(positive * weights)[::-1])[::-1]
    fp = np.cumsum(weighted_count((1.0 - positive) * weights)[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    tiny = 1e-7  # keeps 0 / 0 at 0
    precision = tp / np.maximum(tiny, tp + fp)
    recall = tp / np.maximum(tiny, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def _pr_summary(tag: str, curve: np.ndarray, num_thresholds: int) -> Summary:
    """The 6 x thresholds curve as a float tensor for the pr_curves plugin."""
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    proto = TensorProto(dtype="DT_FLOAT", float_val=curve.reshape(-1).tolist(),
                        tensor_shape=shape_proto(curve.shape))
    return _plugin_summary(tag, "pr_curves", proto, content)


def _plugin_summary(tag: str, plugin: str, proto: TensorProto, content: bytes = b"") -> Summary:
    """A Summary with one tensor value, tagged with the plugin that displays it."""
    smd = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=plugin, content=content))
    return Summary(value=[Summary.Value(tag=tag, metadata=smd, tensor=proto)])
