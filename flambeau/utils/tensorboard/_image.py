"""Images for TensorBoard: any layout to one HWC uint8 picture, then a PNG in a Summary.Image."""
from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import Summary


def to_uint8_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """An image laid out as `dataformats` (CHW, HWC, HW or a batch NCHW...) as HWC uint8 pixels.

    uint8 input is taken as 0..255, anything else as 0..1; values outside are clipped.
    """
    hwc = convert_to_hwc(array, dataformats)
    scale = 1 if hwc.dtype == np.uint8 else 255
    return (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def convert_to_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """Transpose to height, width, channels; grey images get three channels, batches become a grid."""
    if len(set(dataformats)) != len(dataformats):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {dataformats}")
    if array.ndim != len(dataformats):
        raise AssertionError(f"size of input tensor and input format are different. "
                             f"tensor shape: {array.shape}, input_format: {dataformats}")
    dataformats = dataformats.upper()
    if array.ndim == 4:
        nchw = array.transpose([dataformats.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if array.ndim == 3:
        hwc = array.transpose([dataformats.find(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc
    hw = array.transpose([dataformats.find(c) for c in "HW"])
    return np.stack([hw] * 3, axis=2)


def make_grid(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Tile N images (N1HW or N3HW) row by row into one CHW picture, `ncols` to a row."""
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    count, _, height, width = images.shape
    ncols = min(count, ncols)
    nrows = math.ceil(count / ncols)
    canvas = np.zeros((3, height * nrows, width * ncols), dtype=images.dtype)
    for i, image in enumerate(images):
        row, col = divmod(i, ncols)
        canvas[:, row * height:(row + 1) * height, col * width:(col + 1) * width] = image
    return canvas


def pil_image() -> Any:
    """PIL.Image, imported on first use: images are encoded as PNG by Pillow."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("Writing images to TensorBoard needs Pillow: pip install pillow") from e
    return Image


def make_image(hwc: np.ndarray, rescale: float = 1, boxes: np.ndarray | None = None,
               labels: list[str] | None = None) -> Summary.Image:
    """PNG-encode HWC uint8 pixels, optionally with boxes drawn and resized by `rescale`."""
    height, width, channels = hwc.shape
    picture = pil_image().fromarray(hwc)
    if boxes is not None:
        _draw_boxes(picture, boxes, labels)
    picture = picture.resize((int(width * rescale), int(height * rescale)), pil_image().Resampling.LANCZOS)
    with io.BytesIO() as buffer:
        picture.save(buffer, format="PNG")
        encoded = buffer.getvalue()
    # The proto records the size before rescaling, as PyTorch writes it.
    return Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)


def _draw_boxes(picture: Any, boxes: np.ndarray, labels: list[str] | None) -> None:
    """Draw red (xmin, ymin, xmax, ymax) boxes, each with its label on a red band at its bottom."""
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default()
    for i, (left, top, right, bottom) in enumerate(boxes[:, :4].tolist()):
        corners = [(left, top), (left, bottom), (right, bottom), (right, top), (left, top)]
        draw.line(corners, width=2, fill="Red")
        if labels is None or not labels[i]:
            continue
        x0, y0, x1, y1 = font.getbbox(labels[i])
        text_width, text_height = x1 - x0, y1 - y0
        margin = np.ceil(0.05 * text_height)
        draw.rectangle([(left, bottom - text_height - 2 * margin), (left + text_width, bottom)], fill="Red")
        draw.text((left + margin, bottom - text_height - margin), labels[i], fill="black", font=font)


def figure_to_image(figures: Any, close: bool = True) -> np.ndarray:
    """Render a matplotlib figure to CHW uint8 RGB, or a list of figures to NCHW."""
    try:
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError as e:
        raise ImportError("add_figure renders matplotlib figures: pip install matplotlib") from e

    def render(figure: Any) -> np.ndarray:
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        width, height = figure.canvas.get_width_height()
        rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)
        if close:
            plt.close(figure)
        return rgba[:, :, :3].transpose(2, 0, 1)

    if isinstance(figures, list):
        return np.stack([render(figure) for figure in figures])
    return render(figures)
